"""Time `tunebook estimate` (cold process) and `plan_training` (warm, in-process).

python benchmarks/bench_plan.py
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import sys
import time

from tunebook.planner import NoFit, PlanRequest, plan_training
from tunebook.presets import load_preset

COLD = [
    sys.executable,
    "-c",
    "from tunebook.commands.estimate import estimate; "
    "estimate.main(['--model', 'llama-3.1-8b', '--gpu', 'rtx-4090', '--json'], "
    "standalone_mode=False)",
]


def cold(runs: int = 5) -> list[float]:
    """Wall time of a fresh Python process running `tunebook estimate --json`."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(COLD, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def warm(runs: int = 50) -> dict[str, float]:
    """Median in-process plan_training time for a few representative requests."""
    cases = {
        "8B auto on 4090": ("llama-3.1-8b", "rtx-4090", 1, "auto"),
        "70B auto on 8xH100": ("llama-3.1-70b", "h100-80gb", 8, "auto"),
        "70B full on 4090 (refusal)": ("llama-3.1-70b", "rtx-4090", 1, "full"),
    }
    out = {}
    for label, (model, gpu, gpus, method) in cases.items():
        req = PlanRequest(
            model=load_preset("models", model),
            hardware=load_preset("hardware", gpu),
            gpus=gpus,
            method=method,
        )
        times = []
        for _ in range(runs if method != "full" else 5):
            start = time.perf_counter()
            with contextlib.suppress(NoFit):
                plan_training(req)
            times.append(time.perf_counter() - start)
        out[label] = statistics.median(times)
    return out


if __name__ == "__main__":
    c = cold()
    print(
        f"cold `tunebook estimate --json`: median {statistics.median(c):.3f} s, max {max(c):.3f} s"
    )
    for label, seconds in warm().items():
        print(f"warm plan_training, {label}: {seconds * 1000:.1f} ms")
