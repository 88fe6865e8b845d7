"""``jixiao batch``: the pipeline over many documents, in parallel, resumably, into DuckDB.

``read`` (one document: bytes → rows), ``run`` (settings, counts, commits, ``run_batch``), the
engines ``local`` (worker processes) and ``ray_engine`` (Ray Data), and ``dataset`` (``--to-dataset``).
"""
from .run import BatchSettings, Summary, run_batch

__all__ = ["BatchSettings", "Summary", "run_batch"]
