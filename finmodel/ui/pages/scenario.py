"""Scenario page: pick a shipped scenario, upload one or reopen a saved one; edit its main
parameters, add and remove providers, facilities, tranches and pool segments; save it
under a name (every save a new version); compare it with its base; download it.

Every change goes through the session (:mod:`finmodel.ui.sessions`) as the file's own text
(:mod:`finmodel.scenario.edits`, :mod:`finmodel.scenario.builder`): validated whole, so a
refused change leaves the scenario as it was and says why, in the reader's language, with
the file, line and field (:mod:`finmodel.scenario.messages_ja`).
"""

from __future__ import annotations

import math
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from finmodel.names import display_name, named, scenario_title, tranche_name
from finmodel.scenario import model as fmt
from finmodel.scenario.builder import add_item, remove_item
from finmodel.scenario.errors import ScenarioError
from finmodel.scenario.loader import parse_scenario
from finmodel.scenario.messages_ja import FIELDS_JA, field_name_ja, message_in, problems_in
from finmodel.scenario.model import Scenario
from finmodel.ui.components import busy, card, help_label, table
from finmodel.ui.i18n import (
    dropdown_texts,
    money_unit,
    table_filter_options,
    text,
    unit_label,
    word,
)
from finmodel.ui.services import Services
from finmodel.ui.sessions import Session
from finmodel.ui.state import apply_edits, decode_upload, edit_tables
from finmodel.vocabulary import (
    Amortisation,
    FacilityKind,
    Instrument,
    Issue,
    ProviderType,
    Stage,
    TrancheKind,
)

TABLES = ("providers", "facilities", "tranches", "arrivals")
EDITABLE_COLUMNS = {"annual_budget", "rate", "max_expected_loss", "budget", "cap", "share",
                    "size", "coupon", "market_coupon", "firms"}
#: Fields entered and shown in % (stored as fractions).
PERCENT = {"rate", "max_expected_loss", "cap", "share", "size", "coupon", "market_coupon",
           "hurdle_return", "annual_pd", "lgd", "fee"}
#: Fields that are amounts of money (in the scenario's unit).
MONEY = {"annual_budget", "budget", "exposure"}
#: Text columns read from the left.
LEFT = [{"if": {"column_type": "text"}, "textAlign": "left"}]
#: Words for columns that are no field of the format.
COLUMNS_EN = {"display": "Name", "vehicle_name": "Vehicle", "type_word": "Type",
              "kind_word": "Kind", "stage_word": "Stage", "issue_word": "Issue",
              "firms": "Firms a year", "annual_budget": "Annual budget", "rate": "Rate",
              "max_expected_loss": "Expected-loss limit", "budget": "Budget", "cap": "Cap",
              "share": "Share", "size": "Size", "coupon": "Coupon",
              "market_coupon": "Market coupon", "name_ja": "Name in Japanese",
              "name": "Name in English"}
COLUMNS_JA = {"display": "名称", "vehicle_name": "ビークル", "type_word": "種類",
              "kind_word": "種類", "stage_word": "成長段階", "issue_word": "課題",
              "firms": "新規企業数（年）"}
#: What each table shows: (column, source) in order; source None: the row's own value.
SHOWN = {
    "providers": ["display", "type_word", "annual_budget", "rate", "max_expected_loss"],
    "facilities": ["display", "kind_word", "budget", "rate", "cap", "share"],
    "tranches": ["vehicle_name", "display", "kind_word", "size", "coupon", "market_coupon"],
    "arrivals": ["stage_word", "issue_word", "firms"],
}

#: Help for the builder's and tables' fields in Japanese (English: the format's own
#: field descriptions).
HELP_JA = {
    "id": "この項目を指す一意のID（英字で始まり、英数字・「_」・「-」）",
    "name": "表示名（英語）", "name_ja": "表示名（日本語）：日本語の画面と資料に表示されます",
    "type": "資金提供者の種類。公的・民間・寄附のどれに当たるかが決まります",
    "instruments": "束のシミュレーションで使う資金手法（なし：投融資をしない）",
    "stages": "対象とする成長段階（空欄：すべて）",
    "annual_budget": "1年間に投融資できる金額",
    "rate": "年率の金利（保証のファシリティでは保証率）",
    "max_expected_loss": "年間の期待損失率（PD×LGD、ファシリティ適用後）がこれを超える案件は"
                         "引き受けません",
    "kind": "種類", "provider": "資金を出す資金提供者",
    "cap": "保証の上限：案件の何％までを保証するか",
    "share": "ファーストロス：損失を先に負う割合／譲許的融資：案件のうち融資する割合",
    "budget": "シミュレーション期間全体のプログラム予算",
    "size": "プール残高に対するトランシェの比率。最上位のトランシェとの間で調整します",
    "coupon": "年率のクーポン（ファンド型では優先リターン）",
    "market_coupon": "市場の条件で求めるクーポン。クーポンより高いと譲許的な資金です",
    "hurdle_return": "資金提供者が必要とする年率のIRR",
    "segment": "セグメント名（同じ条件の融資のまとまり）", "count": "融資の件数",
    "exposure": "1件あたりの融資額", "annual_pd": "1件の年間デフォルト確率",
    "lgd": "デフォルト時の損失率（融資額に対する割合）",
    "amortisation": "元本の返済方法", "stage": "企業の成長段階", "issue": "社会課題の分類",
    "firms": "その成長段階・課題で毎年新たに資金を求める企業数の期待値",
}

#: The builder's forms: section -> (field, input kind) in order; kinds: text, money,
#: percent, int, one of a choice list ("choice:<list>"), several ("multi:<list>").
FORMS: dict[str, list[tuple[str, str]]] = {
    "providers": [("id", "text"), ("name_ja", "text"), ("name", "text"),
                  ("type", "choice:provider_type"), ("instruments", "multi:instrument"),
                  ("stages", "multi:stage"), ("annual_budget", "money"), ("rate", "percent"),
                  ("max_expected_loss", "percent")],
    "facilities": [("id", "text"), ("name_ja", "text"), ("name", "text"),
                   ("kind", "choice:facility_kind"), ("provider", "choice:provider"),
                   ("rate", "percent"), ("cap", "percent"), ("share", "percent"),
                   ("budget", "money"), ("stages", "multi:stage")],
    "tranches": [("name", "text"), ("name_ja", "text"), ("provider", "choice:provider"),
                 ("kind", "choice:tranche_kind"), ("size", "percent"), ("coupon", "percent"),
                 ("market_coupon", "percent"), ("hurdle_return", "percent")],
    "pool": [("segment", "text"), ("count", "int"), ("exposure", "money"),
             ("annual_pd", "percent"), ("lgd", "percent"), ("rate", "percent"),
             ("amortisation", "choice:amortisation"), ("stage", "choice:stage"),
             ("issue", "choice:issue")],
}
REQUIRED = {"providers": ("id", "type"), "facilities": ("id", "kind", "provider", "budget"),
            "tranches": ("name", "provider", "kind", "size"),
            "pool": ("segment", "count", "exposure", "annual_pd", "lgd")}
MODELS: dict[str, Any] = {"providers": fmt.Provider, "facilities": fmt.Facility,
                          "tranches": fmt.Tranche, "pool": fmt.Segment}
SECTION_TEXT = {"providers": "providers", "facilities": "facilities", "tranches": "tranches",
                "pool": "scn_pool"}
ITEM_KEY = {"providers": "id", "facilities": "id", "tranches": "name", "pool": "segment"}


# -- words ---------------------------------------------------------------------------------------
def field_label(field: str, lang: str) -> str:
    """A field's name for a form or a column header in ``lang``."""
    if lang == "ja":
        return COLUMNS_JA.get(field) or FIELDS_JA.get(field) or field
    return COLUMNS_EN.get(field) or field.replace("_", " ").capitalize()


def field_help(section: str | None, field: str, lang: str) -> str:
    """The tooltip of a field: Japanese help, or the format's own description."""
    if lang == "ja":
        return HELP_JA.get(field, field_label(field, lang))
    model = MODELS.get(section or "")
    if model is not None and field in model.model_fields:
        return str(model.model_fields[field].description or "")
    for candidate in MODELS.values():
        if field in candidate.model_fields:
            return str(candidate.model_fields[field].description or "")
    return field_label(field, lang)


def unit_suffix(field: str, unit: str, lang: str) -> str:
    if field in PERCENT:
        return "（％）" if lang == "ja" else " (%)"
    if field in MONEY:
        return f"（{unit_label(unit, lang)}）" if lang == "ja" else f" ({unit_label(unit, lang)})"
    return ""


def _choices(kind: str, scenario: Scenario, lang: str) -> list[dict[str, str]]:
    values: list[str]
    if kind == "provider":
        return [{"label": display_name(p, lang), "value": p.id} for p in scenario.providers]
    values = {"provider_type": [t.value for t in ProviderType],
              "facility_kind": [k.value for k in FacilityKind],
              "tranche_kind": [k.value for k in TrancheKind],
              "instrument": [i.value for i in Instrument],
              "stage": [s.value for s in Stage], "issue": [i.value for i in Issue],
              "amortisation": [a.value for a in Amortisation]}[kind]
    return [{"label": word(v, lang), "value": v} for v in values]


# -- the picker and the tables -------------------------------------------------------------------
def scenario_options(services: Services, lang: str, sort: bool = True
                     ) -> list[dict[str, str]]:
    """The shipped scenarios by their display titles (the value stays the file name),
    in title order unless ``sort`` is false (then in the shipped order)."""
    options = []
    for name, path in services.scenarios.items():
        try:
            label = scenario_title(parse_scenario(path.read_text(encoding="utf-8"), name), lang)
        except (OSError, ScenarioError):
            label = name
        options.append({"label": label, "value": name})
    return sorted(options, key=lambda o: o["label"]) if sort else options


