"""finmodel: a regional impact-finance portfolio modeller.

    >>> from finmodel import load_scenario, run
    >>> results = run(load_scenario("scenarios/dormant_deposit_fund.yaml"))
    >>> results.tranches  # one row per vehicle and tranche
"""

from finmodel.results import RunResults
from finmodel.run import run
from finmodel.scenario import Scenario, ScenarioError, load_scenario, parse_scenario

__version__ = "0.1.0"

__all__ = ["RunResults", "Scenario", "ScenarioError", "__version__", "load_scenario",
           "parse_scenario", "run"]
