"""Scenario files that parse but cannot be computed are refused at load, each with a
located message (``file:line: field.path: message``), by the loader and by the CLI
(``finmodel validate`` and ``finmodel run --out DIR`` exit 2 and write nothing).

Each case here was found by testers: an alias bomb and deep nesting that hung or
crashed the loader, .inf / .nan / 1e308 that crashed a run or wrote inf with exit 0,
booleans read as 1, duplicate ids, a FIFO, /dev/zero and a 50 MB file.
"""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from finmodel import ScenarioError, load_scenario
from finmodel.cli import main
from finmodel.scenario import parse_scenario
from finmodel.scenario import source as source_module
from finmodel.scenario.source import MAX_DEPTH, MAX_SCENARIO_BYTES, parse_yaml
from tests.conftest import ROOT

SHIPPED = ROOT / "scenarios"
STACK = (SHIPPED / "dormant_deposit_fund.yaml").read_text(encoding="utf-8")
CORE = (SHIPPED / "core_issue_vs_firm_by_firm.yaml").read_text(encoding="utf-8")
BANK = (SHIPPED / "bundle_transition_bank.yaml").read_text(encoding="utf-8")
FOUNDING = (SHIPPED / "bundle_founding_gap.yaml").read_text(encoding="utf-8")
RECESSION = (SHIPPED / "bundle_recession.yaml").read_text(encoding="utf-8")
SHOCK = (SHIPPED / "bundle_policy_shock.yaml").read_text(encoding="utf-8")
HEAD = "name: bad\nseed: 1\nproviders: [{id: p, type: regional_bank}]\n"  # lines 1-3

LE_1E12 = "Input should be less than or equal to 1000000000000 (got 1e+308)"


@dataclass(frozen=True)
class Case:
    """A bad scenario text and where and how it must be refused."""

    id: str
    text: str
    line: int | None
    field: str
    message: str


def edit(case_id: str, base: str, old: str, new: str, field: str, message: str,
         at: str | None = None) -> Case:
    """``base`` with the first ``old`` replaced by ``new`` (in the dormant-deposit fund,
    the first vehicle's); the expected line is the one where ``new`` starts (or where
    ``at`` stands inside it)."""
    assert old in base, f"{case_id}: {old!r} is not in its scenario"
    start = base.index(old) + (new.index(at) if at else 0)
    text = base.replace(old, new, 1)
    return Case(case_id, text, text.count("\n", 0, start) + 1, field, message)


