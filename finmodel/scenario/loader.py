"""Load a scenario file: safe YAML, typed validation, cross-checks, located messages."""

from __future__ import annotations

import difflib
import os
import stat
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from finmodel.scenario.checks import check_scenario
from finmodel.scenario.errors import FieldPath, Problem, ScenarioError
from finmodel.scenario.model import Scenario
from finmodel.scenario.source import MAX_SCENARIO_BYTES, SourceMap, parse_yaml, too_large


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


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_text(path: str | Path) -> str:
    """A scenario file's text, or a ScenarioError saying why it cannot be read.

    Only a regular file (or a link to one) of at most 10 MB
    (:data:`~finmodel.scenario.source.MAX_SCENARIO_BYTES`) is read: a FIFO, a device such
    as /dev/zero or a directory is refused without reading from it, and so is a larger
    file, before it is read.
    """
    def refuse(message: str) -> ScenarioError:
        return ScenarioError([Problem(str(path), None, (), f"cannot read file: {message}")])

    try:  # non-blocking: opening a FIFO must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise refuse(str(exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise refuse(f"it is {_kind(mode)}, not a regular file")
        size = os.fstat(fd).st_size
        if size > MAX_SCENARIO_BYTES:
            raise refuse(too_large(size))
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(MAX_SCENARIO_BYTES + 1)
        if len(data) > MAX_SCENARIO_BYTES:  # it grew after the check
            raise refuse(f"it grew past {MAX_SCENARIO_BYTES:,} bytes (10 MB) while being read")
        # universal newlines, as Path.read_text gives
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        raise refuse(f"not UTF-8 text ({exc})") from None
    except OSError as exc:
        raise refuse(str(exc)) from None
    finally:
        os.close(fd)


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
    """A scenario as YAML text (defaults left out, so it reads like the original; never
    with anchors or aliases, which scenario files may not have)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True

    data = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)