def _percent(value: Any) -> Any:
    return round(value * 100.0, 10) if isinstance(value, int | float) and not \
        isinstance(value, bool) else value


def _rows(scenario: Scenario, name: str, rows: list[dict[str, Any]], lang: str
          ) -> list[dict[str, Any]]:
    """Rows as shown: display names and words beside the ids (which stay, unseen, as the
    rows' keys), rates in %."""
    shown = []
    for row in rows:
        out = dict(row)
        for key in PERCENT & row.keys():
            out[key] = _percent(row[key])
        if name == "providers":
            out["display"] = named(scenario, row["id"], lang)
            out["type_word"] = word(row["type"], lang)
        elif name == "facilities":
            out["display"] = named(scenario, row["id"], lang)
            out["kind_word"] = word(row["kind"], lang)
        elif name == "tranches":
            vehicle = next(v for v in scenario.vehicles if v.id == row["vehicle"])
            tranche = next(t for t in vehicle.tranches if t.name == row["name"])
            out["vehicle_name"] = display_name(vehicle, lang)
            out["display"] = tranche_name(tranche, lang)
            out["kind_word"] = word(row["kind"], lang)
        else:
            out["stage_word"] = word(row["stage"], lang)
            out["issue_word"] = word(row["issue"], lang)
        shown.append(out)
    return shown


def model_rows(scenario: Scenario, tables: dict[str, list[dict[str, Any]]]
               ) -> dict[str, list[dict[str, Any]]]:
    """The tables' rows back in the format's units (% to fractions); a value left as it was
    shown gives back the scenario's own value exactly (so it is no change)."""
    original = edit_tables(scenario)
    out: dict[str, list[dict[str, Any]]] = {}
    for name, rows in tables.items():
        before = {tuple(r.get(k) for k in ("vehicle", "id", "name", "stage", "issue")): r
                  for r in original.get(name, [])}
        back = []
        for row in rows:
            old = before.get(tuple(row.get(k) for k in ("vehicle", "id", "name", "stage",
                                                           "issue")), {})
            new = dict(row)
            for key in PERCENT & row.keys():
                value = row[key]
                if value is None or value == "":
                    continue
                if old.get(key) is not None and _percent(old[key]) == value:
                    new[key] = old[key]
                else:
                    try:
                        new[key] = float(value) / 100.0
                    except (TypeError, ValueError):
                        new[key] = value  # refused by validation, with its field
            back.append(new)
        out[name] = back
    return out


def _columns(name: str, unit: str, lang: str) -> list[dict[str, Any]]:
    return [{"name": field_label(key, lang) + unit_suffix(key, unit, lang), "id": key,
             "editable": key in EDITABLE_COLUMNS,
             "type": "numeric" if key in EDITABLE_COLUMNS else "text"}
            for key in SHOWN[name]]


def _tables(session: Session, lang: str = "en") -> tuple[str, list[Any], list[Any]]:
    """Title, rows and columns of the editable tables for the session's scenario."""
    scenario = session.scenario
    tables = edit_tables(scenario)
    data = [_rows(scenario, name, tables[name], lang) for name in TABLES]
    columns = [_columns(name, scenario.unit, lang) for name in TABLES]
    note = text("scn_file", lang).format(file=session.name)
    if lang == "ja" and scenario.name_ja:
        note = f"{scenario.name} · {note}"
    if session.edited:
        note += f" · {text('scn_edited', lang)}"
    return f"{scenario_title(scenario, lang)} ({note})", data, columns


# -- messages ------------------------------------------------------------------------------------
def invalid(error: ScenarioError | str, lang: str) -> Any:
    """A refused change: the problems in the reader's language, each with its file, line
    and field."""
    lines = problems_in(error, lang) if isinstance(error, ScenarioError) else \
        [message_in(str(error), lang)]
    return dbc.Alert([html.B(text("invalid", lang)),
                      html.Pre("\n".join(lines), className="fm-error mb-0")], color="danger")


def _ok(message: str, duration: int = 4000) -> Any:
    return dbc.Alert(message, color="success", duration=duration)


def load_upload_in(contents: str, filename: str, lang: str) -> tuple[str | None, Any]:
    """(validated text, message) of an uploaded file; text None when it is refused."""
    try:
        scenario_text = decode_upload(contents, filename)
        scenario = parse_scenario(scenario_text, filename)
    except ScenarioError as exc:
        return None, invalid(exc, lang)
    except ValueError as exc:
        return None, invalid(str(exc), lang)
    return scenario_text, f"{filename}: {scenario_title(scenario, lang)}"


