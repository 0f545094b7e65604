"""Plain functions behind the app's callbacks: load, edit and run scenarios.

Callbacks stay thin and call these; every function here is tested without a browser.
A scenario travels between the browser and the server as YAML text, so nothing about a
browser session lives on the server; results are cached by scenario hash.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from finmodel.compiled import scenario_hash
from finmodel.results import RunResults
from finmodel.scenario.changes import with_changes
from finmodel.scenario.edits import edit_text
from finmodel.scenario.errors import ScenarioError
from finmodel.scenario.loader import parse_scenario, scenario_yaml
from finmodel.scenario.model import Scenario
from finmodel.stack.design import Design, Lever, SeniorTarget

DEFAULT = "dormant_deposit_fund.yaml"


def parse_text(text: str, name: str) -> Scenario:
    """Validate YAML text (raises ScenarioError with file, line and field)."""
    return parse_scenario(text, name)


#: The largest scenario file the app takes (a scenario is a few KB; the shipped ones are
#: under 20 KB), and the largest request body the server reads at all.
MAX_UPLOAD_BYTES = 2 * 2**20
MAX_REQUEST_BYTES = 16 * 2**20


def decode_upload(contents: str, filename: str) -> str:
    """The text of a dcc.Upload ``contents`` data URL.

    Raises:
        ValueError: the file is over :data:`MAX_UPLOAD_BYTES` or not UTF-8 text.
    """
    size = len(contents) * 3 // 4  # base64: 4 characters a 3 bytes
    if size > MAX_UPLOAD_BYTES:
        raise ValueError(f"{filename}: {size / 2**20:.1f} MB is more than a scenario file may "
                         f"be here ({MAX_UPLOAD_BYTES / 2**20:.0f} MB)")
    try:
        _, data = contents.split(",", 1)
        return base64.b64decode(data).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{filename}: not a UTF-8 text file ({exc})") from exc


def load_upload(contents: str, filename: str) -> tuple[str | None, str]:
    """(validated YAML text, message) for an uploaded file; text is None when it is bad."""
    try:
        text = decode_upload(contents, filename)
        scenario = parse_text(text, filename)
    except (ScenarioError, ValueError) as exc:
        return None, str(exc)
    return text, f"{filename}: {scenario.name}"


def to_yaml(scenario: Scenario) -> str:
    """A scenario as YAML text (defaults left out, so it reads like the original)."""
    return scenario_yaml(scenario)


# -- editable tables ------------------------------------------------------------------------
EDITABLE = {
    "providers": ("id", ["annual_budget", "rate", "max_expected_loss"]),
    "facilities": ("id", ["budget", "rate", "cap", "share"]),
    "tranches": ("name", ["size", "coupon", "market_coupon"]),
}


def edit_tables(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """The main parameters as rows for the scenario page's editable tables."""
    providers = [{"id": p.id, "type": p.type.value, "annual_budget": p.annual_budget,
                  "rate": p.rate, "max_expected_loss": p.max_expected_loss}
                 for p in scenario.providers]
    facilities = [{"id": f.id, "kind": f.kind.value, "budget": f.budget, "rate": f.rate,
                   "cap": f.cap, "share": f.share} for f in scenario.facilities]
    tranches = [{"vehicle": v.id, "name": t.name, "kind": t.kind.value, "size": t.size,
                 "coupon": t.coupon, "market_coupon": t.market_coupon}
                for v in scenario.vehicles for t in v.tranches]
    arrivals = []
    if scenario.pipeline is not None:
        for stage, by_issue in scenario.pipeline.arrivals.items():
            for issue, rate in by_issue.items():
                arrivals.append({"stage": stage.value, "issue": issue.value, "firms": rate})
    return {"providers": providers, "facilities": facilities, "tranches": tranches,
            "arrivals": arrivals}


def _number(value: Any) -> Any:
    if value in ("", None):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return value  # left for validation to refuse, with its field path


def table_changes(scenario: Scenario, tables: dict[str, list[dict[str, Any]]]
                  ) -> dict[str, Any]:
    """The edits in the tables as {dotted.path: value}: only values that differ from the
    scenario's (an untouched row changes nothing, so no key the file never had is added)."""
    current = edit_tables(scenario)
    changes: dict[str, Any] = {}

    def compare(table: str, prefix: Any) -> None:
        key_field, fields = EDITABLE[table]
        before = {(r.get("vehicle"), r[key_field]): r for r in current[table]}
        for row in tables.get(table, []):
            old = before.get((row.get("vehicle"), row.get(key_field)))
            if old is None:
                continue
            for field in fields:
                value = _number(row.get(field))
                if value is not None and value != old.get(field):
                    changes[f"{prefix(row)}.{row[key_field]}.{field}"] = value

    compare("providers", lambda row: "providers")
    compare("facilities", lambda row: "facilities")
    compare("tranches", lambda row: f"vehicles.{row['vehicle']}.tranches")
    before_arrivals = {(r["stage"], r["issue"]): r["firms"] for r in current["arrivals"]}
    for row in tables.get("arrivals", []):
        value = _number(row.get("firms"))
        old = before_arrivals.get((row.get("stage"), row.get("issue")))
        if value is not None and old is not None and value != old:
            changes[f"pipeline.arrivals.{row['stage']}.{row['issue']}"] = value
    return changes


