"""on_finish hooks against a real local HTTP server standing in for the RunPod API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tunebook import on_finish
from tunebook.on_finish import run_on_finish, should_run

SECRET = "rpa_SENTINEL_do_not_log_7f3a9c"
POD = "pod-abc123"


class _FakeRunPod(BaseHTTPRequestHandler):
    """Records every request; answers with the next status code of ``server.codes``."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server.requests.append({  # type: ignore[attr-defined]
            "method": "POST", "path": self.path, "body": self.rfile.read(length),
            "authorization": self.headers.get("Authorization")})
        codes = self.server.codes  # type: ignore[attr-defined]
        code = codes.pop(0) if codes else 200
        # A careless server that echoes the key back in its error body.
        body = b'{"id": "pod-abc123", "desiredStatus": "EXITED"}' if code < 400 else \
            f'{{"error": "boom for key {SECRET}"}}'.encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def runpod() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRunPod)
    server.requests, server.codes = [], []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _no_retry_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(on_finish, "RETRY_DELAY_S", 0.0)


def _env(server: ThreadingHTTPServer, **extra: str) -> dict[str, str]:
    host, port = server.server_address[:2]
    return {"PATH": "/usr/bin:/bin", "RUNPOD_POD_ID": POD, "RUNPOD_API_KEY": SECRET,
            "RUNPOD_API_URL": f"http://{host}:{port}/v1", **extra}


def _log(run_dir: Path) -> str:
    path = run_dir / "on_finish.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_stop_pod_posts_to_the_pod_with_a_bearer_key(tmp_path: Path, runpod) -> None:
    lines = run_on_finish({"stop_pod": True}, run_dir=tmp_path, status="succeeded",
                          env=_env(runpod))
    assert len(runpod.requests) == 1
    request = runpod.requests[0]
    assert request["method"] == "POST"
    assert request["path"] == f"/v1/pods/{POD}/stop"
    assert request["authorization"] == f"Bearer {SECRET}"
    assert request["body"] == b""
    assert any("stop_pod requested" in line and POD in line for line in lines)
    assert "stop_pod requested" in _log(tmp_path)
    assert SECRET not in "\n".join(lines) + _log(tmp_path)


@pytest.mark.parametrize("missing", ["RUNPOD_POD_ID", "RUNPOD_API_KEY"])
def test_missing_env_makes_no_request(tmp_path: Path, runpod, missing: str) -> None:
    env = _env(runpod)
    del env[missing]
    lines = run_on_finish({"stop_pod": True}, run_dir=tmp_path, status="failed", env=env)
    assert runpod.requests == []
    assert len(lines) == 1 and missing in lines[0] and "not set" in lines[0]


def test_server_error_is_retried_once_then_reported(tmp_path: Path, runpod) -> None:
    runpod.codes[:] = [500, 500, 500]
    lines = run_on_finish({"stop_pod": True}, run_dir=tmp_path, status="succeeded",
                          env=_env(runpod))
    assert len(runpod.requests) == 2
    assert len(lines) == 1 and "failed" in lines[0] and "HTTP 500" in lines[0]
    assert "2 tries" in lines[0] and "RunPod console" in lines[0]
    assert SECRET not in "\n".join(lines) + _log(tmp_path)  # the echoed key is masked


def test_server_error_then_success(tmp_path: Path, runpod) -> None:
    runpod.codes[:] = [502]
    lines = run_on_finish({"stop_pod": True}, run_dir=tmp_path, status="succeeded",
                          env=_env(runpod))
    assert len(runpod.requests) == 2
    assert "stop_pod requested" in lines[-1]


def test_client_error_is_not_retried(tmp_path: Path, runpod) -> None:
    runpod.codes[:] = [401]
    lines = run_on_finish({"stop_pod": True}, run_dir=tmp_path, status="succeeded",
                          env=_env(runpod))
    assert len(runpod.requests) == 1
    assert "HTTP 401" in lines[0] and "1 try" in lines[0]


