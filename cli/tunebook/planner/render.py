"""Human output for a Plan: one rich table (decision, why, memory, time, cost, assumptions)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from tunebook.planner.fit import Plan


def _decision(plan: Plan) -> str:
    parts = [
        plan.method + (f" r={plan.lora_r}" if plan.lora_r else ""),
        f"micro batch {plan.micro_batch_size} × accumulation "
        f"{plan.gradient_accumulation_steps} × {plan.gpus} GPU(s)",
        "gradient checkpointing" if plan.gradient_checkpointing else "no checkpointing",
        f"optimizer {plan.optimizer}",
    ]
    if plan.zero_stage:
        parts.append(
            f"DeepSpeed ZeRO-{plan.zero_stage}"
            + (f", offload {plan.offload}" if plan.offload != "none" else "")
            + (f" ({plan.deepspeed_preset}.json)" if plan.deepspeed_preset else "")
        )
    return "\n".join(parts)


def _memory(plan: Plan) -> str:
    lines = [f"[bold]{plan.peak_gib:.1f} GiB[/bold] of {plan.budget_gib:.1f} GiB budget"]
    lines += [f"  {k:<12}{v:7.2f}" for k, v in plan.breakdown_gib.items()]
    return "\n".join(lines)


def render_plan(plan: Plan, console: Console) -> None:
    """Print ``plan`` as a two-column table."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    table.add_row("decision", _decision(plan))
    table.add_row("fits", "[green]yes[/green]" if plan.fits else "[red]no[/red]")
    if plan.why:
        table.add_row("why", "\n".join(plan.why))
    table.add_row("peak memory", _memory(plan))
    table.add_row("tokens", f"{plan.tokens:,}" if plan.tokens is not None else "unknown")
    table.add_row("time", f"{plan.hours:.2f} h" if plan.hours is not None else "unknown")
    table.add_row("cost", f"${plan.usd:,.2f}" if plan.usd is not None else "unknown")
    table.add_row("assumptions", "\n".join(f"- {a}" for a in plan.assumptions))
    console.print(table)
