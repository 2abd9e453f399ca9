"""A small byte-level BPE tokenizer with a ChatML template, built locally in seconds.

For the tests and the lint benchmark: nothing is downloaded from the Hub.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

CHATML = (
    "{% for message in messages %}"
    "{% if message['role'] == 'system' and not loop.first %}"
    "{{ raise_exception('System message must be first') }}{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def build_demo_tokenizer(out_dir: Path, corpus: Iterable[str], vocab_size: int = 4000) -> Path:
    """Train a byte-level BPE on ``corpus`` and save tokenizer.json + tokenizer_config.json."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(corpus, trainer)
    tok.save(str(out_dir / "tokenizer.json"))
    decoder = {str(tok.token_to_id(t)): {"content": t, "special": True} for t in SPECIAL}
    config = {
        "chat_template": CHATML,
        "eos_token": "<|im_end|>",
        "bos_token": None,
        "added_tokens_decoder": decoder,
    }
    (out_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2))
    return out_dir
