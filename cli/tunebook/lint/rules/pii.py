"""TB6xx pii: personal data and secrets that must not be trained into weights."""

from __future__ import annotations

import ipaddress
import re

from tunebook.lint.context import Context, hit
from tunebook.lint.model import Example
from tunebook.lint.registry import Rule, define, knob
from tunebook.lint.report import Finding

_PII_WHY = (
    "A fine-tuned model can reproduce training text verbatim; personal data in the weights is"
    " a privacy incident and usually a compliance one."
)

EMAIL = define(
    "TB601",
    "email-address",
    "pii",
    "warning",
    message="content contains an email address ({value})",
    fix="Replace it with a placeholder such as <EMAIL> or a reserved example.com address.",
    doc=f"""
    What it does
        Reports email addresses. Addresses at reserved documentation domains (example.com,
        example.org, example.net, *.test, *.invalid, *.example) are allowed.
    Why is this bad?
        {_PII_WHY}
    Example
        "Write to jane.doe@gmail.com"
    Use instead
        "Write to <EMAIL>"
    Options
        ``thresholds: {{email-address: {{allow_domains: [mycorp.com]}}}}``.
    """,
    knobs=(
        knob(
            "allow_domains", "list[str]", [], "e-mail domains (and their subdomains) not reported"
        ),
    ),
)
PHONE = define(
    "TB602",
    "phone-number",
    "pii",
    "warning",
    message="content contains a phone number ({value})",
    fix="Replace it with a placeholder such as <PHONE>.",
    doc=f"""
    What it does
        Reports phone numbers written the way people write them: ``+44 20 7946 0958``,
        ``(415) 555-0132``, ``415-555-0132``. Bare digit runs (order numbers), dates,
        prices and version numbers do not match.
    Why is this bad?
        {_PII_WHY}
    Example
        "Call me on +1 415 555 0132"
    Use instead
        "Call me on <PHONE>"
    Options
        None.
    """,
)
CARD = define(
    "TB603",
    "card-number",
    "pii",
    "error",
    message="content contains a payment card number ending {last4}",
    fix="Remove the card number; never keep card data in training sets (PCI DSS).",
    doc=f"""
    What it does
        Reports 13–19 digit numbers with a card network prefix that pass the Luhn check.
    Why is this bad?
        {_PII_WHY} Card numbers are regulated (PCI DSS).
    Example
        "My card is 4111 1111 1111 1111"
    Use instead
        "My card ends in 1111"
    Options
        None.
    """,
)
IP_ADDRESS = define(
    "TB604",
    "ip-address",
    "pii",
    "info",
    message="content contains an IP address ({value})",
    fix="Replace it with a documentation address (192.0.2.x, 2001:db8::) or <IP>.",
    doc=f"""
    What it does
        Reports IPv4 and IPv6 addresses, except documentation ranges (192.0.2.0/24,
        198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), loopback, and version-like
        strings such as ``1.2.3.4`` after "v"/"version".
    Why is this bad?
        {_PII_WHY} Addresses identify customers and internal hosts.
    Example
        "The server at 10.42.7.19 refused"
    Use instead
        "The server at 192.0.2.10 refused"
    Options
        None.
    """,
)
SECRET = define(
    "TB605",
    "secret-key",
    "pii",
    "error",
    message="content contains what looks like a {kind}",
    fix="Remove the secret from the data and rotate it: it has leaked already.",
    doc="""
    What it does
        Reports API keys and tokens by their documented shapes: AWS access key ids
        (``AKIA…``), OpenAI keys (``sk-…``), GitHub tokens (``ghp_…``, ``github_pat_…``),
        Slack tokens (``xox…``).
    Why is this bad?
        A model that memorises a key hands it to anyone who asks the right question.
    Example
        "export OPENAI_API_KEY=sk-proj-abc123..."
    Use instead
        "export OPENAI_API_KEY=<OPENAI_API_KEY>"
    Options
        None.
    """,
)
PRIVATE_KEY = define(
    "TB606",
    "private-key-block",
    "pii",
    "error",
    message="content contains a PEM private key block",
    fix="Remove the key from the data and rotate it.",
    doc="""
    What it does
        Reports ``-----BEGIN ... PRIVATE KEY-----`` blocks.
    Why is this bad?
        Private keys in training data are leaked credentials.
    Example
        "-----BEGIN RSA PRIVATE KEY-----\\nMIIE..."
    Use instead
        "<PRIVATE KEY REDACTED>"
    Options
        None.
    """,
)
RULES = (EMAIL, PHONE, CARD, IP_ADDRESS, SECRET, PRIVATE_KEY)

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})")
_RESERVED_DOMAINS = ("example.com", "example.org", "example.net")
_RESERVED_TLDS = (".test", ".invalid", ".example", ".localhost")
_PHONE = re.compile(
    r"(?<![\w.+/-])(?:"
    r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,4}){1,4}"
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}"
    r"|\d{3}[ .-]\d{3}[ .-]\d{4}"
    r")(?![\w.-]?\d)"
)
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6011|65|35)")
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.]*\d)")
_IPV6 = re.compile(
    r"(?<![\w:])((?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{0,4}(?:::?[0-9A-Fa-f]{1,4})*)(?![\w:])"
)
_SECRETS = (
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
)
_PEM = re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")
_CLUSTER = re.compile(r"[0-9+(][0-9 .()/+-]{5,}[0-9]", re.ASCII)
_NUMERIC_TABLE = bytes.maketrans(b"0123456789 .-()/+", b"9" * 17)
_GATE = b"9" * 7


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum used by payment card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _email(text: str, ctx: Context) -> str | None:
    allow = tuple(ctx.threshold(EMAIL, "allow_domains"))
    for m in _EMAIL.finditer(text):
        domain = m.group(1).lower()
        if domain.endswith(_RESERVED_TLDS) or any(
            domain == d or domain.endswith("." + d) for d in (*_RESERVED_DOMAINS, *allow)
        ):
            continue
        return m.group()
    return None


