"""The scenarios shipped inside the package (package data, found with importlib.resources).

In a source checkout ``scenarios/`` is a link to ``finmodel/scenarios/``, so the README's
paths work there too; an installed package finds them here wherever it is installed.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def scenario_folder() -> Path:
    """The folder of the shipped scenario files."""
    return Path(str(resources.files("finmodel").joinpath("scenarios")))


def shipped_scenarios(folder: Path | None = None) -> dict[str, Path]:
    """Shipped scenario files by file name (sweeps are for the batch runner, not the app)."""
    folder = folder if folder is not None else scenario_folder()
    if not folder.exists():
        return {}
    return {p.name: p for p in sorted(folder.glob("*.yaml")) if not p.name.startswith("sweep_")}


def find_scenario(name: str) -> Path:
    """A scenario file: ``name`` itself when it exists, else the shipped scenario of that
    name (``dormant_deposit_fund`` or ``dormant_deposit_fund.yaml``), else ``name`` as given
    (for the loader to report that it cannot be read)."""
    path = Path(name)
    if path.exists() or path.parent != Path("."):
        return path
    shipped = scenario_folder() / (name if name.endswith(".yaml") else f"{name}.yaml")
    return shipped if shipped.exists() else path
