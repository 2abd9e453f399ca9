"""Optional LLM judge: an OpenAI-compatible endpoint scores answers 1-10. Stdlib only.

Off unless the recipe sets ``eval.judge`` (``url``, ``model``, optional ``api_key_env``,
``rubric``, ``max_samples``). For each held-out example (up to ``max_samples``) and each model
(base, tuned), one ``POST {url}/chat/completions`` carries the prompt, the reference and the
answer and asks for ``{"score": n, "reason": "..."}``. Nothing here raises on a bad endpoint:
:func:`judge_answers` returns an outcome with ``error`` set instead, and ``tunebook eval`` then
omits ``judge_score``. The key (the value of ``api_key_env``) is only put in the request's
``Authorization`` header; every message that leaves this module is masked.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tunebook.secrets import mask, secret_values

TIMEOUT_S = 60.0
RETRY_DELAY_S = 1.0  # before the one retry (5xx, network error, timeout)
SCORE_MIN, SCORE_MAX = 1, 10
METRIC = "judge_score"

SYSTEM_PROMPT = (
    "You are a strict, fair evaluator of a model's answer. You are given the conversation "
    "the model saw, a reference answer written by a person, and the model's answer. Score the "
    "model's answer from 1 (useless or wrong) to 10 (as good as or better than the reference)."
    " Reply with JSON only, no other text: {\"score\": <integer 1-10>, \"reason\": \"<one "
    "short sentence>\"}"
)
DEFAULT_RUBRIC = ("Is the answer correct, helpful and in the style of the reference, "
                  "without unnecessary content?")

Log = Callable[[str], None]


class JudgeError(Exception):
    """The endpoint could not be used (network, HTTP status, unreadable reply); masked text."""


@dataclass(frozen=True)
class JudgeSettings:
    """The recipe's ``eval.judge`` section."""

    url: str
    model: str
    api_key_env: str | None = None
    rubric: str | None = None
    max_samples: int | None = None

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/") + "/chat/completions"

    def key(self, env: Mapping[str, str] | None = None) -> str | None:
        """The API key from ``api_key_env`` (None when unset or empty)."""
        if not self.api_key_env:
            return None
        value = (os.environ if env is None else env).get(self.api_key_env, "").strip()
        return value or None


@dataclass
class JudgeOutcome:
    """Per-model scores (None = the reply had no score), reasons and means; ``error`` set when
    the judge could not run (then ``means`` is empty and ``judge_score`` is omitted)."""

    judged: int = 0
    scores: dict[str, list[float | None]] = field(default_factory=dict)
    reasons: dict[str, list[str]] = field(default_factory=dict)
    means: dict[str, float] = field(default_factory=dict)
    unscored: int = 0
    error: str | None = None


def judge_settings(value: Any) -> JudgeSettings | None:
    """``eval.judge`` as settings; None when absent or not usable (no ``url``/``model``:
    :func:`judge_problems` reports those)."""
    if not isinstance(value, Mapping) or judge_problems(value):
        return None
    cap = value.get("max_samples")
    return JudgeSettings(url=str(value["url"]), model=str(value["model"]),
                         api_key_env=str(value["api_key_env"]) if value.get("api_key_env")
                         else None,
                         rubric=str(value["rubric"]) if value.get("rubric") else None,
                         max_samples=int(cap) if cap else None)


def judge_problems(value: Any) -> list[tuple[str, str]]:
    """(field path, message) for each problem of an ``eval.judge`` section."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [("eval.judge", "expected a mapping with url and model")]
    problems = []
    for key in ("url", "model"):
        if not isinstance(value.get(key), str) or not value.get(key).strip():
            problems.append((f"eval.judge.{key}", "required (a non-empty string)"))
    url = value.get("url")
    if isinstance(url, str) and url.strip() and not re.match(r"^https?://", url.strip()):
        problems.append(("eval.judge.url", "expected an http:// or https:// base URL, "
                         "e.g. http://localhost:8000/v1"))
    cap = value.get("max_samples")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        problems.append(("eval.judge.max_samples", f"expected a positive integer, got {cap!r}"))
    for key in ("api_key_env", "rubric"):
        if value.get(key) is not None and not isinstance(value.get(key), str):
            problems.append((f"eval.judge.{key}", "expected a string"))
    return problems


def build_messages(settings: JudgeSettings, prompt: str, reference: str,
                   answer: str) -> list[dict[str, str]]:
    """The chat messages asking the judge to score one answer."""
    user = (f"Criteria: {settings.rubric or DEFAULT_RUBRIC}\n\n"
            f"## Conversation / prompt\n{prompt}\n\n"
            f"## Reference answer\n{reference}\n\n"
            f"## Model answer to score\n{answer if answer.strip() else '(empty answer)'}\n\n"
            'Reply with JSON only: {"score": <integer 1-10>, "reason": "<one short sentence>"}')
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def render_prompt(example: Any) -> str:
    """An example's prompt as text: each chat turn as ``role: content``, or the text prompt."""
    if getattr(example, "messages", None):
        return "\n".join(f"{m['role']}: {m['content']}" for m in example.messages)
    return str(getattr(example, "text_prompt", "") or "")