def _numbers(text: str, ctx: Context) -> list[tuple[Rule, dict[str, str]]]:
    """Card, phone and IPv4 findings from the digit clusters of ``text`` (one regex scan)."""
    out: list[tuple[Rule, dict[str, str]]] = []
    card = phone = ip = None
    for m in _CLUSTER.finditer(text):
        chunk = m.group().strip(" .-/)")
        digits = sum(c.isdigit() for c in chunk)
        if card is None and 13 <= digits <= 19:
            for c in _CARD.finditer(chunk):
                d = c.group().replace(" ", "").replace("-", "")
                if 13 <= len(d) <= 19 and _CARD_PREFIX.match(d) and len(set(d)) > 1 and luhn_ok(d):
                    card = d[-4:]
                    break
        if phone is None and card is None and digits >= 10:
            for c in _PHONE.finditer(chunk):
                if 10 <= sum(ch.isdigit() for ch in c.group()) <= 15:
                    phone = c.group()
                    break
        if ip is None and chunk.count(".") >= 3:
            ip = _ipv4(text, m.start() + m.group().index(chunk), chunk)
    if card is not None and CARD.code in ctx.enabled:
        out.append((CARD, {"last4": card}))
    elif phone is not None and PHONE.code in ctx.enabled:
        out.append((PHONE, {"value": phone}))
    if ip is not None and IP_ADDRESS.code in ctx.enabled:
        out.append((IP_ADDRESS, {"value": ip}))
    return out


def _ipv4(text: str, start: int, chunk: str) -> str | None:
    for m in _IPV4.finditer(chunk):
        value = m.group(1)
        before = text[max(0, start + m.start() - 9) : start + m.start()].lower()
        if before.rstrip().endswith(("v", "version", "ver", "release", "build")):
            continue
        try:
            addr = ipaddress.IPv4Address(value)
        except ValueError:
            continue
        if all(len(p) == 1 for p in value.split(".")) or not _public_or_private(addr):
            continue
        return value
    return None


def _ipv6(text: str) -> str | None:
    for m in _IPV6.finditer(text):
        try:
            addr6 = ipaddress.IPv6Address(m.group(1))
        except ValueError:
            continue
        if _public_or_private(addr6):
            return m.group(1)
    return None


def _public_or_private(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for addresses that can identify someone (not loopback/unspecified/documentation)."""
    if addr.is_loopback or addr.is_unspecified or addr.is_multicast:
        return False
    return not any(addr in net for net in _DOC_NETS)


_DOC_NETS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "2001:db8::/32",
        "0.0.0.0/8",
    )
)


def _maybe_secret(t: str) -> bool:
    return "AKIA" in t or "ASIA" in t or "sk-" in t or ("gh" in t and "_" in t) or "xox" in t


def check(ex: Example, ctx: Context) -> list[Finding]:
    text = ex.text
    on = ctx.enabled
    out: list[Finding] = []
    if "@" in text and EMAIL.code in on and (v := _email(text, ctx)):
        out.append(hit(EMAIL, ex, value=v))
    # cheap C-speed gate: 7+ consecutive digits/separators somewhere in the text
    if _GATE in text.encode("utf-8", "surrogatepass").translate(_NUMERIC_TABLE):
        for rule, fields in _numbers(text, ctx):
            out.append(hit(rule, ex, **fields))
    if IP_ADDRESS.code in on and ("::" in text or text.count(":") >= 7) and (v := _ipv6(text)):
        out.append(hit(IP_ADDRESS, ex, value=v))
    if SECRET.code in on and _maybe_secret(text):
        for kind, pattern in _SECRETS:
            if pattern.search(text):
                out.append(hit(SECRET, ex, kind=kind))
                break
    if "PRIVATE KEY" in text and PRIVATE_KEY.code in on and _PEM.search(text):
        out.append(hit(PRIVATE_KEY, ex))
    return out
