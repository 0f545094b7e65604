"""Dotted paths into a scenario's data, as sweeps use them."""

from __future__ import annotations

from typing import Any

from finmodel.scenario.model import Scenario

KEYS = ("id", "name", "segment")
Path = tuple[str | int, ...]


class SweepPathError(ValueError):
    """A sweep path that does not lead to a field of the scenario."""


def resolve(data: Any, path: str, new_key: bool = False) -> Path:
    """The concrete keys and list indices that ``path`` names in ``data`` (with
    ``new_key``, the last part may be a key its mapping does not have yet)."""
    concrete: list[str | int] = []
    node = data
    parts = path.split(".")
    for n, part in enumerate(parts):
        if isinstance(node, dict):
            if new_key and n == len(parts) - 1 and part not in node:
                concrete.append(part)
                return tuple(concrete)
            if part not in node:
                raise SweepPathError(
                    f"{'.'.join(map(str, concrete)) or 'the scenario'} has no key {part!r}"
                    f" (keys: {', '.join(map(str, node))})")
            concrete.append(part)
            node = node[part]
        elif isinstance(node, list):
            index = next((i for i, item in enumerate(node) if isinstance(item, dict)
                          and any(item.get(k) == part for k in KEYS)), None)
            if index is None and part.isdigit() and int(part) < len(node):
                index = int(part)
            if index is None:
                names = [str(next((item.get(k) for k in KEYS if k in item), i))
                         for i, item in enumerate(node) if isinstance(item, dict)]
                raise SweepPathError(f"no item {part!r} in {'.'.join(map(str, concrete))} "
                                     f"(items: {', '.join(names)})")
            concrete.append(index)
            node = node[index]
        else:
            raise SweepPathError(f"{'.'.join(map(str, concrete))} is a value, not a section")
    if isinstance(node, dict | list):
        raise SweepPathError(f"{path} is a section, not a value")
    return tuple(concrete)


def sweep_problems(scenario: Scenario, data: dict[str, Any]) -> list[tuple[Path, str]]:
    """Problems with the sweep block itself: unknown paths, bad ranges, missing count."""
    sweep = scenario.sweep
    if sweep is None:
        return []
    found: list[tuple[Path, str]] = []
    for section, paths in (("grid", sweep.grid), ("ranges", sweep.ranges)):
        for path in paths:
            try:
                resolve(data, path)
            except SweepPathError as exc:
                found.append((("sweep", section, path), str(exc)))
    for path, values in sweep.grid.items():
        if not values:
            found.append((("sweep", "grid", path), "give at least one value"))
    for path, bounds in sweep.ranges.items():
        if len(bounds) != 2 or bounds[0] > bounds[1]:
            found.append((("sweep", "ranges", path), f"give [low, high] with low <= high (got {bounds})"))
    if sweep.ranges and sweep.design == "grid":
        found.append((("sweep", "design"), "ranges need design: random or latin_hypercube"))
    if sweep.design != "grid" and (sweep.count is None or not sweep.ranges):
        found.append((("sweep", "count"), f"design {sweep.design} needs `ranges` and `count`"))
    return found


