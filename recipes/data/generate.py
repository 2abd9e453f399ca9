#!/usr/bin/env python3
"""Deterministic generator for the small, license-clean datasets of the shipped recipes.

Every sentence fragment below was written for tunebook (CC0 / Apache-2.0, see docs/datasets.md).
Examples are composed from many hand-written building blocks with a fixed seed, filtered so that
no two examples of a dataset (train and eval together) are exact or near duplicates (Jaccard of
word 3-gram shingles < 0.5, a margin under the linter's 0.6), and split into train/eval.

    python recipes/data/generate.py              # rewrite recipes/data/* in place
    python recipes/data/generate.py --out DIR    # write somewhere else (byte-identical output)

Stdlib only; the output is byte-identical on every run.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

SEED = 20240611
NEAR_DUP_LIMIT = 0.5  # the linter flags >= 0.6; keep a margin
HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------

PII_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "phone": re.compile(
        r"(?<![\w-])(?:\+?\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\w-])"
    ),
    "intl-phone": re.compile(r"\+\d[\d\s().-]{7,}\d"),
    "card-like": re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)"),
    "ip": re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"),
    "api-key": re.compile(
        r"\b(?:sk|pk|api|key|token|ghp|xox[bp])[-_][A-Za-z0-9_-]{12,}|\b[A-Za-z0-9]{32,}\b"
    ),
    "chat-token": re.compile(
        r"<\|[^|>]*\|>|\[/?INST\]|</?s>|<<SYS>>|<start_of_turn>|<end_of_turn>"
    ),
    "mojibake": re.compile(r"Ã.|â€|Â[^\w]|\ufffd"),
}


def pii_hits(text: str) -> list[str]:
    """Names of the PII / hygiene patterns that match ``text`` (empty list: clean)."""
    hits = [name for name, pat in PII_PATTERNS.items() if pat.search(text)]
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        hits.append("control-char")
    return hits


def normalize(text: str) -> str:
    return " ".join(text.lower().split())


def shingles(text: str) -> set[str]:
    words = text.lower().split()
    return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 1.0 if a == b else 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def dedup_text(example: dict[str, Any]) -> str:
    """User + assistant content, the text the near-duplicate rule compares."""
    return " ".join(m["content"] for m in example["messages"] if m["role"] != "system")


class Pool:
    """Accepts examples that are neither exact nor near duplicates of anything already in."""

    def __init__(self, limit: float = NEAR_DUP_LIMIT) -> None:
        self.limit = limit
        self.examples: list[dict[str, Any]] = []
        self._norms: set[str] = set()
        self._shingles: list[set[str]] = []

    def __len__(self) -> int:
        return len(self.examples)

    def add(self, example: dict[str, Any]) -> bool:
        text = dedup_text(example)
        full = " ".join(m["content"] for m in example["messages"])
        if pii_hits(full):
            return False
        norm = normalize(text)
        if norm in self._norms:
            return False
        sh = shingles(text)
        if len(sh) < 3:
            return False
        for other in self._shingles:
            inter = len(sh & other)
            if inter and inter / (len(sh) + len(other) - inter) >= self.limit:
                return False
        self._norms.add(norm)
        self._shingles.append(sh)
        self.examples.append(example)
        return True


class Slots(dict):
    """format_map() mapping that draws each missing slot once per example, then reuses it."""

    def __init__(self, rng: random.Random, table: dict[str, Any], **fixed: Any) -> None:
        super().__init__(fixed)
        self.rng = rng
        self.table = table

    def __missing__(self, key: str) -> str:
        source = self.table[key]
        value = source(self.rng) if callable(source) else self.rng.choice(source)
        self[key] = value
        return value


def fill(template: str, slots: Slots) -> str:
    return template.format_map(slots)


def pick(rng: random.Random, items: Sequence[str], slots: Slots) -> str:
    return fill(rng.choice(items), slots)


def maybe(rng: random.Random, p: float, items: Sequence[str], slots: Slots) -> str:
    return pick(rng, items, slots) if rng.random() < p else ""


def join_sentences(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def msg(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content.strip()}


def collect(
    name: str, total: int, make: Callable[[random.Random], dict[str, Any] | None], seed: str
) -> list[dict[str, Any]]:
    rng = random.Random(f"{SEED}-{seed}")
    pool = Pool()
    attempts = 0
    while len(pool) < total:
        attempts += 1
        if attempts > total * 200:
            raise RuntimeError(f"{name}: only {len(pool)}/{total} distinct examples")
        example = make(rng, len(pool))
        if example is not None:
            pool.add(example)
    return pool.examples


def split(
    examples: list[dict[str, Any]], n_eval: int, seed: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    order = list(range(len(examples)))
    random.Random(f"{SEED}-split-{seed}").shuffle(order)
    eval_idx = set(order[:n_eval])
    train = [ex for i, ex in enumerate(examples) if i not in eval_idx]
    evals = [ex for i, ex in enumerate(examples) if i in eval_idx]
    return train, evals


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(dumps(r) + "\n" for r in rows).encode("utf-8"))


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def words(text: str) -> int:
    return len(text.split())


NUMBER_WORDS = ["two", "three", "four", "five"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


# --------------------------------------------------------------------------------------------
# 1. support-tone
# --------------------------------------------------------------------------------------------

SUPPORT_SYSTEM = (
    "You are Sam, a customer support agent for Fernway (home goods shop and the Fernway "
    "Planner app). Reply warmly and concisely: apologise when something went wrong, give a "
    "concrete next step, and sign off as Sam from Support."
)
SIGN_OFF = "— Sam from Support"

SUPPORT_SLOTS: dict[str, Any] = {
    "order": lambda r: f"ORD-{r.randint(10000, 99999)}",
    "product": [
        "Harbor mug set",
        "Alder standing desk",
        "Nimbus rain jacket",
        "Quill wireless keyboard",
        "Ember pour-over kettle",
        "Juniper yoga mat",
        "Atlas trail backpack",
        "Pebble speaker",
        "Cedar cutting board",
        "Lark desk lamp",
        "Drift weighted blanket",
        "Orbit phone stand",
        "Willow linen sheets",
        "Copper chef's pan",
        "Marlow wool throw",
        "Basalt water bottle",
        "Fable storage baskets",
        "Tundra thermal flask",
        "Sora bamboo towels",
        "Kinfolk tea tin",
    ],
    "carrier": ["Parcelway", "NorthPost", "SwiftDrop", "Greenline Courier", "Tidewater Freight"],
    "days": NUMBER_WORDS,
    "weekday": WEEKDAYS,
    "plan": ["Plus", "Team", "Studio", "Business"],
    "feature": [
        "calendar sync",
        "CSV export",
        "the Kanban board",
        "recurring tasks",
        "shared projects",
        "the weekly report",
        "time tracking",
        "file attachments",
        "reminders",
        "the Gantt view",
    ],
    "code": ["SPRING15", "WELCOME10", "FERNDAY", "AUTUMN20", "COZY25", "FRIENDS5", "HOMEBASE"],
    "amount": lambda r: f"${r.randint(12, 240)}.{r.choice(['00', '49', '95', '99', '50'])}",
    "device": ["iPhone", "Android phone", "iPad", "Windows laptop", "Mac", "Chromebook"],
    "color": ["sage", "charcoal", "oat", "terracotta", "navy", "moss green", "sand"],
    "size": ["small", "medium", "large", "XL", "the twin size", "the queen size"],
    "month": MONTHS,
    "count": ["two", "three", "four", "six", "eight"],
    "version": lambda r: f"{r.randint(4, 6)}.{r.randint(0, 9)}",
}

USER_OPENERS = [
    "Hi,",
    "Hello,",
    "Hi there,",
    "Hey Fernway team,",
    "Good morning,",
    "Hello support,",
    "Hi folks,",
    "",
    "",
    "",
    "Evening,",
    "Hi team,",
]
USER_CLOSERS = [
    "Thanks.",
    "Thanks in advance!",
    "Appreciate any help.",
    "Cheers.",
    "",
    "",
    "",
    "Thank you!",
    "Hope you can sort this out.",
    "Let me know what you need from me.",
    "Kind regards.",
    "Would love a quick answer.",
]
REPLY_OPENERS = [
    "Hi there,",
    "Hello,",
    "Hi,",
    "Thanks for getting in touch,",
    "Thanks for reaching out,",
    "Hi, and thanks for writing in.",
    "Hello, and thanks for the clear details.",
]
APOLOGIES = [
    "I'm really sorry about this.",
    "Sorry for the hassle — that's not the experience we want for you.",
    "I'm sorry this happened.",
    "Apologies for the trouble here.",
    "I'm so sorry — that's frustrating.",
    "Sorry about that, and thank you for your patience.",
    "I apologise for the inconvenience.",
]
REPLY_CLOSERS = [
    "If anything else comes up, just reply to this message.",
    "Just reply here if you need anything else.",
    "I'm here if you have any other questions.",
    "Let me know if there's anything more I can do.",
    "Reply any time and I'll pick it up.",
    "Have a lovely rest of your day.",
    "Thanks again for letting us know.",
    "Happy to help with anything else.",
]
FOLLOWUP_OPENERS = [
    "Thanks for following up.",
    "Good question.",
    "Glad to hear back from you.",
    "Thanks for checking.",
    "Great question.",
    "Thanks for the quick reply.",
]
FOLLOWUP_EXTRAS = [
    "I've added a note to your account so anyone on the team can see the full picture.",
    "I'll keep this conversation open until you confirm everything is sorted.",
    "I've double-checked the details on our side, so you're all set.",
    "If it doesn't look right when you check, send me a quick screenshot and I'll dig in.",
    "Thanks for your patience while we sorted this out together.",
    "Nothing else is needed from you for now.",
    "I'll check back in a couple of days to make sure it all went smoothly.",
]

# Each scenario: wrong (apologise?), problems, details, asks (user side), acks, steps, extras
# (reply side), followups (user question, reply body) for multi-turn conversations.
SCENARIOS: list[dict[str, Any]] = [
    {
        "wrong": True,
        "problems": [
            "My order {order} still hasn't arrived and it's been over a week.",
            "I ordered the {product} ages ago ({order}) and nothing has shown up.",
            "Order {order} was supposed to be here last {weekday} but there's no sign of it.",
            "Still waiting on my {product}. The order number is {order}.",
        ],
        "details": [
            "The tracking page just says 'in transit' with no updates.",
            "It's a birthday present so I'm getting a bit anxious.",
            "{carrier} says they handed it over but I have nothing.",
            "I've checked with my neighbours and the building's parcel room.",
        ],
        "asks": ["Can you tell me where it is?", "What are my options?", "Can you chase this up?"],
        "acks": [
            "I've looked into {order} and it's stuck at the {carrier} depot.",
            "I checked {order}: {carrier} last scanned it {days} days ago, which isn't right.",
            "Your {product} should have reached you by now, and I can see it's been held up in "
            "transit.",
        ],
        "steps": [
            "I've opened a trace with {carrier} and they've promised an update within 48 hours.",
            "I've sent a replacement by express today, so it should reach you in {days} working "
            "days.",
            "I've asked {carrier} to prioritise it; if it hasn't moved by {weekday}, I'll ship a "
            "new one at our cost.",
            "I've arranged a free express replacement, and you'll get the new tracking link "
            "within the hour.",
        ],
        "extras": [
            "If the original turns up as well, keep it or pass it on — no need to send it back.",
            "I've also refunded your shipping fee.",
            "",
        ],
        "followups": [
            (
                "Thanks. Do I need to do anything if the first parcel turns up?",
                "Nothing at all. If both arrive, keep the spare or gift it — we won't ask for it "
                "back.",
            ),
            (
                "Will I get the new tracking link by email?",
                "Yes, it goes to the address on your account as soon as {carrier} collects the "
                "parcel, usually within a few hours.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "The {product} I received is broken.",
            "My {product} arrived cracked down one side.",
            "Opened the box for order {order} today and the {product} is damaged.",
            "The {product} came with a big dent and one piece snapped off.",
        ],
        "details": [
            "The box itself looked fine, so it must have happened before packing.",
            "I took photos if you need them.",
            "The outer packaging was crushed on one corner.",
            "I haven't used it at all.",
        ],
        "asks": ["How do I get a replacement?", "Can I get a refund?", "What should I do with it?"],
        "acks": [
            "Thanks for the details on {order}; a damaged {product} is the last thing you should "
            "unbox.",
            "A {product} should never arrive like that, and I've logged it against {order}.",
            "I've noted the damage on {order} so it's on record.",
        ],
        "steps": [
            "I've dispatched a replacement today with {carrier}, and it should arrive in {days} "
            "working days.",
            "I've issued a full refund of {amount} to your original payment method; it usually "
            "lands within {days} business days.",
            "A new {product} is on its way, and the tracking link will follow shortly.",
            "Please reply with one photo of the damage and I'll send the replacement straight "
            "away.",
        ],
        "extras": [
            "There's no need to return the damaged one — please recycle it if you can.",
            "We'll also pass your photos to the warehouse team so they can check their packing.",
            "",
        ],
        "followups": [
            (
                "Do I need to send the broken one back?",
                "No need. Please recycle it or dispose of it safely; we don't want you paying "
                "for postage on our mistake.",
            ),
            (
                "How long until the refund shows up?",
                "Refunds usually appear within {days} business days, depending on your bank. "
                "I'll keep an eye on it from our side.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "I ordered the {product} in {color} but got a completely different colour.",
            "Order {order} came with the wrong item — I got a {product} I never ordered.",
            "You sent me {size} instead of the size I picked.",
            "The parcel for {order} had someone else's item in it.",
        ],
        "details": [
            "The packing slip shows the right item, so it's a picking mix-up.",
            "I need the right one before the weekend if possible.",
            "The tags are still on and it's unused.",
        ],
        "asks": ["Can you swap it?", "How do I send this back?", "Can you send the right one?"],
        "acks": [
            "That's our mistake, and I've flagged the picking error on {order}.",
            "I can see the mix-up on {order} — the slip and the item don't match.",
            "You're right, what you received isn't what you ordered.",
        ],
        "steps": [
            "I've sent the correct item today by express and attached a prepaid return label to "
            "this ticket.",
            "The right item ships this afternoon; a courier will collect the wrong one on "
            "{weekday} between 9 and 5.",
            "I've emailed you a free return label, and the correct item is already packed and "
            "leaving today.",
        ],
        "extras": [
            "Keep the packaging from the wrong item so the courier can take it back easily.",
            "",
            "I've added a small credit to your account for the trouble.",
        ],
        "followups": [
            (
                "What if I'm not home when the courier comes?",
                "They'll leave a card and try again the next working day. You can also drop it "
                "at any {carrier} point with the same label.",
            ),
            (
                "Can I keep the wrong one and pay the difference?",
                "Absolutely. Reply with a yes and I'll send a payment link for the difference "
                "instead of arranging a collection.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "My order {order} arrived, but the {product} is missing from the box.",
            "I only got part of my order. There should be {count} items and one is missing.",
            "The delivery for {order} was short — no {product} inside.",
        ],
        "details": [
            "The invoice lists it but it's definitely not there.",
            "I checked all the packing paper twice.",
            "Maybe it was sent separately? Nothing says so.",
        ],
        "asks": ["Is it coming separately?", "Can you send it?", "What happened?"],
        "acks": [
            "I checked {order}, and the {product} didn't make it into your parcel.",
            "The warehouse record for {order} shows the {product} was left out.",
            "Your {product} wasn't shipped separately, so it was missed at packing.",
        ],
        "steps": [
            "I've sent it on its own today with {carrier}, arriving in {days} working days.",
            "It's now shipping by express at no cost, and you'll get tracking within a couple of "
            "hours.",
            "I've refunded the {product} in full, and you can reorder it whenever you're ready.",
        ],
        "extras": ["", "I've passed this to the warehouse lead so it doesn't happen again."],
        "followups": [
            (
                "Will it come in the same kind of box?",
                "It'll be in a smaller box with the Fernway leaf on the side, sent by {carrier} "
                "with its own tracking number.",
            ),
            (
                "Thanks! Could you send it to my office instead?",
                "Of course. Reply with the office address and I'll update the shipment before it "
                "leaves the warehouse today.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "I've been charged twice for order {order}.",
            "My bank statement shows two payments of {amount} for the same order.",
            "There's a duplicate charge on my card from you this week.",
            "You took {amount} from me twice for one purchase.",
        ],
        "details": [
            "I only placed one order, I'm sure of it.",
            "Both charges are marked as completed, not pending.",
            "This has put my account close to its limit.",
        ],
        "asks": ["Please refund the extra one.", "Can you fix this?", "Which one is real?"],
        "acks": [
            "I can see both payments of {amount}, and the second one was a duplicate.",
            "You're right — {order} was charged twice due to a payment retry on our side.",
            "I've checked our payment log and confirmed the double charge.",
        ],
        "steps": [
            "I've refunded the duplicate today, and it should show on your statement within "
            "{days} business days.",
            "The extra charge is refunded in full; your bank will release it within {days} "
            "working days.",
            "I've reversed the second payment, so your statement will show a single charge by "
            "{weekday}.",
        ],
        "extras": [
            "If it hasn't appeared by then, reply here and I'll send you the refund reference "
            "for your bank.",
            "",
        ],
        "followups": [
            (
                "Is there a reference I can give my bank?",
                "Yes — quote refund reference RF-{order} to your bank. It proves the duplicate "
                "was returned on our side.",
            ),
            (
                "Will this happen again on my next order?",
                "It shouldn't. The retry issue was fixed yesterday, and I've added a note to "
                "watch your next payment.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "I returned the {product} two weeks ago and haven't seen a refund yet.",
            "Just checking on my refund for {order}.",
            "When will the refund for my returned {product} come through?",
        ],
        "details": [
            "The return was marked delivered on the tracking.",
            "I used the label from your website.",
            "I sent it back in the original box.",
        ],
        "asks": ["Any update?", "Could you check?", "How long does it usually take?"],
        "acks": [
            "Your return for {order} reached us on {weekday} and passed inspection.",
            "I found your returned {product}; it was checked in earlier this week.",
            "The return for {order} is with us and approved.",
        ],
        "steps": [
            "I've released the refund of {amount} today, and it should appear within {days} "
            "business days.",
            "Your refund is processing now and you'll get a confirmation message once it's sent.",
            "I've pushed the refund through manually, so you should see {amount} back within "
            "{days} days.",
        ],
        "extras": [
            "Sorry it took a little longer than usual — returns were busy after the sale.",
            "",
        ],
        "followups": [
            (
                "Will the refund include the return postage?",
                "Yes, the return label was free, so the full {amount} comes back to your "
                "original payment method.",
            ),
            (
                "It's been four days and nothing yet. Is that normal?",
                "Some banks take up to {days} business days to post it. I've double-checked and "
                "the refund left us on time.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "I'd like to return the {product}. It's lovely but doesn't suit the room.",
            "Can I send back the {product} from order {order}?",
            "The {product} isn't quite what I expected, so I'd like to return it.",
        ],
        "details": [
            "I've only unpacked it to look at it.",
            "It's been about two weeks since delivery.",
            "I still have the box.",
        ],
        "asks": ["How does that work?", "Is there a fee?", "What do I need to do?"],
        "acks": [
            "No problem at all — you have 30 days to return anything from {order}.",
            "Of course; the {product} is well within the return window.",
            "Happy to help with that return.",
        ],
        "steps": [
            "Go to Orders, pick {order}, and choose Return item; the label is free and prints in "
            "seconds.",
            "I've emailed a prepaid return label; drop the parcel at any {carrier} point within "
            "14 days.",
            "I've started the return for you, so just pack it up and book a free collection from "
            "the link I've sent.",
        ],
        "extras": [
            "Your refund goes out as soon as it's checked in, usually within {days} days of "
            "arriving.",
            "",
        ],
        "followups": [
            (
                "Do I have to use the original box?",
                "Not at all. Any sturdy box works, as long as the {product} is padded so it "
                "doesn't move around.",
            ),
            (
                "Could I exchange it for a different colour instead?",
                "Yes. Reply with the colour you'd like and I'll switch the return to an "
                "exchange, with free shipping both ways.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "I just placed order {order} and realised it's going to my old address.",
            "Can I change the delivery address on {order}?",
            "I moved last month and forgot to update my address before ordering.",
        ],
        "details": [
            "The new address is already saved in my profile.",
            "It only went through about ten minutes ago.",
            "It's the {product}, so it's too big to redirect easily.",
        ],
        "asks": ["Is it too late?", "Can you update it?", "Please help!"],
        "acks": [
            "Good news — {order} hasn't left the warehouse yet.",
            "You caught it in time; {order} is still being packed.",
            "Thanks for flagging it quickly.",
        ],
        "steps": [
            "I've switched the delivery to the new address saved on your profile, and the "
            "confirmation is on its way.",
            "Reply with the new address and I'll update {order} before the {carrier} pickup this "
            "afternoon.",
            "I've put the parcel on hold; once you confirm the new address it ships the same day.",
        ],
        "extras": ["Delivery timing stays the same.", ""],
        "followups": [
            (
                "Will this delay the delivery?",
                "No — it still ships today and should arrive in {days} working days, just at the "
                "new address.",
            ),
            (
                "Should I also update my address for future orders?",
                "It's worth doing: go to Account, then Addresses, and set the new one as default "
                "so it's picked automatically.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "Please cancel order {order}, I ordered by mistake.",
            "I'd like to cancel my order for the {product}.",
            "Can you cancel {order}? I found I already have one.",
        ],
        "details": [
            "I placed it about an hour ago.",
            "My partner ordered the same thing.",
            "Nothing has shipped yet as far as I can tell.",
        ],
        "asks": ["Thanks.", "Will I get my money back?", "Is that possible?"],
        "acks": [
            "Done — {order} is cancelled before it reached the packing line.",
            "I've cancelled {order} for you.",
            "No problem, the {product} order is now cancelled.",
        ],
        "steps": [
            "The payment of {amount} was only authorised, so it will drop off your statement "
            "within {days} days.",
            "Your refund of {amount} is on its way and should appear within {days} business days.",
            "You'll get a cancellation confirmation shortly, and the {amount} hold on your card "
            "will be released.",
        ],
        "extras": ["", "If you change your mind later, your basket is saved."],
        "followups": [
            (
                "Can I use the money as store credit instead?",
                "Yes. Reply with a yes and I'll convert the refund into store credit that never "
                "expires.",
            ),
            (
                "Do I need to do anything else?",
                "Nothing at all. The cancellation is final, and no parcel will be sent.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "The discount code {code} isn't working at checkout.",
            "I tried {code} on the {product} and it says the code is invalid.",
            "Your newsletter gave me {code} but checkout rejects it.",
        ],
        "details": [
            "The email says it's valid until the end of {month}.",
            "I've tried on my phone and laptop.",
            "My basket is over the minimum spend.",
        ],
        "asks": ["Can you help?", "Is the code still valid?", "Can you apply it manually?"],
        "acks": [
            "{code} should have worked, and I can see it was wrongly limited to sale items.",
            "You're right, {code} is valid; a glitch blocked it on some products.",
            "I've checked {code} and the error was on our side.",
        ],
        "steps": [
            "I've applied the discount to {order} manually and refunded the difference of "
            "{amount}.",
            "The code is fixed now, so please try again and it'll go through.",
            "Place your order as normal, then reply with the order number and I'll refund the "
            "discount straight away.",
        ],
        "extras": ["", "I've extended the code's expiry on your account by two weeks too."],
        "followups": [
            (
                "Can I use the code again on another order?",
                "{code} is single-use, but I've added a fresh 10% code to your account for next "
                "time.",
            ),
            (
                "Thanks! When will the difference show up?",
                "It's already sent, so it should appear within {days} business days depending on "
                "your bank.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "My {product} stopped working after only four months.",
            "The {product} has developed a fault and won't turn on anymore.",
            "I've had the {product} since {month} and it's already falling apart.",
        ],
        "details": [
            "I've followed the care instructions.",
            "It's used normally, nothing heavy.",
            "The order number was {order}, if that helps.",
        ],
        "asks": ["Is this covered by warranty?", "Can it be repaired?", "What can you do?"],
        "acks": [
            "That's well within the two-year warranty, so you're fully covered.",
            "The {product} should last far longer than that.",
            "I've logged a warranty claim on {order}.",
        ],
        "steps": [
            "I've sent a replacement today, and it should reach you in {days} working days.",
            "Please send a short video of the fault by replying here, and I'll approve a "
            "replacement the same day.",
            "A courier will collect the faulty one on {weekday}, and the new one goes out as "
            "soon as it's scanned.",
        ],
        "extras": ["", "No need to find the original packaging."],
        "followups": [
            (
                "Does the warranty restart with the replacement?",
                "Yes, the replacement comes with a fresh two-year warranty from the day it's "
                "delivered.",
            ),
            (
                "Can I get a refund instead of a replacement?",
                "Of course. Just say the word and I'll refund {amount} once the courier collects "
                "the faulty one.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "Tracking for {order} hasn't updated in {days} days.",
            "The {carrier} tracking link for my parcel just says 'label created'.",
            "Is my order actually shipped? Tracking shows nothing since {weekday}.",
        ],
        "details": [
            "I need it for a trip on the weekend.",
            "Other orders from you usually move much faster.",
            "I don't want it sitting at a depot somewhere.",
        ],
        "asks": ["Can you check?", "Is something wrong?", "Should I be worried?"],
        "acks": [
            "{carrier} collected {order} but skipped a scan, so the link looks frozen.",
            "I checked with {carrier}; your parcel is moving, the updates just lagged.",
            "The tracking stalled because {carrier} had a scanner outage at the hub.",
        ],
        "steps": [
            "They've confirmed it's out for delivery on {weekday}.",
            "I've asked {carrier} to confirm its location today and I'll message you the moment "
            "they reply.",
            "If it isn't with you by {weekday}, I'll send a replacement by express at no cost.",
        ],
        "extras": [
            "",
            "You can also ask {carrier} to hold it at a pickup point from their tracking page.",
        ],
        "followups": [
            (
                "Can I pick it up from the depot instead?",
                "Yes. Choose 'collect from depot' on the {carrier} tracking page, and bring a "
                "photo ID when you go.",
            ),
            (
                "And if it arrives late for my trip?",
                "Reply here and I'll refund the shipping and arrange whatever works best, "
                "including a return at our cost.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "The {product} in {color} is sold out. Will it come back?",
            "Any idea when the {product} will be restocked?",
            "I've been waiting for the {product} to be back in stock since {month}.",
        ],
        "details": [
            "I'd really like the {color} one, not another colour.",
            "I want to order {count} as gifts.",
            "",
        ],
        "asks": ["Can I pre-order?", "Can you let me know?", "Is there a waitlist?"],
        "acks": [
            "The {product} in {color} is due back in stock within {days} weeks.",
            "Our next batch of the {product} is already on its way from the maker.",
            "Good news: a restock of the {product} is scheduled.",
        ],
        "steps": [
            "Tap 'Notify me' on the product page and you'll get a message the day it's live.",
            "I've added you to the waitlist, and you'll get first access for 48 hours when it "
            "lands.",
            "I've reserved {count} for you from the incoming batch, with no payment until they "
            "ship.",
        ],
        "extras": [
            "",
            "Sizes and colours usually sell out within a week, so the waitlist is worth it.",
        ],
        "followups": [
            (
                "Will the price stay the same?",
                "Yes, the price won't change for the restock, and your reservation locks it in.",
            ),
            (
                "Can I get a different colour meanwhile?",
                "Of course. Every other colour is in stock and ships within one working day.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "I need a VAT invoice for order {order} for my company.",
            "Could you send me an invoice with our company name for {order}?",
            "Our accounts team needs a proper invoice, not just the receipt.",
        ],
        "details": [
            "It's for the {product} we bought for the office.",
            "We also need the VAT number shown.",
            "",
        ],
        "asks": ["Thanks.", "Is that possible?", "How can I get it?"],
        "acks": [
            "Happy to help with a company invoice for {order}.",
            "Of course — invoices for business orders are quick to set up.",
            "No problem at all.",
        ],
        "steps": [
            "Go to Orders, open {order}, and choose Download invoice; you can add the company "
            "name and VAT number there.",
            "Reply with your company name and VAT number, and I'll send a PDF invoice within the "
            "hour.",
            "I've generated a VAT invoice and attached it to this conversation as a PDF.",
        ],
        "extras": [
            "",
            "Future orders can include the details automatically if you add them under Account.",
        ],
        "followups": [
            (
                "Can the invoice show our purchase order number too?",
                "Yes. Send me the purchase order reference and I'll reissue the invoice with it "
                "printed under the company details.",
            ),
            (
                "Do you accept bank transfer for business orders?",
                "We do, for orders over {amount}. Choose 'Pay by invoice' at checkout and the "
                "payment terms are 30 days.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "I can't log in to Fernway Planner anymore.",
            "The password reset link never arrives.",
            "The app keeps saying my password is wrong even after I reset it.",
            "I'm locked out of my Planner account on my {device}.",
        ],
        "details": [
            "I've checked spam and promotions.",
            "It worked fine yesterday.",
            "I have a deadline today and all my tasks are in there.",
        ],
        "asks": ["Please help me get back in.", "What can I do?", "Can you unlock it?"],
        "acks": [
            "Your account was locked after several failed attempts, which is a safety feature.",
            "I can see the reset messages bounced because of a temporary mail delay on our side.",
            "Your account is safe; the login just got stuck after the last password change.",
        ],
        "steps": [
            "I've unlocked it, so please request a fresh reset link from the login page; it's "
            "valid for 30 minutes.",
            "I've resent the reset link just now, and it should arrive within five minutes.",
            "Sign out on all devices, update the app to version {version}, then log in with your "
            "new password.",
        ],
        "extras": ["", "Your projects and tasks are all intact."],
        "followups": [
            (
                "Got in, thanks! How do I stop this happening again?",
                "Turn on two-step sign-in under Settings, then Security. It protects the account "
                "and makes resets quicker.",
            ),
            (
                "Will I lose the tasks I added offline?",
                "No. Offline changes sync the moment you're signed in again, so everything you "
                "added will appear.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "The Planner app crashes every time I open {feature}.",
            "Since updating to {version} the app closes straight after the splash screen.",
            "The app freezes and crashes on my {device} whenever I add a task.",
        ],
        "details": [
            "I've restarted my {device} twice.",
            "Reinstalling didn't help.",
            "It happens on Wi-Fi and mobile data.",
        ],
        "asks": ["Is there a fix?", "Are you aware of this?", "What should I try?"],
        "acks": [
            "You've hit a known bug in version {version} that affects {feature} on some devices.",
            "Thanks for the clear description — our engineers confirmed the crash this morning.",
            "That crash is on us and it's already being fixed.",
        ],
        "steps": [
            "A fix ships in the next update on {weekday}; meanwhile the web app works normally "
            "with the same account.",
            "Please update to the hotfix released today, then restart the app once.",
            "Go to Settings, then Storage, tap Clear cache, and reopen the app; that avoids the "
            "crash until the update.",
        ],
        "extras": ["", "Your data is stored safely in the cloud, so nothing is lost."],
        "followups": [
            (
                "The cache trick worked. Do I need to keep doing it?",
                "Only until the update lands on {weekday}. After that the crash is fixed for good.",
            ),
            (
                "Is my data safe while the app is crashing?",
                "Yes, everything syncs to our servers as you go, so the crash can't delete tasks "
                "or projects.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "My Google calendar stopped syncing with Planner.",
            "{feature} hasn't updated since {weekday}.",
            "Tasks I create on my {device} don't show up on the web.",
        ],
        "details": [
            "I haven't changed any settings.",
            "My whole team relies on this.",
            "I noticed when I missed a meeting.",
        ],
        "asks": ["Can you fix it?", "Is something down?", "What should I do?"],
        "acks": [
            "A sync service hiccup on {weekday} paused updates for some accounts, including yours.",
            "The connection token for your calendar expired, which stops sync quietly.",
            "I can see sync errors on your account since {weekday}.",
        ],
        "steps": [
            "Open Settings, then Integrations, disconnect the calendar and reconnect it; sync "
            "resumes within a minute.",
            "I've restarted the sync for your account, so changes should catch up within 15 "
            "minutes.",
            "Pull down to refresh on your {device}; if nothing changes, sign out and in once.",
        ],
        "extras": ["", "We're adding an alert so you'll know if sync ever stops again."],
        "followups": [
            (
                "Will the missed events come back?",
                "Yes — once sync reconnects it fetches everything from the last 30 days, missed "
                "events included.",
            ),
            (
                "Do my teammates need to reconnect too?",
                "Only if they see the same problem. Their tokens are separate, so most won't "
                "need to do anything.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "{feature} gives me an error when I try to download my data.",
            "Exporting my projects to CSV just spins forever.",
            "The export file is empty when I open it.",
        ],
        "details": [
            "I need this for a report due {weekday}.",
            "The project has about two thousand tasks.",
            "Smaller projects seem to work.",
        ],
        "asks": ["Any workaround?", "Can you export it for me?", "Is this a bug?"],
        "acks": [
            "Large exports are timing out this week, and yours hit that limit.",
            "This is a bug in the export job, and I'm sorry it's come at a busy time.",
            "I reproduced the empty file on my side, so it's definitely not you.",
        ],
        "steps": [
            "I've run the export manually and you'll find the file in your inbox within 30 "
            "minutes.",
            "Export one project at a time from the project menu; that stays under the limit and "
            "works now.",
            "Filter the view by date, export each quarter separately, and combine them in your "
            "spreadsheet.",
        ],
        "extras": ["", "A permanent fix is scheduled for the next release."],
        "followups": [
            (
                "Can the export include completed tasks?",
                "Yes. Tick 'Include completed' in the export dialog, and they'll appear with "
                "their completion dates.",
            ),
            (
                "Is there a way to schedule this every week?",
                "Weekly exports are on the {plan} plan. Open Reports, choose Schedule, and pick "
                "the day.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "How do I cancel my {plan} subscription?",
            "I want to stop my Planner subscription at the end of this month.",
            "Please cancel my {plan} plan — we're switching tools.",
        ],
        "details": [
            "I don't want to be charged again.",
            "I still need access until the renewal date.",
            "",
        ],
        "asks": ["Thanks.", "Can you confirm?", "What happens to my data?"],
        "acks": [
            "I'm sorry to see you go, but happy to help.",
            "No problem — cancelling takes less than a minute.",
            "Thanks for letting us know, and thanks for being with us.",
        ],
        "steps": [
            "Go to Settings, then Billing, and choose Cancel plan; you'll keep {plan} features "
            "until the renewal date.",
            "I've cancelled the renewal, so you won't be charged again and access continues "
            "until the end of {month}.",
            "I've switched you to the free plan from your next renewal, so your projects stay put.",
        ],
        "extras": ["", "You can export everything from Settings, then Data, at any time."],
        "followups": [
            (
                "Will my projects be deleted?",
                "No. They stay on the free plan, read-only above its limits, until you choose to "
                "delete the account.",
            ),
            (
                "Can I come back later with the same data?",
                "Yes. Upgrade again any time and everything is exactly where you left it.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "We're growing and need to move from {plan} to a bigger plan.",
            "What's the difference between the {plan} and Business plans?",
            "I want to upgrade mid-cycle. How does billing work?",
        ],
        "details": [
            "We're about twelve people now.",
            "We mainly need {feature}.",
            "",
        ],
        "asks": ["Can you help?", "Will I be charged twice?", "What do you recommend?"],
        "acks": [
            "Great to hear the team is growing!",
            "Happy to help you pick the right plan.",
            "Upgrading is simple and fair on billing.",
        ],
        "steps": [
            "Open Settings, then Billing, and pick the new plan; we charge only the prorated "
            "difference today.",
            "For a team your size, Business fits best because it adds {feature} and admin "
            "controls.",
            "I've applied a 14-day trial of the higher plan so you can test it before paying "
            "anything.",
        ],
        "extras": ["", "Your current credit carries over automatically."],
        "followups": [
            (
                "Can we pay yearly instead?",
                "Yes — switch to annual billing on the same page and you'll save two months' "
                "worth.",
            ),
            (
                "Is there a discount for nonprofits?",
                "There is: 50% off any plan. Reply with a link to your registration and I'll "
                "apply it.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "I cancelled my plan in {month} but you charged me again.",
            "Why was I billed {amount} after cancelling?",
            "I got a renewal charge even though I cancelled weeks ago.",
        ],
        "details": [
            "I have the cancellation confirmation.",
            "I haven't logged in since.",
            "",
        ],
        "asks": ["I want a refund.", "Please reverse it.", "Can you explain?"],
        "acks": [
            "Your cancellation in {month} didn't save properly, so you were billed by mistake.",
            "I can see your cancellation request, and you shouldn't have been charged.",
            "That renewal of {amount} should never have gone through.",
        ],
        "steps": [
            "I've refunded the full {amount} and confirmed the cancellation, so no further "
            "charges will happen.",
            "The charge is reversed today and should reach you within {days} business days.",
            "I've refunded {amount} and closed the subscription; you'll get a confirmation "
            "message shortly.",
        ],
        "extras": ["", "We've fixed the bug that caused this for other customers too."],
        "followups": [
            (
                "Can you confirm nothing else is scheduled?",
                "Confirmed: there are no active subscriptions or scheduled charges on your "
                "account now.",
            ),
            (
                "Will my account be deleted?",
                "Not unless you ask. It's on the free plan now, and you can delete it under "
                "Settings whenever you like.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "How do I add {count} teammates to our workspace?",
            "I need to invite my colleagues to our Planner project.",
            "Can I give a freelancer access to just one project?",
        ],
        "details": [
            "We're on the {plan} plan.",
            "They shouldn't see our finance board.",
            "",
        ],
        "asks": ["Thanks!", "Does it cost extra?", "What's the best way?"],
        "acks": [
            "Happy to help you bring the team in.",
            "Good news — inviting people is quick.",
            "That's easy to set up.",
        ],
        "steps": [
            "Open the workspace menu, choose Members, then Invite, and enter their details; each "
            "invite is valid for seven days.",
            "Use Share on the project itself and pick 'Guest'; guests see only that project and "
            "are free on {plan}.",
            "Go to Settings, then Members, add the seats, and each person gets an invite link "
            "straight away.",
        ],
        "extras": ["", "You can change anyone's role later from the same screen."],
        "followups": [
            (
                "Can I remove someone later?",
                "Yes. Open Members, choose the person, and pick Remove; their tasks stay in the "
                "project.",
            ),
            (
                "Do guests count towards our seat limit?",
                "No, guests are free and don't use a seat, but they only see the projects you "
                "share.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "After the update, {count} of my projects disappeared.",
            "All the tasks in my main board are gone.",
            "I opened the app today and my list is empty.",
        ],
        "details": [
            "I didn't delete anything.",
            "I'm panicking a bit, there's months of work in there.",
            "My colleague can still see them.",
        ],
        "asks": ["Please tell me they're not lost.", "Can you restore them?", "What happened?"],
        "acks": [
            "Your projects are safe — a display bug in version {version} hid them from the "
            "sidebar.",
            "I checked our backups and every task is still there.",
            "Nothing was deleted; the update reset your filter.",
        ],
        "steps": [
            "Tap the filter icon at the top of the list and choose Show all; your projects will "
            "reappear.",
            "I've restored them from last night's backup, so they should show after a refresh.",
            "Update to the hotfix released this afternoon and your projects will come straight "
            "back.",
        ],
        "extras": ["", "I've added an extra backup point to your account just in case."],
        "followups": [
            (
                "They're back! How often do you back up?",
                "Every hour, and we keep 30 days of history, so you can always ask us to roll "
                "back a project.",
            ),
            (
                "Can I make my own backup?",
                "Yes. Open Settings, then Data, and choose Export all; it gives you a full copy.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "Is there a way to make tasks repeat every second {weekday}?",
            "How do I set up {feature}?",
            "Can I see all my team's deadlines in one place?",
        ],
        "details": [
            "I couldn't find it in the help centre.",
            "I'm new to Planner.",
            "",
        ],
        "asks": ["Thanks!", "Any tips?", "Where do I find it?"],
        "acks": [
            "Great question — that's one of my favourite features.",
            "Yes, you can do that in a couple of taps.",
            "Welcome to Planner!",
        ],
        "steps": [
            "Open the task, tap Repeat, choose Custom, and set it to every two weeks on {weekday}.",
            "Open the project menu and choose {feature}; you can pin it to the sidebar from there.",
            "Use the Timeline view and filter by assignee to see every deadline at once.",
        ],
        "extras": ["", "Our two-minute video guide in Help, then Getting started, covers it too."],
        "followups": [
            (
                "Can I do the same on mobile?",
                "Yes, the same option is in the task menu on your {device}, under Repeat.",
            ),
            (
                "Can I share that view with my manager?",
                "Absolutely. Tap Share on the view and they'll get a read-only link that updates "
                "live.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "Planner has become really slow this week.",
            "It takes ages for {feature} to load.",
            "The web app lags every time I drag a task.",
        ],
        "details": [
            "My internet is fine, everything else is fast.",
            "It's worse in the morning.",
            "We have a big board with lots of cards.",
        ],
        "asks": ["Is it just me?", "Can you look into it?", "Anything I can do?"],
        "acks": [
            "It's not just you — we had a slowdown on one server group this week.",
            "Large boards slowed down after the last update, and we've tracked down why.",
            "Thanks for reporting it; our logs show slow load times on your workspace.",
        ],
        "steps": [
            "We rolled out a fix this morning, so a hard refresh should make it snappy again.",
            "Archive completed cards from the board menu; boards under a thousand cards load "
            "much faster.",
            "Clear your browser cache and reload; if it's still slow, reply and I'll move your "
            "workspace to a faster server.",
        ],
        "extras": ["", "We're monitoring it closely all week."],
        "followups": [
            (
                "Better now, thanks. Will archived cards still be searchable?",
                "Yes. Archived cards show up in search and you can restore any of them in one "
                "click.",
            ),
            (
                "Still slow for me. What next?",
                "Thanks for checking. I've moved your workspace to a less busy server; give it "
                "ten minutes and try again.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "Please delete my Fernway account and all my data.",
            "I'd like to close my account permanently.",
            "How do I remove my account and order history?",
        ],
        "details": [
            "I won't be using it anymore.",
            "I have no open orders.",
            "",
        ],
        "asks": ["Thanks.", "Can you confirm once done?", "How long does it take?"],
        "acks": [
            "Of course, and thanks for being a customer.",
            "I can take care of that for you.",
            "No problem at all.",
        ],
        "steps": [
            "Go to Account, then Privacy, and choose Delete account; everything is removed "
            "within 30 days.",
            "I've started the deletion, and you'll get a final confirmation once it's complete "
            "in 30 days.",
            "Reply 'confirm' to this message and I'll delete the account and all order history "
            "right away.",
        ],
        "extras": ["", "We keep invoices only as long as tax law requires, and nothing else."],
        "followups": [
            (
                "Can I undo it if I change my mind?",
                "Within the first 30 days, yes — just reply here. After that the data is gone "
                "for good.",
            ),
            (
                "Will I still get marketing messages?",
                "No, you're unsubscribed from everything the moment the deletion starts.",
            ),
        ],
    },
    {
        "wrong": True,
        "problems": [
            "I'm getting a notification for every single comment and it's driving me mad.",
            "I turned off reminders but they keep coming.",
            "Planner sends me the same alert {count} times.",
        ],
        "details": [
            "It's on my {device}.",
            "I've checked the app settings twice.",
            "It started after the last update.",
        ],
        "asks": ["How do I stop it?", "Is this a bug?", "Please help."],
        "acks": [
            "The duplicate alerts come from a bug in version {version}, and I'm sorry for the "
            "noise.",
            "Notification settings didn't carry over in the last update for some users.",
            "You're right, those alerts shouldn't be coming through.",
        ],
        "steps": [
            "Open Settings, then Notifications, and choose 'Only mentions'; that cuts out "
            "comment alerts.",
            "Update to {version} from the app store today; the duplicates are fixed there.",
            "I've reset your notification settings from our side, so please restart the app to "
            "pick them up.",
        ],
        "extras": ["", "You can also set quiet hours on the same screen."],
        "followups": [
            (
                "Can I get a daily summary instead?",
                "Yes. In Notifications, switch on Daily digest, and you'll get one summary each "
                "morning.",
            ),
            (
                "Does this apply on the web too?",
                "Your notification settings are shared, so the change applies on the web and "
                "every device.",
            ),
        ],
    },
    {
        "wrong": False,
        "problems": [
            "I lost my phone and can't get the two-step sign-in code.",
            "My authenticator app was on my old {device}.",
            "I switched phones and the login codes don't work now.",
        ],
        "details": [
            "I still know my password.",
            "I didn't save the backup codes.",
            "",
        ],
        "asks": ["How do I get back in?", "Can you reset it?", "What are my options?"],
        "acks": [
            "That happens more than you'd think, and we can sort it safely.",
            "No problem — there's a secure way to reset two-step sign-in.",
            "Thanks for letting us know.",
        ],
        "steps": [
            "Reply with your order history's most recent order number so I can verify you, then "
            "I'll reset it.",
            "On the login page choose 'Can't use my code' and follow the identity check; it "
            "takes about ten minutes.",
            "I've sent a one-time recovery link; once you're in, set up the authenticator on "
            "your new {device}.",
        ],
        "extras": ["", "Save your new backup codes somewhere safe this time."],
        "followups": [
            (
                "Where should I keep the backup codes?",
                "A password manager is ideal, or printed and kept somewhere safe at home.",
            ),
            (
                "Will my old phone still be able to log in?",
                "No. Resetting two-step sign-in signs out every device, so the old phone loses "
                "access.",
            ),
        ],
    },
]


def _support_reply(rng: random.Random, sc: dict[str, Any], slots: Slots, short: bool) -> str:
    apology = pick(rng, APOLOGIES, slots) if sc["wrong"] else ""
    body = [pick(rng, sc["acks"], slots), pick(rng, sc["steps"], slots)]
    if not short:
        body.append(pick(rng, sc["extras"], slots))
    closer = pick(rng, REPLY_CLOSERS, slots) if not short or rng.random() < 0.5 else ""
    opener = pick(rng, REPLY_OPENERS, slots)
    return f"{opener}\n\n{join_sentences(apology, *body, closer)}\n\n{SIGN_OFF}"


def make_support(rng: random.Random, index: int) -> dict[str, Any] | None:
    sc = rng.choice(SCENARIOS)
    slots = Slots(rng, SUPPORT_SLOTS)
    multi = index % 6 == 0  # about 16% multi-turn
    problem = pick(rng, sc["problems"], slots)
    detail = maybe(rng, 0.7 if not multi else 0.4, sc["details"], slots)
    ask = maybe(rng, 0.7, sc["asks"], slots)
    opener = pick(rng, USER_OPENERS, slots)
    user = join_sentences(
        problem, detail, ask, maybe(rng, 0.6 if not multi else 0.3, USER_CLOSERS, slots)
    )
    if opener:
        user = f"{opener}\n{user}"
    reply = _support_reply(rng, sc, slots, short=multi)
    messages = [msg("system", SUPPORT_SYSTEM), msg("user", user), msg("assistant", reply)]
    replies = [reply]
    if multi:
        question, answer = rng.choice(sc["followups"])
        second = join_sentences(
            pick(rng, FOLLOWUP_OPENERS, slots),
            fill(answer, slots),
            maybe(rng, 0.8, FOLLOWUP_EXTRAS, slots),
            maybe(rng, 0.5, REPLY_CLOSERS, slots),
        )
        second = f"{second}\n\n{SIGN_OFF}"
        messages += [msg("user", fill(question, slots)), msg("assistant", second)]
        replies.append(second)
    if any(not 40 <= words(r) <= 120 for r in replies):
        return None
    if sum(len(m["content"]) for m in messages) > 1000:
        return None
    return {"messages": messages}


# --------------------------------------------------------------------------------------------
# 2. ticket-classifier
# --------------------------------------------------------------------------------------------

LABELS = ["billing", "bug", "feature_request", "account", "shipping", "other"]
CLASSIFIER_SYSTEM = (
    "Classify the customer support ticket into exactly one of these labels: "
    + ", ".join(LABELS)
    + ". Answer with the label only."
)

TICKET_SLOTS: dict[str, Any] = {
    "order": lambda r: f"ORD-{r.randint(10000, 99999)}",
    "invoice": lambda r: f"INV-{r.randint(2023, 2025)}-{r.randint(1, 999):04d}",
    "amount": lambda r: r.choice(["$", "€", "£"]) + f"{r.randint(5, 480)}.{r.randint(0, 99):02d}",
    "product": [
        "standing desk",
        "espresso grinder",
        "rain jacket",
        "trail shoes",
        "bookshelf",
        "air purifier",
        "wool rug",
        "office chair",
        "cast iron pot",
        "baby monitor",
        "road bike helmet",
        "linen duvet",
        "gaming headset",
        "kids' scooter",
        "wall clock",
    ],
    "feature": [
        "the dashboard",
        "the reports page",
        "the mobile app",
        "search",
        "the calendar view",
        "file upload",
        "the checkout page",
        "the invoice PDF",
        "notifications",
        "the API",
        "the team inbox",
        "two-step login",
        "the CSV importer",
        "the editor",
    ],
    "device": ["iPhone 13", "Pixel 7", "Galaxy tablet", "MacBook", "Windows 11 PC", "iPad Air"],
    "browser": ["Firefox", "Safari", "Chrome", "Edge"],
    "version": lambda r: f"{r.randint(2, 9)}.{r.randint(0, 14)}.{r.randint(0, 9)}",
    "month": MONTHS,
    "weekday": WEEKDAYS,
    "days": ["two", "three", "five", "six", "ten", "twelve"],
    "carrier": ["Parcelway", "NorthPost", "SwiftDrop", "the courier", "the post office"],
    "country": ["Canada", "Norway", "Ireland", "Portugal", "Japan", "New Zealand", "Mexico"],
    "plan": ["Starter", "Pro", "Team", "Enterprise", "Basic", "Premium"],
    "count": ["two", "three", "four", "seven", "a dozen"],
    "city": ["Leeds", "Porto", "Austin", "Lyon", "Dunedin", "Graz", "Halifax", "Osaka"],
    "colleague": ["my manager", "our accountant", "a colleague", "my business partner"],
    "integration": ["Slack", "Google Drive", "Dropbox", "Zapier", "Trello", "Salesforce"],
}

TICKET_CORES: dict[str, list[str]] = {
    "billing": [
        "I was charged {amount} twice this month for the same subscription.",
        "Why did my invoice go up to {amount}? Nobody told me the price was changing.",
        "Please send me a copy of invoice {invoice}, I can't find it in my account.",
        "I cancelled before the trial ended but still got billed {amount}.",
        "Can I switch from monthly to annual billing and get the discount?",
        "My card was declined at renewal but I have funds. Can you retry the payment?",
        "I'd like a refund for the {plan} plan — we never used it after {month}.",
        "The VAT on invoice {invoice} is wrong, we're a registered business in {country}.",
        "How do I update the credit card that pays for our {plan} subscription?",
        "You charged me in dollars but my account is set to euros.",
        "We were billed for {count} seats but only have two active users.",
        "Is there a student discount on the {plan} plan?",
        "The promo code took {amount} off at checkout but the receipt shows full price.",
        "Can you add our company address and tax number to future invoices?",
        "I got a payment failed notice even though the money left my bank.",
        "Downgraded to {plan} last week, will I get a prorated credit?",
        "Please stop auto-renewal; I only wanted one year.",
        "There's a charge of {amount} on my statement I don't recognise from your company.",
        "Need an itemised receipt for order {order} for my expense report.",
        "Can we pay by bank transfer instead of card? Finance won't approve card payments.",
        "My refund of {amount} was approved {days} days ago and still hasn't arrived.",
        "Why am I being charged a late fee on {invoice}? I paid on time.",
        "Our purchase order number is missing from the last invoice, finance rejected it.",
        "Can the monthly charge be moved to the first of the month instead of the {days}th?",
        "I upgraded mid-cycle and the proration looks off by about {amount}.",
        "Could you split the bill between two cards?",
        "Gift card balance says zero but I've only spent part of it.",
        "Please confirm that the {amount} pending authorisation will be released.",
        "Our nonprofit discount disappeared at renewal.",
        "The currency conversion fee on my bill is higher than what your pricing page shows.",
        "Billing page shows an outstanding balance of {amount} but everything is paid.",
        "Do you offer invoicing with 30 day payment terms for the {plan} plan?",
        "My bank flagged your charge as suspicious; what descriptor appears on statements?",
        "Charged full price for {order} even though it was in the sale.",
        "Could I get a quote for {count} extra licences before we commit?",
        "Tax was added to my order but I'm exempt and uploaded the certificate.",
    ],
    "bug": [
        "{feature} shows a blank white screen in {browser} since this morning.",
        "The app crashes on my {device} every time I open {feature}.",
        "Clicking save does nothing, no error, and my changes are lost.",
        "Since version {version} the numbers in {feature} don't add up anymore.",
        "Uploading a file bigger than ten megabytes fails with error 500.",
        "Dates on the calendar view show the wrong day — everything is shifted back by one.",
        "The search returns results from other projects I don't have access to.",
        "Dark mode makes the text in {feature} unreadable, black on dark grey.",
        "The export to CSV cuts off after 1000 rows.",
        "Notifications arrive {count} times for every single comment.",
        "The {integration} integration stopped syncing after your last update.",
        "I get 'something went wrong' when I try to reorder items in the list.",
        "Emoji in task titles turn into question marks after saving.",
        "The checkout button is greyed out even with everything filled in.",
        "The page keeps reloading in a loop on {browser} for {device}.",
        "Charts in {feature} render upside down when I print them.",
        "Pressing undo deletes the whole paragraph instead of the last word.",
        "Timezone setting resets to UTC every time I log out.",
        "The mobile app freezes for about ten seconds whenever I switch tabs.",
        "Drag and drop in {feature} puts cards in the wrong column.",
        "Our API calls started returning 429 errors even though we're under the rate limit.",
        "Images in {feature} fail to load on {browser} but work in other browsers.",
        "The progress bar gets stuck at 99% when importing from {integration}.",
        "Right-to-left text in comments displays in the wrong order.",
        "Filters on {feature} are ignored when the page is refreshed.",
        "After updating to {version} the app won't start on my {device}.",
        "Autosave duplicated my document {count} times.",
        "The total on the cart page is different from the total on the payment step.",
        "Keyboard shortcuts stopped working in the editor after today's release.",
        "Recurring events after the daylight saving change are an hour off.",
        "The unsubscribe link in your newsletters leads to a 404 page.",
        "Sorting by date in {feature} sorts alphabetically instead.",
        "Scrolling in {feature} jumps back to the top every few seconds.",
        "Copy and paste from a spreadsheet into the table merges all cells into one.",
        "The app logs me out every few minutes on {browser}.",
        "Calendar invites generated by {feature} have the wrong end time.",
    ],
    "feature_request": [
        "It would be great if {feature} had a dark mode.",
        "Could you add an export to PDF option for {feature}?",
        "Please consider a {integration} integration — our whole team lives there.",
        "Would love the ability to set recurring tasks every second {weekday}.",
        "Any plans for an offline mode in the mobile app?",
        "Suggestion: let us bulk edit tags instead of one at a time.",
        "Can you add keyboard shortcuts for moving cards between columns?",
        "We'd pay more for a {plan} tier with audit logs.",
        "Please add support for {country} date formats.",
        "It would help a lot to pin favourite projects to the top of the sidebar.",
        "Idea: show a weekly summary of completed work on {feature}.",
        "Could {feature} support custom fields? We track budget codes.",
        "Would you consider letting guests comment without creating an account?",
        "Please add a way to schedule messages to send later.",
        "A public roadmap would be really useful for customers like us.",
        "Can we get more colour options for labels? Eight isn't enough.",
        "Feature idea: split a task into subtasks by pasting a list.",
        "It would be nice to get a reminder before a trial ends.",
        "Could the mobile app get a home screen widget?",
        "Please allow more than one assignee per task.",
        "Would love an option to hide weekends in the calendar view.",
        "Can you add webhooks so we can trigger our own automations?",
        "Please make {feature} available in Portuguese and Polish.",
        "Wishlist: a gift registry for {product} and other big items.",
        "Request: let me reorder the columns in {feature}.",
        "A dark theme for the invoice PDFs would match our brand better.",
        "It would be handy to duplicate a whole project with its settings.",
        "Could you offer a smaller size of the {product}? The current one is huge.",
        "Please let us pick the start day of the week — we begin on {weekday}.",
        "An approval step before publishing would help our editors.",
        "I'd like to set different notification rules per project.",
        "Could we have two-factor login with hardware keys?",
        "Can you add a bulk import from {integration}?",
        "Add a 'notify me' button for sold-out items like the {product}.",
        "Could reports be emailed automatically every {weekday} morning?",
        "Please add an option to round time entries to the nearest quarter hour.",
    ],
    "account": [
        "I can't log in — it says my password is incorrect but I just reset it.",
        "Please change the email address on my account to my work one.",
        "How do I delete my account and all my data?",
        "I'm locked out after too many login attempts.",
        "The password reset link says it has expired as soon as I click it.",
        "I lost my phone and can't get the two-factor code anymore.",
        "Can you merge my two accounts? I signed up twice by accident.",
        "How do I transfer ownership of our workspace to {colleague}?",
        "I want to change my username but the option is greyed out.",
        "Someone else seems to have logged into my account from {city}.",
        "Can I remove a former employee's access to our team account?",
        "My account was deactivated and I don't know why.",
        "I never signed up but I'm getting account activity messages.",
        "How do I turn on two-step verification?",
        "Please update the name on my profile, it's misspelled.",
        "I signed up with {integration} login and now want a normal password.",
        "Can I have two profiles under one login, one personal and one for work?",
        "I need admin rights back — {colleague} removed them by mistake.",
        "How can I download all the data you hold about me?",
        "The verification code never arrives when I try to sign up.",
        "I'd like to reactivate the account I closed in {month}.",
        "My account shows as a guest even though I'm the owner.",
        "Please unlink my old {device} from my account.",
        "How do I change the security questions on my profile?",
        "I can't accept the team invite, it says the link belongs to another user.",
        "My profile picture upload keeps resetting to the default.",
        "Could you confirm which sign-in methods are active on my account?",
        "I changed my surname after getting married and want it updated everywhere.",
        "The account switcher doesn't show my second workspace anymore.",
        "Please close the account of a family member who passed away.",
        "How do I stop sharing my profile publicly?",
        "I'm the new office manager and need access to the company account.",
        "After enabling single sign-on I can't get into my personal account.",
        "My login session ends every time I close the browser even with 'remember me' ticked.",
        "I want to change the phone number used for my login codes.",
    ],
    "shipping": [
        "My order {order} hasn't arrived yet and it's been {days} days.",
        "Tracking for {order} hasn't updated since {weekday}.",
        "The {product} arrived with a crushed box and a broken leg.",
        "Can you ship to {country}? The checkout won't accept my address.",
        "I need to change the delivery address on {order} before it ships.",
        "{carrier} marked my parcel as delivered but it isn't here.",
        "How much is express shipping to {city}?",
        "The parcel is stuck in customs in {country}; do I need to pay duties?",
        "Only one of the {count} boxes arrived for order {order}.",
        "Can I pick up my order from a local collection point instead?",
        "My delivery was left outside in the rain and the {product} is soaked.",
        "When will {order} be dispatched? It still says processing.",
        "Your courier tried to deliver on {weekday} when I wasn't home. Can I rebook?",
        "Do you deliver on weekends? I work weekdays.",
        "The estimated delivery date keeps moving back for {order}.",
        "The wrong {product} was delivered — I ordered a different model.",
        "Can you hold my parcel for a week while I'm away?",
        "Is there a way to combine my two orders into one shipment?",
        "The tracking number for {order} says it doesn't exist.",
        "My parcel went to my old address in {city}.",
        "How long does standard delivery to {country} usually take?",
        "The {product} was delivered to my neighbour without a note.",
        "I paid for next-day delivery but {order} took {days} days.",
        "The delivery driver asked for a signature but I wasn't told.",
        "Do you ship furniture like the {product} to apartments above the third floor?",
        "I'd like to return the {product} — how do I get a return label?",
        "The box for {order} was opened and resealed with different tape.",
        "Can the {product} be delivered without the extra packaging?",
        "Is free shipping available on orders over {amount}?",
        "{carrier} says the address is incomplete but it's the same as always.",
        "The parcel arrived but the packing slip is for another customer's order.",
        "Could you send {order} by freight instead? It's a bulk order.",
        "Why is shipping to {country} more than the {product} itself?",
        "Delivery was scheduled for {weekday} morning but nobody came.",
        "My return was dropped off {days} days ago and tracking still shows nothing.",
    ],
    "other": [
        "Just wanted to say your team was wonderful during our launch. Thank you!",
        "Are you hiring for remote roles in {country}?",
        "We're a small magazine and would love to interview your founder.",
        "Do you have a showroom in {city} where I can see things in person?",
        "What are your support hours over the holidays?",
        "Could we discuss a partnership? We run a design studio in {city}.",
        "Is your packaging recyclable? Trying to cut down on plastic.",
        "Do you sponsor local school events? We're raising money for a library.",
        "I'm writing a university thesis on remote work tools; can I send you a survey?",
        "Where are your products manufactured?",
        "Can I speak at your next user meetup in {city}?",
        "Do you have a media kit or logo files I can use in an article?",
        "Love the new website design, very clean.",
        "Is there an affiliate programme for bloggers?",
        "What's the carbon footprint policy of your company?",
        "Is your company certified as a B Corp?",
        "We'd like to stock your {product} in our shop in {city}. Who handles wholesale?",
        "Can I volunteer as a beta tester for upcoming releases?",
        "Do you offer internships over the summer?",
        "Who is your data protection officer? Asking for our vendor review.",
        "Are you attending the trade fair in {city} in {month}?",
        "Our school would like to visit your workshop. Is that possible?",
        "Do you donate products to charity auctions?",
        "Is there a community forum where users share tips?",
        "I found a typo on your About page, second paragraph.",
        "Could you recommend a good book on planning for small teams?",
        "Are your mugs safe for the dishwasher and microwave?",
        "We're organising a hackathon in {month} and looking for prizes from sponsors.",
        "What's the story behind your company name?",
        "Is there a physical address where I can send a thank-you card?",
        "How do I get in touch with your press office?",
        "Do you plan to open a store in {country}?",
        "Can you confirm whether you're attending our supplier day on {weekday}?",
        "My grandmother loves your catalogue; do you still print it?",
        "Is the {product} suitable for a small balcony?",
        "What certifications does your cotton have?",
    ],
}

TICKET_SUBJECTS: dict[str, list[str]] = {
    "billing": ["Billing question", "Invoice issue", "Charge query", "Refund", "Payment"],
    "bug": ["Something's broken", "Error report", "App problem", "Bug?", "Glitch"],
    "feature_request": ["Suggestion", "Idea", "Feature request", "Wishlist", "Feedback"],
    "account": ["Login help", "Account access", "Profile change", "Account", "Sign-in"],
    "shipping": ["Delivery", "Where is my order", "Parcel problem", "Shipping question"],
    "other": ["Question", "Hello", "Quick query", "General enquiry", "Partnership"],
}
TICKET_PREFIXES = [
    "",
    "",
    "",
    "",
    "Hi,",
    "Hello,",
    "Hi there,",
    "Hey,",
    "Good afternoon,",
    "Quick one:",
    "Sorry to bother you,",
    "Hoping you can help.",
    "Long-time customer here.",
    "Urgent:",
    "Hi support team,",
    "First time writing in.",
]
TICKET_SUFFIXES = [
    "",
    "",
    "",
    "",
    "Thanks.",
    "Thanks in advance!",
    "Cheers.",
    "Please advise.",
    "Appreciate it.",
    "Any help appreciated.",
    "Let me know.",
    "Thank you so much.",
    "Would appreciate a reply today.",
    "Regards.",
    "Not urgent.",
    "This is the second time I'm asking.",
]
TICKET_CONTEXT: list[tuple[str, tuple[str, ...]]] = [
    ("I'm on the {plan} plan.", ("billing", "bug", "feature_request", "account")),
    ("Using {browser} on a {device}.", ("bug", "account")),
    ("Order number is {order} if needed.", ("billing", "shipping")),
    ("I've been a customer since {month}.", tuple(LABELS)),
    ("We're a team of {count} in {city}.", ("billing", "feature_request", "account", "other")),
    ("Writing on behalf of {colleague}.", ("billing", "account", "other", "shipping")),
    ("This happened twice already.", ("bug", "shipping", "billing")),
    ("Our whole office uses your tools.", ("feature_request", "other", "bug")),
]


def make_ticket(rng: random.Random, index: int) -> dict[str, Any] | None:
    label = LABELS[index % len(LABELS)]
    slots = Slots(rng, TICKET_SLOTS)
    core = pick(rng, TICKET_CORES[label], slots)
    options = [c for c, allowed in TICKET_CONTEXT if label in allowed]
    context = fill(rng.choice(options), slots) if rng.random() < 0.4 else ""
    body = [core, context] if rng.random() < 0.5 else [context, core]
    text = join_sentences(*body, pick(rng, TICKET_SUFFIXES, slots))
    prefix = pick(rng, TICKET_PREFIXES, slots)
    if prefix:
        text = prefix + ("\n" if prefix.endswith(",") else " ") + text
    if rng.random() < 0.25:
        text = f"Subject: {rng.choice(TICKET_SUBJECTS[label])}\n\n{text}"
    elif rng.random() < 0.15:
        text = text.lower()
    return {
        "messages": [
            msg("system", CLASSIFIER_SYSTEM),
            msg("user", text),
            msg("assistant", label),
        ]
    }


# --------------------------------------------------------------------------------------------
# 3. invoice-extraction
# --------------------------------------------------------------------------------------------

EXTRACTION_SYSTEM = (
    "Extract the invoice or receipt fields from the document. Reply with only a JSON object "
    'with the keys "vendor", "invoice_number", "date" (YYYY-MM-DD), "currency" (ISO 4217 code), '
    '"total" and "line_items" (each with "description", "quantity" and "unit_price").'
)

INVOICE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://tunebook.dev/schemas/invoice-extraction.json",
    "title": "Invoice extraction output",
    "type": "object",
    "additionalProperties": False,
    "required": ["vendor", "invoice_number", "date", "currency", "total", "line_items"],
    "properties": {
        "vendor": {"type": "string", "minLength": 1},
        "invoice_number": {"type": "string", "minLength": 1},
        "date": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "total": {"type": "number", "minimum": 0},
        "line_items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["description", "quantity", "unit_price"],
                "properties": {
                    "description": {"type": "string", "minLength": 1},
                    "quantity": {"type": "number", "exclusiveMinimum": 0},
                    "unit_price": {"type": "number", "minimum": 0},
                },
            },
        },
    },
}

# locale: currency, number style, date formats, money templates ({n} = formatted number)
LOCALES: dict[str, dict[str, Any]] = {
    "us": {
        "cur": "USD",
        "num": "en",
        "dates": ["iso", "us_long", "us_short", "us_slash"],
        "money": ["${n}", "USD {n}", "{n} USD", "US${n}"],
    },
    "uk": {
        "cur": "GBP",
        "num": "en",
        "dates": ["en_long", "en_short", "en_slash", "iso"],
        "money": ["£{n}", "GBP {n}", "£{n} GBP"],
    },
    "ie": {
        "cur": "EUR",
        "num": "en",
        "dates": ["en_long", "en_short", "en_slash"],
        "money": ["€{n}", "EUR {n}", "{n} EUR"],
    },
    "de": {
        "cur": "EUR",
        "num": "de",
        "dates": ["de_dot", "de_long", "iso"],
        "money": ["{n} €", "{n} EUR", "EUR {n}"],
    },
    "fr": {
        "cur": "EUR",
        "num": "fr",
        "dates": ["fr_long", "fr_slash", "iso"],
        "money": ["{n} €", "{n} EUR"],
    },
    "ch": {
        "cur": "CHF",
        "num": "ch",
        "dates": ["de_dot", "iso", "en_long"],
        "money": ["CHF {n}", "{n} CHF", "Fr. {n}"],
    },
    "jp": {
        "cur": "JPY",
        "num": "jp",
        "dates": ["jp_slash", "jp_kanji", "iso"],
        "money": ["¥{n}", "{n}円", "JPY {n}"],
    },
    "ca": {
        "cur": "CAD",
        "num": "en",
        "dates": ["iso", "us_long", "en_short"],
        "money": ["CA${n}", "CAD {n}", "${n} CAD"],
    },
    "au": {
        "cur": "AUD",
        "num": "en",
        "dates": ["en_slash", "en_long", "en_short"],
        "money": ["A${n}", "AUD {n}", "${n} AUD"],
    },
    "se": {
        "cur": "SEK",
        "num": "fr",
        "dates": ["iso", "se_long"],
        "money": ["{n} kr", "SEK {n}", "{n} SEK"],
    },
    "in": {
        "cur": "INR",
        "num": "in",
        "dates": ["en_slash", "en_long", "en_short"],
        "money": ["₹{n}", "Rs. {n}", "INR {n}"],
    },
    "sg": {
        "cur": "SGD",
        "num": "en",
        "dates": ["en_short", "en_long", "iso"],
        "money": ["S${n}", "SGD {n}"],
    },
}
AMBIGUOUS_DATES = {"us_slash", "en_slash", "fr_slash"}
MONTHS_SHORT = [m[:3] for m in MONTHS]
MONTHS_DE = [
    "Januar", "Februar", "März", "April", "Mai", "Juni",
    "Juli", "August", "September", "Oktober", "November", "Dezember",
]  # fmt: skip
MONTHS_FR = [
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
]  # fmt: skip
MONTHS_SE = [
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
]  # fmt: skip


def fmt_date(y: int, m: int, d: int, style: str) -> str:
    return {
        "iso": f"{y}-{m:02d}-{d:02d}",
        "us_long": f"{MONTHS[m - 1]} {d}, {y}",
        "us_short": f"{MONTHS_SHORT[m - 1]} {d}, {y}",
        "us_slash": f"{m:02d}/{d:02d}/{y}",
        "en_long": f"{d} {MONTHS[m - 1]} {y}",
        "en_short": f"{d:02d} {MONTHS_SHORT[m - 1]} {y}",
        "en_slash": f"{d:02d}/{m:02d}/{y}",
        "de_dot": f"{d:02d}.{m:02d}.{y}",
        "de_long": f"{d}. {MONTHS_DE[m - 1]} {y}",
        "fr_long": f"{d} {MONTHS_FR[m - 1]} {y}",
        "fr_slash": f"{d:02d}/{m:02d}/{y}",
        "jp_slash": f"{y}/{m:02d}/{d:02d}",
        "jp_kanji": f"{y}年{m}月{d}日",
        "se_long": f"{d} {MONTHS_SE[m - 1]} {y}",
    }[style]


def fmt_number(minor: int, style: str) -> str:
    """Format an amount given in minor units (yen for jp) in a locale's number style."""
    if style == "jp":
        return f"{minor:,}"
    base = f"{minor / 100:,.2f}"
    if style == "de":
        return base.replace(",", "_").replace(".", ",").replace("_", ".")
    if style == "fr":
        return base.replace(",", " ").replace(".", ",")
    if style == "ch":
        return base.replace(",", "'")
    if style == "in" and minor >= 10_000_000:  # Indian grouping from one lakh up: 1,23,456.00
        whole, frac = f"{minor / 100:.2f}".split(".")
        head, tail = whole[:-3], whole[-3:]
        groups = []
        while len(head) > 2:
            groups.insert(0, head[-2:])
            head = head[:-2]
        return ",".join([head, *groups, tail]) + "." + frac
    return base