# -- the builder ---------------------------------------------------------------------------------
def builder_item(section: str, values: dict[str, Any]) -> dict[str, Any]:
    """A builder form's values as a scenario item (% to fractions, empty fields left out)."""
    kinds = dict(FORMS[section])
    item: dict[str, Any] = {}
    for field, _ in FORMS[section]:
        value = values.get(field)
        if value is None or value == "" or value == []:
            continue
        kind = kinds[field]
        if kind == "percent":
            value = float(value) / 100.0
        elif kind == "money":
            value = float(value)
        elif kind == "int":
            value = int(value) if float(value) == int(value) else float(value)
        elif kind == "text":
            value = str(value).strip()
        item[field] = value
    return item


def missing_fields(section: str, values: dict[str, Any], lang: str) -> list[str]:
    return [field_label(f, lang) for f in REQUIRED[section]
            if values.get(f) is None or values.get(f) == ""]


def builder_form(section: str, session: Session, lang: str) -> list[Any]:
    """The small form of one section's fields, each with its tooltip and unit."""
    scenario = session.scenario
    unit = scenario.unit
    cols = []
    for field, kind in FORMS[section]:
        fid = {"type": "scn-field", "field": field}
        label = field_label(field, lang) + unit_suffix(field, unit, lang)
        if kind.startswith(("choice:", "multi:")):
            control: Any = dcc.Dropdown(id=fid, options=_choices(kind.split(":")[1], scenario,
                                                                 lang),
                                        multi=kind.startswith("multi:"),
                                        **dropdown_texts(lang))
        else:
            control = dbc.Input(id=fid, type="text" if kind == "text" else "number",
                                size="sm", min=0 if kind != "text" else None,
                                max=100 if kind == "percent" else None,
                                step="any" if kind != "int" else 1)
        shown = help_label(label, field_help(section, field, lang), f"scn-field-{field}")
        cols.append(dbc.Col([shown, control],
                            md=3, className="mb-2"))
    return [dbc.Row(cols)]


def removable(section: str, vehicle: str | None, session: Session, lang: str
              ) -> list[dict[str, str]]:
    """The items the builder can remove from a section: display name, key."""
    scenario = session.scenario
    if section == "providers":
        return [{"label": display_name(p, lang), "value": p.id} for p in scenario.providers]
    if section == "facilities":
        return [{"label": display_name(f, lang), "value": f.id} for f in scenario.facilities]
    chosen = next((v for v in scenario.vehicles if v.id == vehicle), None)
    if chosen is None:
        return []
    if section == "tranches":
        return [{"label": tranche_name(t, lang), "value": t.name} for t in chosen.tranches]
    return [{"label": s.segment, "value": s.segment} for s in chosen.pool]


def build(services: Services, store: dict[str, Any], action: str, section: str,
          vehicle: str | None, values: dict[str, Any], remove_key: str | None, lang: str
          ) -> tuple[Any, Any]:
    """(new store, message) for the builder's Add or Remove; ``no_update`` for the store
    when the change is refused."""
    session = services.session(store)
    needs_vehicle = section in ("tranches", "pool")
    if needs_vehicle and not vehicle:
        return no_update, dbc.Alert(text("scn_need", lang).format(
            fields=text("vehicle", lang)), color="warning")
    try:
        if action == "add":
            missing = missing_fields(section, values, lang)
            if missing:
                return no_update, dbc.Alert(text("scn_need", lang).format(
                    fields="、".join(missing) if lang == "ja" else ", ".join(missing)),
                    color="warning")
            try:
                item = builder_item(section, values)
            except (TypeError, ValueError) as exc:
                return no_update, invalid(str(exc), lang)
            edited = add_item(session.text, section, item, vehicle, session.name)
            shown = item.get("name_ja") if lang == "ja" and item.get("name_ja") else \
                item.get(ITEM_KEY[section])
            message = text("scn_added_msg", lang).format(item=shown)
        else:
            if not remove_key:
                return no_update, dbc.Alert(text("scn_need", lang).format(
                    fields=text("scn_remove_pick", lang)), color="warning")
            label = next((o["label"] for o in removable(section, vehicle, session, lang)
                          if o["value"] == remove_key), remove_key)
            edited = remove_item(session.text, section, remove_key, vehicle, session.name)
            message = text("scn_removed_msg", lang).format(item=label)
        new = services.sessions.change(store, session.name, edited)
    except ScenarioError as exc:
        return no_update, invalid(exc, lang)
    return new, _ok(message)


# -- the workspace -------------------------------------------------------------------------------
def saved_options(services: Services) -> list[dict[str, str]]:
    return [{"label": v.name, "value": v.name} for v in services.workspace.names()]


def version_options(services: Services, name: str | None, lang: str) -> list[dict[str, Any]]:
    if not name:
        return []
    try:
        versions = services.workspace.history(name)
    except ValueError:
        return []
    return [{"label": text("scn_version_label", lang).format(version=v.version,
                                                             time=v.saved_local),
             "value": v.version} for v in versions]


