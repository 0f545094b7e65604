"""Work that lasts: the workspace of saved scenarios (save, reopen, history, names), the
session's base and "compare with base", and the scenario builder (add and remove
providers, facilities, tranches and segments in the file's own text)."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from finmodel import ScenarioError
from finmodel.scenario.builder import add_item, remove_item
from finmodel.scenario.loader import parse_scenario
from finmodel.ui.workspace import Workspace, default_workspace, safe_name, scenario_differences
from tests.conftest import ROOT

STACK = (ROOT / "scenarios" / "dormant_deposit_fund.yaml").read_text(encoding="utf-8")
SHOCK = (ROOT / "scenarios" / "bundle_policy_shock.yaml").read_text(encoding="utf-8")


# -- the workspace -------------------------------------------------------------------------------
def test_save_reopen_and_history_newest_first(tmp_path: Path) -> None:
    space = Workspace(tmp_path)
    first = space.save("県の保証案", STACK, "dormant_deposit_fund.yaml")
    edited = STACK.replace("seed: 20250401", "seed: 7") + "# second\n"
    second = space.save("県の保証案", edited)
    assert (first.version, second.version) == (1, 2)
    history = space.history("県の保証案")
    assert [v.version for v in history] == [2, 1]
    assert all(v.saved for v in history) and history[1].source == "dormant_deposit_fund.yaml"
    assert space.read("県の保証案")[1] == edited  # the latest, byte for byte
    assert space.read("県の保証案", 1)[1] == STACK  # an older version, unchanged
    with pytest.raises(KeyError):
        space.read("県の保証案", 3)
    # the files: one folder per name, a YAML and its metadata per version
    folder = tmp_path / "県の保証案"
    assert sorted(p.name for p in folder.iterdir()) == ["v0001.json", "v0001.yaml",
                                                         "v0002.json", "v0002.yaml"]
    assert not list(tmp_path.rglob("*.tmp"))


def test_names_are_listed_most_recent_first(tmp_path: Path) -> None:
    space = Workspace(tmp_path)
    space.save("a", STACK)
    time.sleep(1.1)  # timestamps are to the second
    space.save("b", STACK)
    assert [v.name for v in space.names()] == ["b", "a"]
    assert Workspace(tmp_path / "nothing").names() == []


def test_names_are_sanitised_and_traversal_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    space = Workspace(root)
    assert safe_name(" plan A / v2 ") == "plan_A_v2"
    assert safe_name("信用金庫の案") == "信用金庫の案"
    for bad in ("", "..", "../..", "/", "...", "  ", "._-"):
        with pytest.raises(ValueError):
            space.save(bad, STACK)
    saved = space.save("../../evil", STACK)  # sanitised: it stays inside the workspace
    assert saved.path.resolve().is_relative_to(root.resolve())
    assert saved.name == "evil" and not (tmp_path / "evil").exists()
    assert space.save("/etc/passwd", STACK).path.resolve().is_relative_to(root.resolve())
    assert len(safe_name("x" * 500)) == 64


def test_a_new_workspace_on_the_same_folder_sees_every_save(tmp_path: Path) -> None:
    Workspace(tmp_path).save("plan", STACK)
    Workspace(tmp_path).save("plan", STACK + "# again\n")
    again = Workspace(tmp_path)
    assert [v.version for v in again.history("plan")] == [2, 1]
    assert again.read("plan")[1].endswith("# again\n")


def test_the_default_workspace_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FINMODEL_WORKSPACE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_workspace() == tmp_path / "finmodel" / "workspace"
    monkeypatch.setenv("FINMODEL_WORKSPACE", str(tmp_path / "mine"))
    assert default_workspace() == tmp_path / "mine"


def _app_services(tmp_path: Path) -> Any:
    import diskcache

    from finmodel.shipped import shipped_scenarios
    from finmodel.ui.export import Renderer
    from finmodel.ui.services import Services
    from finmodel.ui.state import ResultsCache

    return Services(ResultsCache(diskcache.Cache(str(tmp_path / "cache"))), Renderer(),
                    shipped_scenarios(), "dormant_deposit_fund.yaml",
                    workspace=Workspace(tmp_path / "ws"))


def test_the_scenario_page_saves_and_reopens_across_app_instances(tmp_path: Path) -> None:
    from finmodel.ui.pages import scenario as page

    services = _app_services(tmp_path)
    store = services.session(None).store
    page.save(services, store, "my plan", "ja")
    assert [o["value"] for o in page.saved_options(services)] == ["my_plan"]
    # a new app (a restart) on the same folder reopens it in another tab
    later = _app_services(tmp_path)
    other = later.session(None).store
    later.sessions.change(other, "credit_guarantee.yaml",
                          (ROOT / "scenarios" / "credit_guarantee.yaml").read_text())
    versions = page.version_options(later, "my_plan", "ja")
    assert [o["value"] for o in versions] == [1] and "第1版" in versions[0]["label"]
    new, _ = page.reopen(later, other, "my_plan", 1, "ja")
    session = later.session(new)
    assert session.text == STACK and session.name == "my_plan.yaml"
    assert not session.edited  # a reopened version is the session's new base
    bad = page.save(services, store, "..", "ja")
    assert "名前" in str(bad)


# -- the base and compare with base --------------------------------------------------------------
def test_the_session_remembers_its_base_through_edits(tmp_path: Path) -> None:
    services = _app_services(tmp_path)
    session = services.session(None)
    store = services.sessions.change(session.store, session.name,
                                     STACK.replace("size: 0.15", "size: 0.2", 1)
                                     .replace("size: 0.85", "size: 0.8", 1))
    edited = services.session(store)
    assert edited.base == (session.name, STACK) and edited.edited
    picked = services.sessions.change(store, "credit_guarantee.yaml",
                                      (ROOT / "scenarios" / "credit_guarantee.yaml").read_text(),
                                      base=True)
    assert not services.session(picked).edited


def test_differences_name_the_changed_fields_old_and_new() -> None:
    base = parse_scenario(STACK)
    text = STACK.replace("size: 0.15", "size: 0.2", 1).replace("size: 0.85", "size: 0.8", 1)
    text = add_item(text, "providers", {"id": "cgc", "type": "credit_guarantee_corporation"})
    changes = {path: (old, new) for path, old, new in
               scenario_differences(base, parse_scenario(text))}
    assert changes["vehicles.subordinated_fund.tranches.subordinated.size"] == (0.15, 0.2)
    assert changes["vehicles.subordinated_fund.tranches.senior.size"] == (0.85, 0.8)
    assert changes["providers.cgc"] == (None, "(item)")
    assert len(changes) == 3
    assert scenario_differences(base, base) == []


def test_compare_with_base_shows_changes_and_headline_differences(tmp_path: Path) -> None:
    from finmodel.headlines import vehicle_headline
    from finmodel.ui.pages import scenario as page

    services = _app_services(tmp_path)
    session = services.session(None)
    text = STACK.replace("size: 0.15", "size: 0.25", 1).replace("size: 0.85", "size: 0.75", 1)
    store = services.sessions.change(session.store, session.name, text)
    panel = str(page.compare_with_base(services, store, "ja"))
    assert "vehicles.subordinated_fund.tranches.subordinated.size（トランシェの比率）" in panel
    assert "15%" in panel and "25%" in panel
    # the senior's expected loss, base and now, from two runs: checked against the runs
    base_run = services.cache.get_or_run(parse_scenario(STACK))
    run_now = services.cache.get_or_run(services.session(store).scenario)
    before = vehicle_headline(base_run, "subordinated_fund").senior.expected_loss_pct
    after = vehicle_headline(run_now, "subordinated_fund").senior.expected_loss_pct
    assert after < before  # more subordination protects the senior
    rows, unit = page.headline_rows(base_run, parse_scenario(STACK), run_now,
                                    services.session(store).scenario, "ja")
    row = next(r for r in rows if "シニア" in r["figure"] and "期待損失率" in r["figure"]
               and "劣後比率15%" in r["figure"])
    assert row["base"] == f"{before:.2%}" and row["now"] == f"{after:.2%}"
    assert row["change"] == f"{(after - before) * 100:+.2f} pt"
    assert unit in ("億円", "百万円")


# -- the builder -----------------------------------------------------------------------------------
def _sizes(text: str, vehicle: int = 0) -> list[tuple[str, float]]:
    return [(t.name, t.size) for t in parse_scenario(text).vehicles[vehicle].tranches]


def test_a_tranche_goes_in_its_place_and_the_top_tranche_gives_its_size() -> None:
    text = add_item(STACK, "tranches", {"name": "mezz", "provider": "chiho_bank",
                                        "kind": "mezzanine", "size": 0.1, "coupon": 0.01},
                    "subordinated_fund")
    assert _sizes(text) == [("subordinated", 0.15), ("mezz", 0.1), ("senior", 0.75)]
    assert math.isclose(sum(s for _, s in _sizes(text)), 1.0)
    grant = add_item(text, "tranches", {"name": "gift", "provider": "dormant_fund",
                                        "kind": "grant", "size": 0.05}, "subordinated_fund")
    assert [n for n, _ in _sizes(grant)] == ["gift", "subordinated", "mezz", "senior"]
    back = remove_item(text, "tranches", "mezz", "subordinated_fund")
    assert back == STACK  # the same text again, comments and all
    top = remove_item(text, "tranches", "senior", "subordinated_fund")
    assert _sizes(top) == [("subordinated", 0.15), ("mezz", 0.85)]
    assert STACK.splitlines()[0] in text  # comments kept


def test_providers_facilities_and_segments_added_and_removed_in_the_text() -> None:
    text = add_item(SHOCK, "providers", {"id": "bank2", "type": "regional_bank",
                                         "name_ja": "第二地方銀行", "instruments": ["senior_loan"],
                                         "annual_budget": 500.0, "rate": 0.02})
    assert "name_ja: 第二地方銀行" in text  # Japanese written as it is, not escaped
    assert parse_scenario(text).provider("bank2").annual_budget == 500
    text = add_item(text, "facilities", {"id": "g2", "kind": "guarantee", "provider": "cgc",
                                         "rate": 0.5, "cap": 0.2, "budget": 100.0})
    assert [f.id for f in parse_scenario(text).facilities][-1] == "g2"
    assert remove_item(remove_item(text, "facilities", "g2"), "providers", "bank2") == SHOCK
    stack = add_item(STACK, "pool", {"segment": "farms", "count": 5, "exposure": 10.0,
                                     "annual_pd": 0.03, "lgd": 0.6}, "no_subordination")
    assert [s.segment for s in parse_scenario(stack).vehicles[1].pool][-1] == "farms"
    assert remove_item(stack, "pool", "farms", "no_subordination") == STACK
    assert yaml.safe_load(stack)["vehicles"][0] == yaml.safe_load(STACK)["vehicles"][0]


@pytest.mark.parametrize(("section", "key", "vehicle", "field"), [
    ("providers", "chiho_bank", None, "vehicles[0].tranches[1].provider"),  # still named
    ("tranches", "senior", "no_subordination", "vehicles[1].tranches"),  # the last one
    ("pool", "nobody", "no_subordination", "vehicles[1].pool"),
])
def test_a_refused_removal_names_the_field_and_changes_nothing(
        section: str, key: str, vehicle: str | None, field: str) -> None:
    from finmodel.scenario.messages_ja import error_in

    with pytest.raises(ScenarioError) as info:
        remove_item(STACK, section, key, vehicle, "s.yaml")
    assert field in str(info.value)
    japanese = error_in(info.value, "ja")
    assert field in japanese and "s.yaml" in japanese
    assert ("行目" in japanese) == any(p.line is not None for p in info.value.problems)


def test_the_builder_refuses_with_a_short_message_in_the_users_language(tmp_path: Path) -> None:
    from dash import no_update

    from finmodel.ui.pages import scenario as page

    services = _app_services(tmp_path)
    store = services.session(None).store
    kept, message = page.build(services, store, "add", "tranches", "subordinated_fund",
                               {"name": "fl", "provider": "chiho_bank", "kind": "first_loss",
                                "size": 90}, None, "ja")  # 90 %: nothing left for the top
    assert kept is no_update
    assert "0 より大きい値にしてください" in str(message) and "トランシェの比率" in str(message)
    kept, message = page.build(services, store, "add", "providers", None, {"id": "x"}, None,
                               "ja")
    assert kept is no_update and "種類" in str(message)
    new, message = page.build(services, store, "add", "pool", "subordinated_fund",
                              {"segment": "farms", "count": 5, "exposure": 10,
                               "annual_pd": 3, "lgd": 60}, None, "ja")
    pool = services.session(new).scenario.vehicles[0].pool
    assert pool[-1].annual_pd == 0.03 and pool[-1].lgd == 0.6  # entered in %
