"""What the reader sees for a thing the scenario names: its display name in the reader's
language, the id as the last fallback.

The format gives the scenario, its providers, vehicles, tranches and facilities a
``name`` (shown in English) and a ``name_ja`` (shown in Japanese), and logic-model nodes
a ``label`` and ``label_ja``; ids stay the keys of every table and file. In Japanese a
missing ``name_ja`` falls back to the domain's own word for an id that is one (a tranche
called ``senior`` reads シニア), then to the English name, then to the id.
"""

from __future__ import annotations

from typing import Protocol

from finmodel.scenario.impact_model import LogicNode
from finmodel.scenario.model import Scenario, Tranche
from finmodel.vocabulary import WORDS


class Named(Protocol):
    """A provider, vehicle or facility: an id and optional display names."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def name_ja(self) -> str | None: ...


def _word_ja(key: str) -> str | None:
    pair = WORDS.get(key)
    return None if pair is None else pair[1]


def display_name(item: Named, lang: str) -> str:
    """A provider's, vehicle's or facility's name in ``lang`` (its id as the fallback)."""
    if lang == "ja" and item.name_ja:
        return item.name_ja
    return item.name or item.id


def tranche_name(tranche: Tranche, lang: str) -> str:
    """A tranche's name in ``lang``: ``name_ja`` / ``label``, the domain word for its
    name (``senior`` → シニア), else its name."""
    if lang == "ja":
        return tranche.name_ja or _word_ja(tranche.name) or tranche.label or tranche.name
    return tranche.label or tranche.name


def scenario_title(scenario: Scenario, lang: str) -> str:
    """The scenario's title in ``lang``."""
    return scenario.name_ja if lang == "ja" and scenario.name_ja else scenario.name


def scenario_description(scenario: Scenario, lang: str) -> str | None:
    """What the scenario shows, in ``lang`` (the English description as the fallback)."""
    if lang == "ja" and scenario.description_ja:
        return scenario.description_ja
    return scenario.description


def region_name(scenario: Scenario, lang: str) -> str:
    """The region's name in ``lang`` ("" without a region)."""
    region = scenario.region
    if region is None:
        return ""
    return region.name_ja if lang == "ja" and region.name_ja else region.name


def node_label(node: LogicNode, lang: str) -> str:
    """A logic-model node's words in ``lang`` (its id as the fallback)."""
    if lang == "ja" and node.label_ja:
        return node.label_ja
    return node.label or node.id


def named(scenario: Scenario, key: str, lang: str) -> str:
    """The display name of the provider, vehicle or facility with id ``key`` (``key``
    itself when the scenario has none by that id)."""
    for group in (scenario.providers, scenario.vehicles, scenario.facilities):
        for item in group:
            if item.id == key:
                return display_name(item, lang)
    return key


def tranche_named(scenario: Scenario, vehicle_id: str, name: str, lang: str) -> str:
    """The display name of tranche ``name`` of vehicle ``vehicle_id`` (``name`` when not
    found)."""
    for vehicle in scenario.vehicles:
        if vehicle.id == vehicle_id:
            for tranche in vehicle.tranches:
                if tranche.name == name:
                    return tranche_name(tranche, lang)
    return name
