"""``JixiaoTokenizer``: the fast character tokenizer that also returns the cue channels, so a
``transformers`` pipeline feeds the model what jixiao's tagger feeds it.  The cues come from the
components that run before the model in configs/pipeline.yaml (rule tagger, cue finder).  Its own
module because it imports ``transformers``, which the rest of ``features`` does not need."""
from __future__ import annotations

from typing import Optional, Sequence

from transformers import PreTrainedTokenizerFast

from ..doc import Document
from .features import aliases, cue_ids


class JixiaoTokenizer(PreTrainedTokenizerFast):
    """One token per character; ``cue_ids`` beside ``input_ids`` for the texts it encodes."""

    _features = None

    def __call__(self, text=None, *args, **kwargs):
        enc = super().__call__(text, *args, **kwargs)
        texts = [text] if isinstance(text, str) else text
        if isinstance(texts, (list, tuple)) and texts and all(isinstance(t, str) for t in texts):
            enc["cue_ids"] = self._cues(texts, enc["input_ids"])
        return enc

    def _cues(self, texts: Sequence[str], input_ids):
        """Cue ids aligned with ``input_ids`` (one token per character), padded with 0."""
        import numpy as np
        if self._features is None:
            from .train import feature_pipeline
            self._features = feature_pipeline("pipeline")
        is_tensor = hasattr(input_ids, "shape")
        single = input_ids.ndim == 1 if is_tensor else bool(input_ids) and isinstance(input_ids[0], int)
        rows = [input_ids] if single else input_ids
        out = []
        for t, ids in zip(texts, rows):
            c = cue_ids(self._features(Document(id="tok", text=t)))[:len(ids)]
            out.append(np.pad(c, ((0, len(ids) - len(c)), (0, 0))))
        if is_tensor:
            import torch
            stacked = torch.as_tensor(np.stack(out))
            return stacked[0] if single else stacked
        return out[0].tolist() if single else [o.tolist() for o in out]


def make_tokenizer(vocab: Sequence[str], given_aliases: Optional[dict[str, str]] = None):
    """A fast tokenizer (tokenizer.json): the aliases are its normalizer (one character to one,
    so offsets stay one to one), then every character is a token."""
    import re
    from collections import defaultdict
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers
    by_target: dict[str, list[str]] = defaultdict(list)
    for src, dst in aliases(vocab, given_aliases).items():
        by_target[dst].append(src)
    tok = Tokenizer(models.WordLevel({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex("[" + "".join(re.escape(c) for c in srcs) + "]"), dst)
        for dst, srcs in sorted(by_target.items())])
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    return JixiaoTokenizer(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                           model_input_names=["input_ids", "attention_mask", "cue_ids"])
