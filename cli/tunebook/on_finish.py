"""The recipe's ``on_finish:`` hooks: run a shell command and/or stop the RunPod pod after a run.

```yaml
on_finish:
  command: "rsync -a $TUNEBOOK_RUN_DIR/output backup:/runs/"   # optional
  stop_pod: true                                              # optional, needs RUNPOD_* env
  when: always                                                # always | success | failure
```

Hooks never raise: every outcome (ran, skipped, failed) is a human line returned to the caller
and appended to ``<run_dir>/on_finish.log``. Secret values (the variables of
:data:`tunebook.secrets.SECRET_ENV_VARS` and credential-like names found in the environment) are
masked in every line and in the command's captured output. Stdlib only.
"""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tunebook.recipe_schema import RECIPE_SCHEMA
from tunebook.secrets import mask as _mask
from tunebook.secrets import secret_values as _secret_values

WHEN = ("always", "success", "failure")
# "stopped" = the budget guard ended training gracefully, with a saved adapter.
SUCCESS_STATUSES = frozenset({"succeeded", "stopped"})
RUNPOD_API_URL = "https://rest.runpod.io/v1"
HTTP_TIMEOUT_S = 15.0
RETRY_DELAY_S = 1.0
COMMAND_TIMEOUT_S = 3600.0
LOG_NAME = "on_finish.log"

# JSON Schema of the section, for tunebook.recipe_schema (torch-free, import-free).
ON_FINISH_SCHEMA: dict[str, Any] = RECIPE_SCHEMA["properties"]["on_finish"]  # one source


def run_on_finish(
    spec: Mapping[str, Any] | None,
    *,
    run_dir: Path,
    status: str,
    env: Mapping[str, str],
) -> list[str]:
    """Run the hooks of ``spec`` for a run that ended with ``status``; return log lines.

    The command runs first, then the pod is stopped (stopping it ends this machine).
    Never raises for a failing hook; the lines are also appended to ``run_dir/on_finish.log``.
    """
    if not spec:
        return []
    run_dir = Path(run_dir)
    secrets = _secret_values(env)
    when = str(spec.get("when") or "always")
    if when not in WHEN:
        lines = [f"on_finish: unknown when: {when!r} (expected one of {', '.join(WHEN)}); "
                 "hooks skipped"]
    elif not should_run(when, status):
        lines = [f"on_finish: skipped (when: {when}, run status: {status})"]
    else:
        lines = []
        if spec.get("command"):
            lines = _run_command(str(spec["command"]), run_dir, status, env, secrets)
        _append_log(run_dir, lines, secrets)  # written before the pod (and this disk) stops
        if spec.get("stop_pod"):
            stopped = stop_pod(env)
            _append_log(run_dir, stopped, secrets)
            lines += stopped
        return [_mask(line, secrets) for line in lines]
    _append_log(run_dir, lines, secrets)
    return [_mask(line, secrets) for line in lines]


def should_run(when: str, status: str) -> bool:
    """Whether hooks with ``when`` fire for a run that ended with ``status``."""
    if when == "always":
        return True
    success = status in SUCCESS_STATUSES
    return success if when == "success" else not success


# --------------------------------------------------------------------------- command


def _run_command(command: str, run_dir: Path, status: str, env: Mapping[str, str],
                 secrets: list[str]) -> list[str]:
    child_env = {**env, "TUNEBOOK_RUN_DIR": str(run_dir), "TUNEBOOK_RUN_STATUS": status}
    started = time.monotonic()
    try:
        proc = subprocess.run(command, shell=True, cwd=run_dir, env=child_env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=COMMAND_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        _append_output(run_dir, command, exc.stdout or b"", secrets)
        return [f"on_finish: command timed out after {COMMAND_TIMEOUT_S:.0f} s: {command}"]
    except OSError as exc:
        return [f"on_finish: command could not start ({exc.strerror or exc}): {command}"]
    _append_output(run_dir, command, proc.stdout or b"", secrets)
    seconds = time.monotonic() - started
    if proc.returncode == 0:
        return [f"on_finish: command ok in {seconds:.1f} s (output in {LOG_NAME})"]
    return [f"on_finish: command exited with {proc.returncode} after {seconds:.1f} s "
            f"(output in {LOG_NAME}): {command}"]


# --------------------------------------------------------------------------- RunPod


def stop_pod(env: Mapping[str, str]) -> list[str]:
    """Stop the current RunPod pod via the REST API (``POST /pods/{podId}/stop``).

    Needs RUNPOD_POD_ID and RUNPOD_API_KEY (RunPod sets the pod id inside a pod); the base URL
    is RUNPOD_API_URL or the public one. One retry on a server error or network failure.
    """
    pod_id = (env.get("RUNPOD_POD_ID") or "").strip()
    api_key = (env.get("RUNPOD_API_KEY") or "").strip()
    missing = [name for name, value in (("RUNPOD_POD_ID", pod_id), ("RUNPOD_API_KEY", api_key))
               if not value]
    if missing:
        return [f"on_finish: stop_pod skipped: {' and '.join(missing)} not set "
                "(set them in the pod's environment)"]
    base = (env.get("RUNPOD_API_URL") or RUNPOD_API_URL).rstrip("/")
    url = f"{base}/pods/{urllib.request.quote(pod_id, safe='')}/stop"
    problem = ""
    for attempt in (1, 2):
        request = urllib.request.Request(url, data=b"", method="POST", headers={
            "Authorization": f"Bearer {api_key}", "Content-Type": "application/json",
            "User-Agent": "tunebook"})
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
                return [f"on_finish: stop_pod requested for pod {pod_id} "
                        f"(HTTP {response.status})"]
        except urllib.error.HTTPError as exc:
            problem = f"HTTP {exc.code} {exc.reason}{_error_detail(exc)}"
            if exc.code < 500:
                break  # a bad key or an unknown pod does not get better on retry
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc
            problem = f"cannot reach {base} ({reason})"
        if attempt == 1:
            time.sleep(RETRY_DELAY_S)
    tries = "2 tries" if attempt == 2 else "1 try"
    return [f"on_finish: stop_pod failed for pod {pod_id} after {tries}: {problem}; "
            "stop it from the RunPod console so it stops billing"]


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(300).decode("utf-8", "replace")
    except OSError:
        return ""
    body = " ".join(body.split())
    return f": {body}" if body else ""


# --------------------------------------------------------------------------- logging


def _append_log(run_dir: Path, lines: list[str], secrets: list[str]) -> None:
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    _append(run_dir, "".join(f"[{stamp}] {_mask(line, secrets)}\n" for line in lines))


def _append_output(run_dir: Path, command: str, output: bytes, secrets: list[str]) -> None:
    text = output.decode("utf-8", "replace")
    if text and not text.endswith("\n"):
        text += "\n"
    _append(run_dir, _mask(f"$ {command}\n{text}", secrets))


def _append(run_dir: Path, text: str) -> None:
    if not text:
        return
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        with open(run_dir / LOG_NAME, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError:
        pass  # a read-only or vanished run dir must not turn a hook report into a crash


__all__ = ["ON_FINISH_SCHEMA", "WHEN", "run_on_finish", "should_run", "stop_pod"]
