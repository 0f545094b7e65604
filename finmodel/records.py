"""Typed table rows: a table's columns are its record's fields, in order.

Every layer hands its tables typed rows, frozen dataclasses: the stack's in
:mod:`finmodel.stack.records`, the bundle's in :mod:`finmodel.bundle.records`, the
portfolios' in :mod:`finmodel.impact.records`. Records become DataFrames only at the edge
(:func:`table`, or :func:`frame` for rows keyed by e.g. ``vehicle``); a table computed
vectorised (pandas group-bys, arrays of bands) is checked against its record instead
(:func:`conform`). Which record types make which result table:
``finmodel.batch.store.TABLES``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import pandas as pd

R = TypeVar("R")


def columns(record: type) -> list[str]:
    """A record type's fields, in order: the columns of its table."""
    return [f.name for f in fields(record)]


def _values(record: Any, names: list[str]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}


def read(data: pd.DataFrame, record: type[R]) -> list[R]:
    """The rows of a table (or of a selection of it) as records: the way back from the
    edge for code that reads a table row by row (the charts, the board paper). Columns
    that are not the record's fields (keys such as ``vehicle``) are left out."""
    names = columns(record)
    return [record(**{name: row[name] for name in names})
            for row in data[names].to_dict("records")]


def table(records: Iterable[R], record: type[R]) -> pd.DataFrame:
    """A table from records of one type, one row each; an empty table still has its
    columns."""
    names = columns(record)
    rows = [_values(r, names) for r in records]
    if rows:
        return pd.DataFrame(rows)
    return pd.DataFrame(columns=names)


def frame(records: Iterable[tuple[Mapping[str, Any], Any]], record: type,
          keys: Sequence[str] = ("vehicle",), then: Sequence[type] = ()) -> pd.DataFrame:
    """A table from (keys, record) pairs: the keys' columns (e.g. ``vehicle``) first, then
    the record's fields; an empty table still has its columns (``keys``, then the
    record's).

    With ``then``, a row is several records side by side (as :class:`TableRows` says):
    each pair is (keys, (record, *one record of each type in ``then``)), and the columns
    are the keys', then each record's fields in that order.
    """
    names = [columns(r) for r in (record, *then)]
    rows = []
    for key, r in records:
        row = dict(key)
        for part, part_names in zip(r if then else (r,), names, strict=True):
            row.update(_values(part, part_names))
        rows.append(row)
    if rows:
        return pd.DataFrame(rows)
    return pd.DataFrame(columns=[*keys, *(name for part in names for name in part)])


def conform(data: pd.DataFrame, record: type) -> pd.DataFrame:
    """A table computed vectorised, with its columns in its record's order.

    Raises:
        ValueError: its columns are not exactly the record's fields.
    """
    names = columns(record)
    if list(data.columns) == names:
        return data
    missing = [n for n in names if n not in data.columns]
    extra = [c for c in data.columns if c not in names]
    if missing or extra or len(data.columns) != len(names):
        raise ValueError(f"{record.__name__}: the table lacks {missing}, has extra {extra}")
    return data[names]


@dataclass(frozen=True, slots=True)
class TableRows:
    """What a row of a result table is: its key columns, then the fields of ``record``
    and of each record type in ``then``, in that order."""

    record: type
    then: tuple[type, ...] = ()
    keys: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        """The table's columns, in order."""
        return [*self.keys, *(name for r in (self.record, *self.then) for name in columns(r))]