#: (id, scenario, text to replace, replacement with {v}, field path, message for 1e308)
FIELDS: list[tuple[str, str, str, str, str, str]] = [
    ("exposure", STACK, "exposure: 20,", "exposure: {v},", "vehicles[0].pool[0].exposure", LE_1E12),
    ("need_median", CORE, "{median: 10, p90: 30}", "{median: {v}, p90: 30}",
     "pipeline.stages.seed.need.median", LE_1E12),
    ("need_p90", CORE, "{median: 10, p90: 30}", "{median: 10, p90: {v}}",
     "pipeline.stages.seed.need.p90", LE_1E12),
    ("arrivals", CORE, "seed: {people_and_work: 4,", "seed: {people_and_work: {v},",
     "pipeline.arrivals.seed.people_and_work",
     "arrivals must be at most 10,000 firms a year (got 1e+308)"),
    ("logic_scale", CORE, "scale: {in_migrants: 50}", "scale: {in_migrants: {v}}",
     "logic_model.nodes[6].scale.in_migrants", "scale must be at most 1e12 (got 1e+308)"),
    ("impact_scale", CORE, "    co2_reduced: 300\n", "    co2_reduced: {v}\n",
     "portfolio.impact_scales.co2_reduced", "scale must be at most 1e12 (got 1e+308)"),
    ("kpi_baseline", CORE, "baseline: 1200,", "baseline: {v},", "kpis[2].baseline", LE_1E12),
    ("kpi_target", CORE, "target: 300,", "target: {v},", "kpis[0].target", LE_1E12),
    ("annual_budget", BANK, "annual_budget: 3500,", "annual_budget: {v},",
     "providers[0].annual_budget", LE_1E12),
    ("ticket_max", BANK, "ticket: {min: 30, max: 1500}", "ticket: {min: 30, max: {v}}",
     "providers[0].ticket.max", LE_1E12),
    ("portfolio_budget", CORE, "  budget: 4000\n", "  budget: {v}\n", "portfolio.budget", LE_1E12),
    ("facility_budget", BANK, "budget: 1500,", "budget: {v},", "facilities[0].budget", LE_1E12),
    ("coordination_cost", CORE, "coordination_cost: 8 ", "coordination_cost: {v} ",
     "coordination_cost", LE_1E12),
    ("time_limit", CORE, "  horizon_years: 5\n", "  horizon_years: 5\n  time_limit: {v}\n",
     "portfolio.time_limit", "Input should be less than or equal to 86400 (got 1e+308)"),
    ("support_option_cost", CORE, "cost: 60,", "cost: {v},",
     "portfolio.support_options[0].cost", LE_1E12),
    ("contribution_mean", CORE, "mean: 4, sd: 2}", "mean: {v}, sd: 2}",
     "portfolio.contributions[0].mean", LE_1E12),
    ("cost_per_firm", FOUNDING, "cost_per_firm: 2,", "cost_per_firm: {v},",
     "providers[1].support.cost_per_firm", LE_1E12),
    ("capacity", FOUNDING, "capacity: 12}", "capacity: {v}}", "providers[1].support.capacity",
     "Input should be a whole number below 2**63 (got 1e+308)"),
    ("economy_path", RECESSION, "path: [0.5, 0.0,", "path: [{v}, 0.0,", "economy.path[0]",
     "Input should be less than or equal to 10 (got 1e+308)"),
    ("shock_multiplier", SHOCK, "budget_multiplier: 0.0}", "budget_multiplier: {v}}",
     "shocks[0].budget_multiplier", "Input should be less than or equal to 1000 (got 1e+308)"),
]


def _value_cases() -> list[Case]:
    cases = []
    for name, base, old, new, field, too_big in FIELDS:
        for value, message in ((".inf", "Input should be a finite number (got inf)"),
                               ("-.inf", "Input should be a finite number (got -inf)"),
                               (".nan", "Input should be a finite number (got nan)"),
                               ("1e308", too_big), ("1.0e+308", too_big)):
            cases.append(edit(f"{name}={value}", base, old, new.replace("{v}", value), field,
                              message, at=value))
    return cases


