"""Sweeps: one scenario expanded into many runs with fields changed.

Paths are those of :mod:`finmodel.scenario.changes` (the one way to change a scenario:
the top tranche absorbs size changes). Every point is validated as a whole scenario
before anything runs. With ``common_random_numbers: true`` every point uses the
scenario's seed (differences between points come from the changes alone); otherwise each
run's seed is derived from the scenario seed and the run's index with
``numpy.random.SeedSequence.spawn``, so results do not depend on where or in which
order runs execute.

A sweep is counted before anything is expanded (:func:`run_count`: the product of the
grid's value-list lengths, times the sampled design's ``count``), so a batch can refuse
one too large to plan (:class:`TooManyRuns`) in microseconds instead of minutes.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import qmc

from finmodel.scenario.changes import apply_changes, validate_data
from finmodel.scenario.errors import Problem, ScenarioError
from finmodel.scenario.model import Scenario
from finmodel.scenario.paths import resolve, sweep_problems
from finmodel.seeding import stream

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Point:
    """One run of a sweep: its index, the values set, and the scenario to run."""

    index: int
    parameters: dict[str, Any]
    scenario: Scenario


class TooManyRuns(ValueError):
    """More runs than a batch allows; raised before any run is expanded or written."""

    def __init__(self, message: str, runs: int, limit: int) -> None:
        super().__init__(message)
        self.runs = runs
        self.limit = limit


def run_count(scenario: Scenario) -> int:
    """How many runs ``scenario`` expands to, without expanding it: 1 without a sweep,
    else the product of the grid's value-list lengths times the design's ``count``."""
    sweep = scenario.sweep
    if sweep is None:
        return 1
    grid = math.prod(len(values) for values in sweep.grid.values())
    return grid * ((sweep.count or 0) if sweep.ranges else 1)


def describe_count(scenario: Scenario) -> str:
    """How :func:`run_count` is made up, e.g. ``grid 1,024 x 1,024`` or
    ``grid 4 x 2, x 20 latin_hypercube points``."""
    sweep = scenario.sweep
    if sweep is None:
        return "no sweep"
    parts = []
    if sweep.grid:
        parts.append("grid " + " x ".join(f"{len(v):,}" for v in sweep.grid.values()))
    if sweep.ranges:
        parts.append(f"{'x ' if parts else ''}{sweep.count or 0:,} {sweep.design} points")
    return ", ".join(parts) or "no swept field"


def run_seeds(seed: int, count: int) -> list[int]:
    """Seeds of ``count`` runs derived from a scenario seed by SeedSequence.spawn."""
    children = np.random.SeedSequence(seed).spawn(count)
    return [int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)) for child in children]


def _design(scenario: Scenario, paths: list[str]) -> list[dict[str, float]]:
    sweep = scenario.sweep
    assert sweep is not None
    if not paths:
        return [{}]
    count = sweep.count or 0
    low = np.array([sweep.ranges[p][0] for p in paths])
    high = np.array([sweep.ranges[p][1] for p in paths])
    rng = stream(scenario.seed, "sweep")
    if sweep.design == "latin_hypercube":
        unit = qmc.LatinHypercube(d=len(paths), seed=rng).random(count)
    else:
        unit = rng.random((count, len(paths)))
    values = qmc.scale(unit, low, high) if np.all(high > low) else low + unit * (high - low)
    return [dict(zip(paths, map(float, row), strict=True)) for row in values]


def _culprit(params: dict[str, Any], concrete: dict[str, Path], bad: Path) -> str:
    """The swept path a problem at ``bad`` comes from: the one whose concrete path shares
    the longest prefix with it (a value's own field, or the section it is checked in);
    ties go to the first swept path."""
    def shared(path: str) -> int:
        n = 0
        for a, b in zip(concrete[path], bad, strict=False):
            if str(a) != str(b):
                break
            n += 1
        return n

    return max(params, key=shared)


def expand(scenario: Scenario, file: str = "<scenario>", lines: Any = None,
           max_runs: int | None = None) -> list[Point]:
    """Every run of a scenario: itself when it has no sweep, else each sweep point.

    Args:
        scenario: the validated scenario.
        file: the file name for messages.
        lines: the file's :class:`SourceMap` (for line numbers), if known.
        max_runs: refuse (before expanding anything) a sweep of more runs than this.

    Raises:
        ScenarioError: an unknown path, or a value that makes an invalid scenario; each
            problem names the line of the swept path whose value caused it.
        TooManyRuns: more than ``max_runs`` runs.
    """
    def problem(path: Path, message: str) -> Problem:
        return lines.problem(path, message) if lines is not None else Problem(
            file, None, path, message)

    if scenario.sweep is None:
        return [Point(0, {}, scenario)]
    count = run_count(scenario)
    if max_runs is not None and count > max_runs:
        raise TooManyRuns(f"{file}: the sweep has {count:,} runs ({describe_count(scenario)}), "
                          f"more than the limit of {max_runs:,}", count, max_runs)
    data = scenario.model_dump(mode="json", by_alias=True)
    found = sweep_problems(scenario, data)
    if found:
        raise ScenarioError([problem(p, m) for p, m in found])
    base = {k: v for k, v in data.items() if k != "sweep"}
    sweep = scenario.sweep
    grid_paths = list(sweep.grid)
    range_paths = list(sweep.ranges)
    concrete = {p: resolve(base, p) for p in grid_paths + range_paths}
    combos = list(itertools.product(*(sweep.grid[p] for p in grid_paths)))
    design = _design(scenario, range_paths)
    points_params = [dict(zip(grid_paths, combo, strict=True)) | sample
                     for combo in combos for sample in design]
    seeds = ([scenario.seed] * len(points_params) if sweep.common_random_numbers
             else run_seeds(scenario.seed, len(points_params)))
    points, problems = [], []
    for index, params in enumerate(points_params):
        changed = apply_changes(base, {concrete[p]: v for p, v in params.items()})
        if "seed" not in params:  # a swept seed is the point's own
            changed["seed"] = seeds[index]
        try:
            candidate = validate_data(changed, file)
        except ScenarioError as exc:
            shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
            for bad in exc.problems:
                culprit = _culprit(params, concrete, tuple(bad.path)) if params else None
                where: Path = ("sweep",) if culprit is None else (
                    "sweep", "grid" if culprit in sweep.grid else "ranges", culprit)
                problems.append(problem(where, f"run {index} ({shown}) is invalid: "
                                        f"{'.'.join(map(str, bad.path))}: {bad.message}"))
            continue
        points.append(Point(index, params, candidate))
    if problems:
        raise ScenarioError(problems)
    return points
