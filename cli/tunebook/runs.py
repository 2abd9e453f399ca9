"""Run directories: created fresh (never reused), written atomically, described by a manifest."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tunebook.errors import UserError

MANIFEST = "manifest.json"
_UMASK = os.umask(0)
os.umask(_UMASK)


def runs_root(out: str | Path | None = None) -> Path:
    """Where run directories go: ``--out``, else $TUNEBOOK_RUNS_DIR, else ./runs."""
    return Path(out or os.environ.get("TUNEBOOK_RUNS_DIR") or "runs").expanduser().resolve()


def new_run_dir(root: Path, recipe_name: str) -> Path:
    """Create ``root/<recipe>/<YYYYmmdd-HHMMSS>-<4 hex>/``; never an existing one."""
    parent = root / recipe_name
    parent.mkdir(parents=True, exist_ok=True)
    for _ in range(20):
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        candidate = parent / f"{stamp}-{secrets.token_hex(2)}"
        try:
            candidate.mkdir()  # fails if it exists: a run directory is never reused
        except FileExistsError:
            continue
        return candidate
    raise UserError(f"cannot create a new run directory under {parent}")


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write via a temporary file in the same folder and rename over the target."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; run files are for the whole team
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_new(path: Path, data: bytes | str) -> None:
    """Write a file that must not exist yet (run artifacts are never overwritten)."""
    if path.exists():
        raise UserError(f"{path} already exists; tunebook never overwrites run files")
    atomic_write(path, data)


def write_json(path: Path, value: Any) -> None:
    atomic_write(path, orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))


def read_manifest(run_dir: Path) -> dict[str, Any]:
    path = run_dir / MANIFEST
    try:
        manifest = orjson.loads(path.read_bytes())
    except (FileNotFoundError, NotADirectoryError):
        raise UserError("not a run directory (no manifest.json)", file=run_dir,
                        hint="pass a folder printed by `tunebook compile`") from None
    except orjson.JSONDecodeError as exc:
        raise UserError(f"unreadable manifest: {exc}", file=path,
                        hint="it is written atomically; restore it or start a new run") from None
    if not isinstance(manifest, dict):
        raise UserError("unreadable manifest: not a JSON object", file=path,
                        hint="restore it or start a new run")
    return manifest


def read_manifest_lenient(run_dir: Path) -> dict[str, Any]:
    """The manifest, or {} when it is missing or damaged (for listings and status reads)."""
    try:
        return read_manifest(run_dir)
    except UserError:
        return {}


def update_manifest(run_dir: Path, **changes: Any) -> dict[str, Any]:
    """Merge ``changes`` into manifest.json (atomically) and return the new manifest."""
    path = run_dir / MANIFEST
    manifest = read_manifest_lenient(run_dir)
    manifest.update(changes)
    manifest["updated_at"] = now_iso()
    write_json(path, manifest)
    return manifest


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def monotonic() -> float:
    return time.monotonic()
