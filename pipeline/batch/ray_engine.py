"""The Ray engine: the same reading and extraction as Ray Data stages, the driver the only writer.

1. ``from_items`` of input units; 2. ``map_batches`` read tasks yield the items (Parquet inputs
are read a row group at a time), dropping what the database holds; 3. an actor pool extracts them
and writes each batch's rows as Parquet files (one per table) into a staging directory beside the
database, returning only the directory's name; 4. the driver commits each directory into DuckDB
(read from Parquet) and deletes it.  Results never travel as pickles through the driver.
"""
from __future__ import annotations

import logging
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Iterator, Optional

from ..archive_limits import Limits
from ..archives import InputError, Item, Unit, iter_unit_items
from ..limits import DocumentLimits
from ..rows import CHILD_TABLES, DocResult, ResultBatch
from .read import extract_items
from .run import BatchSettings, Committer, StopRequest

_BLOCK_ROWS = 64


def _read_units_batch(batch: dict, limits: Limits, done_ref) -> Iterator[dict]:
    """Ray task: read the units of a batch, yielding items (or input errors) a block at a time."""
    import ray
    done = done_ref if isinstance(done_ref, frozenset) else ray.get(done_ref)  # Ray may hand over the value itself
    rows: list[dict] = []
    errors: list[InputError] = []
    for kind, source, paths, start, stop in zip(batch["kind"], batch["source"], batch["paths"], batch["start"],
                                                batch["stop"]):
        unit = Unit(str(kind), str(source), tuple(paths), int(start), int(stop))
        for item in iter_unit_items(unit, limits, errors.append):
            skipped = item.sha256 in done
            rows.append({"kind": "skipped" if skipped else "item", "sha256": item.sha256, "stem": item.stem,
                         "source": item.source, "member": item.member, "data": b"" if skipped else item.data,
                         "suffix": item.suffix, "error": None})
            rows.extend(_error_rows(errors))
            if len(rows) >= _BLOCK_ROWS:
                yield _columns(rows)
                rows = []
    rows.extend(_error_rows(errors))
    if rows:
        yield _columns(rows)


def _error_rows(errors: list) -> list[dict]:
    out = [{"kind": "error", "sha256": "", "stem": "", "source": e.source, "member": e.member, "data": b"",
            "suffix": "", "error": e.message} for e in errors]
    errors.clear()
    return out


def _columns(rows: list[dict]) -> dict:
    return {k: [r[k] for r in rows] for k in rows[0]}


def write_parts(batch: ResultBatch, staging: Path) -> Path:
    """A batch's rows as Parquet files in a new directory of ``staging``, which appears whole (renamed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    name = uuid.uuid4().hex
    tmp = staging / f".{name}.tmp"
    tmp.mkdir(parents=True)
    docs = [dict(r.document_row(), stem=r.stem, stage=r.stage, **{f"n_{t}": r.counts[t] for t in CHILD_TABLES})
            for r in batch.docs]
    pq.write_table(pa.Table.from_pylist(docs), tmp / "documents.parquet")
    for table, rows in batch.tables.items():
        pq.write_table(rows, tmp / f"{table}.parquet")
    os.replace(tmp, staging / name)
    return staging / name


def read_parts(part: Path) -> ResultBatch:
    import pyarrow.parquet as pq
    docs = []
    for row in pq.read_table(part / "documents.parquet").to_pylist():
        counts = {t: row.pop(f"n_{t}") for t in CHILD_TABLES}
        docs.append(DocResult(counts=counts, **row))
    return ResultBatch(docs, {t: pq.read_table(part / f"{t}.parquet") for t in CHILD_TABLES})


class RayExtractor:
    """Ray actor: the pipeline loaded once, applied to batches of items; other rows pass through."""

    def __init__(self, config, staging: str):
        from ..language import Pipeline
        self.nlp = Pipeline.from_config(config)
        self.limits = DocumentLimits.from_config()
        self.staging = Path(staging)
        self.name = f"ray-{os.getpid()}"
        if "torch" in sys.modules:  # one CPU per actor (num_cpus=1): the model gets one thread
            sys.modules["torch"].set_num_threads(1)

    def __call__(self, batch) -> dict:
        out: dict[str, list] = {"kind": [], "sha256": [], "source": [], "member": [], "error": [], "part": []}

        def emit(kind: str, row: dict, part: Optional[str] = None) -> None:
            out["kind"].append(kind)
            out["part"].append(part)
            for k in ("sha256", "source", "member", "error"):
                out[k].append(row.get(k))

        work = []
        for row in batch.to_pylist():
            if row["kind"] == "item":
                work.append((Item(row["source"], row["member"], row["data"], row["suffix"], row["sha256"], row["stem"]), 1))
            else:
                emit(row["kind"], row)
        results = [r for r, _ in extract_items(self.nlp, work, self.limits, self.name)]
        if results:
            emit("results", {}, str(write_parts(ResultBatch.pack(results), self.staging)))
        return out


def _init_ray(workers: int, address: Optional[str]) -> None:
    import ray
    if not ray.is_initialized():
        quiet = dict(log_to_driver=False, logging_level=logging.WARNING)
        if address:
            ray.init(address=address, **quiet)
        else:
            ray.init(num_cpus=workers, include_dashboard=False, **quiet)
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    ray.data.DataContext.get_current().enable_progress_bars = False


def run_ray(units: list[Unit], committer: Committer, workers: int, s: BatchSettings, stop: StopRequest,
            address: Optional[str] = None, config=None) -> None:
    """Ray Data: read units in tasks, extract in an actor pool, commit here (the only writer).

    The staging directory (``<db>.parts``) must be visible to the actors and the driver: on a
    cluster, the database's directory on shared storage, like the inputs."""
    import ray
    from ray.data import ActorPoolStrategy
    _init_ray(workers, address)
    staging = Path(f"{committer.store.path}.parts").resolve()
    shutil.rmtree(staging, ignore_errors=True)  # what an interrupted run left was never committed
    staging.mkdir(parents=True)
    ds = ray.data.from_items([{"kind": u.kind, "source": u.source, "paths": list(u.paths), "start": u.start,
                               "stop": u.stop} for u in units])
    ds = ds.map_batches(_read_units_batch, batch_size=1,
                        fn_kwargs={"limits": s.limits, "done_ref": ray.put(committer.store.done())})
    ds = ds.map_batches(RayExtractor, batch_size=s.ray.batch_size, batch_format="pyarrow",
                        compute=ActorPoolStrategy(size=workers), num_cpus=1,
                        fn_constructor_args=(config, str(staging)))
    parts: list[Path] = []

    def commit() -> None:
        committer.commit()
        for part in parts:
            shutil.rmtree(part, ignore_errors=True)
        parts.clear()

    try:
        for batch in ds.iter_batches(batch_size=s.ray.batch_size, batch_format="pyarrow"):
            if stop.requested:
                committer.summary.interrupted = True
                break
            for row in batch.to_pylist():
                if row["kind"] == "error":
                    committer.input_error(InputError(row["source"], row["member"], row["error"]))
                elif row["kind"] == "skipped":
                    committer.summary.skipped += 1
                    committer.reporter.advance(1)
                else:
                    parts.append(Path(row["part"]))
                    committer.add(read_parts(parts[-1]))
            if committer.due():
                commit()
        commit()
    except KeyboardInterrupt:
        committer.summary.interrupted = True
        commit()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
