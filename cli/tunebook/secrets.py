"""The one list of secret environment variables, and masking of their values. Stdlib only.

Used wherever tunebook writes something a person or a service may read: W&B config and tables
(:mod:`tunebook.tracking`), ``on_finish.log`` (:mod:`tunebook.on_finish`), the exported model
card and Hub errors (:mod:`tunebook.export`).

Two rules:

* the *value* of every secret environment variable (the names in :data:`SECRET_ENV_VARS`, and
  any other variable whose name ends like a credential: ``*_API_KEY``, ``*_TOKEN``,
  ``*_SECRET``, ``*_PASSWORD`` ...) is replaced by ``***`` wherever it appears in a string;
* in mappings, a value under a secret-looking *key* (``api_key``, ``hub_token``, ``secret``,
  ``password``, ``credentials`` ...) is replaced by ``***``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

MASK = "***"

# Always masked, whatever the name pattern below says.
SECRET_ENV_VARS: tuple[str, ...] = (
    "WANDB_API_KEY",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "HUGGINGFACE_HUB_TOKEN",
    "RUNPOD_API_KEY",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
)

# Other environment variables whose values are treated as secrets, by name.
SECRET_ENV_NAME = re.compile(
    r"(?:^|_)(?:API_?KEY|TOKEN|SECRET|SECRET_KEY|SECRET_ACCESS_KEY|PASSWORD|PASSWD)$",
    re.IGNORECASE)

# Mapping keys whose values are masked (config and recipe dicts).
SECRET_KEY = re.compile(r"api[_-]?key|secret|password|passwd|credential|access[_-]?key|"
                        r"token$", re.IGNORECASE)
# Tokenizer settings that end in "token" but hold no secret.
_NOT_SECRET_KEY = re.compile(r"(?:^|_)(?:pad|eos|bos|unk|sep|cls|mask|chat_template)_token$",
                             re.IGNORECASE)

# Shorter values are not masked: replacing "1" or "no" everywhere would garble the text.
MIN_SECRET_LENGTH = 4


def is_secret_env(name: str) -> bool:
    """Whether the environment variable ``name`` holds a secret."""
    return name in SECRET_ENV_VARS or bool(SECRET_ENV_NAME.search(name))


def is_secret_key(key: Any) -> bool:
    """Whether a mapping key names a secret (``wandb_api_key``, ``hub_token``, ...)."""
    text = str(key)
    return bool(SECRET_KEY.search(text)) and not _NOT_SECRET_KEY.search(text)


def secret_values(env: Mapping[str, str] | None = None) -> list[str]:
    """The secret values set in ``env`` (default: ``os.environ``), longest first."""
    env = os.environ if env is None else env
    values = {str(value).strip() for name, value in env.items()
              if value and is_secret_env(str(name))}
    return sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def mask(text: str, values: list[str]) -> str:
    """``text`` with each of ``values`` (see :func:`secret_values`) replaced by ``***``."""
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return text


def redact(value: Any, env: Mapping[str, str] | None = None) -> Any:
    """A copy of ``value`` (a string, or nested mappings / lists / tuples of them) with every
    secret environment value of ``env`` (default: ``os.environ``) masked in strings and every
    value under a secret-looking mapping key replaced by ``***``. Other values are unchanged."""
    return _redact(value, secret_values(env))


def _redact(value: Any, values: list[str]) -> Any:
    if isinstance(value, str):
        return mask(value, values)
    if isinstance(value, Mapping):
        return {k: MASK if v and is_secret_key(k) else _redact(v, values)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v, values) for v in value]
    return value


__all__ = ["SECRET_ENV_VARS", "is_secret_env", "is_secret_key", "mask", "redact",
           "secret_values"]
