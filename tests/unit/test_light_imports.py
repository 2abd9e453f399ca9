"""plan, compile, explain and lint (without a tokenizer) never import the training stack."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tb_testutil import REPO

HEAVY = ("torch", "axolotl", "transformers", "deepspeed", "wandb", "peft", "accelerate")

PROBE = """
import sys
from click.testing import CliRunner
from tunebook.cli import main
result = CliRunner().invoke(main, {args!r})
assert result.exit_code == 0, result.output
heavy = [m for m in {heavy!r} if m in sys.modules]
print("HEAVY:" + ",".join(heavy))
"""


@pytest.mark.parametrize("args", [
    ["compile", "support-tone"],
    ["explain", "support-tone"],
    ["plan", "support-tone"],
    ["plan", "support-tone", "--json"],
    ["estimate", "--model", "llama-3.1-8b", "--method", "qlora"],
    ["presets", "list"],
])
def test_command_does_not_import_training_stack(args, tmp_path):
    env_args = [*args, "--out", str(tmp_path)] if args[0] == "compile" else args
    code = PROBE.format(args=env_args, heavy=HEAVY)
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    heavy = proc.stdout.strip().splitlines()[-1].removeprefix("HEAVY:")
    assert heavy == "", f"{' '.join(args)} imported {heavy}"


def test_cli_module_import_is_light():
    code = f"import sys, tunebook.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr
