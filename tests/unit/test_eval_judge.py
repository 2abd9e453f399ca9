"""The optional LLM judge (eval.judge) against a local OpenAI-compatible stub server: the
request it sends, the retry, failures that never crash `tunebook eval`, and the key that
never reaches a file or a log line. No model, no network beyond 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson
import pytest
import yaml

from tunebook.evaluate import judge as judge_mod
from tunebook.evaluate import runner
from tunebook.evaluate.examples import Example
from tunebook.evaluate.judge import (
    JudgeSettings,
    judge_answers,
    judge_settings,
    parse_score,
    request_score,
)
from tunebook.evaluate.metrics import check_eval_settings, known_metrics

SENTINEL = "sk-tunebook-judge-SENTINEL-7f3a9c"
KEY_ENV = "TB_TEST_JUDGE_API_KEY"
CHAT = {"type": "chat_template", "field_messages": "messages",
        "message_property_mappings": {"role": "role", "content": "content"}}


class StubJudge:
    """A /v1/chat/completions endpoint on 127.0.0.1 in a thread. ``fail_first`` requests get
    a 500 (``fail_first=-1``: every request); successful replies score 8 when the answer
    mentions "tuned", else 4. The 500 body echoes the Authorization header (to prove masking)."""

    def __init__(self, fail_first: int = 0, reply: str | None = None):
        self.fail_first, self.reply = fail_first, reply
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length))
                stub.requests.append({"path": self.path, "body": body,
                                      "auth": self.headers.get("Authorization")})
                n = len(stub.requests)
                if stub.fail_first < 0 or n <= stub.fail_first:
                    self._send(500, {"error": f"boom, got {self.headers.get('Authorization')}"})
                    return
                answer = body["messages"][-1]["content"].split("## Model answer to score")[-1]
                score = 8 if "tuned" in answer else 4
                content = stub.reply if stub.reply is not None else json.dumps(
                    {"score": score, "reason": f"reason {score}"})
                self._send(200, {"choices": [{"message": {"role": "assistant",
                                                          "content": content}}]})

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _no_retry_wait(monkeypatch):
    monkeypatch.setattr(judge_mod, "RETRY_DELAY_S", 0.0)


def _examples(n: int = 3) -> list[Example]:
    return [Example(messages=({"role": "user", "content": f"question {i}"},), text_prompt=None,
                    reference=f"reference {i}") for i in range(n)]


# ---------------------------------------------------------------- parsing and settings


@pytest.mark.parametrize(("text", "score"), [
    ('{"score": 7, "reason": "ok"}', 7.0),
    ('```json\n{"score": 9, "reason": "good"}\n```', 9.0),
    ('Sure! {"score": "6", "reason": "fine"} hope that helps', 6.0),
    ("I would give it 8/10.", 8.0),
    ("Score: 0 ... no, 3", 3.0),
    ('{"score": 42, "reason": "3 things"}', None),
    ("no idea", None),
    ("", None),
])
def test_parse_score(text, score):
    assert parse_score(text)[0] == score


def test_parse_score_keeps_the_reason():
    assert parse_score('{"score": 5, "reason": "too long"}') == (5.0, "too long")


def test_judge_settings_and_checks():
    section = {"url": "http://localhost:8000/v1", "model": "m", "max_samples": 2}
    assert judge_settings(section) == JudgeSettings("http://localhost:8000/v1", "m", None, None, 2)
    assert judge_settings(None) is None and judge_settings({"url": "x"}) is None
    assert JudgeSettings("http://h/v1/", "m").endpoint == "http://h/v1/chat/completions"
    assert "judge_score" in known_metrics("tone", judge=True)
    assert "judge_score" not in known_metrics("tone")
    assert known_metrics("completion", judge=True) == {"loss", "perplexity"}
    assert check_eval_settings({"judge": section, "require": {"judge_score": 7}}, "chat") == []
    fields = [f for f, _ in check_eval_settings({"require": {"judge_score": 7}}, "chat")]
    assert fields == ["eval.require.judge_score"]
    fields = [f for f, _ in check_eval_settings(
        {"judge": {"url": "localhost:8000", "max_samples": 0}}, "chat")]
    assert fields == ["eval.judge.model", "eval.judge.url", "eval.judge.max_samples"]
    assert [f for f, _ in check_eval_settings({"judge": section}, "completion")] == \
        ["eval.judge"]


# ---------------------------------------------------------------- requests


def test_request_carries_model_messages_and_bearer_only_with_the_env_var():
    answers = {"base": ["base a0", "base a1"], "tuned": ["tuned a0", "tuned a1"]}
    with StubJudge() as stub:
        settings = JudgeSettings(stub.url, "judge-model", api_key_env=KEY_ENV,
                                 rubric="Is it warm?")
        with_key = judge_answers(settings, _examples(2), answers, env={KEY_ENV: SENTINEL})
        without = judge_answers(settings, _examples(2), answers, env={})
    assert with_key.error is None and without.error is None
    assert with_key.means == {"base": 4.0, "tuned": 8.0}
    assert with_key.scores == {"base": [4.0, 4.0], "tuned": [8.0, 8.0]}
    assert with_key.reasons["tuned"] == ["reason 8", "reason 8"]
    assert len(stub.requests) == 8
    first = stub.requests[0]
    assert first["path"] == "/v1/chat/completions"
    assert first["body"]["model"] == "judge-model"
    roles = [m["role"] for m in first["body"]["messages"]]
    assert roles == ["system", "user"]
    user = first["body"]["messages"][1]["content"]
    assert "user: question 0" in user and "reference 0" in user and "base a0" in user
    assert "Is it warm?" in user and '"score"' in user
    assert [r["auth"] for r in stub.requests[:4]] == [f"Bearer {SENTINEL}"] * 4
    assert [r["auth"] for r in stub.requests[4:]] == [None] * 4


def test_max_samples_caps_the_judged_examples():
    answers = {"base": ["b"] * 5, "tuned": ["tuned"] * 5}
    with StubJudge() as stub:
        out = judge_answers(JudgeSettings(stub.url, "m", max_samples=2), _examples(5), answers)
    assert out.judged == 2 and len(stub.requests) == 4 and len(out.scores["base"]) == 2


def test_a_500_is_retried_once():
    with StubJudge(fail_first=1) as stub:
        text = request_score(JudgeSettings(stub.url, "m"), [{"role": "user", "content": "x"}])
    assert json.loads(text)["score"] == 4 and len(stub.requests) == 2


def test_an_always_failing_endpoint_gives_an_error_not_an_exception():
    answers = {"base": ["b"] * 3, "tuned": ["tuned"] * 3}
    with StubJudge(fail_first=-1) as stub:
        out = judge_answers(JudgeSettings(stub.url, "m", api_key_env=KEY_ENV), _examples(3),
                            answers, env={KEY_ENV: SENTINEL})
    assert len(stub.requests) == 2  # one try and one retry, then the judge stops
    assert out.means == {} and "HTTP 500" in out.error
    assert SENTINEL not in out.error and "***" in out.error  # the echoed header is masked


def test_an_unreachable_endpoint_gives_an_error():
    with StubJudge() as stub:
        url = stub.url
    out = judge_answers(JudgeSettings(url, "m"), _examples(1), {"base": ["b"], "tuned": ["t"]},
                        timeout=5)
    assert out.error and "cannot reach" in out.error


def test_replies_without_a_score_are_left_out_of_the_mean():
    with StubJudge(reply="I cannot judge this.") as stub:
        out = judge_answers(JudgeSettings(stub.url, "m"), _examples(2),
                            {"base": ["b", "b"], "tuned": ["t", "t"]})
    assert out.scores["base"] == [None, None] and out.unscored == 2
    assert out.means == {} and "no reply" in out.error


# ---------------------------------------------------------------- through `tunebook eval`


def _run_dir(tmp_path: Path, judge: dict, require: dict | None = None) -> Path:
    run = tmp_path / "run"
    (run / "out").mkdir(parents=True)
    held = run / "held.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"q{i}"},
                          {"role": "assistant", "content": f"ref {i}"}]} for i in range(3)]
    held.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    config = {"base_model": "/models/base", "output_dir": str(run / "out"),
              "test_datasets": [{"path": str(held), **CHAT}], "tunebook_task": "tone"}
    (run / "axolotl.yaml").write_text(yaml.safe_dump(config))
    evals = {"judge": judge, **({"require": require} if require else {})}
    (run / "recipe.lock.yaml").write_text(yaml.safe_dump(
        {"recipe": {"resolved": {"name": "judged", "task": "tone", "eval": evals}}}))
    return run


@pytest.fixture
def fake_models(monkeypatch):
    """run_eval without torch: canned answers per model."""
    monkeypatch.setattr(runner, "_trained_model", lambda ctx: ("adapter", ctx.output_dir))
    monkeypatch.setattr(runner, "_variants", lambda ctx, kind, path: (None, {
        "tuned": lambda: contextlib.nullcontext("tuned"),
        "base": lambda: contextlib.nullcontext("base")}))

    def score_model(ctx, model, tokenizer):
        answers = [f"{model} answer {i}" for i in range(len(ctx.examples))]
        return {"answers": answers, "metrics": {"rougeL": 0.5, "loss": 1.0}}

    monkeypatch.setattr(runner, "score_model", score_model)


def _all_text(run: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in run.rglob("*") if p.is_file())


def test_run_eval_adds_judge_score_to_results_samples_and_report(tmp_path, monkeypatch,
                                                                 fake_models):
    monkeypatch.setenv(KEY_ENV, SENTINEL)
    lines: list[str] = []
    with StubJudge() as stub:
        run = _run_dir(tmp_path, {"url": stub.url, "model": "judge-model",
                                  "api_key_env": KEY_ENV, "max_samples": 2},
                       require={"judge_score": 7})
        results = runner.run_eval(run, log=lines.append, track=False)
    assert all(r["auth"] == f"Bearer {SENTINEL}" for r in stub.requests)
    assert results["base"]["judge_score"] == 4.0 and results["tuned"]["judge_score"] == 8.0
    assert results["delta"]["judge_score"] == 4.0
    assert results["gate"]["passed"] is True and "judge_error" not in results
    assert results["judge"]["model"] == "judge-model" and results["judge"]["samples"] == 2
    saved = orjson.loads((run / "eval" / "results.json").read_bytes())
    assert saved["tuned"]["judge_score"] == 8.0
    samples = [orjson.loads(x) for x in (run / "eval" / "samples.jsonl").read_bytes().split(b"\n")
               if x]
    assert [s["tuned_judge_score"] for s in samples] == [8.0, 8.0, None]
    assert [s["base_judge_score"] for s in samples] == [4.0, 4.0, None]
    report = (run / "eval" / "report.md").read_text()
    assert "LLM judge (`judge-model`): `judge_score` base 4.0000, tuned 8.0000" in report
    assert any("judge (judge-model): base 4.00, tuned 8.00" in line for line in lines)
    assert SENTINEL not in _all_text(run) and not any(SENTINEL in line for line in lines)


def test_run_eval_survives_a_dead_judge(tmp_path, monkeypatch, fake_models):
    monkeypatch.setenv(KEY_ENV, SENTINEL)
    lines: list[str] = []
    with StubJudge(fail_first=-1) as stub:
        run = _run_dir(tmp_path, {"url": stub.url, "model": "judge-model",
                                  "api_key_env": KEY_ENV}, require={"judge_score": 7})
        results = runner.run_eval(run, log=lines.append, track=False)
    assert "judge_score" not in results["base"] and "judge_score" not in results["tuned"]
    assert "HTTP 500" in results["judge_error"]
    check = results["gate"]["checks"][0]
    assert check["metric"] == "judge_score" and check["passed"] is False
    assert results["gate"]["passed"] is False
    saved = orjson.loads((run / "eval" / "results.json").read_bytes())
    assert saved["judge_error"] == results["judge_error"]
    assert "failed, `judge_score` omitted" in (run / "eval" / "report.md").read_text()
    assert any("judge failed, judge_score omitted" in line for line in lines)
    assert SENTINEL not in _all_text(run) and not any(SENTINEL in line for line in lines)


def test_run_eval_without_a_judge_is_unchanged(tmp_path, fake_models):
    run = _run_dir(tmp_path, {})
    lock = yaml.safe_load((run / "recipe.lock.yaml").read_text())
    del lock["recipe"]["resolved"]["eval"]["judge"]
    (run / "recipe.lock.yaml").write_text(yaml.safe_dump(lock))
    results = runner.run_eval(run, track=False)
    assert "judge" not in results and "judge_score" not in results["tuned"]
    sample = orjson.loads((run / "eval" / "samples.jsonl").read_bytes().split(b"\n")[0])
    assert "tuned_judge_score" not in sample
