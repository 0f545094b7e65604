"""Shared helpers: small scenarios built in code so each test states what it needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from finmodel.scenario.model import Scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def scenario_dict(**vehicle_overrides: Any) -> dict[str, Any]:
    """A small valid scenario as plain data; keyword arguments override the vehicle."""
    vehicle: dict[str, Any] = {
        "id": "fund",
        "horizon_years": 5,
        "correlation": 0.15,
        "pool": [
            {"segment": "early_people", "count": 40, "exposure": 25, "annual_pd": 0.06,
             "lgd": 0.7, "rate": 0.035, "stage": "early", "issue": "people_and_work"},
            {"segment": "middle_env", "count": 20, "exposure": 50, "annual_pd": 0.03,
             "lgd": 0.6, "rate": 0.025, "stage": "middle", "issue": "environment"},
        ],
        "tranches": [
            {"name": "first_loss", "provider": "dormant_fund", "kind": "first_loss",
             "size": 0.15, "coupon": 0.0},
            {"name": "senior", "provider": "chiho_bank", "kind": "senior", "size": 0.85,
             "coupon": 0.015, "hurdle_return": 0.01},
        ],
        "guarantees": [{"provider": "cgc", "covers": "senior", "rate": 0.8, "cap": 0.10}],
        "engine": "exact",
        "paths": 20_000,  # the cash-flow engine's paths: enough for the tests' error bars
    }
    vehicle.update(vehicle_overrides)
    return {
        "name": "test scenario",
        "seed": 20250401,
        "unit": "JPY_million",
        "providers": [
            {"id": "dormant_fund", "type": "dormant_deposit_fund"},
            {"id": "chiho_bank", "type": "regional_bank"},
            {"id": "cgc", "type": "credit_guarantee_corporation"},
        ],
        "vehicles": [vehicle],
    }


def make_scenario(**vehicle_overrides: Any) -> Scenario:
    return Scenario.model_validate(scenario_dict(**vehicle_overrides))


def write_yaml(tmp_path: Path, data: Any, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def small_scenario() -> Scenario:
    return make_scenario()


#: Debian's Chromium, which the end-to-end tests drive with Playwright.
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for a test module (each test opens its own context)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield chromium
        chromium.close()


def quick_run(name: str) -> Any:
    """A shipped scenario run small (2,000 paths, 10 replications): every table and
    figure, quickly."""
    from finmodel import load_scenario, run

    scenario = load_scenario(ROOT / "finmodel" / "scenarios" / f"{name}.yaml")
    vehicles = [v.model_copy(update={"paths": 2_000}) for v in scenario.vehicles]
    update: dict[str, Any] = {"vehicles": vehicles}
    if scenario.simulation is not None:
        update["simulation"] = scenario.simulation.model_copy(update={"replications": 10})
    return run(scenario.model_copy(update=update))
