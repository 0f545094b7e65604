"""How far a run has got, for a reader: counts and the time left, one way for every page."""

from __future__ import annotations

from finmodel.ui.i18n import text


def duration_text(seconds: float, lang: str) -> str:
    """A duration rounded for a reader: "約8秒", "約3分" / "about 8 s", "about 3 min"."""
    s = max(1, round(seconds))
    if s < 60:
        return text("bdl_seconds", lang).format(n=s)
    return text("bdl_minutes", lang).format(n=max(1, round(seconds / 60)))


def progress_text(done: int, total: int, elapsed: float, lang: str,
                  what: str = "bdl_unit_runs") -> str:
    """The progress of a run with counts and an ETA: ``12 / 40 回 · 残り約8秒``.

    Args:
        done, total: steps finished and steps in all (replications, scenarios).
        elapsed: seconds since the run started.
        lang: ``en`` or ``ja``.
        what: the text key of the step's unit (``回`` / ``replications``).

    The time left assumes the remaining steps take as long as those done, on average.
    """
    left = elapsed / done * (total - done) if 0 < done < total and elapsed > 0 else None
    return progress_line(done, total, left, lang, what)


def progress_line(done: int, total: int, left: float | None, lang: str,
                  what: str = "bdl_unit_runs") -> str:
    """Counts and the time left when it is known: ``9 / 22 件の最適化 · 残り約3秒``."""
    if total <= 0:
        return ""
    done = min(max(done, 0), total)
    counts = f"{done} / {total} {text(what, lang)}"
    if done >= total:
        return f"{counts} · {text('bdl_done', lang)}"
    if left is None:
        return f"{counts} · {text('bdl_eta_estimating', lang)}"
    return f"{counts} · {text('bdl_eta_left', lang).format(eta=duration_text(left, lang))}"
