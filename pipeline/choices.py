"""The fixed choices of the command line, in a module that imports nothing, so ``jixiao --help``
stays fast: each is an ``Enum``, so the help lists the allowed values and typer refuses others."""
from __future__ import annotations

from enum import Enum


class Engine(str, Enum):
    local = "local"  # worker processes on this machine
    ray = "ray"      # Ray Data: read tasks and an actor pool, here or on a cluster


class ProgressMode(str, Enum):
    auto = "auto"  # a bar on a terminal, else log lines
    bar = "bar"
    log = "log"
    none = "none"


class ExportFormat(str, Enum):
    parquet = "parquet"
    jsonl = "jsonl"
    csv = "csv"
