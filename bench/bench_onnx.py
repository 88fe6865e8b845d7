"""Is ONNX Runtime worth it for the token classifier on CPU?  The model's forward pass alone.

The shipped model (models/jixiao-zh-char) runs over the windows of the 55 gold documents, as
``ModelTagger`` cuts them (128 characters, stride 96, batches of 32, rule hints as token types),
in five ways: torch fp32, torch dynamic int8 (the configs/model.yaml default), torch bf16
autocast, ONNX Runtime fp32 and ONNX Runtime dynamic int8 (the model exported with the
TorchScript exporter, opset 17).  It prints characters per second of the forward pass, the
ratio against torch fp32 measured in the same run, and how far each one's tags differ from
torch fp32 (positions whose argmax tag changes).  Needs the ``bench`` extra
(``.venv/bin/pip install -e ".[bench]"``: onnx for the export, onnxruntime).

    .venv/bin/python bench/bench_onnx.py --threads 2
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def batches(threads: int):
    """The model's input batches for the gold documents, exactly as ModelTagger builds them."""
    from pipeline.evaluation import load_documents
    from pipeline.model.dataset import rule_entities_of
    from pipeline.model.infer import InferenceSettings, ModelTagger
    docs = load_documents(ROOT / "annotations" / "gold")
    tagger = ModelTagger("models/jixiao-zh-char", InferenceSettings(threads=threads))
    rules = rule_entities_of(docs)
    jobs = tagger.windows_of([d.text for d in docs], [rules[d.id] for d in docs])
    data = [tagger.inputs(jobs[k:k + 32]) for k in range(0, len(jobs), 32)]
    return tagger.model, data, sum(len(j[2]) for j in jobs)


def torch_run(model, data, bf16: bool = False):
    import torch
    logits = []
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        for ids, att, types in data:
            logits.append(model(input_ids=ids, attention_mask=att, token_type_ids=types).logits.float())
    return logits


def onnx_session(model, data, path: Path, threads: int, int8: bool):
    import onnxruntime as ort
    import torch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, data[0], str(path), input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={k: {0: "batch", 1: "chars"} for k in
                                        ("input_ids", "attention_mask", "token_type_ids", "logits")})
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic
        q = path.with_name(path.stem + "-int8.onnx")
        logging.getLogger().setLevel(logging.ERROR)  # its advice to pre-process applies to vision models
        quantize_dynamic(str(path), str(q), weight_type=QuantType.QInt8)
        path = q
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def ort_run(session, data):
    import torch
    return [torch.from_numpy(session.run(["logits"], {"input_ids": i.numpy(), "attention_mask": a.numpy(),
                                                      "token_type_ids": t.numpy()})[0]) for i, a, t in data]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many passes")
    args = ap.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch
    torch.set_num_threads(args.threads)
    model, data, chars = batches(args.threads)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        int8 = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-onnx-"))
    systems = {
        "torch fp32": lambda: torch_run(model, data),
        "torch dynamic int8": lambda: torch_run(int8, data),
        "torch bf16 autocast": lambda: torch_run(model, data, bf16=True),
    }
    for name, q in (("onnxruntime fp32", False), ("onnxruntime dynamic int8", True)):
        session = onnx_session(model, data, tmp / "model.onnx", args.threads, q)
        systems[name] = lambda s=session: ort_run(s, data)
    print(f"{len(data)} batches, {chars:,} characters of windows, {args.threads} threads, onnxruntime "
          f"{__import__('onnxruntime').__version__}, torch {torch.__version__}")
    print(f"{'system':<26} {'chars/s':>10} {'x fp32':>7}  tags changed (positions, [CLS]/[SEP] included)")
    reference, base = None, None
    for name, run in systems.items():
        run()  # warm-up
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            logits = run()
            best = min(best, time.perf_counter() - t0)
        tags = torch.cat([x.argmax(-1)[a.bool()] for x, (_, a, _) in zip(logits, data)])
        if reference is None:
            reference, base = tags, chars / best
        changed = int((tags != reference).sum())
        print(f"{name:<26} {chars / best:>10,.0f} {chars / best / base:>7.2f} {changed:>6} of {len(tags):,}")


if __name__ == "__main__":
    main()