def fmt_qty(q: float, style: str) -> str:
    if q == int(q):
        return str(int(q))
    text = f"{q:g}"
    return text.replace(".", ",") if style in ("de", "fr") else text


# category: items (description, min price, max price in cents, min qty, max qty, halves?)
ITEM_CATEGORIES: dict[str, list[tuple[str, int, int, int, int, bool]]] = {
    "office": [
        ("A4 copy paper, box of 5 reams", 2400, 3900, 1, 6, False),
        ("Gel pens, black, pack of 12", 600, 1100, 1, 10, False),
        ("Heavy-duty stapler", 1400, 2800, 1, 3, False),
        ("Bamboo desk organiser", 900, 1900, 1, 5, False),
        ("Whiteboard markers, set of 8", 700, 1300, 1, 8, False),
        ("Lever arch file, A4", 200, 450, 5, 30, False),
        ("Sticky notes, 12 pads", 450, 900, 1, 10, False),
        ("Ergonomic office chair", 18000, 42000, 1, 4, False),
        ("Single monitor arm", 6000, 14000, 1, 4, False),
        ("Cross-cut paper shredder", 8000, 16000, 1, 1, False),
        ("Label printer tape, 12 mm", 1200, 2400, 1, 6, False),
        ("C5 envelopes, pack of 100", 800, 1500, 1, 5, False),
        ("Desk lamp, LED", 2500, 5500, 1, 6, False),
    ],
    "catering": [
        ("Sandwich platter (serves 10)", 4500, 7500, 1, 4, False),
        ("Seasonal fruit bowl", 2200, 3800, 1, 3, False),
        ("Coffee and tea service, per person", 300, 650, 8, 40, False),
        ("Pastry assortment", 1800, 3200, 1, 4, False),
        ("Vegan lunch box", 950, 1600, 4, 25, False),
        ("Sparkling water, case of 24", 1400, 2600, 1, 4, False),
        ("Staffing and setup", 5000, 12000, 1, 1, False),
        ("Cheese and grape board", 3500, 6000, 1, 2, False),
        ("Hot buffet, per guest", 1800, 3400, 10, 60, False),
    ],
    "services": [
        ("Consulting, hourly rate", 8000, 18000, 2, 40, True),
        ("Workshop facilitation, half day", 60000, 120000, 1, 2, False),
        ("Project management, hourly", 6000, 11000, 1, 20, True),
        ("UX review of checkout flow", 90000, 240000, 1, 1, False),
        ("Code review, hourly", 9000, 15000, 1, 12, True),
        ("Travel expenses, flat rate", 4000, 25000, 1, 1, False),
        ("Copywriting, per page", 4500, 9000, 2, 12, False),
        ("Translation, per 1000 words", 7000, 14000, 1, 9, False),
        ("Data migration support", 40000, 95000, 1, 1, False),
        ("Training session, remote", 30000, 70000, 1, 3, False),
    ],
    "software": [
        ("Team plan, monthly (5 seats)", 4500, 9900, 1, 1, False),
        ("Additional seat", 900, 1900, 1, 15, False),
        ("Extra storage, 100 GB", 200, 800, 1, 5, False),
        ("Domain renewal, 1 year", 1200, 4500, 1, 3, False),
        ("Priority support add-on", 2500, 9000, 1, 1, False),
        ("Managed database, small instance", 1500, 6000, 1, 2, False),
        ("Build minutes, pack of 1000", 800, 1500, 1, 10, False),
        ("Backup retention, 90 days", 1000, 3000, 1, 1, False),
        ("Bandwidth overage, per 10 GB", 90, 300, 1, 20, False),
    ],
    "hardware": [
        ("USB-C docking station", 12000, 26000, 1, 6, False),
        ("27-inch monitor", 22000, 42000, 1, 6, False),
        ("Wireless mouse", 1900, 5900, 1, 10, False),
        ("Aluminium laptop stand", 2900, 6500, 1, 8, False),
        ("HDMI cable, 2 m", 700, 1800, 1, 12, False),
        ("Mechanical keyboard", 6900, 15900, 1, 6, False),
        ("Noise-cancelling headset", 8900, 22000, 1, 6, False),
        ("Webcam, 1080p", 4900, 11000, 1, 6, False),
        ("Portable SSD, 1 TB", 7900, 14000, 1, 5, False),
    ],
    "printing": [
        ("Business cards, 500 pcs", 3500, 7500, 1, 4, False),
        ("Flyers A5, 1000 pcs", 6000, 14000, 1, 3, False),
        ("Roll-up banner with stand", 9000, 18000, 1, 2, False),
        ("Poster A2, matte", 900, 2400, 2, 20, False),
        ("Brochure layout design", 25000, 60000, 1, 1, False),
        ("Sticker sheet, die-cut", 150, 400, 10, 100, False),
        ("Letterheads, 250 sheets", 4000, 8000, 1, 2, False),
    ],
    "cleaning": [
        ("Office cleaning, weekly visit", 9000, 18000, 1, 5, False),
        ("Exterior window cleaning", 12000, 30000, 1, 1, False),
        ("Carpet deep clean, per room", 4000, 9000, 1, 8, False),
        ("Washroom supplies restock", 3000, 8000, 1, 1, False),
        ("Kitchen deep clean", 8000, 15000, 1, 1, False),
        ("Floor polishing, per hour", 3500, 6000, 2, 8, True),
    ],
    "cafe": [
        ("Flat white", 320, 450, 1, 4, False),
        ("Oat latte", 350, 520, 1, 3, False),
        ("Croissant", 250, 380, 1, 4, False),
        ("Avocado toast", 850, 1250, 1, 2, False),
        ("Sparkling water", 200, 350, 1, 3, False),
        ("Banana bread slice", 300, 420, 1, 3, False),
        ("Chai latte", 360, 480, 1, 2, False),
        ("Soup of the day", 550, 850, 1, 2, False),
        ("Filter coffee", 250, 350, 1, 4, False),
        ("Cinnamon bun", 290, 420, 1, 3, False),
    ],
    "diy": [
        ("Wood screws 4x40, box of 200", 600, 1100, 1, 4, False),
        ("Cordless drill 18V", 7900, 14900, 1, 1, False),
        ("Paint roller set", 900, 1800, 1, 3, False),
        ("Masking tape 50 m", 350, 700, 1, 8, False),
        ("Wall plugs, pack of 100", 400, 800, 1, 4, False),
        ("Interior paint 5 L, white", 2900, 5500, 1, 4, False),
        ("Sandpaper assortment", 500, 1000, 1, 3, False),
        ("Spirit level 60 cm", 1500, 3200, 1, 1, False),
        ("Extension cord 10 m", 1400, 2600, 1, 2, False),
    ],
    "hotel": [
        ("Room night, double", 9000, 24000, 1, 5, False),
        ("Breakfast buffet", 1400, 2800, 1, 8, False),
        ("City tax, per night", 150, 500, 1, 5, False),
        ("Parking, per day", 1200, 3500, 1, 5, False),
        ("Late checkout", 2000, 4000, 1, 1, False),
        ("Minibar", 500, 3000, 1, 1, False),
        ("Meeting room, half day", 15000, 40000, 1, 1, False),
    ],
    "freight": [
        ("Pallet shipment, zone 2", 14000, 32000, 1, 6, False),
        ("Fuel surcharge", 1500, 6000, 1, 1, False),
        ("Tail lift delivery", 3500, 7500, 1, 1, False),
        ("Cargo insurance", 2000, 9000, 1, 1, False),
        ("Waiting time, per 30 minutes", 2500, 4500, 1, 4, False),
        ("Parcel, up to 30 kg", 1800, 4200, 1, 12, False),
    ],
}
RECEIPT_CATEGORIES = {"cafe", "diy"}
DELIVERY_CATEGORIES = {"office", "printing", "hardware", "diy", "catering"}
DELIVERY_LINES = ["Delivery", "Shipping", "Delivery charge", "Shipping & handling", "Courier fee"]
# Prices above are in US cents; these currencies get rescaled to plausible local prices.
CURRENCY_SCALE = {"JPY": (1.5, 10), "INR": (80.0, 100), "SEK": (10.0, 100)}