def save(services: Services, store: dict[str, Any], name: str | None, lang: str) -> Any:
    """Save the session's scenario as a new version of ``name``: the message."""
    session = services.session(store)
    try:
        saved = services.workspace.save(name or "", session.text, session.name)
    except ValueError:
        return dbc.Alert(text("scn_bad_name", lang), color="warning")
    return _ok(text("scn_saved", lang).format(name=saved.name, version=saved.version,
                                              time=saved.saved_local), 6000)


def reopen(services: Services, store: dict[str, Any], name: str | None,
           version: int | None, lang: str) -> tuple[Any, Any]:
    """(new store, message): a saved version becomes the session's scenario and base."""
    if not name:
        return no_update, dbc.Alert(text("scn_need", lang).format(
            fields=text("scn_saved_pick", lang)), color="warning")
    try:
        saved, saved_text = services.workspace.read(name, version)
        new = services.sessions.change(store, saved.file_name, saved_text, base=True)
    except ScenarioError as exc:
        return no_update, invalid(exc, lang)
    except (KeyError, ValueError, OSError) as exc:
        return no_update, invalid(str(exc), lang)
    return new, _ok(text("scn_reopened", lang).format(name=saved.name, version=saved.version))


# -- compare with base ---------------------------------------------------------------------------
def _shown_value(path: str, value: Any, lang: str) -> str:
    if value == "(item)":
        return ""
    if value is None:
        return "-"
    last = path.rsplit(".", 1)[-1]
    if isinstance(value, float) and last in PERCENT and math.isfinite(value):
        return f"{value * 100:.6g}%"
    if isinstance(value, str):
        return word(value, lang) if value in _WORDS_SHOWN else value
    if isinstance(value, list):
        return ", ".join(word(str(v), lang) for v in value)
    return f"{value:,}" if isinstance(value, int | float) and not isinstance(value, bool) \
        else str(value)


_WORDS_SHOWN = {*(t.value for t in ProviderType), *(k.value for k in TrancheKind),
                *(s.value for s in Stage), *(i.value for i in Issue),
                *(a.value for a in Amortisation), *(k.value for k in FacilityKind)}


def change_rows(base: Scenario, current: Scenario, lang: str) -> list[dict[str, str]]:
    """The changes from base to current as table rows: field (and its Japanese name),
    base value, current value."""
    from finmodel.ui.workspace import scenario_differences

    rows = []
    for path, old, new in scenario_differences(base, current):
        name = field_name_ja(tuple(path.split("."))) if lang == "ja" else None
        field = f"{path}（{name}）" if name else path
        if old == "(item)":
            new_shown = text("scn_removed", lang)
        elif new == "(item)":
            new_shown = text("scn_added", lang)
        else:
            new_shown = _shown_value(path, new, lang)
        rows.append({"field": field, "base": _shown_value(path, old, lang), "now": new_shown})
    return rows


def _figures(results: Any, scenario: Scenario, lang: str) -> dict[str, tuple[str, float]]:
    """The headline figures of a run: key -> (label, value); kinds by key suffix."""
    from finmodel.headlines import bundle_headline, portfolio_headlines, vehicle_headlines

    out: dict[str, tuple[str, float]] = {}
    for h in vehicle_headlines(results):
        name = named(scenario, h.vehicle, lang)
        for key, label, value in (
                ("pool_el:money", "pool_expected_loss", h.expected_loss),
                ("senior_el:pct", "expected_loss_pct", h.senior.expected_loss_pct),
                ("senior_pl:pct", "prob_loss", h.senior.prob_loss),
                ("senior_irr:pct", "irr_mean", h.senior.irr_mean),
                ("public:money", "public_expected_cost_pv", h.public_expected_cost),
                ("mobilisation:ratio", "mobilisation_ratio", h.mobilisation_ratio)):
            shown = text(label, lang)
            if key.startswith("senior"):
                tranche = next((t for v in scenario.vehicles if v.id == h.vehicle
                                for t in v.tranches if t.name == h.senior.tranche), None)
                if tranche is not None:
                    shown = f"{tranche_name(tranche, lang)}: {shown}"
            out[f"{h.vehicle}/{key}"] = (f"{name} — {shown}", value)
    bundle = bundle_headline(results)
    if bundle is not None:
        for key, label, value in (("gap:money", "total_gap", bundle.total_gap),
                                  ("gap_share:pct", "gap", bundle.gap_share),
                                  ("public:money", "public_cost_bundle",
                                   bundle.public_expected_cost),
                                  ("private:money", "private_mobilised",
                                   bundle.private_mobilised)):
            out[f"bundle/{key}"] = (text(label, lang), value)
    for p in portfolio_headlines(results):
        label = text(p.portfolio, lang) if p.portfolio in ("firm_by_firm", "core_issue") \
            else p.portfolio
        out[f"{p.portfolio}/impact:number"] = (f"{label} — {text('core_impact', lang)}",
                                               p.core_impact)
        out[f"{p.portfolio}/cost:money"] = (f"{label} — {text('money', lang)}", p.total_cost)
    return out


