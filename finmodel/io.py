"""Writing files so that a reader never sees half of one: temporary name, then rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary_path)``, then rename the result to ``path``.

    The temporary file sits in the same folder (so the rename is atomic) and is removed
    if writing fails or is interrupted; ``path`` is never left half-written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_bytes_atomic(data: bytes, path: Path) -> Path:
    """Write ``data`` to ``path`` atomically, flushed to disk before the rename."""
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    return write_atomic(path, write)


def write_text_atomic(text: str, path: Path) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_bytes_atomic(text.encode("utf-8"), path)


def write_table_atomic(table: pd.DataFrame, path: Path) -> Path:
    """Write a table as CSV (no index) atomically."""
    return write_text_atomic(table.to_csv(index=False), path)


def write_parquet_atomic(table: pd.DataFrame, path: Path) -> Path:
    """Write a table as Parquet (no index) atomically."""
    return write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))