def parse_score(text: str) -> tuple[float | None, str]:
    """(score, reason) from a judge's reply: a JSON object's ``score`` (a ```json fence or
    text around it is fine), else the first integer of the text in 1-10; (None, text) when
    neither is found."""
    text = str(text or "")
    objects = [o for o in _json_objects(text) if "score" in o]
    for candidate in objects:
        score = candidate.get("score")
        if isinstance(score, str):
            score = _number(score)
        if isinstance(score, int | float) and not isinstance(score, bool) \
                and SCORE_MIN <= score <= SCORE_MAX:
            return float(score), str(candidate.get("reason") or "").strip()
    if objects:  # a JSON reply whose score is out of range or not a number
        return None, " ".join(text.split())[:300]
    for match in re.finditer(r"(?<![\d.])\d+(?![\d.])", text):
        value = int(match.group())
        if SCORE_MIN <= value <= SCORE_MAX:
            return float(value), " ".join(text.split())[:300]
    return None, " ".join(text.split())[:300]


def request_score(settings: JudgeSettings, messages: list[dict[str, str]], *,
                  key: str | None = None, timeout: float = TIMEOUT_S,
                  retry_delay: float | None = None) -> str:
    """The judge's reply text (``choices[0].message.content``) for ``messages``. One retry on
    a 5xx status, a network error or a timeout; JudgeError (key masked) when it still fails
    or on any other error."""
    body = json.dumps({"model": settings.model, "messages": messages, "temperature": 0,
                       "max_tokens": 200}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    delay = RETRY_DELAY_S if retry_delay is None else retry_delay
    hidden = _hidden(key)
    for attempt in (1, 2):
        request = urllib.request.Request(settings.endpoint, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = _body(exc)
            message = f"HTTP {exc.code} from {settings.endpoint}{': ' + detail if detail else ''}"
            if exc.code >= 500 and attempt == 1:
                time.sleep(delay)
                continue
            raise JudgeError(mask(message, hidden)) from None
        except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            if attempt == 1:
                time.sleep(delay)
                continue
            raise JudgeError(mask(f"cannot reach {settings.endpoint}: {reason}", hidden)) \
                from None
        try:
            reply = json.loads(raw)
            return str(reply["choices"][0]["message"]["content"] or "")
        except (ValueError, KeyError, IndexError, TypeError):
            snippet = " ".join(raw[:200].decode("utf-8", "replace").split())
            raise JudgeError(mask(f"not an OpenAI chat/completions reply from "
                                  f"{settings.endpoint}: {snippet!r}", hidden)) from None
    raise JudgeError("unreachable")  # pragma: no cover


def judge_answers(settings: JudgeSettings, examples: Sequence[Any],
                  answers: Mapping[str, Sequence[str]], *, log: Log | None = None,
                  env: Mapping[str, str] | None = None, timeout: float = TIMEOUT_S
                  ) -> JudgeOutcome:
    """Score each model's answers (``answers``: name -> one answer per example) on the first
    ``settings.max_samples`` examples. Never raises for the endpoint: the first request that
    still fails after its retry stops the judge and sets ``outcome.error``. ``means`` averages
    each model over the examples where every model got a score (a fair delta)."""
    log = log or (lambda _msg: None)
    key = settings.key(env)
    if settings.api_key_env and key is None:
        log(f"  judge: ${settings.api_key_env} is not set; calling {settings.endpoint} "
            "without a key")
    count = min(len(examples), settings.max_samples or len(examples))
    outcome = JudgeOutcome(judged=count, scores={n: [] for n in answers},
                           reasons={n: [] for n in answers})
    hidden = _hidden(key)
    try:
        for i, example in enumerate(examples[:count]):
            prompt = render_prompt(example)
            for name, given in answers.items():
                messages = build_messages(settings, prompt, example.reference, given[i])
                score, reason = parse_score(request_score(settings, messages, key=key,
                                                          timeout=timeout))
                outcome.scores[name].append(score)
                outcome.reasons[name].append(mask(reason, hidden))
    except JudgeError as exc:
        outcome.error = mask(str(exc), hidden)
        return outcome
    except Exception as exc:  # the judge is optional: never crash the eval
        outcome.error = mask(f"{type(exc).__name__}: {exc}", hidden)
        return outcome
    paired = [i for i in range(count) if all(outcome.scores[n][i] is not None for n in answers)]
    outcome.unscored = count - len(paired)
    if not paired:
        outcome.error = (f"no reply of {settings.model} held a 1-10 score" if count
                         else "no example to judge")
        return outcome
    outcome.means = {n: sum(outcome.scores[n][i] for i in paired) / len(paired)
                     for n in answers}
    return outcome


def masked(text: str, settings: JudgeSettings | None = None) -> str:
    """``text`` with the judge key and every secret environment value masked."""
    return mask(text, _hidden(settings.key() if settings else None))


def _hidden(key: str | None) -> list[str]:
    values = secret_values()
    return sorted({*values, key} if key else set(values), key=len, reverse=True)


def _json_objects(text: str) -> list[dict[str, Any]]:
    body = text.strip()
    fenced = re.search(r"```(?:json)?\s*(.*?)\s*```", body, re.DOTALL)
    candidates = [fenced.group(1)] if fenced else []
    candidates.append(body)
    candidates += re.findall(r"\{[^{}]*\}", body)
    found = []
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def _number(text: str) -> float | None:
    match = re.search(r"\d+(?:\.\d+)?", text)
    return float(match.group()) if match else None


def _body(exc: urllib.error.HTTPError) -> str:
    try:
        return " ".join(exc.read()[:200].decode("utf-8", "replace").split())
    except Exception:
        return ""