def headline_rows(base_results: Any, base: Scenario, results: Any, current: Scenario,
                  lang: str) -> tuple[list[dict[str, str]], str]:
    """The headline numbers of base and current side by side with their difference, and
    the money unit they are shown in (one for the whole table)."""
    before = _figures(base_results, base, lang)
    after = _figures(results, current, lang)
    money = money_unit([v for k, (_, v) in {**before, **after}.items() if k.endswith(":money")],
                       current.unit, lang)

    def shown(key: str, value: float | None) -> str:
        if value is None or not math.isfinite(value):
            return "-"
        if key.endswith(":pct"):
            return f"{value:.2%}"
        if key.endswith(":money"):
            return money.format(value)
        return f"{value:,.2f}"

    def delta(key: str, a: float | None, b: float | None) -> str:
        if a is None or b is None or not (math.isfinite(a) and math.isfinite(b)):
            return "-"
        d = b - a
        if key.endswith(":pct"):
            return f"{d * 100:+.2f} pt"
        if key.endswith(":money"):
            return ("+" if d >= 0 else "") + money.format(d)
        return f"{d:+,.2f}"

    rows = []
    for key in list(before) + [k for k in after if k not in before]:
        label = (after.get(key) or before[key])[0]
        a = before[key][1] if key in before else None
        b = after[key][1] if key in after else None
        rows.append({"figure": label, "base": shown(key, a), "now": shown(key, b),
                     "change": delta(key, a, b)})
    return rows, money.label


def compare_with_base(services: Services, store: dict[str, Any], lang: str) -> list[Any]:
    """The compare panel: the base's name, the changes, the headline numbers of both."""
    session = services.session(store)
    base_name, base_text = session.base
    children: list[Any] = [html.P(text("scn_base", lang).format(name=base_name),
                                  className="mb-1")]
    try:
        base = parse_scenario(base_text, base_name)
    except ScenarioError as exc:
        return [*children, invalid(exc, lang)]
    current = session.scenario
    changes = change_rows(base, current, lang)
    if not changes:
        children.append(html.P(text("scn_no_changes", lang), className="text-muted"))
    else:
        children += [html.H6(text("scn_changes", lang)), table(
            "scn-changes", data=changes, page_size=15, style_cell_conditional=LEFT,
            columns=[{"name": text(f"scn_col_{c}", lang), "id": c,
                      "type": "text" if c == "field" else "any"}
                     for c in ("field", "base", "now")])]
    from finmodel.cost import APP_LIMITS, check_cost

    try:
        check_cost(base, APP_LIMITS, base_name, raisable=False)
        base_results = services.cache.get_or_run(base)
        results = services.cache.get_or_run(current)
    except ScenarioError as exc:
        return [*children, invalid(exc, lang)]
    rows, unit = headline_rows(base_results, base, results, current, lang)
    if rows:
        children += [html.H6(f"{text('scn_headline_changes', lang)}（{unit}）" if lang == "ja"
                             else f"{text('scn_headline_changes', lang)} ({unit})",
                             className="mt-3"),
                     table("scn-headline-changes", data=rows, page_size=30,
                           style_cell_conditional=LEFT,
                           columns=[{"name": text(f"scn_col_{c}", lang), "id": c,
                                     "type": "text" if c == "figure" else "any"}
                                    for c in ("figure", "base", "now", "change")])]
    return children


