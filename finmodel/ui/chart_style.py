"""The look every chart shares: fonts, titles, legends, money axes, empty and waiting states.

One place decides how a chart is laid out so a figure on screen, in a download and in
the board paper look the same: a short title with its detail (the vehicle, the unit) on a
second line, the legend in its own band at the bottom of the figure (never over the
axis labels), money in one unit per chart with thousands separators (no SI "20k"), and
an empty chart with no axes at all, only a sentence saying what to do.
"""

from __future__ import annotations

import math
import re
import textwrap
import unicodedata
from collections.abc import Iterable
from functools import cache

import plotly.graph_objects as go

from finmodel.ui.i18n import MoneyUnit, text

# A Latin font first: Chromium embeds Noto CJK's digits without a text mapping, so numbers
# in an exported PDF could not be searched or copied; Japanese falls back to Noto CJK.
FONT = "DejaVu Sans, Noto Sans CJK JP, Noto Sans JP, Noto Sans, Arial, sans-serif"

#: Pixels a row of legend entries takes, and the bottom margin a chart needs without one
#: (tick labels of one line and an axis title).
LEGEND_ROW_PX = 24
AXIS_PX = 62
TICK_LINE_PX = 17

#: KPI and indicator units in Japanese (units not listed are shown as they are: t-CO2,
#: MWh and % read the same in both languages).
UNIT_JA = {"persons": "人", "people": "人", "person": "人", "firms": "社", "firm": "社",
           "households": "世帯", "jobs": "人", "minutes": "分", "hours": "時間",
           "days": "日", "years": "年", "yen": "円", "count": "件", "cases": "件",
           "events": "件", "m2": "m²", "sites": "か所", "facilities": "施設"}


def unit_word(unit: str, lang: str) -> str:
    """An indicator's unit (``persons``) as the reader says it (人 in Japanese)."""
    return UNIT_JA.get(unit, unit) if lang == "ja" else unit


def display_width(label: str) -> int:
    """A label's width in half-width characters (a kanji or kana counts two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)


def wrap(label: str, width: int = 22) -> str:
    """``label`` broken into lines of about ``width`` half-width characters with ``<br>``:
    at spaces for Latin text; for Japanese (which has no spaces) after ・、）or a space
    where one is near, else anywhere."""
    if display_width(label) <= width:
        return label
    if display_width(label) == len(label):
        return "<br>".join(textwrap.wrap(label, width)) if " " in label else label
    pieces = re.findall(r"[^・、）) ]*[・、）) ]?", label)
    lines, line = [], ""
    for piece in (p for p in pieces if p):
        if line and display_width(line + piece) > width:
            lines.append(line.rstrip())
            line = ""
        while display_width(piece) > width:  # a piece longer than a line: cut it
            cut = 0
            while display_width(piece[:cut + 1]) <= width - display_width(line):
                cut += 1
            lines.append((line + piece[:cut]).rstrip())
            line, piece = "", piece[cut:]
        line += piece
    if line:
        lines.append(line.rstrip())
    return "<br>".join(lines)


def tick_lines(labels: Iterable[str]) -> int:
    """The most lines any of ``labels`` takes (``<br>`` separates lines)."""
    return max((label.count("<br>") + 1 for label in labels), default=1)


@cache
def _template() -> go.layout.Template:
    """plotly's white template, looked up once (by name it is resolved on every figure:
    twice the time of passing the object)."""
    import plotly.io as pio

    return pio.templates["plotly_white"]


def styled(fig: go.Figure, title: str, lang: str, subtitle: str | None = None,
           legend_rows: int | None = None, lines: int = 1) -> go.Figure:
    """The house style: ``title`` (and ``subtitle`` below it, smaller), the legend in a
    band of its own at the bottom of the figure, a bottom margin that fits ``lines``
    lines of x tick labels, the axis title and ``legend_rows`` rows of legend (guessed
    from the traces shown when None)."""
    shown = [t for t in fig.data if getattr(t, "showlegend", None) is not False
             and getattr(t, "name", None)]
    if legend_rows is None:
        legend_rows = 0 if fig.layout.showlegend is False or len(shown) < 2 else \
            math.ceil(sum(display_width(str(t.name)) + 6 for t in shown) / 60)
    bottom = AXIS_PX + TICK_LINE_PX * (lines - 1) + LEGEND_ROW_PX * legend_rows
    head = {"text": title, "x": 0.01, "xanchor": "left", "yref": "container", "y": 0.98,
            "yanchor": "top", "font": {"size": 16}}
    if subtitle:
        head["subtitle"] = {"text": subtitle, "font": {"size": 12, "color": "#555555"}}
    fig.update_layout(title=head, template=_template(), font={"family": FONT, "size": 13},
                      margin={"l": 70, "r": 30, "t": 88 if subtitle else 62, "b": bottom},
                      legend={"orientation": "h", "yref": "container", "y": 0.0,
                              "yanchor": "bottom", "x": 0.0, "xanchor": "left"},
                      meta={"lang": lang})
    return fig


def _message_figure(title: str, message: str, lang: str, color: str) -> go.Figure:
    fig = go.Figure()
    if message:
        fig.add_annotation(text=wrap(message, 70), showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper", font={"size": 15, "color": color})
    fig.update_xaxes(visible=False, showgrid=False, zeroline=False)
    fig.update_yaxes(visible=False, showgrid=False, zeroline=False)
    return styled(fig, title, lang, legend_rows=0)


def empty_figure(title: str, message: str, lang: str) -> go.Figure:
    """A chart that has nothing to draw: no axes, ``message`` (what to do) in its centre."""
    return _message_figure(title, message, lang, "#555555")


def waiting_figure(title: str, lang: str, message: str | None = None) -> go.Figure:
    """A chart before its run: no axes, the sentence "press Run" (or ``message``)."""
    return _message_figure(title, message or text("fig_waiting", lang), lang, "#1f4e79")


def blank_figure() -> go.Figure:
    """A chart with nothing at all (no axes, no text): what a graph shows before a page
    fills it, instead of plotly's default -1..6 axes."""
    fig = go.Figure()
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(template=_template(), margin={"l": 10, "r": 10, "t": 10, "b": 10})
    return fig


def money_axis(unit: MoneyUnit) -> dict[str, object]:
    """Axis settings for amounts in ``unit``: thousands separators, the unit's decimals
    at most, never an SI suffix ("20k")."""
    return {"tickformat": ",~f" if unit.decimals else ",.0f", "exponentformat": "none",
            "separatethousands": True}


def money_hover(unit: MoneyUnit) -> str:
    """The d3 format of an amount in ``unit`` in a hover text (``%{y:,.1f}``)."""
    return f",.{unit.decimals}f"


def count_text(value: float) -> str:
    """A count of firms for the reader: a whole number (``<1`` for a mean below a half
    but above zero, ``-`` when missing)."""
    if value is None or not math.isfinite(value):
        return "-"
    if 0 < abs(value) < 0.5:
        return "<1"
    return f"{value:,.0f}"


def percent_text(value: float, digits: int = 1) -> str:
    """A share as a percentage (``-`` when missing)."""
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.{digits}%}"
