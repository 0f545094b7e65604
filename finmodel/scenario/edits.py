"""Changes written into a scenario file's own text: its comments, order and layout kept.

The app's table edits (and what the planner downloads afterwards) go through
:func:`edit_text`. The text is validated with the project's safe loader; the paths are
resolved and the stack rebalanced on its plain data (:mod:`finmodel.scenario.changes`);
then each value that changes is replaced where it is written, using the positions of
the YAML nodes (a safe compose), so every other character of the file (comments,
alignment, flow or block style, the ILLUSTRATIVE note) stays as it was. A key the file
did not have is added to its mapping in the mapping's own style. The result is
validated like a file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from finmodel.scenario.changes import change_in_place, concrete_paths
from finmodel.scenario.errors import FieldPath
from finmodel.scenario.loader import parse_scenario


def yaml_scalar(value: Any) -> str:
    """A value as YAML reads it back (1e-05 -> 1.0e-05, strings quoted when needed)."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value) \
            and abs(value) < 1e15:
        return f"{value:.1f}"
    dumped = yaml.safe_dump(value, default_flow_style=True, width=math.inf)
    return dumped.removesuffix("\n").removesuffix("\n...").strip()


def _child(node: Node, key: str | int) -> tuple[Node | None, MappingNode | None]:
    """(the value node at ``key`` or None, the mapping it belongs to when it is missing)."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                return value_node, None
        return None, node
    if isinstance(node, SequenceNode) and isinstance(key, int):
        return node.value[key], None
    return None, None


def _splice(text: str, root: Node, path: FieldPath, value: str) -> tuple[int, int, str]:
    """Where and what to write for one change: (start, end, new text)."""
    node: Node | None = root
    for n, key in enumerate(path):
        assert node is not None
        child, parent = _child(node, key)
        if child is None:
            if parent is None or n != len(path) - 1:
                raise KeyError(path)
            return _new_key(text, parent, str(key), value)
        node = child
    if not isinstance(node, ScalarNode):
        raise KeyError(path)
    return node.start_mark.index, node.end_mark.index, value


def _line_end(text: str, node: Node) -> int:
    """Where the line on which ``node`` ends ends (before its newline)."""
    end = node.end_mark.index
    if end > 0 and text[end - 1] == "\n":  # a block node ends after its newline
        return end - 1
    line_end = text.find("\n", end)
    return len(text) if line_end < 0 else line_end


def _new_key(text: str, mapping: MappingNode, key: str, value: str) -> tuple[int, int, str]:
    """Add ``key: value`` to a mapping, in its style (flow: before the brace; block: a
    line after its last entry, at its keys' indentation)."""
    if mapping.flow_style:
        brace = text.rindex("}", 0, mapping.end_mark.index)
        sep = ", " if mapping.value else ""
        return brace, brace, f"{sep}{key}: {value}"
    first_key = mapping.value[0][0]
    line_end = _line_end(text, mapping.value[-1][1])
    return line_end, line_end, "\n" + " " * first_key.start_mark.column + f"{key}: {value}"


def edit_text(text: str, changes: Mapping[str, Any], file: str = "<scenario>") -> str:
    """``text`` with ``changes`` ({dotted.path: value}) written in place, validated.

    Raises:
        ScenarioError: the text is not a valid scenario, a path leads nowhere, or the
            changed scenario is invalid (with the file, line and field).
    """
    parse_scenario(text, file)  # safe load, validated, before anything else reads it
    if not changes:
        return text
    data = yaml.safe_load(text)
    written = change_in_place(data, concrete_paths(data, changes, file, new_keys=True))
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    assert root is not None  # a valid scenario is a mapping
    splices = sorted((_splice(text, root, path, yaml_scalar(value))
                      for path, value in written.items()), reverse=True)
    edited = text
    for start, end, new in splices:  # from the end, so earlier positions stay valid
        edited = edited[:start] + new + edited[end:]
    parse_scenario(edited, file)
    return edited


def append_item(text: str, path: str, item: Mapping[str, Any], file: str = "<scenario>") -> str:
    """``text`` with ``item`` appended to the top-level list ``path`` (a flow mapping on a
    new line of a block list, or inside a flow list; the key is added at the end of the
    file when the file has no such list), validated.

    Raises:
        ScenarioError: the text or the result is not a valid scenario.
    """
    parse_scenario(text, file)
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    assert isinstance(root, MappingNode)
    flow = yaml_flow(item)
    node = next((v for k, v in root.value if isinstance(k, ScalarNode) and k.value == path),
                None)
    if node is None or (isinstance(node, ScalarNode) and node.value in ("", "~", "null")):
        edited = text.rstrip("\n") + f"\n{path}:\n  - {flow}\n" if node is None else \
            text[:node.start_mark.index] + f"\n  - {flow}" + text[node.end_mark.index:]
    elif isinstance(node, SequenceNode) and (node.flow_style or not node.value):
        bracket = text.rindex("]", 0, node.end_mark.index)
        edited = text[:bracket] + (", " if node.value else "") + flow + text[bracket:]
    elif isinstance(node, SequenceNode):
        line_end = _line_end(text, node.value[-1])
        first = node.value[0].start_mark
        line_start = text.rfind("\n", 0, first.index) + 1
        dash = text.index("-", line_start)
        edited = text[:line_end] + "\n" + " " * (dash - line_start) + f"- {flow}" \
            + text[line_end:]
    else:
        raise ValueError(f"{path} is not a list")
    parse_scenario(edited, file)
    return edited


def yaml_flow(item: Mapping[str, Any]) -> str:
    """A mapping as one line of YAML flow style: ``{id: x, kind: guarantee, ...}``."""
    dumped = yaml.safe_dump(dict(item), default_flow_style=True, width=math.inf,
                            sort_keys=False)
    return dumped.strip()
