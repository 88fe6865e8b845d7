"""Fine-tuning the token classifier, in the shape of the Hugging Face token-classification example:
data (gold documents and what the pipeline's earlier components find in them) -> features
(windows of character ids, cue ids and BIO labels) -> model (from a local base) -> ``Trainer``.

``jixiao train`` trains on the development gold (``gold:``; never ``annotations/gold/test``) and
saves the model, its tokenizer and its settings.  ``pipeline/model/cv.py`` runs the same steps
per fold of documents.
"""
from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence

from transformers import TrainerCallback

from ..config import load_config, project_path, settings as load_settings
from ..doc import LABELS, Document
from .bio import bio_names
from .features import CUE_CHANNELS, LAYOUT, SPECIALS, CharEncoder, Window, collate, encode_windows


@dataclass
class TrainSettings:
    """configs/train.yaml: every default is there."""

    gold: list[str]
    base: Optional[str]
    out_dir: str
    pipeline: str
    cues: bool
    cue_dropout: float
    use_crf: bool
    top_layers: int              # > 0: the base stays frozen, new BiGRU layers over it learn the task
    transformer_layers: int
    dropout: float
    scratch: dict
    window: int
    stride: int
    epochs: int
    batch_size: int
    learning_rate: float
    encoder_learning_rate: float
    weight_decay: float
    warmup_ratio: float
    seed: int
    threads: int
    cv: dict

    @classmethod
    def load(cls, config: str = "train", **overrides) -> "TrainSettings":
        return load_settings(cls, config, **overrides)


def label_names() -> list[str]:
    return bio_names(LABELS)


def gold_documents(paths: Sequence[str]) -> list[Document]:
    """The gold of ``paths``; the frozen test split is refused, so no training can see it."""
    from ..evaluation import load_documents
    docs: list[Document] = []
    for p in paths:
        path = project_path(p)
        if "test" in path.parts:
            raise ValueError(f"{p}: the frozen test split is for reporting only, never for training")
        docs += load_documents(path)
    return docs


def feature_pipeline(config: str | dict):
    """The components of ``config`` (a pipeline config's name, path or contents) that run before
    ``model_tagger``: what the model reads."""
    from ..language import Pipeline
    components = (load_config(config) if isinstance(config, str) else config)["components"]
    names = [c["name"] for c in components]
    upto = names.index("model_tagger") if "model_tagger" in names else len(names)
    return Pipeline.from_config({"components": components[:upto]})


def featurise(docs: Sequence[Document], config: str | dict) -> list[Document]:
    """Fresh documents with the feature components' output (numbers, cues), gold kept aside."""
    nlp = feature_pipeline(config)
    return [nlp(Document(id=d.id, text=d.text)) for d in docs]


def training_windows(gold: Sequence[Document], featurised: Sequence[Document], encoder: CharEncoder,
                     s: TrainSettings) -> list[Window]:
    windows = encode_windows(featurised, encoder, s.window, s.stride,
                             gold=[[(e.start, e.end, e.label) for e in d.entities] for d in gold],
                             label_names=label_names())
    import random
    rng = random.Random(s.seed)
    for w in windows:   # a share of windows without cues: the model also reads characters alone
        if not s.cues or rng.random() < s.cue_dropout:
            w.cues = w.cues * 0
    return windows


