"""The seam to Axolotl: validate a compiled config with Axolotl's own schema, build the launch
command and environment, run the trainer with streamed logs, and read its metrics back.

Importing this module is cheap; only :func:`validate_config` imports Axolotl (and so torch),
inside the function.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import math
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from tunebook import axolotl_fields

# What a machine without a GPU reports to Axolotl's capability checks.
CPU_CAPABILITIES: dict[str, Any] = {
    "bf16": False,
    "fp8": False,
    "tf32": False,
    "n_gpu": 1,
    "compute_capability": None,
}


# --------------------------------------------------------------------------- validation


def validate_config(
    cfg: Mapping[str, Any],
    *,
    capabilities: Mapping[str, Any] | None = None,
    warnings: list[str] | None = None,
) -> list[str]:
    """Run Axolotl's own config validation in-process, offline, without loading the model.

    Returns one human-readable message per problem, each naming its key; an empty list means
    valid. Never raises for an invalid config. Axolotl silently drops keys it does not know,
    so those are reported too. Axolotl's warnings are appended to ``warnings`` if given.
    ``capabilities`` defaults to a CPU machine (no bf16/tf32/fp8). Sets HF_HUB_OFFLINE and
    the do-not-track variables in this process (if unset) before importing Axolotl.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("AXOLOTL_DO_NOT_TRACK", "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from axolotl.utils.config import prepare_plugins
    from axolotl.utils.config import validate_config as axolotl_validate
    from axolotl.utils.dict import DictDefault
    from pydantic import ValidationError

    errors: list[str] = []
    data = copy.deepcopy(dict(cfg))
    caps = dict(capabilities if capabilities is not None else CPU_CAPABILITIES)
    env_caps = {"torch_version": _torch_version()}
    with _captured_warnings("axolotl") as logged:
        try:
            if data.get("plugins"):  # registers them, so their input-args models count
                loadable, plugin_errors = _check_plugins(data["plugins"])
                errors += plugin_errors
                prepare_plugins(DictDefault({**copy.deepcopy(data), "plugins": loadable}))
            axolotl_validate(
                DictDefault(copy.deepcopy(data)), capabilities=caps, env_capabilities=env_caps
            )
        except ValidationError as exc:
            errors += [_pydantic_message(err) for err in exc.errors()]
        except Exception as exc:  # Axolotl's model validators raise plain ValueErrors
            errors.append(_one_line(str(exc)) or type(exc).__name__)
    if warnings is not None:
        warnings += logged
    errors += _unknown_key_messages(data)
    errors += _optimizer_messages(data)
    errors += _base_model_messages(data)
    return errors


def _check_plugins(plugins: Any) -> tuple[list[str], list[str]]:
    """Split ``plugins`` into importable names and messages (Axolotl only prints a traceback)."""
    from axolotl.integrations.base import load_plugin

    if not isinstance(plugins, list):
        return [], [f"plugins: expected a list of `module.Class` names, got {plugins!r}"]
    loadable, errors = [], []
    for i, name in enumerate(plugins):
        try:
            load_plugin(str(name))
        except (ImportError, AttributeError, ValueError) as exc:
            errors.append(f"plugins[{i}]: cannot load plugin {name!r}: {_one_line(str(exc))}")
        else:
            loadable.append(name)
    return loadable, errors


def _pydantic_message(err: Mapping[str, Any]) -> str:
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.get("loc", ()))
    where = where.lstrip(".")
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    value = err.get("input")
    shown = f" (got {value!r})" if where and not isinstance(value, Mapping | list) else ""
    return f"{where}: {_one_line(msg)}{shown}" if where else _one_line(msg)


def _unknown_key_messages(cfg: Mapping[str, Any]) -> list[str]:
    """Keys neither Axolotl's model nor the registered plugins' input args declare."""
    from axolotl.utils.config import merge_input_args
    from axolotl.utils.schemas.config import AxolotlConfigWCapabilities

    model: type = AxolotlConfigWCapabilities
    if cfg.get("plugins"):
        with contextlib.suppress(Exception), _captured_warnings("axolotl"):
            model = merge_input_args()[0]  # the plugins were registered by prepare_plugins
    messages = []
    for path, hint in axolotl_fields.unknown_keys(cfg, fields=axolotl_fields.fields_of(model)):
        tail = f"; did you mean `{hint}`?" if hint else ""
        messages.append(f"{path}: unknown key, Axolotl would silently ignore it{tail}")
    return messages


def _optimizer_messages(cfg: Mapping[str, Any]) -> list[str]:
    """Axolotl types ``optimizer`` as any string; transformers rejects unknown ones at launch."""
    optimizer = cfg.get("optimizer")
    if not isinstance(optimizer, str):
        return []
    from axolotl.utils.schemas.enums import CustomSupportedOptimizers
    from transformers.training_args import OptimizerNames

    known = {o.value for o in OptimizerNames} | {o.value for o in CustomSupportedOptimizers}
    if optimizer in known:
        return []
    import difflib

    near = difflib.get_close_matches(optimizer, sorted(known), n=1)
    tail = f"; did you mean `{near[0]}`?" if near else ""
    return [f"optimizer: {optimizer!r} is not an optimizer Axolotl or transformers knows{tail}"]


