"""A small character-level Chinese BERT, pretrained here with masked-language modelling.

No Chinese checkpoint can be downloaded on these machines, so the project grows its own base
from the unlabelled corpus (settings in ``configs/pretrain.yaml``).  ``base:`` may instead name
any local Hugging Face checkpoint directory (bert-base-chinese, chinese-roberta-wwm-ext, ...):
MLM then continues from it with its own vocabulary.
"""
from __future__ import annotations

import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ..config import PROJECT_ROOT, load_config
from .chars import CharEncoder, build_vocab, jieba_dictionary_chars


@dataclass
class PretrainSettings:
    corpus: list[str]
    out_dir: str
    base: Optional[str] = None
    vocab_size: int = 6000
    hidden_size: int = 128
    num_layers: int = 3
    num_heads: int = 4
    intermediate_size: int = 512
    max_position: int = 514
    seq_len: int = 256
    batch_size: int = 32
    learning_rate: float = 5e-4
    weight_decay: float = 0.01
    warmup_ratio: float = 0.05
    max_steps: int = 1500
    max_minutes: float = 20.0
    mask_prob: float = 0.15
    checkpoint_every: int = 200
    log_every: int = 20
    seed: int = 13
    threads: int = 2
    bf16: bool = True
    resume: bool = True
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, path: str, **overrides) -> "PretrainSettings":
        raw = dict(load_config(str(path)))
        raw.update({k: v for k, v in overrides.items() if v is not None})
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        return cls(**{k: v for k, v in raw.items() if k in known},
                   extra={k: v for k, v in raw.items() if k not in known})


def read_texts(paths: list[str]) -> list[str]:
    """Raw texts from .jsonl/.json (field ``text``) and .txt files or directories of them."""
    out: list[str] = []
    for p in paths:
        path = Path(p) if Path(p).is_absolute() else PROJECT_ROOT / p
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.suffix == ".jsonl":
                out += [json.loads(line)["text"] for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
            elif f.suffix == ".json":
                obj = json.loads(f.read_text(encoding="utf-8"))
                out += [o["text"] for o in (obj if isinstance(obj, list) else [obj])]
            elif f.suffix == ".txt":
                out.append(f.read_text(encoding="utf-8"))
    return out


def make_tokenizer(vocab: list[str]):
    """A BERT tokenizer over a character vocabulary (``vocab=`` dict: transformers 5 ignores
    ``vocab_file=``, see stack-findings)."""
    from transformers import BertTokenizerFast
    tok = BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=False,
                            tokenize_chinese_chars=True)
    return tok


def save_tokenizer(tokenizer, out_dir: Path) -> None:
    """tokenizer.json + tokenizer_config.json, and a plain vocab.txt in id order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(str(out_dir))
    vocab = tokenizer.get_vocab()
    with open(out_dir / "vocab.txt", "w", encoding="utf-8") as f:
        for tok, _ in sorted(vocab.items(), key=lambda kv: kv[1]):
            f.write(tok + "\n")


def load_tokenizer(path: str | Path):
    from transformers import AutoTokenizer
    return AutoTokenizer.from_pretrained(str(path), local_files_only=True)


def new_base(settings: PretrainSettings, texts: list[str]):
    """A freshly initialised BERT MLM with a vocabulary built from ``texts``."""
    from transformers import BertConfig, BertForMaskedLM
    vocab = build_vocab(texts, settings.vocab_size, extra_chars=jieba_dictionary_chars())
    tok = make_tokenizer(vocab)
    cfg = BertConfig(vocab_size=len(vocab), hidden_size=settings.hidden_size,
                     num_hidden_layers=settings.num_layers, num_attention_heads=settings.num_heads,
                     intermediate_size=settings.intermediate_size,
                     max_position_embeddings=settings.max_position, pad_token_id=vocab.index("[PAD]"))
    return BertForMaskedLM(cfg), tok


def load_base(path: str | Path):
    """Any local masked-LM checkpoint directory (``local_files_only``: nothing is downloaded)."""
    from transformers import AutoModelForMaskedLM
    return AutoModelForMaskedLM.from_pretrained(str(path), local_files_only=True), load_tokenizer(path)


def chunks(texts: list[str], enc: CharEncoder, length: int) -> list[list[int]]:
    out = []
    for t in texts:
        ids = enc.encode(t)
        for a in range(0, len(ids), length):
            piece = ids[a:a + length]
            if len(piece) >= 16:
                out.append(piece)
    return out


def mask_batch(batch: list[list[int]], enc: CharEncoder, vocab_size: int, prob: float, rng: random.Random):
    """BERT's 80/10/10 masking over one padded batch; labels -100 where nothing is predicted."""
    import torch
    n = max(len(x) for x in batch) + 2
    ids = torch.full((len(batch), n), enc.pad_id, dtype=torch.long)
    labels = torch.full_like(ids, -100)
    att = torch.zeros_like(ids)
    specials = {enc.pad_id, enc.cls_id, enc.sep_id, enc.mask_id}
    first_normal = max(specials) + 1
    for i, seq in enumerate(batch):
        row = [enc.cls_id] + seq + [enc.sep_id]
        for j, t in enumerate(row):
            ids[i, j] = t
            att[i, j] = 1
            if t in specials or rng.random() >= prob:
                continue
            labels[i, j] = t
            r = rng.random()
            if r < 0.8:
                ids[i, j] = enc.mask_id
            elif r < 0.9:
                ids[i, j] = rng.randrange(first_normal, vocab_size)
    return ids, att, labels


