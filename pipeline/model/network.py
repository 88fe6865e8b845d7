"""The tagger's layers in plain torch, shared by the ``transformers`` model (``modeling.py``) and by
``CharTagger``, which loads a saved model for inference without importing ``transformers`` (whose
import costs about four seconds at every start of ``jixiao extract``; torch costs two).

The layers: a character embedding and a bidirectional GRU (or an encoder from a local checkpoint,
built by ``modeling.py``), cue embeddings, optional new BiGRU and transformer layers over it, a
linear emission layer and a linear-chain CRF whose invalid BIO steps are forbidden.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Optional, Sequence

import torch
from torch import nn

from .bio import allowed_transitions

MODEL_TYPE = "jixiao-tagger"
FORBIDDEN = -10000.0


class CRF(nn.Module):
    """Linear-chain CRF over BIO tags; transitions the scheme forbids are fixed at a large negative score."""

    def __init__(self, names: Sequence[str]):
        super().__init__()
        allowed, start = allowed_transitions(names)
        k = len(names)
        self.transitions = nn.Parameter(torch.zeros(k, k))
        self.start = nn.Parameter(torch.zeros(k))
        self.end = nn.Parameter(torch.zeros(k))
        # plain arrays, not buffers: fixed by the tag names, never saved, never left uninitialised
        self.forbidden = (~allowed) * FORBIDDEN, (~start) * FORBIDDEN

    def scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        trans, start = (torch.as_tensor(x, dtype=self.transitions.dtype) for x in self.forbidden)
        return self.transitions + trans, self.start + start, self.end

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood of ``tags`` [B, L] (mask [B, L], each row a prefix of ones).
        A training window may begin inside a name, so any tag may start one here; decoding a whole
        document keeps the rule that no name starts with ``I-``."""
        trans, _, end = self.scores()
        start = self.start
        emissions = emissions.float()
        mask = mask.bool()
        b, n, _ = emissions.shape
        idx = torch.arange(b)
        tags = tags.clamp(min=0)
        gold = start[tags[:, 0]] + emissions[idx, 0, tags[:, 0]]
        alpha = start[None] + emissions[:, 0]
        for t in range(1, n):
            m = mask[:, t]
            step = trans[tags[:, t - 1], tags[:, t]] + emissions[idx, t, tags[:, t]]
            gold = gold + step * m
            nxt = torch.logsumexp(alpha[:, :, None] + trans[None], dim=1) + emissions[:, t]
            alpha = torch.where(m[:, None], nxt, alpha)
        last = tags[idx, mask.sum(1) - 1]
        gold = gold + end[last]
        log_z = torch.logsumexp(alpha + end[None], dim=1)
        return (log_z - gold).mean()