def apply_edits(text: str, name: str, tables: dict[str, list[dict[str, Any]]]) -> str:
    """The scenario text with the values edited in the tables written where they stand
    (comments and layout kept; a changed first-loss size is absorbed by the top tranche),
    validated.

    Raises:
        ScenarioError: when the edited scenario is invalid (nothing is changed then).
    """
    return edit_text(text, table_changes(parse_text(text, name), tables), name)


# -- the gap-closing designer ----------------------------------------------------------------
def apply_design(text: str, name: str, share: float, stage: str | None, row: dict[str, Any],
                 scale: float = 4.0) -> str:
    """The scenario text with one of the designer's designs applied, validated.

    ``share`` and ``stage`` are the designer's target and ``row`` a row of its table (at
    least ``design`` and ``value``); ``scale`` must be the one the designer ran with.
    The design's lever is found again in the scenario
    (:func:`finmodel.bundle.designer.design_change`) and written into the file's own text
    at the row's value (comments and layout kept).

    Raises:
        ValueError: the design is not one of this scenario's levers.
        ScenarioError: the designed scenario is invalid (nothing is changed then).
    """
    import pandas as pd

    from finmodel.bundle.designer import GapTarget, designed_text
    from finmodel.vocabulary import Stage

    target = GapTarget(float(share), Stage(stage) if stage else None)
    return designed_text(text, name, target, pd.Series(row), scale)


def designed_name(name: str) -> str:
    """The file name of a scenario with a design applied (``x.yaml`` -> ``x_designed.yaml``)."""
    stem = name.removesuffix(".yaml")
    return f"{stem.removesuffix('_designed')}_designed.yaml"


# -- the capital-stack what-if ----------------------------------------------------------------
def stack_controls(scenario: Scenario, vehicle: str) -> dict[str, float | None]:
    """Current slider values of a vehicle: first-loss size, guarantee rate and cap, coupon.

    ``coupon_max`` is the concessional tranche's market coupon: the coupon slider's top
    (no concession left).
    """
    v = next(x for x in scenario.vehicles if x.id == vehicle)
    guarantee = v.guarantees[0] if v.guarantees else None
    concessional = next((t for t in v.tranches if t.concessional), None)
    return {"first_loss": v.tranches[0].size if len(v.tranches) > 1 else None,
            "rate": guarantee.rate if guarantee else None,
            "cap": guarantee.cap if guarantee else None,
            "coupon": concessional.coupon if concessional else None,
            "coupon_max": concessional.reference_coupon if concessional else None}


def stack_what_if(scenario: Scenario, vehicle: str, first_loss: float | None,
                  rate: float | None, cap: float | None, coupon: float | None) -> Scenario:
    """The scenario reduced to one vehicle, with the sliders' values applied.

    The top tranche absorbs a change in the first-loss size; the first guarantee takes
    the rate and cap (a rate or cap of 0 removes it); the first concessional tranche takes
    the coupon (at most its market coupon). ``None`` leaves a value as in the file.
    """
    v = next(x for x in scenario.vehicles if x.id == vehicle)
    guarantees = list(v.guarantees)
    changes: dict[str, Any] = {}
    if first_loss is not None and len(v.tranches) > 1:
        if sum(t.size for t in v.tranches[1:-1]) + first_loss >= 1.0:
            raise ValueError(f"first loss {first_loss:.2%} leaves nothing for the top tranche")
        changes[f"vehicles.{vehicle}.tranches.0.size"] = first_loss
    if coupon is not None:
        k = next((k for k, t in enumerate(v.tranches) if t.concessional), None)
        if k is not None:
            changes[f"vehicles.{vehicle}.tranches.{k}.coupon"] = min(
                coupon, v.tranches[k].reference_coupon)
    if guarantees and (rate is not None or cap is not None):
        update = {k: min(float(x), 1.0) for k, x in (("rate", rate), ("cap", cap))
                  if x is not None}
        if min(update.values()) <= 0:
            guarantees = guarantees[1:]  # no cover at all
        else:
            changes.update({f"vehicles.{vehicle}.guarantees.0.{k}": x for k, x in update.items()})
    only = Scenario.model_validate({
        **scenario.model_dump(), "vehicles": [v.model_copy(update={"guarantees": guarantees})
                                              .model_dump()],
        "pipeline": None, "simulation": None, "portfolio": None, "logic_model": None,
        "kpis": [], "facilities": [], "shocks": [], "sweep": None})
    return with_changes(only, changes, "what-if")