NOT_A_NUMBER = "Input should be a number, not true/false (got True)"
OTHER_CASES = [
    # booleans are not numbers; quoted numbers are text
    edit("count=true", STACK, "count: 30,", "count: true,", "vehicles[0].pool[0].count", NOT_A_NUMBER),
    edit("annual_pd=true", STACK, "annual_pd: 0.03,", "annual_pd: true,",
         "vehicles[0].pool[0].annual_pd", NOT_A_NUMBER),
    edit("lgd=false", STACK, "lgd: 0.7, rate: 0.035, stage: early, issue: people_and_work}\n"
         "      - {segment: middle_environment",
         "lgd: false, rate: 0.035, stage: early, issue: people_and_work}\n"
         "      - {segment: middle_environment", "vehicles[0].pool[0].lgd",
         "Input should be a number, not true/false (got False)"),
    edit("seed=true", STACK, "seed: 20250401", "seed: true", "seed", NOT_A_NUMBER),
    edit("arrivals=true", CORE, "seed: {people_and_work: 4,", "seed: {people_and_work: true,",
         "pipeline.arrivals.seed.people_and_work", NOT_A_NUMBER),
    edit("kpi_target=true", CORE, "target: 300,", "target: true,", "kpis[0].target", NOT_A_NUMBER),
    edit("capacity=true", FOUNDING, "capacity: 12}", "capacity: true}",
         "providers[1].support.capacity", NOT_A_NUMBER),
    edit("economy_path=true", RECESSION, "path: [0.5, 0.0,", "path: [true, 0.0,", "economy.path[0]",
         NOT_A_NUMBER),
    edit("exposure='20'", STACK, "exposure: 20,", "exposure: '20',", "vehicles[0].pool[0].exposure",
         "Input should be a number, not text (write it without quotes) (got '20')"),
    # ids must be unique wherever they are keys
    edit("duplicate_support_option", CORE, "    - {id: succession_matching,",
         "    - {id: care_training_programme,", "portfolio.support_options[1].id",
         "duplicate support option id 'care_training_programme'"),
    edit("duplicate_kpi", CORE, "  - {indicator: care_workers_employed,",
         "  - {indicator: jobs_created,", "kpis[1].indicator",
         "duplicate KPI indicator 'jobs_created' (one KPI per indicator)"),
    edit("duplicate_node_indicator", CORE, "indicators: [reskilling_completed]}",
         "indicators: [reskilling_completed, reskilling_completed]}",
         "logic_model.nodes[0].indicators[1]",
         "indicator 'reskilling_completed' is listed twice in this node"),
    edit("duplicate_link", CORE, "    - {from: train_care_workers, to: care_jobs, weight: 0.8}\n",
         "    - {from: train_care_workers, to: care_jobs, weight: 0.8}\n"
         "    - {from: train_care_workers, to: care_jobs, weight: 0.2}\n", "logic_model.links[1]",
         "duplicate link from 'train_care_workers' to 'care_jobs'", at="    - {from: train_care_workers, to: care_jobs, weight: 0.2}"),
    edit("duplicate_facility", BANK, "{id: jfc_capital_type,", "{id: transition_guarantee,",
         "facilities[1].id", "duplicate facility id 'transition_guarantee'"),
    # what arithmetic cannot take even with every number in range
    edit("need_spread", CORE, "{median: 10, p90: 30}", "{median: 10, p90: 200000}",
         "pipeline.stages.seed.need.p90",
         "p90 (=200000) is more than 10,000 x the median (=10): needs that spread cannot be drawn"),
    edit("tiny_scale", CORE, "scale: {in_migrants: 50}", "scale: {in_migrants: 1e-9}",
         "logic_model.nodes[6].scale.in_migrants", "scale must be at least 1e-06 (got 1e-09)"),
    edit("tiny_impact_scale", CORE, "    co2_reduced: 300\n", "    co2_reduced: 1.0e-300\n",
         "portfolio.impact_scales.co2_reduced", "scale must be at least 1e-06 (got 1e-300)"),
    edit("kpi_target_at_baseline_plus_epsilon", CORE, "baseline: 0, target: 300,",
         "baseline: 0, target: 1e-9,", "kpis[0].target",
         "target (=1e-09) must equal the baseline (=0) or be at least 1e-06 from it"),
    edit("sweep_range", STACK, "seed: 20250401\n",
         "seed: 20250401\nsweep: {design: random, count: 3, "
         "ranges: {vehicles.subordinated_fund.tranches.senior.coupon: [0.0, 1e308]}}\n",
         "sweep.ranges.vehicles.subordinated_fund.tranches.senior.coupon[1]", LE_1E12, at="sweep"),
    # YAML that would hang or crash the loader
    Case("alias_bomb", HEAD + "\n".join(
        ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        + [f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi",
                                                                       strict=True)]) + "\n",
         4, "a", "anchors and aliases (here &a) are not supported in scenario files"),
    Case("alias", HEAD + "vehicles: *v\n", 4, "vehicles",
         "anchors and aliases (here *v) are not supported in scenario files"),
    Case("merge_key", HEAD + "region:\n  <<: {name: x, core_issue: health}\n", 5, "region",
         "merge keys (<<) are not supported in scenario files"),
    Case("set_tag", HEAD + "vehicles: !!set {a, b}\n", 4, "vehicles",
         "the YAML tag 'tag:yaml.org,2002:set' is not supported"),
    Case("python_tag", HEAD + "description: !!python/object/apply:os.system ['echo hi']\n", 4,
         "description", "the YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not "
         "supported"),
    Case("deep_flow", HEAD + "x: " + "[" * 10_000 + "]" * 10_000 + "\n", 4,
         "x" + "[0]" * (MAX_DEPTH - 1), f"nested more than {MAX_DEPTH} levels deep"),
    Case("deep_block", HEAD + "".join(f"{'  ' * k}k{k}:\n" for k in range(200)), 4 + MAX_DEPTH,
         ".".join(f"k{k}" for k in range(MAX_DEPTH)), f"nested more than {MAX_DEPTH} levels deep"),
]
CASES = _value_cases() + OTHER_CASES


