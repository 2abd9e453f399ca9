"""A model's tokenizer and chat template, loaded without transformers or torch.

``tokenizers.Tokenizer.from_file`` reads tokenizer.json; the chat template from
tokenizer_config.json (or chat_template.jinja) is rendered in jinja2's sandbox, which is
what transformers' ``apply_chat_template`` does.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tunebook.errors import UserError

ALPACA_PROMPT = "### Instruction:\n{instruction}\n\n### Response:\n"


@dataclass
class ModelTokenizer:
    """Counts tokens of rendered examples exactly."""

    tokenizer: Any
    template: Any | None
    bos_token: str
    eos_token: str
    added_tokens: tuple[str, ...]
    source: str

    def render(
        self, fmt: str, turns: list[tuple[str, str]], generation_prompt: bool = False
    ) -> str:
        """The training text of one example, as Axolotl would tokenize it."""
        if fmt in ("chat", "sharegpt"):
            if self.template is None:
                raise TemplateError("the model has no chat_template")
            messages = [{"role": r, "content": c} for r, c in turns]
            return self.template.render(
                messages=messages,
                add_generation_prompt=generation_prompt,
                bos_token=self.bos_token,
                eos_token=self.eos_token,
                tools=None,
            )
        if fmt == "alpaca":
            user = next((c for r, c in turns if r == "user"), "")
            out = (
                next((c for r, c in turns if r == "assistant"), "") if not generation_prompt else ""
            )
            return (
                self.bos_token
                + ALPACA_PROMPT.format(instruction=user)
                + out
                + ("" if generation_prompt else self.eos_token)
            )
        text = "".join(c for _, c in turns)
        return self.bos_token + text + ("" if generation_prompt else self.eos_token)

    def count(self, texts: list[str]) -> list[int]:
        """Token counts of many texts in one batch (the Rust side uses every core)."""
        if not texts:
            return []
        return [len(e) for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]


class TemplateError(Exception):
    """The chat template raised (``raise_exception``) or failed to render."""


def _raise(message: str) -> None:
    raise TemplateError(message)


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: int | None = None,
    separators: Any = None,
    sort_keys: bool = False,
) -> str:
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def compile_template(source: str) -> Any:
    """A chat template compiled in an immutable jinja2 sandbox (as transformers does)."""
    from jinja2 import TemplateError as JinjaError
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols]
    )
    env.filters["tojson"] = _tojson
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    try:
        return env.from_string(source)
    except JinjaError as exc:
        raise UserError(f"the chat template does not compile: {exc}") from None


def _token_str(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("content") or "")
    return str(value or "")


def load_model_tokenizer(model_dir: Path, chat_template: str | None = None) -> ModelTokenizer:
    """Tokenizer + template of a local model directory; UserError if unusable."""
    from tokenizers import Tokenizer

    model_dir = Path(model_dir)
    tok_file = model_dir / "tokenizer.json"
    if not tok_file.is_file():
        raise UserError(
            "no tokenizer.json in the model directory",
            file=model_dir,
            hint="pass a directory saved with save_pretrained, or omit --model for an estimate",
        )
    try:
        tokenizer = Tokenizer.from_file(str(tok_file))
    except Exception as exc:  # the Rust side raises a bare Exception
        raise UserError(f"cannot load tokenizer.json: {exc}", file=tok_file) from None
    config: dict[str, Any] = {}
    cfg_file = model_dir / "tokenizer_config.json"
    if cfg_file.is_file():
        try:
            config = json.loads(cfg_file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UserError(f"tokenizer_config.json does not parse: {exc}", file=cfg_file) from None
    source = chat_template or config.get("chat_template")
    if isinstance(source, list):
        named = {t.get("name"): t.get("template") for t in source if isinstance(t, dict)}
        source = named.get("default") or next(iter(named.values()), None)
    jinja_file = model_dir / "chat_template.jinja"
    if source is None and jinja_file.is_file():
        source = jinja_file.read_text(encoding="utf-8")
    added = tuple(
        sorted(
            {
                _token_str(t)
                for t in (config.get("added_tokens_decoder") or {}).values()
                if isinstance(t, dict) and t.get("special")
            }
            - {""}
        )
    ) or tuple(
        sorted({t.content for t in tokenizer.get_added_tokens_decoder().values() if t.special})
    )
    return ModelTokenizer(
        tokenizer=tokenizer,
        template=compile_template(source) if source else None,
        bos_token=_token_str(config.get("bos_token")),
        eos_token=_token_str(config.get("eos_token")),
        added_tokens=added,
        source=str(model_dir),
    )


def hf_cache_snapshot(hf_id: str) -> Path | None:
    """The newest local snapshot of ``hf_id`` in the Hugging Face cache that has a
    tokenizer.json (offline; nothing is downloaded)."""
    roots = []
    if os.environ.get("HF_HUB_CACHE"):
        roots.append(Path(os.environ["HF_HUB_CACHE"]))
    hf_home = Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface"))
    roots.append(hf_home / "hub")
    for root in roots:
        snaps = root / f"models--{hf_id.replace('/', '--')}" / "snapshots"
        if snaps.is_dir():
            found = sorted(
                (p for p in snaps.iterdir() if (p / "tokenizer.json").is_file()),
                key=lambda p: p.stat().st_mtime,
                reverse=True,
            )
            if found:
                return found[0]
    return None