VENDORS: list[tuple[str, str, str, str]] = [
    ("Bramblewood Office Supply", "us", "office", "418 Maple Avenue, Dayton OH"),
    ("Copperline Catering Co.", "us", "catering", "77 Foundry Street, Pittsburgh PA"),
    ("Northfield Analytics LLC", "us", "services", "Suite 300, 15 Commerce Plaza, Denver CO"),
    ("Stackhouse Cloud Inc.", "us", "software", "900 Harbor Way, Oakland CA"),
    ("Redwood Hardware & Lumber", "us", "diy", "2210 Old Mill Road, Eugene OR"),
    ("Bluejay Coffee Roasters", "us", "cafe", "15 Water Street, Portland ME"),
    ("Pinecrest Print Shop", "us", "printing", "6 Elm Court, Boise ID"),
    ("Summit Freight Lines", "us", "freight", "Dock 4, 1200 Rail Yard Drive, Omaha NE"),
    ("Marlow & Finch Stationers", "uk", "office", "22 Cheapside, Leeds"),
    ("Thistle Print Ltd", "uk", "printing", "Unit 9, Riverside Works, Dundee"),
    ("Greenway Cleaning Services Ltd", "uk", "cleaning", "4 Chapel Yard, Norwich"),
    ("The Crooked Spoon Café", "uk", "cafe", "31 Market Row, York"),
    ("Kestrel Digital Ltd", "uk", "services", "2nd Floor, 8 Brunswick Square, Bristol"),
    ("Harbourside Hotel", "uk", "hotel", "1 Quay Parade, Plymouth"),
    ("Liffey Tech Supplies", "ie", "hardware", "12 Ormond Quay, Dublin"),
    ("Cobblestone Catering", "ie", "catering", "5 Spanish Arch Lane, Galway"),
    ("Kessler Druck GmbH", "de", "printing", "Industriestraße 14, 70565 Stuttgart"),
    ("Bergmann Bürobedarf", "de", "office", "Lindenallee 3, 04109 Leipzig"),
    ("Falkenberg IT-Service GmbH", "de", "services", "Hafenweg 22, 20457 Hamburg"),
    ("Café Lindenblatt", "de", "cafe", "Schillerplatz 7, 99423 Weimar"),
    ("Hotel am Stadtpark", "de", "hotel", "Parkring 10, 90402 Nürnberg"),
    ("Nordlicht Logistik GmbH", "de", "freight", "Speicherstraße 5, 28195 Bremen"),
    ("Atelier Sauvage SARL", "fr", "printing", "18 rue des Tanneurs, 69002 Lyon"),
    ("Boulangerie des Tilleuls", "fr", "cafe", "4 place du Marché, 35000 Rennes"),
    ("Nettoyage Clair SAS", "fr", "cleaning", "52 avenue Jean Jaurès, 31000 Toulouse"),
    ("Studio Mistral", "fr", "services", "9 quai de la Joliette, 13002 Marseille"),
    ("Alpenblick Informatik AG", "ch", "hardware", "Bahnhofstrasse 40, 6003 Luzern"),
    ("Gasthof Sonnenhalde", "ch", "hotel", "Dorfstrasse 12, 3818 Grindelwald"),
    ("Kobayashi Stationery Co.", "jp", "office", "2-4-1 Nishiki, Naka-ku, Nagoya"),
    ("Hinode Print Works", "jp", "printing", "3-9-14 Shimanouchi, Chuo-ku, Osaka"),
    ("Sakura Cloud Services KK", "jp", "software", "1-12-3 Shibuya, Tokyo"),
    ("Maple Ridge Hardware", "ca", "diy", "88 Lakeshore Road, Kelowna BC"),
    ("Northern Lights Catering", "ca", "catering", "410 Jasper Avenue, Edmonton AB"),
    ("Wattle & Gum Office Co.", "au", "office", "Level 2, 55 Flinders Lane, Melbourne VIC"),
    ("Southern Cross Couriers", "au", "freight", "17 Depot Street, Parramatta NSW"),
    ("Bondi Beans", "au", "cafe", "3 Campbell Parade, Bondi NSW"),
    ("Norrsken Tryck AB", "se", "printing", "Hamngatan 19, 411 06 Göteborg"),
    ("Kaffebaren Linné", "se", "cafe", "Linnégatan 44, 413 04 Göteborg"),
    ("Saffron Tech Solutions Pvt Ltd", "in", "services", "4th Floor, Prestige Tower, Bengaluru"),
    ("Banyan Office Mart", "in", "office", "Shop 12, MG Road, Pune"),
    ("Lion City Hardware Pte Ltd", "sg", "hardware", "21 Ubi Road, Singapore"),
    ("Merlion Catering Pte Ltd", "sg", "catering", "8 Jalan Besar, Singapore"),
]
CLIENTS = [
    "Fernway Ltd",
    "Quillon Studio",
    "Harrow & Vale Architects",
    "Brightmoor Academy",
    "Tidepool Games",
    "Oakhurst Dental Group",
    "Lumen Works",
    "Saltmarsh Brewing",
    "Cairn Outdoor",
    "Velvet Fern Design",
    "Riverbend Clinic",
    "Orchard Lane Books",
]
INVOICE_LEADS = [
    "",
    "",
    "",
    "Extract the invoice fields:",
    "Can you pull the details out of this?",
    "Here's the text from a scanned invoice:",
    "Parse this receipt please.",
    "Invoice text below.",
    "OCR output from our expense app:",
    "Please extract:",
    "From the accounts inbox:",
    "Turn this into JSON:",
    "Receipt I need to file:",
]