def init_model(s: TrainSettings, texts: Sequence[str], log: Callable = print):
    """The model and tokenizer to fine-tune: from ``base`` (the LAC base or any local checkpoint),
    or a BiGRU of ``scratch`` size with a vocabulary of the training texts."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer
    from .modeling import MODEL_TYPE, JixiaoTaggerConfig, JixiaoTaggerForTokenClassification, register
    register()
    names = label_names()
    head = dict(id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)},
                cue_channels=list(CUE_CHANNELS), use_crf=s.use_crf, transformer_layers=s.transformer_layers,
                top_layers=s.top_layers,
                dropout=s.dropout, window=s.window, stride=s.stride)
    base = project_path(s.base) if s.base else None
    if base is not None and not (base / "config.json").exists():
        raise FileNotFoundError(f"base {base} not found (`jixiao pretrain --lac` builds the LAC base)")
    if base is None:
        from collections import Counter
        from .tokenizer import make_tokenizer
        counts = Counter(c for t in texts for c in t if not c.isspace())
        vocab = SPECIALS + LAYOUT + [c for c, _ in counts.most_common(s.scratch["vocab_size"])]
        tok = make_tokenizer(vocab)
        cfg = JixiaoTaggerConfig(vocab_size=len(vocab), embedding_dim=s.scratch["embedding_dim"],
                                 hidden_size=s.scratch["hidden_size"], num_layers=s.scratch["num_layers"], **head)
        log(f"base: none, a BiGRU from scratch ({len(vocab)} characters)")
        return JixiaoTaggerForTokenClassification(cfg), tok
    tok = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    kind = AutoConfig.from_pretrained(str(base), local_files_only=True).model_type
    if kind == MODEL_TYPE:
        log(f"base: {base}")
        model = JixiaoTaggerForTokenClassification.from_pretrained(
            str(base), local_files_only=True, ignore_mismatched_sizes=True, num_labels=len(names), **head)
        return model, tok
    # any other local checkpoint: its encoder under the cue embeddings, head and CRF
    from .tokenizer import make_tokenizer
    encoder = AutoModel.from_pretrained(str(base), local_files_only=True)
    vocab = [t for t, _ in sorted(tok.get_vocab().items(), key=lambda kv: kv[1])]
    cfg = JixiaoTaggerConfig(vocab_size=len(vocab), embedding_dim=encoder.config.hidden_size, encoder="hf",
                             encoder_config=encoder.config.to_dict(), pad_token_id=tok.pad_token_id or 0, **head)
    model = JixiaoTaggerForTokenClassification(cfg)
    model.encoder.load_state_dict(encoder.state_dict())
    log(f"base: {base} ({kind} encoder)")
    return model, make_tokenizer(vocab)


def fit(model, windows: list[Window], s: TrainSettings, pad_id: int, log: Callable = print):
    """``Trainer`` over the windows; the pretrained encoder learns more slowly than the new layers."""
    import torch
    from transformers import Trainer, TrainingArguments
    torch.set_num_threads(s.threads)
    base = ("embeddings.", "gru.", "encoder.")
    for n, p in model.named_parameters():
        p.requires_grad = not (s.top_layers and n.startswith(base))   # top layers learn over a frozen base
    encoder = [p for n, p in model.named_parameters() if n.startswith(base) and p.requires_grad]
    rest = [p for n, p in model.named_parameters() if not n.startswith(base)]
    groups = [{"params": rest, "lr": s.learning_rate}] + ([{"params": encoder, "lr": s.encoder_learning_rate}]
                                                          if encoder else [])
    optimizer = torch.optim.AdamW(groups, weight_decay=s.weight_decay)
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(output_dir=tmp, per_device_train_batch_size=s.batch_size,
                                 num_train_epochs=s.epochs, learning_rate=s.learning_rate,
                                 warmup_steps=int(s.warmup_ratio * s.epochs * -(-len(windows) // s.batch_size)),
                                 lr_scheduler_type="linear", weight_decay=s.weight_decay,
                                 logging_steps=max(1, len(windows) // s.batch_size), save_strategy="no",
                                 report_to=[], use_cpu=True, seed=s.seed, data_seed=s.seed,
                                 dataloader_num_workers=0, remove_unused_columns=False, disable_tqdm=True)
        trainer = Trainer(model=model, args=args, train_dataset=windows, optimizers=(optimizer, None),
                          data_collator=lambda batch: collate(batch, pad_id),
                          callbacks=[_LogLoss(log)])
        trainer.train()
    model.eval()
    return model


class _LogLoss(TrainerCallback):
    """One line per logging step (epoch, loss) on ``log``."""

    def __init__(self, log: Callable):
        self.log = log

    def on_log(self, args, state, control, logs=None, **kwargs):
        if logs and "loss" in logs:
            self.log(f"epoch {logs.get('epoch', 0):.1f} loss {logs['loss']:.4f}")


def train_on(gold: Sequence[Document], s: TrainSettings, log: Callable = print):
    """A model fine-tuned on ``gold`` (documents with entities); returns (model, tokenizer)."""
    import torch
    torch.manual_seed(s.seed)
    model, tok = init_model(s, [d.text for d in gold], log)
    windows = training_windows(gold, featurise(gold, s.pipeline), CharEncoder(tok), s)
    log(f"training on {len(gold)} documents, {len(windows)} windows of <= {s.window} characters")
    return fit(model, windows, s, CharEncoder(tok).pad_id, log), tok


def train(s: TrainSettings, log: Callable = print) -> Path:
    """Train on all development gold and save model, tokenizer and settings in ``out_dir``."""
    gold = gold_documents(s.gold)
    model, tok = train_on(gold, s, log)
    out = project_path(s.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    tok.save_pretrained(str(out))
    (out / "training_settings.json").write_text(json.dumps({**asdict(s), "documents": len(gold)},
                                                           ensure_ascii=False, indent=1), encoding="utf-8")
    log(f"saved {out}")
    return out


def main(config: str = "train", cv: Optional[int] = None, **overrides) -> None:
    from transformers.utils import logging as hf_logging
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    s = TrainSettings.load(config, **overrides)
    if cv:
        from .cv import cross_validate, cv_table
        result = cross_validate(s, cv, log)
        print(cv_table(result))
    else:
        train(s, log)