def test_unreachable_api_is_reported(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"RUNPOD_POD_ID": POD, "RUNPOD_API_KEY": SECRET,
           "RUNPOD_API_URL": f"http://127.0.0.1:{port}"}
    lines = run_on_finish({"stop_pod": True}, run_dir=tmp_path, status="failed", env=env)
    assert "cannot reach" in lines[0] and "2 tries" in lines[0]


def test_when_success_skips_on_failure(tmp_path: Path, runpod) -> None:
    spec = {"stop_pod": True, "command": "touch ran", "when": "success"}
    lines = run_on_finish(spec, run_dir=tmp_path, status="failed", env=_env(runpod))
    assert runpod.requests == []
    assert not (tmp_path / "ran").exists()
    assert lines == ["on_finish: skipped (when: success, run status: failed)"]


@pytest.mark.parametrize(("when", "status", "fires"), [
    ("always", "failed", True), ("always", "succeeded", True),
    ("success", "succeeded", True), ("success", "stopped", True),
    ("success", "interrupted", False), ("failure", "failed", True),
    ("failure", "interrupted", True), ("failure", "succeeded", False),
])
def test_should_run(when: str, status: str, fires: bool) -> None:
    assert should_run(when, status) is fires


def test_command_gets_run_env_and_output_is_logged(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "RUNPOD_API_KEY": SECRET}
    spec = {"command": 'echo "dir=$TUNEBOOK_RUN_DIR status=$TUNEBOOK_RUN_STATUS"; '
                       'echo "key=$RUNPOD_API_KEY"; pwd', "when": "failure"}
    lines = run_on_finish(spec, run_dir=tmp_path, status="failed", env=env)
    log = _log(tmp_path)
    assert f"dir={tmp_path} status=failed" in log
    assert f"\n{tmp_path}\n" in log  # runs in the run directory
    assert "key=***" in log  # the command saw the key; the log does not
    assert any("command ok" in line for line in lines)
    assert SECRET not in "\n".join(lines) + log


def test_failing_command_is_reported_not_raised(tmp_path: Path) -> None:
    lines = run_on_finish({"command": "echo nope >&2; exit 3"}, run_dir=tmp_path,
                          status="succeeded", env={"PATH": "/usr/bin:/bin"})
    assert "exited with 3" in lines[0]
    assert "nope" in _log(tmp_path)


def test_command_runs_before_the_pod_stops(tmp_path: Path, runpod) -> None:
    spec = {"command": "echo first", "stop_pod": True}
    lines = run_on_finish(spec, run_dir=tmp_path, status="stopped", env=_env(runpod))
    assert "command ok" in lines[0] and "stop_pod requested" in lines[1]
    log = _log(tmp_path)
    assert log.index("first") < log.index("stop_pod requested")


def test_empty_spec_does_nothing(tmp_path: Path) -> None:
    assert run_on_finish(None, run_dir=tmp_path, status="failed", env={}) == []
    assert run_on_finish({}, run_dir=tmp_path, status="failed", env={}) == []
    assert not (tmp_path / "on_finish.log").exists()


def test_unknown_when_is_reported(tmp_path: Path) -> None:
    lines = run_on_finish({"command": "touch ran", "when": "sometimes"}, run_dir=tmp_path,
                          status="failed", env={"PATH": "/usr/bin:/bin"})
    assert "unknown when" in lines[0]
    assert not (tmp_path / "ran").exists()


def test_every_shared_secret_is_masked_in_the_log(tmp_path: Path) -> None:
    """on_finish masks the tunebook.secrets list (AWS and OpenAI keys too), not its own."""
    env = {"PATH": "/usr/bin:/bin", "AWS_SECRET_ACCESS_KEY": "aws/SENTINEL+secret",
           "OPENAI_API_KEY": "sk-SENTINEL-openai", "BACKUP_TOKEN": "bkp_SENTINEL_tok"}
    spec = {"command": 'echo "$AWS_SECRET_ACCESS_KEY $OPENAI_API_KEY $BACKUP_TOKEN"; '
                       "exit 1"}
    lines = run_on_finish(spec, run_dir=tmp_path, status="failed", env=env)
    text = "\n".join(lines) + _log(tmp_path)
    assert "*** *** ***" in text
    assert "SENTINEL" not in text
