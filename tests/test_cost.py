"""The cost estimate: measured against the memory a run really takes, and enforced."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from finmodel import load_scenario, run
from finmodel.cost import APP_LIMITS, CLI_LIMITS, GIB, check_cost, cost_items, vehicle_bytes
from finmodel.scenario.changes import with_changes
from finmodel.scenario.errors import ScenarioError
from finmodel.shipped import shipped_scenarios
from tests.conftest import make_scenario


@pytest.mark.parametrize("guarantees", [[], None])  # none, or the default one
def test_the_memory_estimate_bounds_the_measured_peak_without_overstating_it(
        guarantees: list[object] | None) -> None:
    overrides: dict[str, object] = {"paths": 40_000}
    if guarantees is not None:
        overrides["guarantees"] = guarantees
    scenario = make_scenario(**overrides)
    estimate = vehicle_bytes(scenario.vehicles[0])
    tracemalloc.start()
    try:
        run(scenario)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak <= estimate  # an upper bound ...
    assert estimate <= 4 * peak  # ... and not a wild one


def test_every_shipped_scenario_is_within_the_apps_limits() -> None:
    for name, path in shipped_scenarios().items():
        check_cost(load_scenario(path), APP_LIMITS, name, raisable=False)  # raises if over


def test_a_costly_scenario_is_refused_naming_the_field_and_the_figures() -> None:
    base = load_scenario(Path(shipped_scenarios()["dormant_deposit_fund.yaml"]))
    big = with_changes(base, {"vehicles.subordinated_fund.paths": 4_000_000})
    over = [i for i in cost_items(big, CLI_LIMITS) if i.over]
    assert [i.what for i in over] == ["memory"] and over[0].amount > 6 * GIB
    with pytest.raises(ScenarioError) as refused:
        check_cost(big, CLI_LIMITS, "big.yaml")
    message = str(refused.value)
    assert message.startswith("big.yaml: vehicles[0].paths: this run needs about 8.9 GiB")
    assert "4,000,000 paths x 5 periods" in message and "--allow-large" in message
    with pytest.raises(ScenarioError, match="lower it$"):  # the app's limits are fixed
        check_cost(big, APP_LIMITS, "big.yaml", raisable=False)


def test_the_app_refuses_a_scenario_over_its_limits_and_keeps_the_session() -> None:
    from finmodel.ui.sessions import Sessions

    path = shipped_scenarios()["dormant_deposit_fund.yaml"]
    text = path.read_text(encoding="utf-8")
    sessions = Sessions(lambda: ("d.yaml", text))
    session = sessions.get(None)
    costly = text.replace("    engine: exact\n", "    engine: exact\n    paths: 2000000\n", 1)
    assert costly != text
    with pytest.raises(ScenarioError, match="GiB of memory"):
        sessions.change(session.store, "costly.yaml", costly)
    assert sessions.get(session.store) is session


def test_an_upload_over_the_cap_is_refused_with_its_size() -> None:
    import base64

    from finmodel.ui.state import MAX_UPLOAD_BYTES, load_upload

    big = "data:text/yaml;base64," + base64.b64encode(b"#" * (MAX_UPLOAD_BYTES + 4)).decode()
    text, message = load_upload(big, "huge.yaml")
    assert text is None and message.startswith("huge.yaml: 2.0 MB is more than")


def _costly_file(tmp_path: Path) -> Path:
    text = shipped_scenarios()["dormant_deposit_fund.yaml"].read_text(encoding="utf-8")
    path = tmp_path / "costly.yaml"
    path.write_text(text.replace("    engine: exact\n", "    engine: exact\n    paths: 4000000\n", 1),
                    encoding="utf-8")
    return path


def test_the_cli_refuses_a_costly_run_before_any_work_unless_allowed(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from finmodel.cli import main

    out = tmp_path / "out"
    assert main(["run", str(_costly_file(tmp_path)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "vehicles[0].paths: this run needs about 8.9 GiB of memory" in err
    assert "--allow-large" in err and not out.exists()
    # the option is there (a small scenario runs with it as without it)
    small = shipped_scenarios()["credit_guarantee.yaml"]
    assert main(["run", str(small), "--allow-large", "--out", str(out)]) == 0


def test_a_batch_reports_a_costly_file_as_invalid_and_runs_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from finmodel.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    _costly_file(folder)
    (folder / "small.yaml").write_text(
        shipped_scenarios()["credit_guarantee.yaml"].read_text(encoding="utf-8"))
    assert main(["batch", str(folder), "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert "GiB of memory" in captured.out + captured.err
    assert "1 ok" in captured.out
