"""finmodel: a regional impact-finance portfolio modeller.

    >>> from finmodel import load_scenario, run
    >>> results = run(load_scenario("scenarios/dormant_deposit_fund.yaml"))
    >>> results.tranches  # one row per vehicle and tranche

Importing the package is cheap: the names below load their modules (numpy, pandas,
scipy, simpy) when first used, so ``finmodel --version`` and ``--help`` answer at once.
"""

from __future__ import annotations

import sys
from importlib import import_module, metadata
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from finmodel.results import RunResults
    from finmodel.run import run
    from finmodel.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

try:
    __version__ = metadata.version("finmodel")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

_LAZY = {"RunResults": "finmodel.results", "run": "finmodel.run",
         "Scenario": "finmodel.scenario", "ScenarioError": "finmodel.scenario",
         "load_scenario": "finmodel.scenario", "parse_scenario": "finmodel.scenario"}

__all__ = ["RunResults", "Scenario", "ScenarioError", "__version__", "load_scenario",
           "parse_scenario", "run"]


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'finmodel' has no attribute {name!r}")


class _Package(ModuleType):
    """The package module: ``finmodel.run`` stays the function ``run`` even once the
    submodule of the same name is imported (the import system would bind the module)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _LAZY and isinstance(value, ModuleType):
            return  # the submodule stays reachable as sys.modules["finmodel.run"]
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
