"""The library's entry points, ``jixiao.extract``, ``load`` and ``pipe``; worker processes for ``pipe``."""
from __future__ import annotations

from collections import deque
from typing import Iterable, Iterator, Optional

from .doc import Document
from .language import Pipeline

_LOADED: dict[str, Pipeline] = {}


def load(config: Optional[str | dict] = None) -> Pipeline:
    """The pipeline of a config (a name in configs/, a YAML path, or a dict; default configs/pipeline.yaml),
    loaded once per process for a name or path."""
    if isinstance(config, dict):
        return _remember(Pipeline.from_config(config), config)
    key = config or "pipeline"
    if key not in _LOADED:
        _LOADED[key] = _remember(Pipeline.from_config(config), config)
    return _LOADED[key]


def _remember(nlp: Pipeline, config) -> Pipeline:
    """Worker processes of ``Pipeline.pipe`` rebuild the pipeline from the config it came from."""
    nlp.source_config = config
    return nlp


def extract(text: str, doc_id: str = "doc", config: Optional[str | dict] = None) -> Document:
    """Entities and facts of one report's text: the library's main entry point."""
    return load(config)(Document(id=doc_id, text=text))


def pipe(texts_or_docs: Iterable[str | Document], batch_size: int = 32, n_process: int = 1,
         config: Optional[str | dict] = None) -> Iterator[Document]:
    """``load(config).pipe(...)``: documents in input order, streamed."""
    return load(config).pipe(texts_or_docs, batch_size=batch_size, n_process=n_process)


# ----------------------------------------------------------------------------- worker processes

_WORKER: Optional[Pipeline] = None


def _start_worker(config) -> None:
    global _WORKER
    _WORKER = Pipeline.from_config(config)


def _run_batch(docs: list[Document]) -> list[Document]:
    return _WORKER.run(docs)


def parallel_pipe(config, docs: Iterator[Document], batch_size: int, n_process: int) -> Iterator[Document]:
    """Batches of ``batch_size`` documents on ``n_process`` spawned processes, each with its own pipeline;
    results in input order, never more than two batches a process in flight."""
    import multiprocessing as mp
    ctx = mp.get_context("spawn")
    with ctx.Pool(n_process, initializer=_start_worker, initargs=(config,)) as pool:
        pending: deque = deque()
        batch: list[Document] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) == batch_size:
                pending.append(pool.apply_async(_run_batch, (batch,)))
                batch = []
            while len(pending) >= 2 * n_process:
                yield from pending.popleft().get()
        if batch:
            pending.append(pool.apply_async(_run_batch, (batch,)))
        while pending:
            yield from pending.popleft().get()
