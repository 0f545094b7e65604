"""The command line as a user meets it: exit codes, messages, files written or not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from finmodel import __version__
from finmodel.cli import main
from tests.conftest import ROOT, scenario_dict, write_yaml

DEFAULT = ROOT / "scenarios" / "dormant_deposit_fund.yaml"


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ["validate", "run", "design", "schema"]:
        assert command in out


def test_validate_good_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", *map(str, sorted((ROOT / "scenarios").glob("*.yaml")))]) == 0
    assert "ok" in capsys.readouterr().out


def test_validate_bad_file_exits_2_and_names_the_place(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = scenario_dict()
    data["vehicles"][0]["tranches"][1]["size"] = 0.5
    bad = write_yaml(tmp_path, data)
    before = set(tmp_path.iterdir())
    assert main(["validate", str(DEFAULT), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "vehicles[0].tranches: tranche sizes must sum to 1" in err
    assert set(tmp_path.iterdir()) == before


def test_run_writes_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["run", str(DEFAULT), "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["cashflows.csv", "guarantees.csv", "loss_distribution.csv",
                     "one_period.csv", "tranches.csv", "vehicles.csv"]
    tranches = pd.read_csv(out / "tranches.csv")
    assert {"vehicle", "tranche", "expected_loss", "var_99", "prob_hurdle_met", "irr_p10",
            "npv", "wal_years"} <= set(tranches.columns)
    cashflows = pd.read_csv(out / "cashflows.csv")
    assert set(cashflows["holder_type"]) >= {"pool", "tranche", "vehicle"}
    assert cashflows["period"].max() == 5
    assert "Dormant-deposit" in capsys.readouterr().out


def test_run_bad_file_writes_nothing(tmp_path: Path) -> None:
    data = scenario_dict(correlation=1.5)
    bad = write_yaml(tmp_path, data)
    out = tmp_path / "out"
    assert main(["run", str(bad), "--out", str(out)]) == 2
    assert not out.exists()


def test_design_command(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["design", str(DEFAULT), "--vehicle", "subordinated_fund",
                 "--target", "max_expected_loss_pct", "--value", "0.002"])
    out = capsys.readouterr().out
    assert code == 0
    assert "smallest first-loss size" in out and "first-dollar-loss" in out


@pytest.mark.parametrize(("lever", "target", "value", "says"), [
    ("concession", "min_irr_mean", None, "smallest coupon cut on first_loss"),
    ("guarantee_rate", "max_expected_loss_pct", 0.007, "smallest rate of guarantee 0"),
    ("guarantee_cap", "max_prob_loss", 0.5, "smallest cap of guarantee 0"),
])
def test_design_levers(tmp_path: Path, capsys: pytest.CaptureFixture[str], lever: str,
                       target: str, value: float | None, says: str) -> None:
    data = scenario_dict(paths=4000)
    data["vehicles"][0]["tranches"][0]["market_coupon"] = 0.08
    data["vehicles"][0]["tranches"][1]["residual"] = True
    path = write_yaml(tmp_path, data)
    if value is None:  # a mean IRR between the senior's at market terms and at a 0% coupon
        from finmodel import load_scenario, run

        low = run(load_scenario(path)).tranches.iloc[-1]["irr_mean"]
        data["vehicles"][0]["tranches"][0]["coupon"] = 0.08
        high = run(load_scenario(write_yaml(tmp_path, data, "market.yaml"))).tranches.iloc[-1][
            "irr_mean"]
        assert high < low  # the bank earns more when the public tranche concedes
        value = 0.5 * (low + high)
    code = main(["design", str(path), "--target", target, "--value", str(value),
                 "--lever", lever])
    out = capsys.readouterr().out
    assert code == 0, out
    assert says in out


def test_design_unknown_vehicle_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["design", str(DEFAULT), "--vehicle", "nope", "--target", "max_prob_loss",
                 "--value", "0.1"]) == 2
    assert "no vehicle 'nope'" in capsys.readouterr().err


def test_schema(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    assert main(["schema", "--out", str(target)]) == 0
    schema = json.loads(target.read_text())
    assert "vehicles" in schema["properties"]


def test_console_script_exit_code_for_bad_option() -> None:
    done = subprocess.run([sys.executable, "-m", "finmodel", "run"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 2


def test_close_gap_command_writes_the_best_design(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "designs.csv"
    best = tmp_path / "best.yaml"
    code = main(["close-gap", str(ROOT / "scenarios" / "bundle_transition_bank.yaml"),
                 "--share", "0.2", "--stage", "middle", "--replications", "4",
                 "--validation-replications", "8", "--out", str(out), "--write-best", str(best)])
    assert code == 0, capsys.readouterr()
    table = pd.read_csv(out)
    top = table.iloc[0]
    assert top["holds"] and top["gap_closed_lower"] >= 0.2
    assert "design" in capsys.readouterr().out
    # The written design validates and runs.
    from finmodel import load_scenario, run

    designed = load_scenario(best)
    assert "design:" in designed.name
    # the user's file with the design written in: every comment line is still there
    source = (ROOT / "scenarios" / "bundle_transition_bank.yaml").read_text(encoding="utf-8")
    comments = [line.strip() for line in source.splitlines() if line.strip().startswith("#")]
    written = best.read_text(encoding="utf-8")
    assert comments and all(c in written for c in comments)
    assert run(designed.model_copy(update={"simulation": designed.simulation.model_copy(  # type: ignore[union-attr]
        update={"replications": 2})})).bundle_summary["total_gap"].iloc[0] >= 0


def test_close_gap_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "scenarios" / "bundle_transition_bank.yaml")
    assert main(["close-gap", path, "--share", "1.5"]) == 2
    assert main(["close-gap", path, "--share", "0.5", "--issue", "weather"]) == 2
    assert main(["close-gap", path, "--share", "0.5", "--confidence", "1.2"]) == 2
    assert main(["close-gap", str(DEFAULT), "--share", "0.5"]) == 2
    assert "no bundle" in capsys.readouterr().err


def test_engine_override_a_vehicle_cannot_use_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # concessional_tranche has a two-level (issue factor) vehicle: exact and LHP cannot
    # honour it (LHP used to drop the issue factor silently: senior EL 0.18 vs 1.92).
    file = ROOT / "scenarios" / "concessional_tranche.yaml"
    for engine in ["exact", "lhp"]:
        out = tmp_path / engine
        assert main(["run", str(file), "--engine", engine, "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "factor_model" in err and f"--engine {engine}" in err and "monte_carlo" in err
        assert not out.exists()
    assert main(["run", str(DEFAULT), "--engine", "lhp"]) == 0


def test_shipped_scenario_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "dormant_deposit_fund"]) == 0
    assert "Dormant-deposit" in capsys.readouterr().out
    assert main(["validate", "credit_guarantee.yaml"]) == 0
    assert main(["run", "no_such_scenario"]) == 2
    assert "cannot read file" in capsys.readouterr().err


def test_version_is_fast_and_imports_nothing_heavy() -> None:
    code = ("import sys, finmodel, finmodel.cli; "
            "print(sorted(m for m in ('pandas', 'numpy', 'scipy', 'simpy', 'dash') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
    from finmodel import RunResults, load_scenario, run  # the public names still load
    assert callable(run) and callable(load_scenario) and RunResults.__name__ == "RunResults"
    import finmodel as package
    import finmodel.run  # noqa: F401  (the submodule does not replace the function)
    assert package.run is run


def test_design_target_not_met_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["design", str(DEFAULT), "--target", "min_irr_mean", "--value", "0.5",
                 "--lever", "concession"])
    assert code == 3
    assert "not achievable" in capsys.readouterr().out


def test_closed_pipe_ends_quietly() -> None:
    reader = "import sys; sys.stdin.close()"  # goes away before the run prints anything
    producer = subprocess.Popen([sys.executable, "-m", "finmodel", "run", str(DEFAULT)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert producer.stdout is not None
    consumer = subprocess.run([sys.executable, "-c", reader], stdin=producer.stdout,
                              check=True)
    producer.stdout.close()  # now nobody reads the pipe
    _, err = producer.communicate(timeout=120)
    assert consumer.returncode == 0
    assert producer.returncode == 141 and b"Broken pipe" not in err and b"Traceback" not in err


def test_portfolio_without_kpis_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml
    data = yaml.safe_load((ROOT / "scenarios" / "core_issue_vs_firm_by_firm.yaml").read_text())
    data.pop("kpis")
    data["simulation"]["replications"] = 5
    file = tmp_path / "no_kpis.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True))
    assert main(["run", str(file)]) == 0
    assert "portfolios" in capsys.readouterr().out


def test_the_clis_stage_choices_are_the_pipelines_stages() -> None:
    from finmodel.cli import PIPELINE_STAGES
    from finmodel.vocabulary import STAGE_ORDER

    assert [stage.value for stage in STAGE_ORDER] == PIPELINE_STAGES


MISSING = "no_such_scenario_file.yaml"  # options are checked before the file is even read


@pytest.mark.parametrize(("target", "value", "says"), [
    ("max_expected_loss_pct", "nan", "finite number"),
    ("max_expected_loss_pct", "inf", "finite number"),
    ("max_expected_loss_pct", "-1", "in (0, 1]"),
    ("max_expected_loss_pct", "0", "in (0, 1]"),
    ("max_prob_loss", "2", "in (0, 1]"),
    ("min_irr_mean", "1.5", "in (-1, 1]"),
    ("min_irr_p10", "-1", "in (-1, 1]"),
    ("min_npv", "nan", "finite number"),
    ("min_npv", "-inf", "finite number"),
])
def test_design_refuses_out_of_range_and_non_finite_values(
        capsys: pytest.CaptureFixture[str], target: str, value: str, says: str) -> None:
    assert main(["design", MISSING, "--target", target, f"--value={value}"]) == 2
    err = capsys.readouterr().err
    assert "--value" in err and says in err and "cannot read" not in err


def test_design_accepts_the_edges_of_its_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    # a value in range goes on to read the file (which is missing here): exit 2 for that
    for target, value in [("max_prob_loss", "1"), ("min_irr_p10", "-0.05"),
                          ("min_npv", "-1e9")]:
        assert main(["design", MISSING, "--target", target, f"--value={value}"]) == 2
        assert "cannot read" in capsys.readouterr().err
    assert main(["design", MISSING, "--target", "min_npv", "--value", "1",
                 "--guarantee", "-1"]) == 2
    assert "--guarantee must be >= 0" in capsys.readouterr().err


@pytest.mark.parametrize("option", [["--share=nan"], ["--share=inf"], ["--share=-inf"],
                                    ["--share", "0.3", "--confidence=nan"],
                                    ["--share", "0.3", "--confidence=inf"]])
def test_close_gap_refuses_non_finite_numbers(capsys: pytest.CaptureFixture[str],
                                              option: list[str]) -> None:
    assert main(["close-gap", MISSING, *option]) == 2
    err = capsys.readouterr().err
    assert "must be in" in err and "cannot read" not in err


def test_batch_refuses_bad_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["batch", str(DEFAULT), "--out", str(out), "--max-runs", "0"]) == 2
    assert "--max-runs must be >= 1" in capsys.readouterr().err
    assert main(["batch", str(DEFAULT), "--out", str(out), "--workers", "0"]) == 2
    assert not out.exists()


def _outputs(tmp_path: Path) -> tuple[Path, Path]:
    a_file = tmp_path / "a_file"
    a_file.write_text("keep me")
    a_folder = tmp_path / "a_folder"
    a_folder.mkdir()
    return a_file, a_folder


@pytest.mark.parametrize(("args", "says"), [
    (["run", "{scenario}", "--out", "{file}"], "--out {file}: exists and is not a folder"),
    (["run", "{scenario}", "--out", "{file}/sub"], "is not a folder"),
    (["batch", "{real}", "--out", "{file}"], "--out {file}: exists and is not a folder"),
    (["close-gap", "{scenario}", "--share", "0.3", "--out", "{folder}"], "is a folder"),
    (["close-gap", "{scenario}", "--share", "0.3", "--out", "{file}/designs.csv"],
     "is not a folder"),
    (["close-gap", "{scenario}", "--share", "0.3", "--write-best", "{folder}"],
     "--write-best {folder}: is a folder"),
    (["close-gap", "{scenario}", "--share", "0.3", "--out", "{folder}/x.csv",
      "--write-best", "{folder}/x.csv"], "the same file"),
    (["export", "{scenario}", "--out", "{folder}"], "--out {folder}: is a folder"),
    (["export", "{scenario}", "--out", "{folder}/paper.pdf", "--charts", "{file}"],
     "--charts {file}: exists and is not a folder"),
    (["results", "{folder}", "--csv", "{file}"], "--csv {file}: exists and is not a folder"),
    (["schema", "--out", "{folder}"], "is a folder"),
])
def test_outputs_are_checked_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str) -> None:
    a_file, a_folder = _outputs(tmp_path)
    names = {"scenario": str(tmp_path / MISSING), "real": str(DEFAULT), "file": str(a_file),
             "folder": str(a_folder)}
    before = sorted(p.name for p in tmp_path.rglob("*"))
    # the scenario does not exist: a refusal naming the output shows it was checked first
    assert main([a.format(**names) for a in args]) == 2
    err = capsys.readouterr().err
    assert says.format(**names) in err and "cannot read" not in err
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert a_file.read_text() == "keep me"


def test_an_existing_output_file_is_replaced_and_a_new_folder_is_fine(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file, a_folder = _outputs(tmp_path)
    assert main(["schema", "--out", str(a_file)]) == 0
    assert "vehicles" in json.loads(a_file.read_text())["properties"]
    assert main(["schema", "--out", str(a_folder / "new" / "deeper" / "schema.json")]) == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into any folder")
def test_an_unwritable_output_folder_is_refused_before_any_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        for args in (["run", MISSING, "--out", str(locked / "out")],
                     ["batch", str(DEFAULT), "--out", str(locked)],
                     ["close-gap", MISSING, "--share", "0.3", "--out", str(locked / "d.csv")]):
            assert main(args) == 2
            err = capsys.readouterr().err
            assert f"cannot write into {locked}" in err
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_a_folder_the_user_cannot_write_into_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """As the test above, for any user (root included): the folder is reported unwritable."""
    import finmodel.cli as cli

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(cli.os, "access", lambda path, mode, **kw: Path(path) != locked
                        and real_access(path, mode, **kw))
    for args in (["run", MISSING, "--out", str(locked / "new" / "out")],
                 ["batch", str(DEFAULT), "--out", str(locked)],
                 ["export", MISSING, "--out", str(locked / "paper.pdf")]):
        assert main(args) == 2
        assert f"cannot write into {locked} (permission denied)" in capsys.readouterr().err
    assert list(locked.iterdir()) == []