class TaggerLayers:
    """The layers and the forward pass to emission scores; the class that mixes it in is an
    ``nn.Module`` with a ``config`` (``JixiaoTaggerConfig`` or ``NetworkConfig``)."""

    def build_layers(self, config, encoder: Optional[nn.Module] = None) -> None:
        """``encoder``: a Hugging Face encoder (``config.encoder == "hf"``) instead of the BiGRU."""
        names = [config.id2label[i] for i in range(len(config.id2label))]
        if encoder is not None:
            self.encoder = encoder
            self.embeddings = None
            width = encoder.config.hidden_size
        else:
            self.embeddings = nn.Embedding(config.vocab_size, config.embedding_dim, padding_idx=config.pad_token_id)
            self.gru = nn.GRU(config.embedding_dim, config.hidden_size, num_layers=config.num_layers,
                              bidirectional=True, batch_first=True)
            width = 2 * config.hidden_size
        # cues join the characters at the input, or the encoder's states when new layers sit on top of it
        cue_width = width if config.top_layers else config.embedding_dim
        self.cue_embeddings = nn.ModuleList(nn.Embedding(n, cue_width) for n in config.cue_channels)
        self.top = None
        if config.top_layers:
            self.top = nn.GRU(width, width // 2, num_layers=config.top_layers, bidirectional=True, batch_first=True)
        self.context = None
        if config.transformer_layers:
            layer = nn.TransformerEncoderLayer(width, config.num_heads, 2 * width, config.dropout, batch_first=True)
            self.context = nn.TransformerEncoder(layer, config.transformer_layers, enable_nested_tensor=False)
        self.dropout = nn.Dropout(config.dropout)
        self.classifier = nn.Linear(width, len(names))
        self.crf = CRF(names) if config.use_crf else None

    def get_input_embeddings(self):
        return self.encoder.get_input_embeddings() if self.embeddings is None else self.embeddings

    def emissions(self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None,
                  cue_ids: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Emission scores [B, L, tags]; ``cue_ids`` [B, L, channels] (optional)."""
        if attention_mask is None:
            attention_mask = (input_ids != self.config.pad_token_id).long()
        x = self.get_input_embeddings()(input_ids)
        if cue_ids is not None and self.top is None:
            x = x + self._cues(cue_ids)
        if self.embeddings is None:
            h = self.encoder(inputs_embeds=x, attention_mask=attention_mask).last_hidden_state
        else:
            h = self._bigru(self.gru, self.dropout(x), attention_mask)
        if self.top is not None:
            if cue_ids is not None:
                h = h + self._cues(cue_ids)
            h = self._bigru(self.top, self.dropout(h), attention_mask)
        if self.context is not None:
            h = self.context(h, src_key_padding_mask=attention_mask == 0)
        return self.classifier(self.dropout(h))

    def _cues(self, cue_ids: torch.Tensor) -> torch.Tensor:
        return sum(emb(cue_ids[..., c]) for c, emb in enumerate(self.cue_embeddings))

    @staticmethod
    def _bigru(gru: nn.GRU, x: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """A bidirectional GRU over packed sequences: padding never reaches a real character."""
        lengths = attention_mask.sum(1).clamp(min=1).cpu()
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        h, _ = gru(packed)
        return nn.utils.rnn.pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])[0]

    def transition_scores(self):
        """(transitions, start, end) as numpy arrays for decoding, or None without a CRF."""
        if self.crf is None:
            return None
        return tuple(t.detach().float().cpu().numpy() for t in self.crf.scores())


@dataclass
class NetworkConfig:
    """What ``config.json`` of a saved jixiao tagger says about its layers."""

    id2label: dict[int, str]
    vocab_size: int
    embedding_dim: int
    hidden_size: int
    num_layers: int
    cue_channels: list[int] = field(default_factory=list)
    top_layers: int = 0
    transformer_layers: int = 0
    num_heads: int = 4
    dropout: float = 0.1
    use_crf: bool = True
    pad_token_id: int = 0
    window: int = 256
    stride: int = 192

    @classmethod
    def from_dict(cls, raw: dict) -> "NetworkConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{**{k: v for k, v in raw.items() if k in known},
                      "id2label": {int(k): v for k, v in raw["id2label"].items()}})


class CharTagger(TaggerLayers, nn.Module):
    """A saved jixiao tagger with a BiGRU encoder, for inference, in plain torch."""

    def __init__(self, config: NetworkConfig):
        super().__init__()
        self.config = config
        self.build_layers(config)

    def forward(self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None,
                cue_ids: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.emissions(input_ids, attention_mask, cue_ids)

    @classmethod
    def from_dir(cls, model_dir: Path) -> Optional["CharTagger"]:
        """The saved tagger, or None when the directory holds another model (an ``hf`` encoder or any
        other checkpoint needs ``transformers``)."""
        path, weights = model_dir / "config.json", model_dir / "model.safetensors"
        if not path.is_file() or not weights.is_file():
            return None
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("model_type") != MODEL_TYPE or raw.get("encoder", "bigru") == "hf":
            return None
        from safetensors.torch import load_file
        model = cls(NetworkConfig.from_dict(raw))
        model.load_state_dict(load_file(str(weights)))
        return model.eval()
