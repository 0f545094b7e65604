"""Writing files so that a reader never sees half of one: temporary name, then rename.

Files get the mode any new file gets (``0o666`` less the user's umask, or the folder's
default ACL): the temporary file is created with ``os.open(..., 0o666)`` so the kernel
applies the umask, not with :func:`tempfile.mkstemp`, whose files are always ``0600``
(colleagues on a shared drive could not open them).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

#: Temporary files are ``.<name>.<random>.tmp`` beside their target (what a killed
#: writer may leave behind; the batch store removes them when a batch starts).
TEMPORARY_SUFFIX = ".tmp"


def _create_temporary(path: Path) -> Path:
    """A new, empty file beside ``path`` with an unused random name, mode 0o666 & ~umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}"
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"no unused temporary name beside {path}")  # pragma: no cover


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary_path)``, then rename the result to ``path``.

    The temporary file sits in the same folder (so the rename is atomic) and is removed
    if writing fails or is interrupted; ``path`` is never left half-written. The file
    gets the user's umask, as any new file does.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _create_temporary(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
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


def write_parquet_atomic(table: pd.DataFrame, path: Path,
                         metadata: Mapping[str, str] | None = None) -> Path:
    """Write a table as Parquet (no index) atomically.

    ``metadata`` adds key-value pairs to the file's schema metadata (read them back with
    :func:`parquet_metadata`); the table's data and how pandas reads it are unchanged.
    """
    if not metadata:
        return write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))

    def write(tmp: Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        # what DataFrame.to_parquet(index=False) does, with the extra keys in the schema
        arrow = pa.Table.from_pandas(table, preserve_index=False)
        merged = dict(arrow.schema.metadata or {})
        merged.update({k.encode(): v.encode() for k, v in metadata.items()})
        pq.write_table(arrow.replace_schema_metadata(merged), tmp)

    return write_atomic(path, write)


def parquet_metadata(path: Path) -> dict[str, str]:
    """The schema metadata of a Parquet file (without reading its data)."""
    import pyarrow.parquet as pq

    raw = pq.read_schema(path).metadata or {}
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, v in raw.items()}
