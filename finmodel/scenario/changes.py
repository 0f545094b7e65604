"""The one way to change a scenario: set fields by dotted path, rebalance, validate whole.

A path such as ``vehicles.impact_fund.tranches.first_loss.size`` walks the scenario's
data: mapping keys by name, list items by their ``id``, ``name`` or ``segment`` (or by
index). When a tranche's size changes and the top tranche's does not, the top tranche
absorbs the difference (sizes are shares of the pool and add up to 1). The changed
scenario is validated like a file: the models and every cross-check; a change that
makes it invalid raises :class:`ScenarioError` naming the field.

The CLI's overrides and sweeps go through :func:`with_changes` (or, for data not yet
validated, :func:`apply_changes` and :func:`validate_data`); the app's table edits through
:func:`finmodel.scenario.edits.edit_text`, which makes the same changes in the file's own
text (comments and layout kept).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from finmodel.scenario.checks import check_scenario
from finmodel.scenario.errors import FieldPath, Problem, ScenarioError
from finmodel.scenario.model import Scenario
from finmodel.scenario.paths import SweepPathError, resolve


def scenario_data(scenario: Scenario) -> dict[str, Any]:
    """A scenario's data as plain values (what a file would hold, defaults included)."""
    return scenario.model_dump(mode="json", by_alias=True)


def apply_changes(data: dict[str, Any], changes: Mapping[FieldPath, Any]) -> dict[str, Any]:
    """A copy of ``data`` with ``changes`` (concrete paths) made; the top tranche of a
    vehicle absorbs changes in the other tranches' sizes unless its own size is set."""
    out = copy.deepcopy(data)
    change_in_place(out, changes)
    return out


def change_in_place(data: Any, changes: Mapping[FieldPath, Any]) -> dict[FieldPath, Any]:
    """Make ``changes`` in ``data`` itself, the top tranche absorbing size changes;
    returns every value set (the changes and the rebalanced sizes)."""
    written = dict(changes)
    for path, value in changes.items():
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    sizes = {p for p in changes if len(p) == 5 and p[0] == "vehicles"
             and p[2] == "tranches" and p[4] == "size"}
    for vehicle in {p[1] for p in sizes}:
        tranches = data["vehicles"][vehicle]["tranches"]
        top = len(tranches) - 1
        if ("vehicles", vehicle, "tranches", top, "size") in sizes or top == 0:
            continue
        tranches[top]["size"] = 1.0 - sum(t["size"] for t in tranches[:top])
        written[("vehicles", vehicle, "tranches", top, "size")] = tranches[top]["size"]
    return written


def validate_data(data: Mapping[str, Any], file: str = "<changes>") -> Scenario:
    """Validate scenario data: the models, then every cross-check.

    Raises:
        ScenarioError: every problem, with its field path (no line: the data has no file).
    """
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([Problem(file, None, tuple(e["loc"]), str(e["msg"]))
                             for e in exc.errors()]) from None
    findings = check_scenario(scenario)
    if findings:
        raise ScenarioError([Problem(file, None, path, message) for path, message in findings])
    return scenario


def concrete_paths(data: Mapping[str, Any], changes: Mapping[str, Any],
                   file: str = "<changes>", new_keys: bool = False) -> dict[FieldPath, Any]:
    """The concrete keys and indices each dotted path names in ``data`` (with
    ``new_keys``, the last key may be one the mapping does not have yet).

    Raises:
        ScenarioError: a path that leads nowhere (every such path is listed).
    """
    out: dict[FieldPath, Any] = {}
    problems = []
    for path, value in changes.items():
        try:
            out[resolve(data, path, new_keys)] = value
        except SweepPathError as exc:
            problems.append(Problem(file, None, tuple(path.split(".")), str(exc)))
    if problems:
        raise ScenarioError(problems)
    return out


def with_changes(scenario: Scenario, changes: Mapping[str, Any],
                 file: str = "<changes>") -> Scenario:
    """``scenario`` with ``changes`` ({dotted.path: value}) made, rebalanced and validated.

    Raises:
        ScenarioError: a path that leads nowhere, or a change that makes the scenario
            invalid (the message names the field; ``scenario`` itself is untouched).
    """
    data = scenario_data(scenario)
    return validate_data(apply_changes(data, concrete_paths(data, changes, file)), file)
