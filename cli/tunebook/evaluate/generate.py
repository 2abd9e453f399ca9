"""Generation and teacher-forced loss with a transformers model (torch imported inside).

Used by ``tunebook eval`` (base and base + adapter) and by the Axolotl plugin during training
(the trainer's own model), so both score exactly the same way: greedy decoding, bounded length,
loss on the reference answer's tokens only.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from tunebook.evaluate.examples import Example


def prompt_text(tokenizer: Any, example: Example) -> str:
    """The text the model continues: the chat template with a generation prompt."""
    if example.messages is None:
        return example.text_prompt or ""
    return tokenizer.apply_chat_template(list(example.messages), tokenize=False,
                                         add_generation_prompt=True)


def full_text(tokenizer: Any, example: Example) -> str:
    """Prompt plus the reference answer, as the trainer saw it."""
    if example.messages is None:
        return (example.text_prompt or "") + example.reference + (tokenizer.eos_token or "")
    turns = [*example.messages, {"role": "assistant", "content": example.reference}]
    return tokenizer.apply_chat_template(turns, tokenize=False)


@contextlib.contextmanager
def inference(model: Any) -> Iterator[None]:
    """eval mode and no gradients, restoring the training mode afterwards."""
    import torch

    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        if was_training:
            model.train()


def generate_answers(model: Any, tokenizer: Any, examples: Sequence[Example], *,
                     max_new_tokens: int = 128, max_prompt_tokens: int = 2048,
                     batch_size: int = 16) -> list[str]:
    """Greedy answers, one per example, ``batch_size`` prompts at a time (left-padded).
    A prompt longer than ``max_prompt_tokens`` keeps its end."""
    import torch

    device = _device(model)
    eos = [t for t in {tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<|im_end|>")}
           if isinstance(t, int) and t >= 0]
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (eos or [0])[0]
    prompts = [tokenizer(prompt_text(tokenizer, ex), add_special_tokens=False)["input_ids"]
               [-max_prompt_tokens:] for ex in examples]
    answers = []
    with inference(model):
        for start in range(0, len(prompts), max(1, batch_size)):
            chunk = prompts[start:start + batch_size]
            width = max(len(ids) for ids in chunk)
            input_ids = torch.tensor([[pad] * (width - len(ids)) + ids for ids in chunk],
                                     device=device)
            mask = torch.tensor([[0] * (width - len(ids)) + [1] * len(ids) for ids in chunk],
                                device=device)
            out = model.generate(input_ids=input_ids, attention_mask=mask,
                                 max_new_tokens=max_new_tokens, do_sample=False,
                                 eos_token_id=eos or None, pad_token_id=pad)
            answers += [tokenizer.decode(row[width:], skip_special_tokens=True).strip()
                        for row in out]
    return answers


def answer_loss(model: Any, tokenizer: Any, examples: Sequence[Example], *,
                max_tokens: int = 2048) -> tuple[float, int]:
    """(mean loss per reference-answer token, number of such tokens), teacher-forced."""
    import torch

    device = _device(model)
    total, count = 0.0, 0
    with inference(model):
        for example in examples:
            prompt_ids = tokenizer(prompt_text(tokenizer, example),
                                   add_special_tokens=False)["input_ids"]
            ids = tokenizer(full_text(tokenizer, example), add_special_tokens=False)["input_ids"]
            ids = ids[:max_tokens]
            start = min(len(prompt_ids), len(ids))
            if len(ids) - start < 1 or start < 1:
                continue
            input_ids = torch.tensor([ids], device=device)
            logits = model(input_ids=input_ids).logits[0, :-1].float()
            targets = input_ids[0, 1:]
            losses = torch.nn.functional.cross_entropy(logits, targets, reduction="none")
            answer = losses[start - 1:]
            total += float(answer.sum())
            count += int(answer.numel())
    return (total / count if count else float("nan")), count


def load_tokenizer(*candidates: str | Path) -> Any:
    """The first directory's tokenizer that loads (the output dir keeps the trained template)."""
    from transformers import AutoTokenizer

    errors = []
    for path in candidates:
        if not path:
            continue
        try:
            return AutoTokenizer.from_pretrained(str(path))
        except (OSError, ValueError) as exc:
            errors.append(f"{path}: {exc}")
    raise OSError("no tokenizer could be loaded: " + "; ".join(errors))


def load_model(base_model: str, adapter_dir: Path | None = None) -> Any:
    """The base model on CPU or the first GPU, with the LoRA adapter attached when given."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM

    device = "cuda" if torch.cuda.is_available() else "cpu"
    dtype = torch.bfloat16 if device == "cuda" and torch.cuda.is_bf16_supported() else (
        torch.float32)
    model = AutoModelForCausalLM.from_pretrained(base_model, dtype=dtype).to(device)
    if adapter_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter_dir))
    model.eval()
    return model


def _device(model: Any) -> Any:
    return next(model.parameters()).device
