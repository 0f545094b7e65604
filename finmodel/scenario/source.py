"""Reading YAML text safely while remembering where every field came from.

``yaml.safe_load`` gives the data; composing the same text into nodes (also with the
safe loader) gives the line of every key and list item, so that a validation error
deep in a model can still say ``file.yaml:14: vehicles[0].tranches[1].size``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from finmodel.scenario.errors import FieldPath, Problem, ScenarioError


@dataclass(frozen=True)
class SourceMap:
    """Line numbers (1-based) of the fields of one YAML document."""

    file: str
    lines: dict[FieldPath, int] = field(default_factory=dict)

    def line_of(self, path: FieldPath) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def problem(self, path: FieldPath, message: str) -> Problem:
        return Problem(self.file, self.line_of(path), tuple(path), message)


def _walk(
    node: yaml.Node, path: FieldPath, lines: dict[FieldPath, int], problems: list[Problem],
    file: str,
) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen and key != "<<":
                problems.append(
                    Problem(file, line, (*path, key),
                            f"duplicate key (first given on line {seen[key]})")
                )
            seen[key] = line
            child = (*path, key)
            lines.setdefault(child, line)
            _walk(value_node, child, lines, problems, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines, problems, file)


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document with the safe loader.

    Args:
        text: the YAML source.
        file: the name to use in messages.

    Returns:
        The plain data (dicts, lists, scalars) and the map of field lines.

    Raises:
        ScenarioError: on a syntax error or a duplicated key.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise ScenarioError([Problem(file, line, (), f"YAML syntax error: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file, None, (), f"YAML error: {exc}")]) from None
    lines: dict[FieldPath, int] = {}
    problems: list[Problem] = []
    if root is not None:
        lines[()] = root.start_mark.line + 1
        _walk(root, (), lines, problems, file)
    if problems:
        raise ScenarioError(problems)
    return data, SourceMap(file, lines)
