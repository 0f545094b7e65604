"""Validation messages in Japanese: every pydantic error type the format raises and every
message of the project's own checks has a Japanese rendering that keeps the file, the
line and the field path, and no English sentence is left in it."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finmodel import ScenarioError
from finmodel.cost import Limits, check_cost
from finmodel.scenario import parse_scenario
from finmodel.scenario.changes import validate_data
from finmodel.scenario.errors import Problem
from finmodel.scenario.loader import read_text
from finmodel.scenario.messages_ja import (
    error_in,
    field_name_ja,
    message_in,
    problem_in,
    translate,
)
from tests.conftest import ROOT

SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
STACK = (ROOT / "scenarios" / "dormant_deposit_fund.yaml").read_text(encoding="utf-8")
CORE = (ROOT / "scenarios" / "core_issue_vs_firm_by_firm.yaml").read_text(encoding="utf-8")


def english_sentence(text: str) -> str | None:
    """A run of three or more English words in ``text`` outside quoted values, code
    (``like_this``, `this`), field paths and the file name; None when there is none."""
    stripped = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", " ", text)
    stripped = re.sub(r"\S*[._\[\]/=<>*]\S*", " ", stripped)  # paths, ids, ops, files
    found = re.search(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}", stripped)
    return found.group(0) if found else None


def assert_japanese(problem: Problem) -> None:
    shown = problem_in(problem, "ja")
    assert translate(problem.message) is not None, problem.message
    assert problem.file in shown
    if problem.line is not None:
        assert f"{problem.line}行目" in shown
    assert (str(problem).split(": ")[1] if problem.path else "（全体）") in shown
    assert "errors.pydantic.dev" not in shown
    assert english_sentence(shown.split(": ", 2)[-1]) is None, shown


# -- every pydantic error type the format can raise ----------------------------------------------
PYDANTIC = [  # (error type, text to replace in the dormant-deposit fund, replacement)
    ("missing", "seed: 20250401\n", ""),
    ("extra_forbidden", "seed: 20250401\n", "seed: 20250401\nseeds: 3\n"),
    ("greater_than", "kind: subordinated, size: 0.15", "kind: subordinated, size: 0"),
    ("greater_than_equal", "rate: 0.035, stage: early", "rate: -0.1, stage: early"),
    ("less_than", "correlation: 0.15", "correlation: 1.0"),
    ("less_than_equal", "annual_pd: 0.03,", "annual_pd: 1.5,"),
    ("int_from_float", "count: 30,", "count: 2.5,"),
    ("int_type", "count: 30,", "count: [1],"),
    ("float_type", "exposure: 20,", "exposure: [20],"),
    ("finite_number", "exposure: 20,", "exposure: .inf,"),
    ("number_type", "exposure: 20,", "exposure: '20',"),
    ("number_type_bool", "exposure: 20,", "exposure: true,"),
    ("int_too_large", "count: 30,", "count: 1e300,"),
    ("string_type", "name: Dormant-deposit subordinated fund", "name: [x]"),
    ("string_too_short", "name: Dormant-deposit subordinated fund", "name: ''"),
    ("string_too_long", "id: subordinated_fund", "id: " + "x" * 70),
    ("string_pattern_mismatch", "id: subordinated_fund", "id: 1fund"),
    ("enum", "type: regional_bank", "type: bank"),
    ("literal_error", "horizon_years: 5\n", "horizon_years: 5\n    payment_frequency: 3\n"),
    ("list_type", "engine: exact\n  - id: no_sub", "engine: exact\n    guarantees: 5\n  - id: no_sub"),
    ("model_type", "seed: 20250401\n", "seed: 20250401\nregion: 5\n"),
    ("too_short", "providers:\n", "vehicles: []\nproviders: []\nx_providers:\n"),
    ("bool_type", "illustrative: true", "illustrative: 5"),
    ("value_error", "waterfall: fund\n    pool", "waterfall: waterfalls\n    pool"),
    ("value_error_step", "waterfall: fund\n    pool", "waterfall: [fees, jump]\n    pool"),
]


@pytest.mark.parametrize(("kind", "old", "new"), PYDANTIC, ids=[p[0] for p in PYDANTIC])
def test_every_pydantic_error_type_reads_in_japanese(kind: str, old: str, new: str) -> None:
    assert old in STACK
    with pytest.raises(ScenarioError) as info:
        parse_scenario(STACK.replace(old, new, 1), "bad.yaml")
    for problem in info.value.problems:
        assert_japanese(problem)
    # the same through the app's edit path (no line; pydantic's own words, no "(got ...)")
    data = yaml.safe_load(STACK.replace(old, new, 1))
    if isinstance(data, dict):
        try:
            validate_data(data, "edit")
        except ScenarioError as exc:
            for problem in exc.problems:
                assert_japanese(problem)


def test_a_field_keeps_its_path_and_gets_its_japanese_name() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(STACK.replace("kind: subordinated, size: 0.15",
                                     "kind: subordinated, size: 0", 1), "bad.yaml")
    shown = error_in(info.value, "ja")
    line = STACK.splitlines().index(next(x for x in STACK.splitlines()
                                         if "kind: subordinated, size: 0.15" in x)) + 1
    assert shown.startswith(f"bad.yaml {line}行目: vehicles[0].tranches[0].size（トランシェの比率）: "
                            "0 より大きい値にしてください（入力値: 0）")
    assert error_in(info.value, "en") == str(info.value)  # English stays the default
    assert field_name_ja(("vehicles", 0, "guarantees", 0, "rate")) == "保証率"
    assert field_name_ja(("pipeline", "arrivals", "seed", "health")) == \
        "新規企業数（年）・シード・健康・医療・介護"


def test_unknown_keys_keep_their_hint() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(STACK.replace("seed: 20250401\n", "seed: 20250401\nseeds: 3\n", 1), "b.yaml")
    assert "'seed' の誤りではありませんか？" in error_in(info.value, "ja")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(STACK.replace("seed: 20250401\n", "seed: 20250401\nzzz: 3\n", 1), "b.yaml")
    assert "使えるキー: name、" in error_in(info.value, "ja")


# -- the project's own messages -------------------------------------------------------------------
#: One instance of each of the project's messages, as its code writes it.
PROJECT = [
    "tranche sizes must sum to 1 (they sum to 0.9)", "duplicate tranche name 'senior'",
    "duplicate segment name 'a'", "provider 'x' is not declared in `providers`",
    "a grant is not repaid, so its coupon must be 0",
    "guarantee covers tranche 'x', which does not exist (tranches: a, b)",
    "the two_level factor model needs engine: monte_carlo (engine is exact)",
    "two_level needs issue_correlation",
    "issue_correlation (=0.1) must be >= correlation (=0.2)",
    "issue_correlation is only used with factor_model: two_level",
    "payment_frequency (=4) does not divide horizon_years (=2.1) into whole periods (8.4 periods)",
    "recovery_lag_years (=9) is beyond the horizon (horizon_years=5)",
    "paths (=5,000,000) x periods (=20) = 100,000,000 is more than the cash-flow engine runs "
    "(20,000,000); lower paths or payment_frequency",
    "a second residual holder: tranche 'a' already takes the residual",
    "a grant cannot hold the residual",
    "`residual: true` is for the notes waterfall; a fund splits its residual pro rata among "
    "the private tranches",
    "a grant is never repaid, so it absorbs losses first: list it below every repaid tranche",
    "the vehicle charges fees (guarantee fees or management_fee) but the waterfall has no "
    "`fees` step", "a residual holder needs a `residual` step in the waterfall",
    "step 'fees' appears twice", "the waterfall must pay `coupons`",
    "the waterfall must repay `principal` or `capital`",
    "the last step must be `residual` or `residual_pro_rata` (the rest of the money)",
    "use one of `residual` and `residual_pro_rata`, not both",
    "path has 3 value(s) but the simulation runs 10 years: give one Z_t per year",
    "an accelerator gives non-financial support only", "ticket min (=5) is above max (=2)",
    "a provider either gives grants or lends/invests, not both: split it into two providers "
    "(one with instruments: [grant])",
    "a provider with lending instruments needs annual_budget > 0",
    "a bundle needs both `pipeline` and `simulation` (simulation is missing)",
    "p90 (=5) must be >= median (=10)",
    "firms arrive at one of seed, early, middle, later", "firms arriving at seed need terms for "
    "stage early", "arrivals must be >= 0 (got -1)", "duplicate facility id 'f'",
    "a guarantee facility needs `rate`", "year 12 is after the last simulated year (10)",
    "duplicate provider id 'p'", "duplicate vehicle id 'v'", "scale must be > 0 (got 0)",
    "indicator 'co2_reduced' is in 't-CO2' in the catalogue, not 'kg'",
    "duplicate indicator id 'i'", "unknown indicator 'zz' (not in the catalogue or `indicators`)",
    "a logic model or portfolio needs `region` with its core_issue", "duplicate node id 'n'",
    "the logic model needs a node with level: impact", "unknown node 'n'",
    "the logic model has a cycle: a -> b -> a", "weight must be in [0, 1] (got 2)",
    "'jobs_created' is measured in 'persons', not 'jobs'",
    "a portfolio draws its candidates from `pipeline`, which is missing",
    "a portfolio draws its candidates from the pipeline's arrivals: at least one rate must be "
    "above 0", "a portfolio is judged against `logic_model`, which is missing",
    "share must be in [0, 1] (got 2)",
    "scale given for 'x', which is not one of this node's indicators",
    # sweeps and dotted paths
    "vehicles.impact_fund has no key 'sise' (keys: name, size)",
    "the scenario has no key 'vehicle' (keys: name, seed)",
    "no item 'fund' in vehicles (items: impact_fund)", "vehicles.x.size is a value, not a section",
    "vehicles.x is a section, not a value", "give at least one value",
    "give [low, high] with low <= high (got [2.0, 1.0])",
    "ranges need design: random or latin_hypercube", "design random needs `ranges` and `count`",
    "run 3 (vehicles.f.tranches.s.size=1.2) is invalid: vehicles.0.tranches.0.size: Input "
    "should be less than or equal to 1",
    # the YAML reader and the file
    "a scenario must be a mapping of keys to values",
    "cannot read file: it is a directory, not a regular file",
    "cannot read file: [Errno 2] No such file or directory: 'x.yaml'",
    "cannot read file: not UTF-8 text ('utf-8' codec can't decode byte 0xff)",
    "the scenario is 12,000,000 bytes, more than the 10,000,000 (10 MB) a scenario file may have",
    "YAML syntax error: while parsing a flow mapping expected ',' or '}', but got '<scalar>'",
    "YAML syntax error: mapping values are not allowed here",
    "duplicate key (first given on line 3)",
    "a key must be a plain value, not a mapping or a list",
    # the app's own
    "first loss 95.00% leaves nothing for the top tranche",
    "x.yaml: 3.0 MB is more than a scenario file may be here (2 MB)",
    "x.yaml: not a UTF-8 text file ('utf-8' codec can't decode byte 0xff in position 0)",
]


@pytest.mark.parametrize("message", PROJECT)
def test_every_project_message_reads_in_japanese(message: str) -> None:
    assert_japanese(Problem("s.yaml", 7, ("vehicles", 0, "tranches", 1, "size"), message))


def test_cost_messages_read_in_japanese() -> None:
    scenario = parse_scenario(CORE, "c.yaml")
    tiny = Limits(memory_bytes=1.0, path_work=1.0, firm_years=1.0, candidates=1,
                  solver_seconds=1.0)
    for raisable in (True, False):
        with pytest.raises(ScenarioError) as info:
            check_cost(scenario, tiny, "c.yaml", raisable=raisable)
        for problem in info.value.problems:
            assert_japanese(problem)
        shown = error_in(info.value, "ja")
        assert "この計算には約" in shown and "上限の" in shown
        assert ("--allow-large" in shown) == raisable
    stack = parse_scenario(STACK, "s.yaml")
    with pytest.raises(ScenarioError) as info:
        check_cost(stack, tiny, "s.yaml")
    assert "メモリ" in error_in(info.value, "ja") and "GiB" in error_in(info.value, "ja")


def test_files_that_cannot_be_read_say_why_in_japanese(tmp_path: Path) -> None:
    for target in (tmp_path, tmp_path / "missing.yaml"):
        with pytest.raises(ScenarioError) as info:
            read_text(target)
        for problem in info.value.problems:
            assert_japanese(problem)


def test_bad_files_from_the_bad_inputs_suite_have_no_english_sentence() -> None:
    from tests.test_bad_inputs import CASES

    for case in CASES:
        with pytest.raises(ScenarioError) as info:
            parse_scenario(case.text, "bad.yaml")
        for problem in info.value.problems:
            assert_japanese(problem)


def test_pydantic_urls_and_unknown_messages() -> None:
    url = "Input should be greater than 0\n  For further information visit https://errors.pydantic.dev/2.11/v/greater_than"
    assert message_in(url, "ja") == "0 より大きい値にしてください"
    assert "pydantic.dev" not in message_in(url, "en")
    assert translate("something nobody wrote") is None
    assert message_in("something nobody wrote", "ja") == "something nobody wrote"


# -- a property: whatever a scenario gets wrong, the message has a Japanese rendering ----------
NASTY: list[Any] = [-1, 0, 2, 1.5, 1e308, "x", True, None, [], {}, "chiho_bank", 0.5, [1, 2],
                    "monte_carlo", "two_level", "grant", [-9.0]]


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] + [path]
    if isinstance(node, list):
        return [p for k, v in enumerate(node) for p in _leaves(v, (*path, k))] + [path]
    return [path]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SHIPPED), st.data())
def test_any_broken_field_has_a_japanese_message(path: Path, draw: st.DataObject) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    for _ in range(draw.draw(st.integers(1, 3))):
        leaves = [p for p in _leaves(broken) if p]
        where = draw.draw(st.sampled_from(leaves))
        parent: Any = broken
        for key in where[:-1]:
            parent = parent[key]
        if draw.draw(st.booleans()) and isinstance(parent, dict):
            parent.pop(where[-1])
        else:
            parent[where[-1]] = copy.deepcopy(draw.draw(st.sampled_from(NASTY)))
    text = yaml.safe_dump(broken, allow_unicode=True, sort_keys=False)
    try:
        parse_scenario(text, "broken.yaml")
    except ScenarioError as exc:
        for problem in exc.problems:
            assert translate(problem.message) is not None, problem.message