#: Page views kept in the server process's memory per app.
VIEWS_KEPT = 256
#: Simulated vehicle pools kept per app (a slider move that changes only the stack reuses
#: the pool's paths; each can take tens of MB).
POOLS_KEPT = 4
POOL_BYTES_KEPT = 256 * 2**20


def trim_oldest(kept: dict[str, Any], limit: int) -> None:
    """Drop the oldest entries of an in-memory cache until ``limit`` remain.

    No lock: background jobs are forked from the threaded server, and a lock held by
    another thread at the fork would stay held in the child forever. Each dict operation
    is atomic; if another thread changes the dict meanwhile, trimming stops (the next
    insertion trims again).
    """
    while len(kept) > limit:
        try:
            kept.pop(next(iter(kept)), None)
        except (RuntimeError, StopIteration):
            break


class ResultsCache:
    """Results by scenario hash, in a diskcache shared by the app's processes; page views
    (figure dicts) in this process's memory."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache
        self._views: dict[str, Any] = {}
        self._pools: dict[str, Any] = {}  # simulated pools by pool_key (slider moves reuse)

    def get_or_run(self, scenario: Scenario,
                   progress: Callable[[int, int], None] | None = None,
                   solves: Callable[[int, int], None] | None = None) -> RunResults:
        from finmodel.run import run

        key = "results:" + scenario_hash(scenario)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        results = run(scenario, progress=progress, pools=self._pools, solves=solves)
        for key_, model in list(self._pools.items()):  # big pools are not kept at all
            if model.nbytes > POOL_BYTES_KEPT:
                self._pools.pop(key_, None)
        trim_oldest(self._pools, POOLS_KEPT)
        self.cache.set(key, results, expire=3600)
        return results

    def get_or_view(self, scenario: Scenario, view: str,
                    build: Callable[[RunResults], Any]) -> Any:
        """What a page shows of ``scenario`` (``view`` names the page, language and
        selection; ``build`` makes it from the results: plain data such as figure dicts),
        kept by the scenario's hash, so moving a slider back costs a dictionary lookup."""
        digest = scenario_hash(scenario)
        shown = self._peek(digest, view, build)
        if shown is None:
            shown = self._keep_view(f"{digest}:{view}", build(self.get_or_run(scenario)))
        return shown

    def peek_view(self, scenario: Scenario, view: str,
                  build: Callable[[RunResults], Any]) -> Any | None:
        """The view when it costs no run: kept in memory, or built from results run
        before (by a background job); None when the scenario has not been run."""
        # Views are kept in memory, not in the diskcache: a cached slider move then does
        # no SQLite work, and background jobs are forked from this server; a fork while a
        # thread is inside SQLite leaves the child waiting on SQLite's mutex forever
        # (seen in the browser tests).
        return self._peek(scenario_hash(scenario), view, build)

    def _peek(self, digest: str, view: str, build: Callable[[RunResults], Any]) -> Any | None:
        key = f"{digest}:{view}"
        hit = self._views.get(key)
        if hit is not None:
            return hit
        results = self.cache.get("results:" + digest)
        return None if results is None else self._keep_view(key, build(results))

    def _keep_view(self, key: str, shown: Any) -> Any:
        self._views[key] = shown
        trim_oldest(self._views, VIEWS_KEPT)
        return shown

    @staticmethod
    def _design_key(scenario: Scenario, vehicle: str, target: SeniorTarget, value: float,
                    lever: Lever) -> str:
        return (f"design:{scenario_hash(scenario)}:{vehicle}:{target.value}:{value!r}:"
                f"{lever.value}")

    def peek_design(self, scenario: Scenario, vehicle: str, target: SeniorTarget,
                    value: float, lever: Lever = Lever.first_loss) -> Design | None:
        """A design answer found before, or None."""
        found: Design | None = self.cache.get(
            self._design_key(scenario, vehicle, target, value, lever))
        return found

    def get_or_design(self, scenario: Scenario, vehicle: str, target: SeniorTarget,
                      value: float, lever: Lever = Lever.first_loss) -> Design:
        """:func:`finmodel.stack.design.design` of ``scenario``, cached by its hash."""
        from finmodel.stack.design import design

        key = self._design_key(scenario, vehicle, target, value, lever)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        answer = design(scenario, vehicle, target, value, lever)
        self.cache.set(key, answer, expire=3600)
        return answer
