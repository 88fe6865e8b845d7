"""Flattened tables, read once per document by the ``tables`` component into ``Document.tables``.

- ``cells``: the one cell splitter (tabs, pipes, spaces) and the rows of tab-flattened forms;
- ``header``: what a header decides: units of bare cells, column roles, titles;
- ``numbers``: bare numbers whose unit a header fixes, with their titles (the rule tagger turns
  them into entities);
- ``forms``: indicator and budget tables rebuilt row by row (the checker reads them).
"""
from __future__ import annotations

from ..normalising import NormalisedText
from .forms import read_forms
from .header import unit_headers
from .model import BudgetLine, Cell, CellValue, IndicatorFact, Table, TableNumber, Tables, TableTotal
from .numbers import read_numbers


def read_tables(nt: NormalisedText) -> Tables:
    """Everything the tables of the view say: form tables, header-unit numbers and cell titles."""
    headers = unit_headers(nt.text)
    numbers, titles = read_numbers(nt, headers)
    return Tables(read_forms(nt, headers), numbers,
                  {nt.starts[k]: nt.to_original(a, b) for k, (a, b) in titles.items() if b > a})


__all__ = ["read_tables", "Tables", "Table", "TableNumber", "Cell", "CellValue", "IndicatorFact", "BudgetLine",
           "TableTotal"]