# -- layout and callbacks ------------------------------------------------------------------------
def layout(lang: str, services: Services, store: dict[str, Any]) -> html.Div:
    session = services.session(store)
    title, data, columns = _tables(session, lang)
    picked = session.name if session.name in services.scenarios else None
    vehicles = [{"label": display_name(v, lang), "value": v.id}
                for v in session.scenario.vehicles]
    upload_hint = text("upload", lang)
    workspace = card(
        html.H6(text("scn_workspace", lang)),
        dbc.Row([
            dbc.Col([help_label(text("scn_save_name", lang),
                                text("scn_workspace_note", lang).format(
                                    folder=services.workspace.root), "scn-save-name"),
                     dbc.InputGroup([dbc.Input(id="scn-save-name", size="sm",
                                               placeholder=text("scn_save_placeholder", lang)),
                                     dbc.Button(text("scn_save", lang), id="scn-save",
                                                size="sm", color="primary")])], md=4),
            dbc.Col([help_label(text("scn_saved_pick", lang), text("scn_nothing_saved", lang),
                                "scn-saved"),
                     dcc.Dropdown(id="scn-saved", options=saved_options(services),
                                  **dropdown_texts(lang))], md=3),
            dbc.Col([help_label(text("scn_version_pick", lang), text("scn_version_pick", lang),
                                "scn-version"),
                     dcc.Dropdown(id="scn-version", options=[], **dropdown_texts(lang))],
                    md=3),
            dbc.Col(dbc.Button(text("scn_reopen", lang), id="scn-reopen", size="sm",
                               color="secondary", className="mt-4"), md=2),
        ]),
        html.Div(text("scn_workspace_note", lang).format(folder=services.workspace.root),
                 className="text-muted small mt-1"))
    compare = card(
        dbc.Button(text("scn_compare", lang), id="scn-compare", size="sm", color="info",
                   className="me-2"),
        html.Span(text("scn_compare_note", lang), className="text-muted small"),
        dcc.Loading(html.Div(id="scn-compare-panel", className="mt-2")))
    builder = card(
        html.H6(text("scn_builder", lang)),
        dbc.Row([
            dbc.Col([help_label(text("scn_section", lang), text("scn_builder", lang), "scn-section"),
                     dcc.Dropdown(id="scn-section", clearable=False, value="providers",
                                  options=[{"label": text(SECTION_TEXT[s], lang), "value": s}
                                           for s in FORMS], **dropdown_texts(lang))], md=3),
            dbc.Col([help_label(text("vehicle", lang), text("vehicle", lang), "scn-vehicle"),
                     dcc.Dropdown(id="scn-vehicle", options=vehicles,
                                  value=vehicles[0]["value"] if vehicles else None,
                                  **dropdown_texts(lang))], md=3),
        ], className="mb-2"),
        html.Div(id="scn-form", children=builder_form("providers", session, lang)),
        dbc.Row([
            dbc.Col(dbc.Button(text("scn_add", lang), id="scn-add", size="sm",
                               color="primary"), md=2),
            dbc.Col(dcc.Dropdown(id="scn-remove-pick", placeholder=text("scn_remove_pick", lang),
                                 options=removable("providers", None, session, lang),
                                 **{k: v for k, v in dropdown_texts(lang).items()
                                    if k != "placeholder"}), md=4),
            dbc.Col(dbc.Button(text("scn_remove", lang), id="scn-remove", size="sm",
                               color="danger", outline=True), md=2),
        ], className="mt-2", align="center"),
        html.Div(text("scn_builder_note", lang), className="text-muted small mt-2"))
    return html.Div([
        card(dbc.Row([
            dbc.Col([html.Label(text("shipped", lang)),
                     dcc.Dropdown(id="scn-pick", options=scenario_options(services, lang),
                                  value=picked, clearable=False,
                                  **{**dropdown_texts(lang),
                                     "placeholder": text("scn_pick_placeholder", lang)})],
                    md=5),
            dbc.Col(dcc.Upload(id="scn-upload", children=html.Div(upload_hint),
                               style={"border": "1px dashed #999", "borderRadius": "6px",
                                      "padding": "18px", "textAlign": "center"}), md=7),
        ])),
        html.Div(id="scn-message"),
        workspace,
        compare,
        card(html.H5(title, id="scn-title"),
             html.Div(text("scn_tables_note", lang).format(
                 unit=unit_label(session.scenario.unit, lang)), className="text-muted small"),
             *[html.Div([html.H6(text(name, lang), className="mt-2"),
                         table(f"scn-{name}", editable=True, data=data[k], columns=columns[k],
                               filter_options=table_filter_options(lang),
                               style_cell_conditional=LEFT,
                               tooltip_header={c["id"]: field_help(name, c["id"], lang)
                                               for c in columns[k]})])
               for k, name in enumerate(TABLES)],
             dbc.Button(text("apply", lang), id="scn-apply", color="primary", className="me-2"),
             dbc.Button(text("download_yaml", lang), id="scn-download", color="secondary"),
             dcc.Download(id="scn-download-file")),
        builder,
    ])


def change_scenario(services: Services, store: dict[str, Any], trigger: str | None,
                    pick: str | None, contents: str | None, filename: str | None, lang: str,
                    tables: dict[str, list[dict[str, Any]]]) -> tuple[Any, Any]:
    """(the browser's new store, a message) when the user picks a shipped scenario,
    uploads one or applies the tables' edits; ``no_update`` for the store when nothing
    valid changed (the session keeps its scenario)."""
    if trigger == "scn-pick" and pick:
        if pick == services.session(store).name:
            return no_update, no_update  # the picker shows the scenario already open
        path = services.scenarios[pick]
        try:
            new = services.sessions.change(store, pick, path.read_text(encoding="utf-8"),
                                           base=True)
        except ScenarioError as exc:
            return no_update, invalid(exc, lang)
        title = scenario_title(services.session(new).scenario, lang)
        return new, _ok(f"{text('loaded', lang)}: {title}")
    if trigger == "scn-upload" and contents:
        new_text, message = load_upload_in(contents, filename or "upload.yaml", lang)
        if new_text is None:
            return no_update, message
        try:  # valid, but it may cost more than the app allows
            new = services.sessions.change(store, filename or "upload.yaml", new_text,
                                           base=True)
        except ScenarioError as exc:
            return no_update, invalid(exc, lang)
        return new, _ok(f"{text('loaded', lang)}: {message}")
    if trigger == "scn-apply":
        session = services.session(store)
        try:
            edited = apply_edits(session.text, session.name,
                                 model_rows(session.scenario, tables))
            new = services.sessions.change(store, session.name, edited)
        except ScenarioError as exc:
            return no_update, invalid(exc, lang)
        return new, _ok(text("loaded", lang), 3000)
    return no_update, no_update


