"""Every kind of bad input is refused with file, line and field path in the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from finmodel import ScenarioError, load_scenario
from finmodel.scenario import parse_scenario
from tests.conftest import SCENARIOS

GOOD = """\
name: Test
seed: 1
unit: JPY_million
providers:
  - {id: dormant_fund, type: dormant_deposit_fund}
  - {id: chiho_bank, type: regional_bank}
  - {id: cgc, type: credit_guarantee_corporation}
vehicles:
  - id: impact_fund
    horizon_years: 5
    correlation: 0.15
    pool:
      - {segment: early_people, count: 40, exposure: 25, annual_pd: 0.06, lgd: 0.7, rate: 0.035, stage: early, issue: people_and_work}
      - {segment: middle_env, count: 20, exposure: 50, annual_pd: 0.03, lgd: 0.6, rate: 0.025, stage: middle, issue: environment}
    tranches:
      - {name: first_loss, provider: dormant_fund, kind: first_loss, size: 0.15, coupon: 0.0}
      - {name: senior, provider: chiho_bank, kind: senior, size: 0.85, coupon: 0.015, hurdle_return: 0.01}
    guarantees:
      - {provider: cgc, covers: senior, rate: 0.8, cap: 0.10}
    engine: exact
"""


def refuse(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "bad.yaml")
    return str(info.value)


def test_good_scenario_parses() -> None:
    scenario = parse_scenario(GOOD, "good.yaml")
    assert scenario.vehicles[0].exposure == pytest.approx(40 * 25 + 20 * 50)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("correlation: 0.15", "correlation: 1.0",
         "bad.yaml:11: vehicles[0].correlation: Input should be less than 1"),
        ("correlation: 0.15", "correlation: -0.1",
         "bad.yaml:11: vehicles[0].correlation: Input should be greater than or equal to 0"),
        ("annual_pd: 0.06", "annual_pd: 1.2",
         "bad.yaml:13: vehicles[0].pool[0].annual_pd: Input should be less than or equal to 1"),
        ("lgd: 0.6", "lgd: -0.6",
         "bad.yaml:14: vehicles[0].pool[1].lgd: Input should be greater than or equal to 0"),
        ("exposure: 50", "exposure: -50",
         "bad.yaml:14: vehicles[0].pool[1].exposure: Input should be greater than 0"),
        ("count: 40", "count: 0",
         "bad.yaml:13: vehicles[0].pool[0].count: Input should be greater than 0"),
        ("horizon_years: 5", "horizon_years: 0",
         "bad.yaml:10: vehicles[0].horizon_years: Input should be greater than 0"),
        ("rate: 0.8, cap", "rate: 1.8, cap",
         "bad.yaml:19: vehicles[0].guarantees[0].rate: Input should be less than or equal to 1"),
        ("size: 0.85", "size: 0.80",
         "bad.yaml:15: vehicles[0].tranches: tranche sizes must sum to 1 (they sum to 0.95)"),
        ("covers: senior", "covers: senoir",
         "bad.yaml:19: vehicles[0].guarantees[0].covers: guarantee covers tranche 'senoir', "
         "which does not exist"),
        ("provider: chiho_bank, kind", "provider: chihou_bank, kind",
         "bad.yaml:17: vehicles[0].tranches[1].provider: provider 'chihou_bank' is not declared"),
        ("{provider: cgc,", "{provider: cgx,",
         "bad.yaml:19: vehicles[0].guarantees[0].provider: provider 'cgx' is not declared"),
        ("horizon_years: 5", "horizon_yeras: 5",
         "bad.yaml:10: vehicles[0].horizon_yeras: unknown key 'horizon_yeras'; "
         "did you mean 'horizon_years'?"),
        ("issue: environment", "issue: enviroment",
         "bad.yaml:14: vehicles[0].pool[1].issue: Input should be"),
        ("stage: early", "stage: seeed",
         "bad.yaml:13: vehicles[0].pool[0].stage: Input should be"),
        ("engine: exact", "engine: exakt",
         "bad.yaml:20: vehicles[0].engine: Input should be 'exact', 'monte_carlo' or 'lhp'"),
        ("type: regional_bank", "type: regional_bnak",
         "bad.yaml:6: providers[1].type: Input should be"),
    ],
)
def test_bad_value_is_refused_with_location(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    message = refuse(GOOD.replace(old, new, 1))
    assert expected in message, message


def test_yaml_syntax_error_names_line() -> None:
    text = GOOD.replace("    correlation: 0.15", "    correlation: [0.15")
    message = refuse(text)
    assert message.startswith("bad.yaml:"), message
    assert "YAML syntax error" in message


def test_duplicate_key_is_refused() -> None:
    message = refuse(GOOD.replace("    correlation: 0.15", "    correlation: 0.15\n    correlation: 0.2"))
    assert "bad.yaml:12: vehicles[0].correlation: duplicate key (first given on line 11)" in message


def test_missing_key_is_refused() -> None:
    message = refuse(GOOD.replace("seed: 1\n", ""))
    assert "bad.yaml:1: seed: Field required" in message


def test_every_problem_is_reported_at_once() -> None:
    text = GOOD.replace("annual_pd: 0.06", "annual_pd: 2").replace("lgd: 0.6", "lgd: 7")
    message = refuse(text)
    assert "pool[0].annual_pd" in message and "pool[1].lgd" in message


def test_two_level_needs_monte_carlo() -> None:
    text = GOOD.replace("    engine: exact",
                        "    engine: exact\n    factor_model: two_level\n    issue_correlation: 0.3")
    assert "vehicles[0].factor_model: the two_level factor model needs engine: monte_carlo" in refuse(text)


def test_grant_with_coupon_is_refused() -> None:
    text = GOOD.replace("kind: first_loss, size: 0.15, coupon: 0.0",
                        "kind: grant, size: 0.15, coupon: 0.01")
    assert "vehicles[0].tranches[0].coupon: a grant is not repaid" in refuse(text)


def test_non_mapping_document_is_refused() -> None:
    assert "a scenario must be a mapping" in refuse("- just\n- a list\n")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read file"):
        load_scenario(tmp_path / "missing.yaml")


def test_yaml_is_loaded_safely() -> None:
    # A python-object tag must not be constructed: the safe loader refuses it.
    message = refuse("!!python/object/apply:os.system ['echo hi']\n")
    assert "bad.yaml" in message


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_shipped_scenarios_validate(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.illustrative, "shipped scenarios use illustrative numbers and say so"
    assert "ILLUSTRATIVE" in path.read_text(encoding="utf-8")


def test_key_reference_is_up_to_date() -> None:
    from finmodel.scenario.reference import reference_markdown
    from tests.conftest import ROOT

    committed = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert committed == reference_markdown(), (
        "regenerate: python -m finmodel.docs")


def test_readme_example_scenario_is_valid() -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    scenario = parse_scenario(block, "README.md")
    assert scenario.vehicles[0].guarantees[0].fee == 0.005


def test_readme_bundle_example_is_valid() -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```yaml\n")[2].split("```", 1)[0]
    scenario = parse_scenario("name: readme\nseed: 1\n" + block, "README.md")
    assert scenario.has_bundle and len(scenario.facilities) == 3


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("coupon: 0.015, hurdle_return: 0.01}",
         "coupon: 0.015, hurdle_return: 0.01, residual: true}\n    waterfall: notes",
         None),  # one residual holder is fine
        ("{name: first_loss, provider: dormant_fund, kind: first_loss, size: 0.15, coupon: 0.0}",
         "{name: first_loss, provider: dormant_fund, kind: first_loss, size: 0.15, coupon: 0.0, "
         "residual: true}\n      - {name: senior, provider: chiho_bank, kind: senior, "
         "size: 0.85, residual: true}\n    tranches_end: x",
         "bad.yaml:17: vehicles[0].tranches[1].residual: a second residual holder"),
        ("engine: exact", "engine: exact\n    waterfall: [fees, coupons, principal, bonus, residual]",
         "bad.yaml:21: vehicles[0].waterfall: Value error, step 3 ('bonus') is not a waterfall"),
        ("engine: exact", "engine: exact\n    waterfall: [fees, coupons, residual, principal]",
         "bad.yaml:21: vehicles[0].waterfall[3]: the last step must be `residual`"),
        ("horizon_years: 5", "horizon_years: 2.5",
         "bad.yaml:10: vehicles[0].horizon_years: payment_frequency (=1) does not divide "
         "horizon_years (=2.5)"),
        ("horizon_years: 5", "horizon_years: 5\n    recovery_lag_years: 6",
         "bad.yaml:11: vehicles[0].recovery_lag_years: recovery_lag_years (=6) is beyond the "
         "horizon"),
        ("horizon_years: 5", "horizon_years: 5\n    payment_frequency: 12\n    paths: 1000000",
         "vehicles[0].paths: paths (=1,000,000) x periods (=60)"),
        ("horizon_years: 5", "horizon_years: 5\n    payment_frequency: 3",
         "bad.yaml:11: vehicles[0].payment_frequency: Input should be 1, 2, 4 or 12"),
    ],
)
def test_cash_flow_terms_are_checked_with_file_line_and_field(old: str, new: str,
                                                              expected: str | None) -> None:
    text = GOOD.replace(old, new, 1)
    if "tranches_end" in text:  # the second tranche list line replaces the old senior
        text = text.replace("    tranches_end: x\n", "").replace(
            "      - {name: senior, provider: chiho_bank, kind: senior, size: 0.85, coupon: 0.015, "
            "hurdle_return: 0.01}\n", "", 1)
    assert text != GOOD
    if expected is None:
        parse_scenario(text, "good.yaml")
        return
    message = refuse(text)
    assert expected in message, message


def test_fund_waterfall_refuses_a_residual_flag() -> None:
    text = GOOD.replace("hurdle_return: 0.01}", "hurdle_return: 0.01, residual: true}", 1)
    text = text.replace("engine: exact", "engine: exact\n    waterfall: fund")
    assert "`residual: true` is for the notes waterfall" in refuse(text)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("{name: first_loss, provider: dormant_fund, kind: first_loss, size: 0.15, coupon: 0.0}",
     "{name: first_loss, provider: dormant_fund, kind: first_loss, size: 0.05, coupon: 0.0}\n"
     "      - {name: gift, provider: dormant_fund, kind: grant, size: 0.10}",
     "vehicles[0].tranches[1].kind: a grant is never repaid"),
    ("{provider: cgc, covers: senior, rate: 0.8, cap: 0.10}",
     "{provider: cgc, covers: senior, rate: 0.8, cap: 0.10, fee: 0.01}\n"
     "    waterfall: [coupons, principal, cures, residual]",
     "has no `fees` step"),
    ("hurdle_return: 0.01}", "hurdle_return: 0.01, residual: true}\n"
     "    waterfall: [coupons, principal, cures, residual_pro_rata]",
     "vehicles[0].tranches[1].residual: a residual holder needs a `residual` step"),
])
def test_custom_orders_and_grants_are_checked(old: str, new: str, expected: str) -> None:
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    assert expected in refuse(text)
