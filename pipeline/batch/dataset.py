"""``--to-dataset``: the database's documents as a Hugging Face dataset (``load_from_disk``), one row per
document, streamed from DuckDB.  Its features are written out, not inferred: labels and statuses are
``ClassLabel`` s (names from configs/labels.yaml) and a column that is empty in every row keeps its type."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterator

from ..config import load_config

_SQL = """
SELECT d.id, d.sha256, d.source, d.member, d.status, d.error, d.chars,
  coalesce((SELECT list({'id': e.entity_id, 'start': e.start_char, 'end': e.end_char, 'label': e.label,
                'text': e.text, 'value': e.value, 'unit': e.unit, 'qualifier': e.qualifier}
                ORDER BY e.start_char, e.end_char) FROM entities e WHERE e.doc_id = d.id), []) AS entities,
  coalesce((SELECT list({'entity_id': f.entity_id, 'label': f.label, 'value': f.value, 'unit': f.unit,
                'qualifier': f.qualifier, 'number': f.number_text, 'subject': f.subject, 'project': f.project}
               ORDER BY f.number_start) FROM facts f WHERE f.doc_id = d.id), []) AS facts
FROM documents d ORDER BY d.source, d.member, d.id
"""


def features():
    import datasets
    labels = load_config("labels")
    string, number = datasets.Value("string"), datasets.Value("float64")
    return datasets.Features({
        "id": string, "sha256": string, "source": string, "member": string,
        "status": datasets.ClassLabel(names=["ok", "failed"]), "error": string, "chars": datasets.Value("int32"),
        "entities": datasets.List({
            "id": string, "start": datasets.Value("int32"), "end": datasets.Value("int32"),
            "label": datasets.ClassLabel(names=labels["labels"]), "text": string, "value": number, "unit": string,
            "qualifier": string}),
        "facts": datasets.List({
            "entity_id": string, "label": datasets.ClassLabel(names=labels["numeric"]), "value": number,
            "unit": string, "qualifier": string, "number": string, "subject": string, "project": string}),
    })


def _rows(db: str) -> Iterator[dict]:
    import duckdb
    con = duckdb.connect(db, read_only=True)
    try:
        for rb in con.sql(_SQL).to_arrow_reader(1024):
            yield from rb.to_pylist()
    finally:
        con.close()


def write_dataset(db: str | os.PathLike, out_dir: str | os.PathLike) -> Path:
    """Write the dataset (rows are never all in memory); return its directory."""
    import datasets
    with tempfile.TemporaryDirectory(prefix="jixiao-ds-") as cache:
        ds = datasets.Dataset.from_generator(_rows, gen_kwargs={"db": str(db)}, features=features(), cache_dir=cache)
        ds.save_to_disk(str(out_dir))
    return Path(out_dir)
