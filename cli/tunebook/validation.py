"""Full validation: Axolotl's own schema on a compiled config, problems mapped to origins."""

from __future__ import annotations

from tunebook.compile import Compiled
from tunebook.errors import UserError, raise_collected


def validate_compiled(compiled: Compiled) -> list[str]:
    """Raise the problems Axolotl's validator finds, each naming where the key came from;
    return Axolotl's warnings (with the key's source when one is named)."""
    from tunebook.axolotl_bridge import validate_config

    config = dict(compiled.config)
    warnings: list[str] = []
    messages = validate_config(config, warnings=warnings)
    problems = []
    for message in messages:
        key = _key_in(message, compiled)
        origin = compiled.origins.get(key) if key else None
        problems.append(UserError(
            f"Axolotl rejects the config: {message}",
            file=origin.file if origin else None, line=origin.line if origin else None,
            field=key, hint="`tunebook explain RECIPE` shows where each key is set"))
    raise_collected(problems)
    shown = []
    for warning in warnings:
        key = _key_in(warning, compiled)
        origin = compiled.origins.get(key) if key else None
        shown.append(f"{origin.location()}: {warning}" if origin and origin.file else warning)
    return shown


def _key_in(message: str, compiled: Compiled) -> str | None:
    lowered = message.lower()
    for key in sorted(compiled.config, key=len, reverse=True):
        if key.lower() in lowered:
            return key
    return None