def _invoice_number(rng: random.Random, year: int, receipt: bool) -> str:
    n = rng.randint(1, 9999)
    if receipt:
        forms = [
            f"R{rng.randint(100, 999)}-{n:04d}",
            f"{rng.randint(10, 99)}-{n:05d}",
            f"T{n:05d}",
            f"{n:06d}",
            f"B-{year % 100}{n:04d}",
        ]
    else:
        forms = [
            f"INV-{year}-{n:04d}",
            f"{year}/{n:04d}",
            f"RE-{year}-{n:03d}",
            f"F{year}-{n:04d}",
            f"A{n:05d}",
            f"SI-{n:06d}",
            f"{year % 100}-{n:04d}",
            f"INV{n:05d}",
            f"NO.{n:04d}",
            f"{rng.choice('ABCDEFGH')}{rng.choice('KLMNPQRS')}-{n:04d}",
        ]
    return rng.choice(forms)


class Invoice:
    def __init__(self, rng: random.Random) -> None:
        self.vendor, self.locale, self.category, self.address = rng.choice(VENDORS)
        loc = LOCALES[self.locale]
        self.cur: str = loc["cur"]
        self.num_style: str = loc["num"]
        self.money_tpl: str = rng.choice(loc["money"])
        self.receipt = self.category in RECEIPT_CATEGORIES
        y, m, d = rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 28)
        self.iso = f"{y}-{m:02d}-{d:02d}"
        styles = [s for s in loc["dates"] if not (s in AMBIGUOUS_DATES and d <= 12)]
        self.date = fmt_date(y, m, d, rng.choice(styles))
        self.number = _invoice_number(rng, y, self.receipt)
        pool = ITEM_CATEGORIES[self.category]
        count = rng.randint(1, 5 if self.receipt else 4)
        self.items: list[tuple[str, float, int]] = []
        for desc, lo, hi, qlo, qhi, halves in rng.sample(pool, min(count, len(pool))):
            unit = rng.randint(lo // 10, hi // 10) * 10 + rng.choice([0, 0, 5, 9]) * (hi < 2000)
            if rng.random() < 0.3:
                unit = unit // 100 * 100 + rng.choice([0, 50, 95, 99])
            qty: float = rng.randint(qlo, qhi)
            if halves and rng.random() < 0.4:
                qty += 0.5
                unit -= unit % 2
            if self.cur in CURRENCY_SCALE:
                factor, step = CURRENCY_SCALE[self.cur]
                unit = max(step, round(unit * factor / step) * step)
            self.items.append((desc, qty, unit))
        if self.category in DELIVERY_CATEGORIES and rng.random() < 0.3:
            fee = rng.randint(40, 250) * 10 + rng.choice([0, 5, 9])
            if self.cur in CURRENCY_SCALE:
                factor, step = CURRENCY_SCALE[self.cur]
                fee = max(step, round(fee * factor / step) * step)
            self.items.append((rng.choice(DELIVERY_LINES), 1, fee))
        self.client = rng.choice(CLIENTS)

    def line_minor(self, qty: float, unit: int) -> int:
        return round(qty * unit)

    @property
    def total_minor(self) -> int:
        return sum(self.line_minor(q, u) for _, q, u in self.items)

    def n(self, minor: int) -> str:
        return fmt_number(minor, self.num_style)

    def money(self, minor: int) -> str:
        return self.money_tpl.format(n=self.n(minor))

    def q(self, qty: float) -> str:
        return fmt_qty(qty, self.num_style)

    def as_output(self) -> dict[str, Any]:
        def value(minor: int) -> float | int:
            return minor if self.cur == "JPY" else round(minor / 100, 2)

        return {
            "vendor": self.vendor,
            "invoice_number": self.number,
            "date": self.iso,
            "currency": self.cur,
            "total": value(self.total_minor),
            "line_items": [
                {
                    "description": desc,
                    "quantity": int(q) if q == int(q) else q,
                    "unit_price": value(u),
                }
                for desc, q, u in self.items
            ],
        }


def _layout_plain(inv: Invoice, rng: random.Random) -> str:
    head = rng.choice(["INVOICE", "Invoice", "TAX INVOICE", "Sales invoice", "Bill"])
    num_label = rng.choice(["Invoice No.", "Invoice #", "Invoice number", "Ref", "No."])
    date_label = rng.choice(["Date", "Invoice date", "Issued", "Date of issue"])
    lines = [
        inv.vendor,
        inv.address,
        "",
        head,
        f"{num_label}: {inv.number}",
        f"{date_label}: {inv.date}",
    ]
    if rng.random() < 0.6:
        lines.append(f"{rng.choice(['Bill to', 'Customer', 'Billed to'])}: {inv.client}")
    lines.append("")
    style = rng.randint(0, 2)
    if style == 0:
        lines.append(
            rng.choice(
                ["Description | Qty | Unit price | Amount", "Item | Qty | Price | Line total"]
            )
        )
        for desc, q, u in inv.items:
            lines.append(f"{desc} | {inv.q(q)} | {inv.n(u)} | {inv.n(inv.line_minor(q, u))}")
    elif style == 1:
        for desc, q, u in inv.items:
            lines.append(f"{inv.q(q)} x {desc} @ {inv.n(u)} = {inv.n(inv.line_minor(q, u))}")
    else:
        for i, (desc, q, u) in enumerate(inv.items, 1):
            lines.append(f"{i}. {desc} — qty {inv.q(q)}, unit {inv.n(u)}")
    lines.append("")
    lines.append(
        f"{rng.choice(['Total', 'Total due', 'Amount due', 'Balance due', 'TOTAL'])}: "
        f"{inv.money(inv.total_minor)}"
    )
    lines.append(
        rng.choice(
            [
                "Payment terms: 14 days.",
                "Thank you for your business!",
                "Please pay within 30 days of the invoice date.",
                "",
                f"Payment reference: {inv.number}",
            ]
        )
    )
    return "\n".join(lines).strip()


def _layout_email(inv: Invoice, rng: random.Random) -> str:
    subject = rng.choice(
        [
            f"Invoice {inv.number} from {inv.vendor}",
            f"Your invoice {inv.number}",
            f"{inv.vendor}: invoice {inv.number}",
        ]
    )
    greeting = rng.choice(["Hello,", "Hi there,", "Dear customer,", f"Dear {inv.client} team,"])
    intro = rng.choice(
        [
            f"Please find below the summary of invoice {inv.number}, issued on {inv.date}.",
            f"Thanks for your order. Here is invoice {inv.number} dated {inv.date}.",
            f"As agreed, we are billing the following under invoice {inv.number} ({inv.date}).",
            f"Attached and summarised below is our invoice {inv.number}, dated {inv.date}.",
        ]
    )
    items = [
        rng.choice(
            ["- {q} x {d} at {u} each", "* {d}: {q} @ {u}", "- {d} ({q} units, {u} per unit)"]
        ).format(q=inv.q(q), d=desc, u=inv.n(u))
        for desc, q, u in inv.items
    ]
    total = rng.choice(
        ["Total: {m}", "Amount due: {m}", "The total comes to {m}.", "Total payable: {m}"]
    ).format(m=inv.money(inv.total_minor))
    terms = rng.choice(
        [
            "Payment is due within 30 days.",
            "We appreciate prompt payment.",
            "Let us know if anything looks off.",
            "",
        ]
    )
    sign = rng.choice(["Kind regards", "Best wishes", "Thanks again", "Many thanks"])
    team = rng.choice(["Accounts team", "The billing team", "Finance", "Accounts receivable"])
    forwarded = rng.random() < 0.3
    body = [f"Subject: {subject}", "", greeting, "", intro, "", *items, "", total]
    if terms:
        body += ["", terms]
    body += ["", f"{sign},", f"{team}, {inv.vendor}"]
    if forwarded:
        body = [
            "---------- Forwarded message ----------",
            f"From: {inv.vendor} billing",
            f"Date: {inv.date}",
            *body,
        ]
    return "\n".join(body)


def _layout_receipt(inv: Invoice, rng: random.Random) -> str:
    upper = rng.random() < 0.6
    label = rng.choice(["RECEIPT", "RCPT", "Receipt no.", "TRANS", "Bon"])
    hhmm = f"{rng.randint(7, 20):02d}:{rng.randint(0, 59):02d}"
    lines = [inv.vendor, inv.address, f"{label} {inv.number}", f"{inv.date}  {hhmm}"]
    lines.append("-" * rng.choice([24, 28, 32]))
    for desc, q, u in inv.items:
        d = desc.upper() if upper else desc
        if q == 1 and rng.random() < 0.5:
            lines.append(f"{d}  {inv.n(u)}")
        else:
            lines.append(f"{d}  {inv.q(q)} @ {inv.n(u)}  {inv.n(inv.line_minor(q, u))}")
    lines.append("-" * rng.choice([24, 28, 32]))
    total_label = rng.choice(["TOTAL", "T0TAL", "TOTAL DUE", "SUM", "Total"])
    lines.append(f"{total_label}  {inv.money(inv.total_minor)}")
    lines.append(rng.choice(["CARD", "CASH", "CONTACTLESS", "Paid by card", ""]))
    lines.append(
        rng.choice(
            [
                "THANK YOU!",
                "Thanks, see you soon",
                "Please keep your receipt",
                "No refunds without receipt",
                "",
            ]
        )
    )
    text = "\n".join(line for line in lines if line)
    if rng.random() < 0.5:  # OCR-ish spacing noise outside the numbers
        text = text.replace(":", " :") if rng.random() < 0.5 else text.replace("  ", "   ")
    return text


def _layout_table(inv: Invoice, rng: random.Random) -> str:
    title = rng.choice(
        [f"Invoice {inv.number} — {inv.vendor}", f"{inv.vendor} · Invoice {inv.number}"]
    )
    rows = ["| Item | Qty | Unit | Total |", "|---|---|---|---|"]
    for desc, q, u in inv.items:
        rows.append(f"| {desc} | {inv.q(q)} | {inv.n(u)} | {inv.n(inv.line_minor(q, u))} |")
    cur_note = rng.choice([f"All amounts in {inv.cur}.", f"Currency: {inv.cur}", ""])
    total_label = rng.choice(["Total", "Grand total", "Amount due"])
    return "\n".join(
        [
            title,
            f"{rng.choice(['Date', 'Issued on', 'Invoice date'])}: {inv.date}",
            *([cur_note] if cur_note else []),
            "",
            *rows,
            "",
            f"**{total_label}: {inv.money(inv.total_minor)}**",
        ]
    )


def _layout_oneline(inv: Invoice, rng: random.Random) -> str:
    items = ", ".join(f"{inv.q(q)}x {desc} {inv.n(u)}" for desc, q, u in inv.items)
    return rng.choice(
        [
            "{v} receipt no. {num}, {d}: {items}. Total {t}.",
            "Paid {t} at {v} on {d} (ref {num}) for {items}.",
            "{d} — {v} — #{num} — {items} — total {t}",
        ]
    ).format(v=inv.vendor, num=inv.number, d=inv.date, items=items, t=inv.money(inv.total_minor))


def _layout_de(inv: Invoice, rng: random.Random) -> str:
    lines = [
        inv.vendor,
        inv.address,
        "",
        f"Rechnung Nr. {inv.number}",
        f"{rng.choice(['Rechnungsdatum', 'Datum'])}: {inv.date}",
        f"Kunde: {inv.client}",
        "",
        "Pos. | Bezeichnung | Menge | Einzelpreis | Gesamt",
    ]
    for i, (desc, q, u) in enumerate(inv.items, 1):
        lines.append(f"{i} | {desc} | {inv.q(q)} | {inv.n(u)} | {inv.n(inv.line_minor(q, u))}")
    total = inv.total_minor
    vat = total - round(total / 1.19)
    lines += [
        "",
        f"{rng.choice(['Gesamtbetrag', 'Rechnungsbetrag', 'Summe brutto'])}: {inv.money(total)}",
        f"Enthaltene MwSt. 19 %: {inv.money(vat)}",
        rng.choice(
            ["Zahlbar innerhalb von 14 Tagen ohne Abzug.", "Vielen Dank für Ihren Auftrag!"]
        ),
    ]
    return "\n".join(lines)


def _layout_fr(inv: Invoice, rng: random.Random) -> str:
    lines = [
        inv.vendor,
        inv.address,
        "",
        f"FACTURE N° {inv.number}",
        f"{rng.choice(['Date', 'Date de facturation', 'Émise le'])} : {inv.date}",
        f"Client : {inv.client}",
        "",
        "Désignation | Qté | PU | Montant",
    ]
    for desc, q, u in inv.items:
        lines.append(f"{desc} | {inv.q(q)} | {inv.n(u)} | {inv.n(inv.line_minor(q, u))}")
    total = inv.total_minor
    vat = total - round(total / 1.2)
    lines += [
        "",
        f"Total TTC : {inv.money(total)}",
        f"dont TVA 20 % : {inv.money(vat)}",
        rng.choice(["Paiement à 30 jours.", "Merci pour votre confiance.", ""]),
    ]
    return "\n".join(lines).strip()


def _layout_jp(inv: Invoice, rng: random.Random) -> str:
    lines = [
        f"{rng.choice(['請求書 / Invoice', '御請求書', 'INVOICE 請求書'])}",
        inv.vendor,
        inv.address,
        f"請求番号 No.: {inv.number}",
        f"発行日 Date: {inv.date}",
        f"{inv.client} 御中",
        "",
        "品名 Item / 数量 Qty / 単価 Unit / 金額 Amount",
    ]
    for desc, q, u in inv.items:
        lines.append(f"{desc} / {inv.q(q)} / {inv.n(u)} / {inv.n(inv.line_minor(q, u))}")
    lines += ["", f"合計 Total: {inv.money(inv.total_minor)}（税込）"]
    return "\n".join(lines)


def make_invoice(rng: random.Random, index: int) -> dict[str, Any] | None:
    inv = Invoice(rng)
    if inv.receipt:
        layouts = [_layout_receipt, _layout_receipt, _layout_oneline, _layout_plain]
    else:
        layouts = [_layout_plain, _layout_email, _layout_table, _layout_plain, _layout_email]
        if inv.items and len(inv.items) <= 2:
            layouts.append(_layout_oneline)
    layouts += {"de": [_layout_de] * 3, "fr": [_layout_fr] * 3, "jp": [_layout_jp] * 3}.get(
        inv.locale, []
    )
    text = rng.choice(layouts)(inv, rng)
    lead = rng.choice(INVOICE_LEADS)
    user = f"{lead}\n\n{text}" if lead else text
    answer = dumps(inv.as_output())
    example = {
        "messages": [msg("system", EXTRACTION_SYSTEM), msg("user", user), msg("assistant", answer)]
    }
    if sum(len(m["content"]) for m in example["messages"]) > 1350:
        return None
    return example


# --------------------------------------------------------------------------------------------
# 4. release-notes
# --------------------------------------------------------------------------------------------

RELEASE_SYSTEM = (
    "You write release notes for end users. Given the commits of a release, reply with 3 to 5 "
    "short bullet points covering the changes users will notice. Skip internal chores."
)

# name, kind, scopes (component names used in commit scopes), noun (apps: the thing users handle)
PROJECTS: list[tuple[str, str, list[str], str]] = [
    ("loomctl", "dev", ["deploy", "config", "cli", "cache", "auth"], ""),
    ("pgwarden", "dev", ["backup", "restore", "scheduler", "s3", "cli"], ""),
    ("tessellate", "dev", ["mesh", "io", "geometry", "api", "docs"], ""),
    ("quillmark", "dev", ["rules", "parser", "fix", "config", "output"], ""),
    ("brisk-http", "dev", ["client", "retry", "pool", "tls", "streaming"], ""),
    ("tidyfeed", "dev", ["parser", "atom", "rss", "dates", "cli"], ""),
    ("driftwood", "dev", ["shipper", "tail", "buffer", "outputs", "config"], ""),
    ("emberdb", "dev", ["storage", "compaction", "wal", "query", "bindings"], ""),
    ("wrenbuild", "dev", ["graph", "cache", "remote", "cli", "watch"], ""),
    ("sextant", "dev", ["projections", "index", "io", "api", "cli"], ""),
    ("Fernway Planner", "app", ["board", "calendar", "sync", "mobile", "notifications"], "task"),
    ("Ledgerly", "app", ["budgets", "import", "reports", "sync", "ios"], "expense"),
    ("Trailmate", "app", ["maps", "offline", "tracking", "android", "social"], "hike"),
    ("Studybird", "app", ["decks", "review", "editor", "sync", "web"], "flashcard"),
    ("Marigold CRM", "app", ["contacts", "pipeline", "email", "reports", "api"], "contact"),
    ("Harbor Notes", "app", ["editor", "search", "sync", "sharing", "desktop"], "note"),
    ("Kitefly", "app", ["gallery", "upload", "albums", "android", "web"], "photo"),
    ("Tally Habit", "app", ["streaks", "reminders", "widgets", "stats", "ios"], "habit"),
    ("Brightdesk", "app", ["inbox", "macros", "sla", "reports", "widget"], "ticket"),
    ("Sproutly", "app", ["plants", "reminders", "camera", "community", "web"], "plant"),
]

RELEASE_SLOTS: dict[str, Any] = {
    "fmt": ["YAML", "TOML", "JSON", "CSV", "Parquet", "NDJSON", "XML"],
    "os": ["Windows", "macOS", "Linux", "FreeBSD", "Apple Silicon Macs", "ARM Linux"],
    "flag": [
        "--dry-run",
        "--verbose",
        "--output",
        "--parallel",
        "--since",
        "--format",
        "--quiet",
        "--no-color",
        "--watch",
        "--timeout",
        "--profile",
        "--limit",
    ],
    "subcmd": [
        "init",
        "sync",
        "deploy",
        "check",
        "export",
        "status",
        "diff",
        "clean",
        "doctor",
        "upgrade",
        "inspect",
        "prune",
    ],
    "runtime": ["Python 3.8", "Node 16", "Go 1.19", "Rust 1.65", "Windows 7", "Ruby 2.7"],
    "pct": ["30%", "40%", "2x", "3x", "60%", "25%"],
    "pr": lambda r: f"#{r.randint(120, 4800)}",
    "screen": [
        "settings page",
        "dashboard",
        "onboarding flow",
        "search screen",
        "profile page",
        "notifications panel",
        "calendar view",
        "home screen",
        "sidebar",
    ],
    "mobile": ["iOS", "Android"],
    "platform": ["iOS", "Android", "the web app", "the desktop app", "tablets"],
    "lang": [
        "German",
        "Japanese",
        "Brazilian Portuguese",
        "Polish",
        "Korean",
        "Turkish",
        "Dutch",
        "Ukrainian",
        "Italian",
    ],
    "integration": ["Google Calendar", "Slack", "Dropbox", "Outlook", "Zapier", "Notion"],
    "limit": ["500", "1,000", "5,000", "10,000", "50"],
    "size": ["10 MB", "25 MB", "100 MB", "2 GB"],
    "version": lambda r: f"{r.randint(1, 5)}.{r.randint(0, 20)}",
    "tz": ["time zones east of UTC", "daylight saving changes", "leap years", "midnight"],
    "dep": ["OpenSSL", "zlib", "libyaml", "SQLite", "the HTTP stack", "the TLS library"],
}

# (kind, commit templates, bullet templates). {scope} is one of the project's components;
# {noun}/{nouns} is what app users handle ("task", "tasks").
DEV_CHANGES: list[tuple[str, list[str], list[str]]] = [
    (
        "feat",
        [
            "feat({scope}): add {flag} option to `{subcmd}`",
            "Add {flag} to the {subcmd} command ({pr})",
        ],
        ["`{subcmd}` accepts a new `{flag}` option.", "New `{flag}` flag for `{subcmd}`."],
    ),
    (
        "feat",
        ["feat(io): read and write {fmt} files", "Support {fmt} input/output ({pr})"],
        [
            "{fmt} files can now be read and written directly.",
            "Added {fmt} support for input and output.",
        ],
    ),
    (
        "feat",
        ["feat(cli): new `{subcmd}` subcommand", "Add `{subcmd}` command ({pr})"],
        ["A new `{subcmd}` command is available.", "Introduced the `{subcmd}` command."],
    ),
    (
        "feat",
        ["feat({scope}): support config in {fmt}", "Allow {fmt} config files ({pr})"],
        [
            "Configuration can now be written in {fmt}.",
            "{fmt} config files are supported alongside the existing format.",
        ],
    ),
    (
        "feat",
        ["feat: official builds for {os}", "ci: publish release binaries for {os} ({pr})"],
        [
            "Prebuilt binaries are now published for {os}.",
            "Official {os} builds are now available.",
        ],
    ),
    (
        "feat",
        ["feat({scope}): add shell completions for bash, zsh and fish"],
        [
            "Shell completions for bash, zsh and fish.",
            "Tab completion now works in bash, zsh and fish.",
        ],
    ),
    (
        "feat",
        [
            "feat({scope}): JSON output for machine-readable results ({pr})",
            "Add --json output mode",
        ],
        ["Commands can print machine-readable JSON output.", "New JSON output mode for scripting."],
    ),
    (
        "feat",
        ["feat({scope}): environment variable overrides for all settings"],
        ["Every setting can now be overridden with an environment variable."],
    ),
    (
        "feat",
        ["feat({scope}): progress bar for long-running operations ({pr})"],
        ["Long-running operations now show a progress bar."],
    ),
    (
        "feat",
        ["feat({scope}): add async API ({pr})", "Expose async variants of the {scope} functions"],
        [
            "An async API is now available for the {scope} module.",
            "Async versions of the {scope} functions were added.",
        ],
    ),
    (
        "feat",
        [
            "feat({scope}): configurable timeout with {flag}",
            "Make {scope} timeout configurable ({pr})",
        ],
        [
            "The {scope} timeout is now configurable.",
            "Timeouts for {scope} can be set instead of the fixed default.",
        ],
    ),
    (
        "feat",
        ["feat({scope}): resume interrupted transfers ({pr})"],
        ["Interrupted transfers now resume where they stopped."],
    ),
    (
        "perf",
        [
            "perf({scope}): cache parsed results between runs",
            "Speed up {scope} with an on-disk cache ({pr})",
        ],
        [
            "Repeated runs are up to {pct} faster thanks to a new cache.",
            "{scope} results are cached, so repeat runs are much quicker.",
        ],
    ),
    (
        "perf",
        ["perf({scope}): stream large inputs instead of loading into memory ({pr})"],
        [
            "Large inputs are streamed, which cuts memory use substantially.",
            "Much lower memory use on large files.",
        ],
    ),
    (
        "perf",
        ["perf({scope}): parallelise work across CPU cores", "Use all cores in {scope} ({pr})"],
        ["{scope} now uses all CPU cores and is up to {pct} faster."],
    ),
    (
        "perf",
        ["perf: reduce startup time ({pr})", "perf(cli): lazy-load heavy modules"],
        ["Startup is noticeably quicker.", "Commands start up to {pct} faster."],
    ),
    (
        "fix",
        ["fix({scope}): crash on empty input files", "Fix panic when input is empty ({pr})"],
        ["Empty input files no longer cause a crash.", "Fixed a crash on empty input."],
    ),
    (
        "fix",
        ["fix({scope}): paths with spaces on {os}", "Handle spaces in paths on {os} ({pr})"],
        ["Paths containing spaces now work on {os}.", "Fixed path handling with spaces on {os}."],
    ),
    (
        "fix",
        ["fix({scope}): wrong timestamps around {tz}", "Correct date handling for {tz} ({pr})"],
        ["Timestamps are now correct around {tz}.", "Fixed incorrect dates around {tz}."],
    ),
    (
        "fix",
        ["fix({scope}): `{subcmd}` ignored {flag}", "Respect {flag} in {subcmd} ({pr})"],
        [
            "`{subcmd}` now honours `{flag}` as documented.",
            "Fixed `{flag}` being ignored by `{subcmd}`.",
        ],
    ),
    (
        "fix",
        ["fix({scope}): memory leak in long-running sessions ({pr})"],
        [
            "Fixed a memory leak in long-running sessions.",
            "Long sessions no longer slowly grow in memory.",
        ],
    ),
    (
        "fix",
        [
            "fix({scope}): retry on transient network errors",
            "Retry failed requests with backoff ({pr})",
        ],
        [
            "Transient network errors are retried automatically.",
            "Flaky connections are handled with automatic retries.",
        ],
    ),
    (
        "fix",
        ["fix({scope}): unicode file names were mangled ({pr})"],
        ["File names with non-ASCII characters are preserved correctly."],
    ),
    (
        "fix",
        ["fix({scope}): exit code was 0 on failure", "Return non-zero exit code on errors ({pr})"],
        [
            "Failures now return a non-zero exit code, so CI catches them.",
            "Exit codes now reflect errors correctly.",
        ],
    ),
    (
        "fix",
        ["fix({scope}): colours printed when output is piped ({pr})"],
        ["Colour codes are no longer printed into piped output."],
    ),
    (
        "breaking",
        [
            "feat!: drop support for {runtime}",
            "BREAKING: require newer runtime than {runtime} ({pr})",
        ],
        ["Breaking: {runtime} is no longer supported.", "Support for {runtime} has been removed."],
    ),
    (
        "breaking",
        ["refactor({scope})!: rename `{subcmd}` to `{subcmd}-all`"],
        ["Breaking: `{subcmd}` is now `{subcmd}-all`; the old name prints a hint."],
    ),
    (
        "breaking",
        ["feat({scope})!: change default output to {fmt} ({pr})"],
        ["Breaking: the default output format is now {fmt}."],
    ),
    (
        "security",
        [
            "fix(security): update {dep} for a reported vulnerability",
            "Bump {dep} (security) ({pr})",
        ],
        [
            "Security: updated {dep} to address a reported vulnerability.",
            "Includes a security update to {dep}.",
        ],
    ),
    (
        "security",
        ["fix({scope}): do not log credentials in debug output ({pr})"],
        ["Security: credentials no longer appear in debug logs."],
    ),
    (
        "docs",
        ["docs: new getting-started guide ({pr})", "docs: add quickstart page"],
        ["A new getting-started guide is in the docs.", "The docs have a new quickstart guide."],
    ),
    (
        "docs",
        ["docs({scope}): rewrite tutorial ({pr})"],
        ["The {scope} tutorial has been rewritten from scratch."],
    ),
]

APP_CHANGES: list[tuple[str, list[str], list[str]]] = [
    (
        "feat",
        ["feat({scope}): dark mode", "Add dark theme ({pr})"],
        ["Dark mode is here.", "New dark theme, switchable in settings."],
    ),
    (
        "feat",
        ["feat({scope}): {integration} integration ({pr})", "Connect to {integration}"],
        ["Connect your account to {integration}.", "New {integration} integration."],
    ),
    (
        "feat",
        ["feat({scope}): bulk edit {nouns}", "Allow selecting multiple {nouns} ({pr})"],
        ["Select several {nouns} at once and edit them together.", "Bulk editing for {nouns}."],
    ),
    (
        "feat",
        ["feat({scope}): offline mode on {platform} ({pr})"],
        [
            "{platform} now works offline and syncs when you're back online.",
            "Offline mode on {platform}.",
        ],
    ),
    (
        "feat",
        ["feat(i18n): add {lang} translation", "i18n: {lang} ({pr})"],
        ["The app is now available in {lang}.", "Added a {lang} translation."],
    ),
    (
        "feat",
        ["feat({scope}): export {nouns} to {fmt} ({pr})", "Add {fmt} export"],
        ["Export your {nouns} to {fmt}.", "{fmt} export for {nouns}."],
    ),
    (
        "feat",
        ["feat({scope}): home screen widget on {mobile}", "Add widget ({pr})"],
        [
            "New home screen widget on {mobile}.",
            "Add a widget to see your {nouns} at a glance on {mobile}.",
        ],
    ),
    (
        "feat",
        ["feat({scope}): recurring {nouns}", "Support repeat rules ({pr})"],
        ["{Nouns} can now repeat on a schedule.", "Recurring {nouns} are supported."],
    ),
    (
        "feat",
        ["feat({scope}): share a {noun} with a link ({pr})"],
        ["Share any {noun} with a read-only link.", "Send a {noun} to anyone with a share link."],
    ),
    (
        "feat",
        ["feat({scope}): keyboard shortcuts with a cheat sheet", "Add shortcuts and ? help ({pr})"],
        [
            "Keyboard shortcuts, with a cheat sheet behind the ? key.",
            "New keyboard shortcuts for common actions.",
        ],
    ),
    (
        "feat",
        ["feat({scope}): redesigned {screen} ({pr})", "New {screen} layout"],
        ["A redesigned {screen} that's easier to scan.", "Refreshed {screen}."],
    ),
    (
        "feat",
        ["feat({scope}): tags and filters for {nouns}", "Filter by tag ({pr})"],
        ["Tag your {nouns} and filter by tag.", "New tags and filters for {nouns}."],
    ),
    (
        "feat",
        ["feat({scope}): undo for deletes ({pr})", "Add undo snackbar after delete"],
        [
            "Deleted a {noun} by mistake? You can now undo it.",
            "Undo is available right after deleting.",
        ],
    ),
    (
        "feat",
        ["feat({scope}): attachments up to {size}", "Raise upload limit to {size} ({pr})"],
        ["Attachments can now be up to {size}.", "Bigger uploads: the limit is now {size}."],
    ),
    (
        "perf",
        ["perf({scope}): faster initial sync ({pr})", "Speed up first sync"],
        ["First sync is up to {pct} faster.", "Faster syncing on first launch."],
    ),
    (
        "perf",
        ["perf({scope}): virtualised list for large accounts", "Render long lists lazily ({pr})"],
        [
            "Scrolling through thousands of {nouns} is smooth now.",
            "Long lists of {nouns} load much faster.",
        ],
    ),
    (
        "perf",
        ["perf({scope}): smaller app download ({pr})", "Cut bundle size"],
        ["The app download is {pct} smaller.", "Smaller download and faster launch."],
    ),
    (
        "fix",
        ["fix({scope}): crash when opening {screen} on {platform}", "Fix crash on {screen} ({pr})"],
        [
            "Fixed a crash when opening the {screen} on {platform}.",
            "The {screen} no longer crashes on {platform}.",
        ],
    ),
    (
        "fix",
        ["fix({scope}): duplicate {nouns} after sync ({pr})", "Dedupe after sync conflict"],
        ["Sync no longer creates duplicate {nouns}.", "Fixed duplicate {nouns} after syncing."],
    ),
    (
        "fix",
        ["fix({scope}): reminders firing twice", "Fix double notifications ({pr})"],
        ["Reminders no longer fire twice.", "Fixed duplicate notifications."],
    ),
    (
        "fix",
        ["fix({scope}): wrong dates around {tz} ({pr})"],
        ["Dates are now shown correctly around {tz}.", "Fixed wrong dates around {tz}."],
    ),
    (
        "fix",
        ["fix({scope}): search missed {nouns} with accents", "Accent-insensitive search ({pr})"],
        ["Search now finds {nouns} regardless of accents.", "Fixed search for words with accents."],
    ),
    (
        "fix",
        ["fix({scope}): layout broken on small screens ({pr})"],
        [
            "The layout works properly on small screens again.",
            "Fixed overlapping buttons on small phones.",
        ],
    ),
    (
        "fix",
        ["fix({scope}): logged out after updating ({pr})", "Keep session across app updates"],
        ["You stay signed in after updating the app.", "Fixed being logged out after an update."],
    ),
    (
        "fix",
        ["fix({scope}): {fmt} import skipped the first row ({pr})"],
        ["{fmt} imports no longer skip the first row.", "Fixed {fmt} imports losing a row."],
    ),
    (
        "fix",
        ["fix({scope}): VoiceOver labels missing on {screen} ({pr})"],
        [
            "Screen reader labels on the {screen} are fixed.",
            "Better screen reader support on the {screen}.",
        ],
    ),
    (
        "breaking",
        ["chore!: drop support for {platform} versions older than {version} ({pr})"],
        ["{platform} versions older than {version} are no longer supported."],
    ),
    (
        "security",
        ["fix(security): require re-authentication to change password ({pr})"],
        ["Changing your password now asks you to sign in again, for extra safety."],
    ),
    (
        "security",
        ["feat(security): two-step sign-in with authenticator apps ({pr})"],
        ["Two-step sign-in with an authenticator app is now available."],
    ),
]

NOISE_COMMITS = [
    "chore(deps): bump {dep} to latest",
    "ci: cache dependencies between jobs",
    "test: add regression test for {pr}",
    "refactor({scope}): extract helper",
    "chore: fix typos in comments",
    "docs: fix broken link in README",
    "style: run formatter",
    "ci: split test matrix by {os}",
    "Merge branch 'main' into release",
    "chore: update changelog",
    "refactor: rename internal variables",
    "test({scope}): flaky test skipped on CI",
    "build: pin toolchain version",
    "chore(release): prepare {relver}",
    "docs: update contributor guide",
    "Merge pull request {pr} from feature/{scope}-cleanup",
    "chore: remove dead code in {scope}",
    "ci: upload coverage report",
    "test: speed up fixtures",
    "build(deps-dev): bump the linter",
]
RELEASE_ASKS = [
    "Write release notes for {project} {ver} from these commits:",
    "Summarise this {project} {ver} release for users:",
    "Here are the commits for {project} {ver}. Draft the release notes.",
    "Changelog for {project} {ver} — turn it into user-facing notes:",
    "Can you write up what's new in {project} {ver}?\n\nCommits:",
    "Release {ver} of {project}. Commit log:",
    "Summarise for the {ver} announcement ({project}):",
]
KIND_TAGS = {
    "feat": "New",
    "perf": "Faster",
    "fix": "Fixed",
    "breaking": "Heads-up",
    "security": "Security",
    "docs": "Docs",
}
KIND_ORDER = ["breaking", "security", "feat", "perf", "fix", "docs"]


def make_release(rng: random.Random, index: int) -> dict[str, Any] | None:
    project, kind, scopes, noun = rng.choice(PROJECTS)
    changes = DEV_CHANGES if kind == "dev" else APP_CHANGES
    major, minor, patch = rng.randint(0, 6), rng.randint(0, 24), rng.randint(0, 9)
    ver = rng.choice([f"v{major}.{minor}.{patch}", f"{major}.{minor}.{patch}", f"{major}.{minor}"])
    n_notable = rng.randint(3, 5)
    if noun not in ("task", "habit", "plant", "expense"):
        changes = [c for c in changes if "repeat" not in c[1][-1] and "recurring" not in c[1][0]]
    picked = rng.sample(changes, n_notable)
    if not any(k == "feat" for k, _, _ in picked):
        return None
    extra = {"noun": noun, "nouns": noun + "s", "Nouns": noun.capitalize() + "s", "relver": ver}
    commits, bullets = [], []
    for k, commit_tpls, bullet_tpls in picked:
        slots = Slots(rng, RELEASE_SLOTS, scope=rng.choice(scopes), **extra)
        commits.append(pick(rng, commit_tpls, slots))
        text = pick(rng, bullet_tpls, slots)
        if not text.startswith("iOS"):
            text = text[0].upper() + text[1:]
        bullets.append((KIND_ORDER.index(k), k, text))
    for _ in range(rng.randint(2, 6)):
        slots = Slots(rng, RELEASE_SLOTS, scope=rng.choice(scopes), **extra)
        commits.append(pick(rng, NOISE_COMMITS, slots))
    if len(set(commits)) != len(commits):
        return None
    rng.shuffle(commits)
    bullets.sort(key=lambda b: b[0])
    tagged = rng.random() < 0.5
    lines = []
    for _, k, text in bullets:
        if tagged:
            text = text.removeprefix("Breaking: ").removeprefix("Security: ")
            lines.append(f"- **{KIND_TAGS[k]}:** {text}")
        else:
            lines.append(f"- {text}")
    marker = rng.choice(["- ", "* ", ""])
    ask = rng.choice(RELEASE_ASKS).format(project=project, ver=ver)
    user = ask + "\n\n" + "\n".join(marker + c for c in commits)
    answer = "\n".join(lines)
    return {
        "messages": [msg("system", RELEASE_SYSTEM), msg("user", user), msg("assistant", answer)]
    }


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------

# name: (maker, total examples, eval examples)
DATASETS: dict[str, tuple[Callable[[random.Random, int], dict[str, Any] | None], int, int]] = {
    "support-tone": (make_support, 372, 48),
    "ticket-classifier": (make_ticket, 390, 60),
    "invoice-extraction": (make_invoice, 312, 48),
    "release-notes": (make_release, 252, 36),
}


def build(name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    maker, total, n_eval = DATASETS[name]
    return split(collect(name, total, maker, name), n_eval, name)


def generate(out: Path) -> dict[str, tuple[int, int]]:
    counts = {}
    for name in DATASETS:
        train, evals = build(name)
        write_jsonl(out / name / "train.jsonl", train)
        write_jsonl(out / name / "eval.jsonl", evals)
        counts[name] = (len(train), len(evals))
    write_json(out / "ticket-classifier" / "labels.json", LABELS)
    write_json(out / "invoice-extraction" / "schema.json", INVOICE_SCHEMA)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output directory")
    args = parser.parse_args(argv)
    for name, (n_train, n_eval) in generate(args.out).items():
        print(f"{name}: {n_train} train, {n_eval} eval")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
