"""Small layout pieces shared by the pages."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.dash_table.DataTable import DataTable

from finmodel.ui.figures import FONT
from finmodel.ui.i18n import TEXT, text


def numbers(rows: list[tuple[str, str]]) -> html.Div:
    """Headline numbers as a row of small cards."""
    return html.Div(dbc.Row([dbc.Col(html.Div([html.Div(label, className="fm-label"),
                                                html.Div(value, className="fm-number")],
                                               className="fm-card"), md=3)
                             for label, value in rows]))


def graph(component_id: str, height: int = 460, figure: Any = None) -> dcc.Graph:
    """A chart; ``figure`` is what it shows before its callback answers (say, a figure
    that says what to do), instead of plotly's empty axes."""
    extra = {} if figure is None else {"figure": figure}
    return dcc.Graph(id=component_id, config={"displaylogo": False},
                     style={"height": f"{height}px"}, **extra)


def table(component_id: str, editable: bool = False, **kwargs: Any) -> DataTable:
    """A data table in the app's style; ``style_cell`` and ``style_header`` add to it."""
    style_cell = {"fontFamily": FONT, "fontSize": 13, "padding": "4px",
                  **kwargs.pop("style_cell", {})}
    style_header = {"fontWeight": "bold", "backgroundColor": "#eef2f6",
                    **kwargs.pop("style_header", {})}
    return DataTable(
        id=component_id, editable=editable, page_size=kwargs.pop("page_size", 12),
        style_table={"overflowX": "auto"}, style_cell=style_cell, style_header=style_header,
        **kwargs)


def card(*children: Any) -> html.Div:
    return html.Div(list(children), className="fm-card")


def busy_text(limit: int, lang: str) -> str:
    """What a background job answers when it waited in vain for its turn."""
    return text("busy", lang).format(n=limit)


def busy(limit: int, lang: str) -> dbc.Alert:
    """:func:`busy_text` as a page's message."""
    return dbc.Alert(busy_text(limit, lang), color="warning")


def help_label(label: str, help_text: str, component_id: str) -> html.Label:
    """An input's label with a small "?" that shows ``help_text`` on hover or keyboard
    focus (a :class:`dbc.Tooltip`).

    Args:
        label: the label, in the reader's language (units in it: "保証率（%）").
        help_text: what the input means, in the reader's language (from the format's field
            descriptions).
        component_id: the input's id; the "?" gets the id ``{component_id}-help``.
    """
    target = f"{component_id}-help"
    aria: dict[str, Any] = {"aria-label": help_text}
    return html.Label([
        label,
        html.Span("?", id=target, className="fm-help", tabIndex="0", **aria),
        dbc.Tooltip(help_text, target=target, placement="top"),
    ], htmlFor=component_id, className="fm-input-label")


def indicator_unit(unit: str, lang: str) -> str:
    """An impact indicator's unit in ``lang`` (persons -> 人); symbols (t-CO2, MWh, %)
    as they are."""
    pair = TEXT.get(f"pfl_unit_{unit}")
    if pair is None:
        return unit
    return pair[1] if lang == "ja" else pair[0]
