"""TB32x encoding: bytes and characters that are not the text the author meant."""

from __future__ import annotations

import re

from tunebook.lint.context import Context, hit
from tunebook.lint.model import Example
from tunebook.lint.registry import define
from tunebook.lint.report import Finding

INVALID_UTF8 = define(
    "TB321",
    "invalid-utf8",
    "encoding",
    "error",
    message="invalid UTF-8 ({detail})",
    fix="Re-export the file as UTF-8; find the producer that wrote Latin-1 or cut bytes.",
    doc="""
    What it does
        Reports a line whose bytes are not valid UTF-8. Linting goes on with the bad bytes
        replaced by U+FFFD.
    Why is this bad?
        ``datasets`` refuses the file, or the bytes become replacement characters that the
        model learns to produce.
    Example
        A line written in Latin-1: caf\\xe9
    Use instead
        café, encoded as UTF-8.
    Options
        None.
    """,
)
REPLACEMENT_CHAR = define(
    "TB322",
    "replacement-character",
    "encoding",
    "warning",
    message="content contains U+FFFD (a character lost in an earlier decode)",
    fix="Recover the original text from the source; the character is already lost here.",
    doc="""
    What it does
        Reports the Unicode replacement character ``\\ufffd`` in content.
    Why is this bad?
        It marks text damaged by an earlier wrong decode; the model learns to emit it.
    Example
        "Let\\ufffds go"
    Use instead
        "Let's go"
    Options
        None.
    """,
)
CONTROL_CHAR = define(
    "TB323",
    "control-character",
    "encoding",
    "warning",
    message="content contains control character U+{cp:04X}",
    fix="Strip control characters (other than tab and newline) from the text.",
    doc="""
    What it does
        Reports C0 control characters other than tab, newline and carriage return, and DEL.
    Why is this bad?
        They are invisible in editors, come from broken scrapes or terminals, and waste
        tokens or confuse the tokenizer.
    Example
        "Hello\\x08 world"
    Use instead
        "Hello world"
    Options
        None.
    """,
)
MOJIBAKE = define(
    "TB324",
    "mojibake",
    "encoding",
    "warning",
    message="content looks double-encoded (mojibake): {sample!r}",
    fix="Repair with ftfy.fix_text or re-decode the source as UTF-8.",
    doc="""
    What it does
        Reports UTF-8 text that was decoded as Latin-1/cp1252 and re-encoded, e.g. ``Ã©``
        for ``é`` or ``â€™`` for ``’``.
    Why is this bad?
        The model learns the garbled spelling and reproduces it.
    Example
        "CafÃ© opens at 9, weâ€™re happy to help"
    Use instead
        "Café opens at 9, we’re happy to help"
    Options
        None.
    """,
)
RULES = (INVALID_UTF8, REPLACEMENT_CHAR, CONTROL_CHAR, MOJIBAKE)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])
_MOJIBAKE = re.compile(r"Ã[\x80-\xbf]|â€[\x80-\xbf™œžšŸ“”˜¢¦]|Â[\xa0-\xbf]|Ã[©¨¶¼¤§±³º¡]")


def check(ex: Example, ctx: Context) -> list[Finding]:
    text = ex.text
    on = ctx.enabled
    out: list[Finding] = []
    if "\ufffd" in text and "replaced-utf8" not in ex.flags and REPLACEMENT_CHAR.code in on:
        out.append(hit(REPLACEMENT_CHAR, ex))
    data = text.encode("utf-8", "surrogatepass")
    if len(data.translate(None, _CONTROL_BYTES)) != len(data) and CONTROL_CHAR.code in on:
        m = _CONTROL.search(text)
        if m:
            out.append(hit(CONTROL_CHAR, ex, cp=ord(m.group())))
    if len(data) == len(text):  # ASCII: no mojibake possible
        return out
    m = _MOJIBAKE.search(text)
    if m and MOJIBAKE.code in on:
        out.append(hit(MOJIBAKE, ex, sample=text[max(0, m.start() - 8) : m.end() + 8]))
    return out