class TookTooLong(Exception):
    """A refusal that should have been instant did not come in time."""


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block takes longer than ``seconds``."""
    if not hasattr(signal, "setitimer"):  # pragma: no cover - not POSIX
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise TookTooLong(f"took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def located(file: str | Path, line: int | None, field: str, message: str) -> str:
    where = f"{file}:{line}" if line is not None else f"{file}"
    return f"{where}: {field}: {message}"


def assert_cli_refuses(path: Path, tmp_path: Path, expected: str,
                       capsys: pytest.CaptureFixture[str]) -> None:
    """``finmodel validate`` and ``finmodel run --out DIR`` exit 2, say ``expected`` and
    write nothing into DIR."""
    capsys.readouterr()
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err, err
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    assert main(["run", str(path), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert expected in captured.err, captured.err
    assert "Traceback" not in captured.err
    assert list(out.iterdir()) == []


def test_the_scenarios_edited_here_are_valid() -> None:
    """Each case breaks one thing in a scenario that is valid as shipped."""
    for text in (STACK, CORE, BANK, FOUNDING, RECESSION, SHOCK):
        parse_scenario(text, "good.yaml")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_refused_at_load_with_file_line_and_field(case: Case, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(case.text, encoding="utf-8")
    expected = located(path, case.line, case.field, case.message)
    start = time.perf_counter()
    with within(10), pytest.raises(ScenarioError) as info:
        parse_scenario(case.text, str(path))
    assert time.perf_counter() - start < 1.0, "a refusal must not wait for the input"
    assert expected in str(info.value), str(info.value)
    with within(10), pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert expected in str(info.value), str(info.value)
    with within(30):
        assert_cli_refuses(path, tmp_path, expected, capsys)


def test_a_duplicate_facility_is_reported_once() -> None:
    text = BANK.replace("{id: jfc_capital_type,", "{id: transition_guarantee,", 1)
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.yaml")
    assert len(info.value.problems) == 1, str(info.value)


@pytest.mark.parametrize(("section", "key"), [
    ("providers", "id"), ("vehicles", "id"), ("facilities", "id"), ("indicators", "id"),
])
def test_every_list_keyed_by_id_refuses_duplicates(section: str, key: str) -> None:
    data = yaml.safe_load(BANK if section == "facilities" else CORE)
    if section == "vehicles":
        data = yaml.safe_load(STACK)
    items = data[section]
    items.append(copy.deepcopy(items[0]))
    with pytest.raises(ScenarioError) as info:
        parse_scenario(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "bad.yaml")
    assert f"{section}[{len(items) - 1}].{key}: duplicate" in str(info.value), str(info.value)


def test_a_logic_model_is_at_most_200_nodes_and_long_link_chains_do_not_recurse() -> None:
    data = yaml.safe_load(CORE)
    nodes = data["logic_model"]["nodes"]
    nodes += [{"id": f"extra{k}", "level": "output"} for k in range(201 - len(nodes))]
    with pytest.raises(ScenarioError) as info:
        parse_scenario(yaml.safe_dump(data, allow_unicode=True), "bad.yaml")
    assert "logic_model.nodes: List should have at most 200 items" in str(info.value)
    data = yaml.safe_load(CORE)
    data["logic_model"]["links"] += [{"from": f"u{k}", "to": f"u{k + 1}", "weight": 0.5}
                                     for k in range(5000)]  # unknown nodes: a 5000-long chain
    with pytest.raises(ScenarioError) as info:
        parse_scenario(yaml.safe_dump(data, allow_unicode=True), "bad.yaml")
    assert "unknown node 'u0'" in str(info.value)


def test_fifo_is_refused_without_waiting(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    expected = located(fifo, None, "(top level)",
                       "cannot read file: it is a FIFO (named pipe), not a regular file")
    with within(5), pytest.raises(ScenarioError) as info:
        load_scenario(fifo)
    assert expected in str(info.value)
    with within(30):
        assert_cli_refuses(fifo, tmp_path, expected, capsys)


def _limited_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def test_link_to_dev_zero_is_refused_without_reading(tmp_path: Path) -> None:
    """Checked in child processes with 2 GB of memory, so a regression cannot eat the
    machine's memory."""
    if not Path("/dev/zero").exists() or sys.platform == "win32":
        pytest.skip("no /dev/zero here")
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    out = tmp_path / "out"
    out.mkdir()
    expected = located(link, None, "(top level)",
                       "cannot read file: it is a character device, not a regular file")
    load = ("import sys\nfrom finmodel import ScenarioError, load_scenario\n"
            "try:\n    load_scenario(sys.argv[1])\nexcept ScenarioError as exc:\n"
            "    print(exc)\n    sys.exit(2)\n")
    for argv in ([sys.executable, "-c", load, str(link)],
                 [sys.executable, "-m", "finmodel", "validate", str(link)],
                 [sys.executable, "-m", "finmodel", "run", str(link), "--out", str(out)]):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT,
                              preexec_fn=_limited_memory)
        assert done.returncode == 2, done.stderr
        assert expected in done.stdout + done.stderr
    assert list(out.iterdir()) == []


