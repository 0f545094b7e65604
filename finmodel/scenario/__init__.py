"""The scenario file format: models, loading and validation."""

from finmodel.scenario.errors import Problem, ScenarioError
from finmodel.scenario.loader import load_scenario, parse_scenario
from finmodel.scenario.model import Guarantee, Provider, Scenario, Segment, Tranche, Vehicle

__all__ = [
    "Guarantee",
    "Problem",
    "Provider",
    "Scenario",
    "ScenarioError",
    "Segment",
    "Tranche",
    "Vehicle",
    "load_scenario",
    "parse_scenario",
]
