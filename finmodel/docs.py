"""Regenerate the documents made from code: ``python -m finmodel.docs`` (from the repo root).

docs/scenario-format.md (every scenario key, from the models) and docs/indicators.md
(the shipped indicator catalogue). Tests fail while either is out of date.
"""

from __future__ import annotations

from pathlib import Path


def write_docs(folder: Path) -> list[Path]:
    """Write both documents into ``folder`` (atomically)."""
    from finmodel.impact.catalogue import catalogue_markdown
    from finmodel.io import write_text_atomic
    from finmodel.scenario.reference import reference_markdown

    return [write_text_atomic(reference_markdown(), folder / "scenario-format.md"),
            write_text_atomic(catalogue_markdown(), folder / "indicators.md")]


if __name__ == "__main__":  # pragma: no cover
    for path in write_docs(Path("docs")):
        print(f"wrote {path}")