def _base_model_messages(cfg: Mapping[str, Any]) -> list[str]:
    """A local base_model must be a model directory; hub ids are not checked (offline)."""
    base = cfg.get("base_model")
    if not isinstance(base, str) or not base.startswith(("/", "./", "../", "~")):
        return []
    path = Path(base).expanduser()
    if not path.is_dir():
        return [f"base_model: local model directory {base} does not exist"]
    if not (path / "config.json").is_file():
        return [f"base_model: {base} has no config.json, so it is not a model directory"]
    return []


def _torch_version() -> str:
    import torch

    return str(torch.__version__).split("+", maxsplit=1)[0]


def _one_line(text: str) -> str:
    return " ".join(text.split())


@contextlib.contextmanager
def _captured_warnings(logger_name: str) -> Iterator[list[str]]:
    """Collect WARNING+ records of a logger tree (one line each) instead of printing them."""
    logger = logging.getLogger(logger_name)
    records: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(_one_line(record.getMessage()))

    saved = (logger.handlers[:], logger.propagate)
    logger.handlers, logger.propagate = [_Collect(level=logging.WARNING)], False
    try:
        yield records
    finally:
        logger.handlers, logger.propagate = saved


# --------------------------------------------------------------------------- launching


def build_launch_command(
    config_path: Path,
    *,
    cpu: bool,
    num_processes: int = 1,
    num_machines: int = 1,
    machine_rank: int = 0,
    main_process_ip: str | None = None,
    main_process_port: int | None = None,
) -> list[str]:
    """The argv that trains ``config_path``: plain Python on CPU, ``accelerate launch`` on GPUs.

    Uses ``python -m accelerate.commands.launch`` (the module behind ``accelerate launch``) so
    the trainer runs in this interpreter's environment whatever is on PATH.
    """
    config = str(config_path)
    if cpu:
        return [sys.executable, "-m", "axolotl.cli.train", config]
    cmd = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--num_processes",
        str(num_processes),
    ]
    if num_machines > 1:
        cmd += ["--num_machines", str(num_machines), "--machine_rank", str(machine_rank)]
        if main_process_ip:
            cmd += ["--main_process_ip", main_process_ip]
    if main_process_port is not None:
        cmd += ["--main_process_port", str(main_process_port)]
    return [*cmd, "-m", "axolotl.cli.train", config]


def training_env(base: Mapping[str, str], *, cpu: bool, run_dir: Path) -> dict[str, str]:
    """The child's environment: offline hub, no telemetry, W&B offline unless a key is set.

    Returns a new dict; secrets already in ``base`` are passed through, never written out.
    """
    env = dict(base)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env["AXOLOTL_DO_NOT_TRACK"] = "1"
    env["DO_NOT_TRACK"] = "1"
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    env.setdefault("PYTHONUNBUFFERED", "1")
    if cpu:
        env["CUDA_VISIBLE_DEVICES"] = ""
    if not env.get("WANDB_API_KEY"):
        env["WANDB_MODE"] = "offline"
        env["WANDB_DIR"] = str(run_dir)
    return env


def run_streaming(
    cmd: list[str], *, log_path: Path, env: dict[str, str], cwd: Path | None = None
) -> int:
    """Run ``cmd``, copying its combined output line by line to stderr and ``log_path``.

    The child gets its own process group; SIGINT/SIGTERM received here are forwarded to that
    group and the child is waited for. Returns its exit code, or 130 after an interrupt.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    interrupted = False
    with open(log_path, "a", encoding="utf-8", errors="replace") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )

        def forward(signum: int, _frame: object) -> None:
            nonlocal interrupted
            interrupted = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signum)

        previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            _pump(proc.stdout, log, sys.stderr)
            code = proc.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    return 130 if interrupted else code


def _pump(source: Any, log: TextIO, terminal: TextIO) -> None:
    """Copy bytes from the child to both sinks, splitting on newlines and carriage returns."""
    while True:
        chunk = source.read1(65536) if hasattr(source, "read1") else source.read(65536)
        if not chunk:
            break
        text = chunk.decode("utf-8", errors="replace")
        terminal.write(text)
        terminal.flush()
        log.write(text)
        log.flush()


# --------------------------------------------------------------------------- metrics


def read_trainer_metrics(output_dir: Path) -> dict[str, Any]:
    """Last train/eval loss and step from ``trainer_state.json`` (output_dir or newest checkpoint).

    Missing values are None; a run that never wrote a state gives all None and an empty history.
    """
    state_path = _find_trainer_state(Path(output_dir))
    result: dict[str, Any] = {
        "train_loss": None,
        "eval_loss": None,
        "steps": None,
        "log_history": [],
    }
    if state_path is None:
        return result
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return result
    history = state.get("log_history") or []
    result["log_history"] = history
    result["steps"] = state.get("global_step")
    for entry in history:
        if _finite(entry.get("loss")):
            result["train_loss"] = float(entry["loss"])
        elif result["train_loss"] is None and _finite(entry.get("train_loss")):
            result["train_loss"] = float(entry["train_loss"])
        if _finite(entry.get("eval_loss")):
            result["eval_loss"] = float(entry["eval_loss"])
    return result


def _find_trainer_state(output_dir: Path) -> Path | None:
    direct = output_dir / "trainer_state.json"
    if direct.is_file():
        return direct
    checkpoints = []
    for path in output_dir.glob("checkpoint-*/trainer_state.json"):
        step = path.parent.name.removeprefix("checkpoint-")
        if step.isdigit():
            checkpoints.append((int(step), path))
    return max(checkpoints)[1] if checkpoints else None


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
