"""Adding and removing providers, facilities, tranches and pool segments in a scenario's
own text: the app's scenario builder.

Like :mod:`finmodel.scenario.edits`, every change is written into the file's text where it
belongs (a new item is one flow-style line in its list, in the list's own indentation; a
removed item's lines go), so comments, order and layout survive, and the result is
validated like a file: a change that makes the scenario invalid raises
:class:`~finmodel.scenario.errors.ScenarioError` naming the field, and nothing changes.

Tranches stay a stack: a new tranche goes in its place bottom to top (grants first, then
first loss, subordinated, mezzanine, senior) and takes its size from the top tranche; a
removed tranche's size goes to the top tranche (the new top when the top is removed), so
sizes still sum to 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from finmodel.scenario.edits import yaml_scalar
from finmodel.scenario.errors import FieldPath, Problem, ScenarioError
from finmodel.scenario.loader import parse_scenario

#: Sections the builder changes: (list path inside the scenario, the key naming an item).
SECTIONS = {"providers": "id", "facilities": "id", "tranches": "name", "pool": "segment"}
#: Where each kind of tranche goes in the stack, bottom first.
KIND_ORDER = {"grant": 0, "first_loss": 1, "subordinated": 2, "mezzanine": 3, "senior": 4}


def yaml_flow(item: Mapping[str, Any]) -> str:
    """A mapping as one line of YAML flow style, Japanese names written as they are."""
    dumped = yaml.safe_dump(dict(item), default_flow_style=True, width=math.inf,
                            sort_keys=False, allow_unicode=True)
    return dumped.strip()


def _node_at(root: Node | None, path: FieldPath) -> Node:
    if root is None:
        raise KeyError(path)
    node: Node = root
    for key in path:
        if isinstance(node, MappingNode):
            found = next((v for k, v in node.value
                          if isinstance(k, ScalarNode) and k.value == key), None)
            if found is None:
                raise KeyError(path)
            node = found
        elif isinstance(node, SequenceNode) and isinstance(key, int):
            node = node.value[key]
        else:
            raise KeyError(path)
    return node


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _item_end(text: str, node: Node) -> int:
    """Where the line on which ``node`` ends ends (before its newline)."""
    end = node.end_mark.index
    if end > 0 and text[end - 1] == "\n":
        return end - 1
    line_end = text.find("\n", end)
    return len(text) if line_end < 0 else line_end


def insert_item(text: str, path: FieldPath, item: Mapping[str, Any],
                index: int | None = None) -> str:
    """``text`` with ``item`` (a flow mapping) inserted into the list at ``path`` before
    position ``index`` (at the end when None). Not validated."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node = _node_at(root, path)
    if not isinstance(node, SequenceNode):
        raise KeyError(path)
    flow = yaml_flow(item)
    items = node.value
    if node.flow_style or not items:
        if index is None or index >= len(items):
            bracket = text.rindex("]", 0, node.end_mark.index)
            return text[:bracket] + (", " if items else "") + flow + text[bracket:]
        start = items[index].start_mark.index
        return text[:start] + flow + ", " + text[start:]
    first = items[0].start_mark.index
    dash = text.rindex("-", 0, first)
    indent = " " * (dash - _line_start(text, dash))
    if index is None or index >= len(items):
        end = _item_end(text, items[-1])
        return text[:end] + "\n" + indent + "- " + flow + text[end:]
    at = _line_start(text, text.rindex("-", 0, items[index].start_mark.index))
    return text[:at] + indent + "- " + flow + "\n" + text[at:]


def delete_item(text: str, path: FieldPath, index: int) -> str:
    """``text`` without item ``index`` of the list at ``path`` (its lines in a block list,
    its text and one comma in a flow list). Not validated."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node = _node_at(root, path)
    if not isinstance(node, SequenceNode) or not 0 <= index < len(node.value):
        raise KeyError(path)
    items = node.value
    item = items[index]
    if node.flow_style:
        if index + 1 < len(items):
            return text[:item.start_mark.index] + text[items[index + 1].start_mark.index:]
        if index > 0:
            return text[:items[index - 1].end_mark.index] + text[item.end_mark.index:]
        return text[:item.start_mark.index] + text[item.end_mark.index:]
    start = _line_start(text, text.rindex("-", 0, item.start_mark.index))
    end = _item_end(text, item)
    if len(items) == 1:  # the list's key stays, empty (validation says whether it may be)
        key_end = text.rfind(":", 0, start)
        return text[:key_end + 1] + " []" + text[end:]
    return text[:start] + text[min(end + 1, len(text)):]


def set_scalar(text: str, path: FieldPath, value: Any) -> str:
    """``text`` with the scalar at ``path`` replaced by ``value``. Not validated."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    node = _node_at(root, path)
    if not isinstance(node, ScalarNode):
        raise KeyError(path)
    return text[:node.start_mark.index] + yaml_scalar(value) + text[node.end_mark.index:]


