"""Lint throughput and peak memory on generated chat data (``make bench-lint``).

Generates N varied chat examples (with ~1% planted duplicates and near-duplicates) in a temp
dir, builds a byte-level BPE tokenizer with a ChatML template locally, and times, each in a
fresh subprocess (peak RSS from ru_maxrss):

* ``tunebook lint`` without a tokenizer (estimate) and with it (exact lengths), all rules
  (per-example work in a pool of worker processes: CPU time and worker RSS are reported);
* an OpenAI-cookbook-style baseline: json.loads per line, the cookbook's format checks and
  per-message token counting with the same tokenizer (encode_batch per example).

    python benchmarks/bench_lint.py --sizes 100000 1000000
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_WORDS = (
    "the order parcel refund account password delivery tracking please help customer support "
    "thanks sorry issue payment card update address email change cancel subscription store "
    "return label courier depot invoice receipt warehouse shipping window driver route box "
    "weight size colour model stock basket checkout voucher discount credit balance portal "
    "team morning evening today tomorrow week month policy branch locker pickup fee review"
)
VOCAB = _WORDS.split()


def generate(path: Path, n: int, seed: int = 0) -> None:
    """n chat examples, one per line; every 100th is a near copy of an earlier one."""
    rng = random.Random(seed)
    words = VOCAB + [f"item{i}" for i in range(2000)]
    kept: list[str] = []
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            if i % 100 == 99 and kept:
                src = json.loads(rng.choice(kept))
                ans = src["messages"][-1]["content"].split()
                ans[rng.randrange(len(ans))] = "changed"
                src["messages"][-1]["content"] = " ".join(ans)
                fh.write(json.dumps(src) + "\n")
                continue
            msgs = (
                [{"role": "system", "content": "You are a helpful support agent."}]
                if i % 3 == 0
                else []
            )
            for _ in range(1 + (i % 4 == 0)):
                q = " ".join(rng.choices(words, k=rng.randint(8, 30))).capitalize() + "?"
                a = " ".join(rng.choices(words, k=rng.randint(20, 90))).capitalize() + "."
                msgs += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
            line = json.dumps({"messages": msgs})
            if i % 1000 == 0:
                kept.append(line)
            fh.write(line + "\n")


LINT = """
import resource, sys, time
from tunebook.lint import LintSettings, lint_dataset
t = time.perf_counter()
r = lint_dataset(LintSettings(files=[sys.argv[1]], sequence_len=2048,
                              model_dir=sys.argv[2] or None))
d = r.to_dict()["summary"]
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print({"seconds": time.perf_counter() - t, "rss_mb": me.ru_maxrss / 1024,
       "worker_rss_mb": kids.ru_maxrss / 1024,
       "cpu": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
       "findings": d["rules"], "tokens": r.tokens})
"""

BASELINE = """
import json, resource, sys, time
from collections import defaultdict
from tokenizers import Tokenizer
t = time.perf_counter()
tok = Tokenizer.from_file(sys.argv[2] + "/tokenizer.json")
errors = defaultdict(int)
lengths = []
with open(sys.argv[1], encoding="utf-8") as fh:
    for line in fh:
        ex = json.loads(line)
        messages = ex.get("messages")
        if not messages:
            errors["missing_messages_list"] += 1
            continue
        for m in messages:
            if "role" not in m or "content" not in m:
                errors["message_missing_key"] += 1
            if any(k not in ("role", "content", "name", "function_call", "weight") for k in m):
                errors["message_unrecognized_key"] += 1
            if m.get("role") not in ("system", "user", "assistant", "function"):
                errors["unrecognized_role"] += 1
            if not isinstance(m.get("content"), str):
                errors["missing_content"] += 1
        if not any(m.get("role") == "assistant" for m in messages):
            errors["example_missing_assistant_message"] += 1
        enc = tok.encode_batch([m["content"] for m in messages], add_special_tokens=False)
        lengths.append(3 + sum(3 + len(e) for e in enc))
lengths.sort()
me = resource.getrusage(resource.RUSAGE_SELF)
print({"seconds": time.perf_counter() - t, "rss_mb": me.ru_maxrss / 1024,
       "cpu": me.ru_utime + me.ru_stime,
       "too_long": sum(n > 2048 for n in lengths), "p50": lengths[len(lengths) // 2]})
"""


def run(code: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
    from tunebook.lint.demo_tokenizer import build_demo_tokenizer

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        rng = random.Random(1)
        words = VOCAB + [f"item{i}" for i in range(2000)]
        corpus = [" ".join(rng.choices(words, k=40)) for _ in range(5000)]
        model = build_demo_tokenizer(tmpdir / "tok", corpus, vocab_size=4000)
        rows = []
        for n in args.sizes:
            data = tmpdir / f"chat-{n}.jsonl"
            t = time.perf_counter()
            generate(data, n)
            mb = data.stat().st_size / 1e6
            print(
                f"generated {n:,} examples ({mb:.0f} MB) in {time.perf_counter() - t:.1f}s",
                file=sys.stderr,
            )
            cases = [
                ("tunebook lint (estimate)", LINT, ""),
                ("tunebook lint (tokenizer)", LINT, str(model)),
            ]
            if not args.no_baseline:
                cases.append(("cookbook baseline (tokenizer)", BASELINE, str(model)))
            for name, code, model_arg in cases:
                res = run(code, str(data), model_arg)
                rows.append((n, name, res))
                print(
                    f"{n:>9,}  {name:30} {res['seconds']:7.1f}s ({res['cpu']:.1f}s CPU)"
                    f"  {n / res['seconds']:>9,.0f} ex/s  peak RSS {_rss(res)} MB",
                    file=sys.stderr,
                )
                skip = ("seconds", "rss_mb", "worker_rss_mb", "cpu")
                extra = {k: v for k, v in res.items() if k not in skip}
                print(f"           {extra}", file=sys.stderr)
        print("\n| examples | run | wall s | CPU s | examples/s | peak RSS (MB) |")
        print("|---:|---|---:|---:|---:|---:|")
        for n, name, res in rows:
            print(
                f"| {n:,} | {name} | {res['seconds']:.1f} | {res['cpu']:.1f} | "
                f"{n / res['seconds']:,.0f} | {_rss(res)} |"
            )


def _rss(res: dict) -> str:
    """Peak RSS of the main process (and of the largest worker, when there were workers)."""
    worker = res.get("worker_rss_mb", 0)
    return f"{res['rss_mb']:.0f}" + (f" + {worker:.0f}/worker" if worker else "")


if __name__ == "__main__":
    main()
