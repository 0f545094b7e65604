"""Random generators derived from the scenario seed: one per named stream, never shared."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` (e.g. a vehicle id) under scenario ``seed``.

    Keyed by name rather than position, so adding or reordering vehicles does not change
    another vehicle's draws.
    """
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(key,)))