def masked_lm_loss(model, ids, att, labels):
    """Cross-entropy at the masked positions only: the vocabulary projection is the costliest
    layer of a small model, so it is not run over the other 85% of positions."""
    import torch
    hidden = model.base_model(input_ids=ids, attention_mask=att).last_hidden_state
    where = labels != -100
    head = getattr(model, "cls", None) or getattr(model, "lm_head", None)
    if head is None:
        return model(input_ids=ids, attention_mask=att, labels=labels).loss
    logits = head(hidden[where])
    return torch.nn.functional.cross_entropy(logits.float(), labels[where])


def pretrain(settings: PretrainSettings, log=print) -> Path:
    """Run MLM until ``max_steps`` or ``max_minutes``; checkpoint as it goes; return the base dir."""
    import torch
    torch.set_num_threads(settings.threads)
    random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    out = Path(settings.out_dir)
    if not out.is_absolute():
        out = PROJECT_ROOT / out
    texts = read_texts(settings.corpus)
    state_path = out / "pretrain_state.json"
    step = 0
    if settings.resume and state_path.exists():
        model, tok = load_base(out)
        step = json.loads(state_path.read_text())["step"]
        log(f"resuming from {out} at step {step}")
    elif settings.base:
        model, tok = load_base(settings.base)
        log(f"continuing MLM from local checkpoint {settings.base}")
    else:
        model, tok = new_base(settings, texts)
    enc = CharEncoder.from_tokenizer(tok)
    seq_len = min(settings.seq_len, model.config.max_position_embeddings - 2)
    data = chunks(texts, enc, seq_len)
    rng.shuffle(data)
    held_out, data = data[:16], data[16:] or data[:16]
    n_params = sum(p.numel() for p in model.parameters())
    log(f"{len(texts)} texts, {sum(map(len, texts))} chars, {len(data)} sequences of <= {seq_len}; "
        f"vocab {len(tok)}; {n_params / 1e6:.1f}M parameters")
    opt = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    warm = max(1, int(settings.warmup_ratio * settings.max_steps))

    def lr_at(s: int) -> float:
        if s < warm:
            return (s + 1) / warm
        return max(0.0, (settings.max_steps - s) / max(1, settings.max_steps - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at, last_epoch=-1)
    for _ in range(step):
        sched.step()
    model.train()
    t0 = time.perf_counter()
    running = None
    order = list(range(len(data)))
    pos = len(order)
    while step < settings.max_steps:
        if pos + settings.batch_size > len(order):
            rng.shuffle(order)
            pos = 0
        batch = [data[i] for i in order[pos:pos + settings.batch_size]]
        pos += settings.batch_size
        ids, att, labels = mask_batch(batch, enc, len(tok), settings.mask_prob, rng)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=settings.bf16):
            loss = masked_lm_loss(model, ids, att, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        step += 1
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        minutes = (time.perf_counter() - t0) / 60
        if step % settings.log_every == 0:
            log(f"step {step} loss {running:.3f} lr {sched.get_last_lr()[0]:.2e} {minutes:.1f} min")
        done = minutes >= settings.max_minutes or step >= settings.max_steps
        if step % settings.checkpoint_every == 0 or done:
            held = _held_out_loss(model, held_out, enc, len(tok), settings.mask_prob, settings.seed)
            _save(model, tok, out, step, held, running)
            log(f"checkpoint step {step}: held-out MLM loss {held:.3f} -> {out}")
        if done:
            break
    return out


def _held_out_loss(model, held_out, enc, vocab_size, prob, seed) -> float:
    import torch
    model.eval()
    with torch.inference_mode():
        ids, att, labels = mask_batch(held_out, enc, vocab_size, prob, random.Random(seed))
        loss = masked_lm_loss(model, ids, att, labels).item()
    model.train()
    return loss if math.isfinite(loss) else float("nan")


def _save(model, tok, out: Path, step: int, held: float, running: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out), safe_serialization=True)
    save_tokenizer(tok, out)
    (out / "pretrain_state.json").write_text(json.dumps(
        {"step": step, "held_out_mlm_loss": round(held, 4), "train_loss": round(running or 0, 4)}))


def main(config: str = "configs/pretrain.yaml", **overrides) -> Path:
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()
    settings = PretrainSettings.from_yaml(config, **overrides)
    return pretrain(settings, log=lambda m: print(m, file=sys.stderr, flush=True))
