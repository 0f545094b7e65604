"""Load a scenario file: safe YAML, typed validation, cross-checks, located messages."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from finmodel.scenario.checks import check_scenario
from finmodel.scenario.errors import FieldPath, Problem, ScenarioError
from finmodel.scenario.model import Scenario
from finmodel.scenario.source import SourceMap, parse_yaml


def _model_at(path: FieldPath) -> type[BaseModel] | None:
    """The model class whose fields live at ``path`` (for "did you mean" hints)."""
    model: Any = Scenario
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        candidates = [annotation, *args]
        model = next((c for c in candidates if isinstance(c, type)
                      and issubclass(c, BaseModel)), None)
        if model is None:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _message(error: dict[str, Any]) -> str:
    loc: FieldPath = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        model = _model_at(loc[:-1])
        hint = ""
        if model is not None:
            close = difflib.get_close_matches(key, list(model.model_fields), n=1)
            if close:
                hint = f"; did you mean {close[0]!r}?"
            else:
                hint = f"; allowed keys: {', '.join(model.model_fields)}"
        return f"unknown key {key!r}{hint}"
    message = str(error["msg"])
    if error["type"] != "missing" and "input" in error:
        value = error["input"]
        if not isinstance(value, dict | list):
            message += f" (got {value!r})"
    return message


def _problems(exc: ValidationError, source: SourceMap) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc: FieldPath = tuple(error["loc"])
        problems.append(source.problem(loc, _message(dict(error))))
    return problems


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    """Validate scenario YAML text into a :class:`Scenario`.

    Raises:
        ScenarioError: listing every problem with file, line and field path.
    """
    return parse_document(text, file)[0]


def parse_document(text: str, file: str = "<scenario>") -> tuple[Scenario, SourceMap]:
    """Like :func:`parse_scenario`, also returning the map of field lines."""
    data, source = parse_yaml(text, file)
    if not isinstance(data, dict):
        raise ScenarioError([source.problem((), "a scenario must be a mapping of keys to values")])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, source)) from None
    findings = check_scenario(scenario)
    if findings:
        raise ScenarioError([source.problem(path, msg) for path, msg in findings])
    return scenario, source


def read_text(path: str | Path) -> str:
    """A scenario file's text, or a ScenarioError saying why it cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([Problem(str(path), None, (), f"cannot read file: {exc}")]) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Args:
        path: a YAML scenario file.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: when the file cannot be read or is not a valid scenario.
    """
    return parse_scenario(read_text(path), str(path))


def scenario_yaml(scenario: Scenario) -> str:
    """A scenario as YAML text (defaults left out, so it reads like the original)."""
    import yaml

    data = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