def test_a_link_to_a_regular_file_is_read(tmp_path: Path) -> None:
    link = tmp_path / "link.yaml"
    link.symlink_to(SHIPPED / "dormant_deposit_fund.yaml")
    assert load_scenario(link) == parse_scenario(STACK)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read file: it is a directory"):
        load_scenario(tmp_path)


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.yaml"
    comment = "# " + "x" * 97 + "\n"
    with big.open("w", encoding="utf-8") as stream:
        stream.write(STACK)
        stream.write(comment * (50_000_000 // len(comment)))
    size = big.stat().st_size
    expected = located(big, None, "(top level)",
                       f"cannot read file: the scenario is {size:,} bytes, more than the "
                       f"{MAX_SCENARIO_BYTES:,} (10 MB) a scenario file may have")
    start = time.perf_counter()
    with within(10), pytest.raises(ScenarioError) as info:
        load_scenario(big)
    assert time.perf_counter() - start < 1.0
    assert expected in str(info.value)
    with within(30):
        assert_cli_refuses(big, tmp_path, expected, capsys)


def test_text_over_the_limit_is_refused() -> None:
    text = STACK + "#" * (MAX_SCENARIO_BYTES - len(STACK)) + "\n"
    with pytest.raises(ScenarioError, match=f"the scenario is {len(text):,} characters"):
        parse_scenario(text, "big.yaml")


def _large_valid_text(segments: int) -> str:
    """The shipped stack with its first vehicle's pool made of many small segments."""
    head, rest = STACK.split("    pool:\n", 1)
    segment = ("      - {segment: s%d, count: 1, exposure: 20, annual_pd: 0.03, lgd: 0.7, "
               "rate: 0.035, stage: early, issue: people_and_work}\n")
    return (head + "    pool:\n" + "".join(segment % k for k in range(segments))
            + rest[rest.index("    tranches:"):])


def test_a_large_valid_file_loads(tmp_path: Path) -> None:
    text = _large_valid_text(10_000)  # 1.3 MB
    path = tmp_path / "large.yaml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    assert len(scenario.vehicles[0].pool) == 10_000
    data, lines = parse_yaml(text, "large.yaml")
    assert data == yaml.safe_load(text)
    assert lines.line_of(("vehicles", 0, "pool", 9_999, "exposure")) == \
        text.count("\n", 0, text.index("segment: s9999")) + 1


def test_libyaml_parses_when_installed() -> None:
    if not getattr(yaml, "__with_libyaml__", False):
        pytest.skip("PyYAML without libyaml")
    assert issubclass(source_module.ScenarioLoader, yaml.CSafeLoader)


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.yaml")), ids=lambda p: p.name)
def test_both_parsers_read_what_safe_load_reads(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The C parser and the pure-Python fallback give yaml.safe_load's data and the same
    lines, and both refuse an alias bomb."""
    text = path.read_text(encoding="utf-8")
    data, lines = parse_yaml(text, path.name)
    assert data == yaml.safe_load(text)
    pure: Any = type("PureLoader", (yaml.SafeLoader,), {})
    pure.yaml_implicit_resolvers = source_module.ScenarioLoader.yaml_implicit_resolvers
    monkeypatch.setattr(source_module, "ScenarioLoader", pure)
    assert parse_yaml(text, path.name) == (data, lines)
    bomb = next(c for c in OTHER_CASES if c.id == "alias_bomb")
    with within(5), pytest.raises(ScenarioError, match="anchors and aliases"):
        parse_yaml(bomb.text, "bomb.yaml")


@pytest.mark.parametrize(("old", "new", "check"), [
    ("exposure: 20,", "exposure: 2e1,", lambda s: s.vehicles[0].pool[0].exposure == 20.0),
    ("exposure: 20,", "exposure: 1e12,", lambda s: s.vehicles[0].pool[0].exposure == 1e12),
    ("count: 30,", "count: 3e1,", lambda s: s.vehicles[0].pool[0].count == 30),
    ("annual_pd: 0.03,", "annual_pd: 3e-2,", lambda s: s.vehicles[0].pool[0].annual_pd == 0.03),
    ("lgd: 0.7, rate: 0.035, stage: early", "lgd: 1, rate: 0.035, stage: early",
     lambda s: s.vehicles[0].pool[0].lgd == 1.0),  # an int where a float goes
])
def test_numbers_still_read_as_numbers(old: str, new: str, check: Any) -> None:
    """Exponent notation (YAML 1.1 reads 1e6 as text) and ints for floats are numbers."""
    assert check(parse_scenario(STACK.replace(old, new, 1), "good.yaml"))


def test_values_at_the_caps_are_accepted() -> None:
    text = CORE.replace("seed: {people_and_work: 4,", "seed: {people_and_work: 10000,", 1)
    text = text.replace("  budget: 4000\n", "  budget: 1e12\n  time_limit: 86400\n", 1)
    text = text.replace("{median: 10, p90: 30}", "{median: 1.0e+8, p90: 1e12}", 1)
    scenario = parse_scenario(text, "caps.yaml")
    assert scenario.portfolio is not None and scenario.portfolio.budget == 1e12


def test_caps_are_stated_in_the_field_descriptions() -> None:
    """The generated key reference (docs/scenario-format.md) shows every cap."""
    from finmodel.scenario.impact_model import KPI, LogicNode, PortfolioSpec
    from finmodel.scenario.model import Need, Pipeline, Provider, Scenario, Segment, Ticket

    for model, name, cap in [(Segment, "exposure", "at most 1e12"), (Need, "p90", "10,000 x median"),
                             (Pipeline, "arrivals", "10,000"), (LogicNode, "scale", "1e-06 and 1e12"),
                             (KPI, "baseline", "1e12"), (KPI, "target", "1e12"),
                             (Provider, "annual_budget", "at most 1e12"), (Ticket, "max", "1e12"),
                             (Scenario, "coordination_cost", "1e12"),
                             (PortfolioSpec, "budget", "1e12"),
                             (PortfolioSpec, "time_limit", "86,400"),
                             (PortfolioSpec, "impact_scales", "1e12")]:
        assert cap in (model.model_fields[name].description or ""), (model.__name__, name)
    reference = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert "at most 10 MB, nested at most 32 deep, without anchors or aliases" in reference