def _refuse(file: str, path: FieldPath, message: str) -> ScenarioError:
    return ScenarioError([Problem(file, None, path, message)])


def _list_path(data: Mapping[str, Any], section: str, vehicle: str | None,
               file: str) -> FieldPath:
    if section in ("providers", "facilities"):
        return (section,)
    if section not in SECTIONS:
        raise _refuse(file, (section,), f"unknown section {section!r}")
    index = next((k for k, v in enumerate(data.get("vehicles") or []) if v.get("id") == vehicle),
                 None)
    if index is None:
        raise _refuse(file, ("vehicles",), f"no item {vehicle!r} in vehicles (items: "
                      f"{', '.join(str(v.get('id')) for v in data.get('vehicles') or [])})")
    return ("vehicles", index, section)


def add_item(text: str, section: str, item: Mapping[str, Any], vehicle: str | None = None,
             file: str = "<scenario>") -> str:
    """``text`` with ``item`` added to ``section`` (providers, facilities, or a vehicle's
    tranches or pool), validated. A tranche goes in its place in the stack and takes its
    size from the top tranche.

    Raises:
        ScenarioError: the text, or the scenario with the item, is invalid.
    """
    parse_scenario(text, file)
    data = yaml.safe_load(text)
    path = _list_path(data, section, vehicle, file)
    item = {k: v for k, v in item.items() if v is not None and v != "" and v != []}
    if section != "tranches":
        if section in ("providers", "facilities") and not data.get(section):
            edited = (text.rstrip("\n") + f"\n{section}:\n  - {yaml_flow(item)}\n"
                      if section not in data else insert_item(text, path, item))
        else:
            edited = insert_item(text, path, item)
        parse_scenario(edited, file)
        return edited
    tranches = data["vehicles"][path[1]]["tranches"]
    rank = KIND_ORDER.get(str(item.get("kind")), 4)
    place = next((k for k, t in enumerate(tranches)
                  if KIND_ORDER.get(str(t.get("kind")), 4) > rank), len(tranches))
    place = min(place, len(tranches) - 1) if tranches else 0  # the top stays on top
    top = tranches[-1]
    size = item.get("size")
    edited = text
    if isinstance(size, int | float) and not isinstance(size, bool) \
            and isinstance(top.get("size"), int | float):
        edited = set_scalar(edited, (*path, len(tranches) - 1, "size"),
                            round(float(top["size"]) - float(size), 12))
    edited = insert_item(edited, path, item, place)
    parse_scenario(edited, file)
    return edited


def remove_item(text: str, section: str, key: str, vehicle: str | None = None,
                file: str = "<scenario>") -> str:
    """``text`` without the item ``key`` of ``section``, validated. A removed tranche's
    size goes to the top tranche (to the new top when the top is removed).

    Raises:
        ScenarioError: no such item, or the scenario without it is invalid (a provider a
            tranche still names, the last tranche, ...).
    """
    parse_scenario(text, file)
    data = yaml.safe_load(text)
    path = _list_path(data, section, vehicle, file)
    node: Any = data
    for part in path:
        node = node[part]
    name_key = SECTIONS[section]
    index = next((k for k, v in enumerate(node) if isinstance(v, dict)
                  and v.get(name_key) == key), None)
    if index is None:
        shown = ".".join(str(p) for p in path)
        raise _refuse(file, path, f"no item {key!r} in {shown} (items: "
                      f"{', '.join(str(v.get(name_key)) for v in node)})")
    edited = text
    if section == "tranches" and len(node) > 1:
        top = len(node) - 1
        heir = top if index != top else top - 1
        size = node[index].get("size")
        if isinstance(size, int | float) and isinstance(node[heir].get("size"), int | float):
            edited = set_scalar(edited, (*path, heir, "size"),
                                round(float(node[heir]["size"]) + float(size), 12))
    edited = delete_item(edited, path, index)
    parse_scenario(edited, file)
    return edited
