"""``jixiao annotate ...`` and ``jixiao serve-ls``: the annotation loop on the command line.

Only typer is imported here; the work is imported inside each command so ``jixiao --help`` stays fast.
"""
from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

annotate_app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                           help="Annotators in the loop: export tasks with pre-annotations, import corrections, "
                                "rank documents to label next, measure agreement.")

class Format(str, Enum):
    label_studio = "label-studio"
    doccano = "doccano"


FORMAT_HELP = "the annotation tool's format"


def _check_labels(labels: Optional[str]) -> Optional[tuple[str, ...]]:
    if labels is None:
        return None
    from ..doc import LABELS
    chosen = tuple(x.strip().upper() for x in labels.split(",") if x.strip())
    unknown = [x for x in chosen if x not in LABELS]
    if unknown or not chosen:
        raise typer.BadParameter(f"unknown label(s) {', '.join(unknown) or labels!r}; use {', '.join(LABELS)}",
                                 param_hint="--labels")
    return chosen


@annotate_app.command("export")
def export_cmd(
    inputs: List[Path] = typer.Argument(..., help="reports, directories, or JSONL files of documents (id, text)"),
    fmt: Format = typer.Option(..., "--format", help=FORMAT_HELP),
    out: Path = typer.Option(..., "-o", "--out", help="tasks file (.json for Label Studio, .jsonl for doccano)"),
    limit: Optional[int] = typer.Option(None, "--limit", help="export only the first N documents"),
    keep_entities: bool = typer.Option(False, "--keep-entities",
                                       help="use the entities in the input (e.g. gold, for review) instead of "
                                            "running the pipeline"),
    config: Optional[str] = typer.Option(None, "--config", help="pipeline config (default configs/pipeline.yaml)"),
    labels: Optional[str] = typer.Option(None, "--labels",
                                         help="pre-annotate only these labels, comma-separated (MONEY,PERCENT,QUANTITY "
                                              "annotates PROJECT blind: no names and no project links in the tasks)"),
):
    """Tasks with pre-annotations (Label Studio predictions / doccano spans) for annotators to correct."""
    from .roundtrip import export
    n = export(inputs, fmt.value, out, limit=limit, config=config, keep_entities=keep_entities,
               labels=_check_labels(labels))
    print(f"{n} tasks -> {out}", file=sys.stderr)
    if fmt is Format.label_studio:
        from ..config import config_dir
        print(f"labelling config: {config_dir() / 'label_studio.xml'}", file=sys.stderr)
    raise typer.Exit(0 if n else 1)


@annotate_app.command("import")
def import_cmd(
    path: Path = typer.Argument(..., help="Label Studio JSON / JSON-MIN export, doccano JSONL or export zip"),
    fmt: Format = typer.Option(..., "--format", help=FORMAT_HELP),
    out: Path = typer.Option(..., "-o", "--out", help="GUIDELINES.md JSONL to write (e.g. annotations/reviewed/x.jsonl)"),
    report: Optional[Path] = typer.Option(None, "--report", help="also write the per-task report as JSON"),
    pre: Optional[Path] = typer.Option(None, "--pre", help="pre-annotations (documents JSONL) for exports without them"),
):
    """Corrected annotations back into GUIDELINES.md JSONL, with changes and conflicts reported per task."""
    from .importing import ExportError
    from .roundtrip import import_file, write
    if not path.is_file():
        print(f"jixiao: error: {path}: {'not a file' if path.exists() else 'no such file'}", file=sys.stderr)
        raise typer.Exit(2)
    try:
        imported = import_file(path, fmt.value, pre=pre)
    except (json.JSONDecodeError, UnicodeDecodeError, ExportError) as exc:
        print(f"jixiao: error: {path}: not a {fmt.value} export: {exc}", file=sys.stderr)
        raise typer.Exit(2)
    except OSError as exc:
        print(f"jixiao: error: {path}: cannot read: {exc.strerror or exc}", file=sys.stderr)
        raise typer.Exit(2)
    write(imported, out)
    print(_printable(imported.report.format()))
    print(f"{len(imported.documents)} documents -> {out}", file=sys.stderr)
    if report is not None:
        report.write_text(_printable(json.dumps(imported.report.to_json(), ensure_ascii=False, indent=1)),
                          encoding="utf-8")
    raise typer.Exit(0 if imported.documents or not imported.report.tasks else 1)


def _printable(text: str) -> str:
    """``text`` with unpaired surrogates (from ``\\ud800`` escapes in an export) escaped, so that it can be
    printed and written as UTF-8; inside a JSON string the escape is the same character."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@annotate_app.command("rank")
def rank_cmd(
    inputs: List[Path] = typer.Argument(..., help="unlabelled reports, directories or JSONL files of documents"),
    budget: int = typer.Option(..., "--budget", help="characters the annotators can read"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
    model: Optional[Path] = typer.Option(None, "--model", help="trained token classifier (default: the configured one)"),
):
    """Documents ordered by how much labelling them would teach the model, within a character budget."""
    from .rank import rank
    from .source import load_inputs
    ranking = rank(list(load_inputs(inputs)), budget=budget, model_dir=model)
    print(json.dumps(ranking.to_json(), ensure_ascii=False, indent=1) if as_json else ranking.format())


@annotate_app.command("agreement")
def agreement_cmd(
    a: Path = typer.Argument(..., help="annotator A (GUIDELINES.md JSON/JSONL)"),
    b: Path = typer.Argument(..., help="annotator B"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
):
    """Span-level F1 and Cohen's kappa (character labels) between two annotators."""
    from .agreement import agreement_files
    res = agreement_files(a, b)
    print(json.dumps(res.to_json(), ensure_ascii=False, indent=1) if as_json else res.format())


def serve_ls(
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (loopback by default)"),
    port: int = typer.Option(9090, "--port", help="port (Label Studio's ML backends use 9090)"),
    token: Optional[str] = typer.Option(None, "--token", envvar="JIXIAO_LS_TOKEN",
                                        help="token Label Studio must send (default: $JIXIAO_LS_TOKEN, else a new one)"),
    config: Optional[str] = typer.Option(None, "--config", help="pipeline config (default configs/pipeline.yaml)"),
):
    """Serve pre-annotations to Label Studio as an ML backend (/health, /setup, /predict, /webhook)."""
    from .server import Backend, make_server
    from .source import Prelabeller
    server, token = make_server(host, port, token, Backend(Prelabeller(config=config)))
    shown = token if not os.environ.get("JIXIAO_LS_TOKEN") else "$JIXIAO_LS_TOKEN"
    print(f"jixiao ML backend on http://{host}:{server.server_address[1]}  token: {shown}\n"
          f"In Label Studio: Settings > Model > Connect model, URL http://{host}:{server.server_address[1]}, "
          f"Basic auth, any user, password = the token.", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