def download(session: Session) -> dict[str, str]:
    """The session's scenario as the user's own YAML text (comments kept)."""
    name = session.name if session.name.endswith(".yaml") else "scenario.yaml"
    return {"content": session.text, "filename": name}


def register(app: Any, services: Services) -> None:
    field_values = State({"type": "scn-field", "field": ALL}, "value")
    field_ids = State({"type": "scn-field", "field": ALL}, "id")

    @app.callback(
        Output("scenario", "data"), Output("scn-message", "children"),
        Input("scn-pick", "value"), Input("scn-upload", "contents"), Input("scn-apply", "n_clicks"),
        Input("scn-reopen", "n_clicks"), Input("scn-add", "n_clicks"),
        Input("scn-remove", "n_clicks"),
        State("scn-upload", "filename"), State("scenario", "data"), State("lang", "value"),
        State("scn-saved", "value"), State("scn-version", "value"),
        State("scn-section", "value"), State("scn-vehicle", "value"),
        State("scn-remove-pick", "value"), field_values, field_ids,
        *[State(f"scn-{name}", "data") for name in TABLES],
        prevent_initial_call=True)
    def changed(pick, contents, _apply, _reopen, _add, _remove, filename, store, lang,
                saved, version, section, vehicle, remove_key, values, ids, *tables):
        trigger = ctx.triggered_id
        if trigger == "scn-reopen":
            return reopen(services, store, saved, version, lang)
        if trigger in ("scn-add", "scn-remove"):
            form = {i["field"]: v for i, v in zip(ids, values, strict=True)}
            return build(services, store, "add" if trigger == "scn-add" else "remove",
                         section, vehicle, form, remove_key, lang)
        edits = dict(zip(TABLES, [t or [] for t in tables], strict=True))
        return change_scenario(services, store, trigger, pick, contents, filename,
                               lang, edits)

    @app.callback(
        Output("scn-title", "children"),
        *[Output(f"scn-{name}", "data") for name in TABLES],
        *[Output(f"scn-{name}", "columns") for name in TABLES],
        Output("scn-vehicle", "options"), Output("scn-compare-panel", "children"),
        Input("scenario", "data"), State("lang", "value"))
    def show_scenario(store, lang):
        session = services.session(store)
        title, data, columns = _tables(session, lang)
        vehicles = [{"label": display_name(v, lang), "value": v.id}
                    for v in session.scenario.vehicles]
        return (title, *data, *columns, vehicles, [])

    @app.callback(Output("scn-form", "children"), Output("scn-remove-pick", "options"),
                  Output("scn-remove-pick", "value"),
                  Input("scn-section", "value"), Input("scn-vehicle", "value"),
                  Input("scenario", "data"), State("lang", "value"))
    def form(section, vehicle, store, lang):
        session = services.session(store)
        section = section or "providers"
        return (builder_form(section, session, lang),
                removable(section, vehicle, session, lang), None)

    @app.callback(Output("scn-message", "children", allow_duplicate=True),
                  Output("scn-saved", "options"),
                  Input("scn-save", "n_clicks"), State("scn-save-name", "value"),
                  State("scenario", "data"), State("lang", "value"), prevent_initial_call=True)
    def save_as(_n, name, store, lang):
        return save(services, store, name, lang), saved_options(services)

    @app.callback(Output("scn-version", "options"), Output("scn-version", "value"),
                  Input("scn-saved", "value"), State("lang", "value"),
                  prevent_initial_call=True)
    def versions(name, lang):
        options = version_options(services, name, lang)
        return options, (options[0]["value"] if options else None)

    # Both runs may be real work (a bundle, a portfolio): a background job, like every run.
    @app.callback(Output("scn-compare-panel", "children", allow_duplicate=True),
                  Input("scn-compare", "n_clicks"), State("scenario", "data"),
                  State("lang", "value"), background=True,
                  running=[(Output("scn-compare", "disabled"), True, False)],
                  prevent_initial_call=True)
    def compare(_n, store, lang):
        if not services.start_job(store):
            return busy(services.jobs.limit, lang)
        return compare_with_base(services, store, lang)

    @app.callback(Output("scn-download-file", "data"), Input("scn-download", "n_clicks"),
                  State("scenario", "data"), prevent_initial_call=True)
    def download_file(_n, store):
        return download(services.session(store))
