"""Reading YAML text safely while remembering where every field came from.

The text is parsed once, event by event, with libyaml's C parser where it is installed
(``yaml.CSafeLoader``; else PyYAML's pure-Python safe loader), straight into plain data
(dicts, lists, str, int, float, bool, None, dates), each scalar made by the safe
constructor of its tag as ``yaml.safe_load`` makes it, while the line of every key and
list item is noted, so that a validation error deep in a model can still say
``file.yaml:14: vehicles[0].tranches[1].size``. On the way, what a scenario never needs
and what could not be computed is refused with its line:

* anchors, aliases and merge keys (``&name``, ``*name``, ``<<``): a few hundred bytes of
  nested aliases expand to billions of values ("billion laughs");
* nesting deeper than :data:`MAX_DEPTH` mappings and lists (a scenario needs about 6);
* tags other than the safe scalar ones (``!!set``, ``!!python/...``, ``!custom``), and
  keys that are mappings or lists;
* text longer than :data:`MAX_SCENARIO_BYTES` (files are also checked before reading).

Numbers in exponent notation without a dot (``1e6``, ``2.5e-3``), which YAML 1.1 reads
as text, are read as numbers (as YAML 1.2 does).
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from finmodel.scenario.errors import FieldPath, Problem, ScenarioError

#: Most nested mappings and lists in a scenario file (the deepest shipped key is 5 deep).
MAX_DEPTH = 32
#: Largest scenario file, in bytes (and largest scenario text, in characters): 10 MB.
MAX_SCENARIO_BYTES = 10_000_000

#: The safe loader (libyaml's C parser when installed, else PyYAML's pure-Python one)
#: that also reads ``1e6`` as a number. Only the parser's events and the safe
#: constructor are used: no tag can build an arbitrary Python object.
ScenarioLoader: Any = type("ScenarioLoader", (getattr(yaml, "CSafeLoader", yaml.SafeLoader),), {})
ScenarioLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


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


class _Refused(Exception):
    """A document the loader will not build (carries the located problem)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_NO_KEY = object()  # a mapping's frame before its next key


def _build(loader: Any, file: str) -> tuple[Any, dict[FieldPath, int], list[Problem]]:
    """The document's data, the line of every key and list item, and its duplicate keys.

    Built straight from the parser's events, without recursion and without a node tree:
    each scalar is made by the safe constructor of its tag; anchors and aliases, merge
    keys, keys that are mappings or lists, tags other than the safe scalar ones, and
    nesting deeper than :data:`MAX_DEPTH` are refused at the first one, before anything
    is expanded (the path in that message is the one reached so far).
    """
    get_event = loader.get_event
    resolve = loader.resolve
    constructors = {tag: make for tag, make in loader.yaml_constructors.items()
                    if tag is not None and tag not in (_MAP, _SEQ, _MERGE)
                    and not tag.endswith((":set", ":omap", ":pairs"))}
    made: dict[tuple[str, Any], Any] = {}  # each untagged scalar's value, made once
    lines: dict[FieldPath, int] = {}
    duplicates: list[Problem] = []
    # each open collection, innermost last: [its data, its path, the key awaiting a value
    # (or _NO_KEY), that key as written, {key as written: its line}]
    frames: list[list[Any]] = []
    frame: list[Any] | None = None
    root: Any = None

    def path_of_next() -> FieldPath:
        if frame is None:
            return ()
        if frame[0].__class__ is list:
            return (*frame[1], len(frame[0]))
        return frame[1] if frame[2] is _NO_KEY else (*frame[1], frame[3])

    def refuse(event: Any, message: str) -> _Refused:
        return _Refused(Problem(file, event.start_mark.line + 1, path_of_next(), message))

    def unsupported(event: Any, what: str) -> _Refused:
        return refuse(event, f"anchors and aliases (here {what}) are not supported in scenario "
                      "files: write the values out")

    def scalar(event: Any, tag: str) -> Any:
        if tag == _STR:
            return event.value
        if tag == _MERGE:
            raise refuse(event, "merge keys (<<) are not supported in scenario files: write "
                         "the keys out")
        make = constructors.get(tag)
        if make is None:
            raise refuse(event, f"the YAML tag {tag!r} is not supported: a scenario holds "
                         "plain mappings, lists, text, numbers, booleans and dates")
        return make(loader, ScalarNode(tag, event.value, event.start_mark, event.end_mark,
                                       style=event.style))

    get_event()  # the stream start
    if loader.check_event(StreamEndEvent):
        get_event()
        return None, lines, duplicates
    document = get_event()
    if not isinstance(document, DocumentStartEvent):  # pragma: no cover - the parser ensures it
        raise refuse(document, "expected the start of a document")
    while True:
        event = get_event()
        kind = event.__class__
        opened: list[Any] | None = None
        if kind is ScalarEvent:
            if event.anchor is not None:
                raise unsupported(event, f"&{event.anchor}")
            tag = event.tag
            if tag is None or tag == "!":
                memo = (event.value, event.implicit)
                if memo in made:
                    value = made[memo]
                else:
                    value = made[memo] = scalar(event, resolve(ScalarNode, event.value,
                                                               event.implicit))
            else:
                value = scalar(event, tag)
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None:
                raise unsupported(event, f"&{event.anchor}")
            if len(frames) >= MAX_DEPTH:
                raise refuse(event, f"nested more than {MAX_DEPTH} levels deep (mappings and "
                             "lists); a scenario needs far fewer")
            if frame is not None and frame[2] is _NO_KEY and frame[0].__class__ is dict:
                raise refuse(event, "a key must be a plain value, not a mapping or a list")
            mapping = kind is MappingStartEvent
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(MappingNode if mapping else SequenceNode, None, event.implicit)
            if tag != (_MAP if mapping else _SEQ):
                raise refuse(event, f"the YAML tag {tag!r} is not supported: a scenario holds "
                             "plain mappings, lists, text, numbers, booleans and dates")
            value = {} if mapping else []
            opened = [value, (), _NO_KEY, None, {} if mapping else None]
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            frames.pop()
            frame = frames[-1] if frames else None
            continue
        elif kind is AliasEvent:
            raise unsupported(event, f"*{event.anchor}")
        elif kind is DocumentEndEvent:
            break
        else:  # pragma: no cover - no other event comes inside a document
            raise refuse(event, f"unexpected YAML event {kind.__name__}")
        line = event.start_mark.line + 1
        if frame is None:
            root = value
            lines[()] = line
            path: FieldPath = ()
        elif frame[0].__class__ is list:
            path = (*frame[1], len(frame[0]))
            lines.setdefault(path, line)
            frame[0].append(value)
        elif frame[2] is _NO_KEY:  # a key: its value comes next
            written = str(event.value)
            frame[2], frame[3] = value, written
            seen = frame[4]
            if written in seen:
                duplicates.append(Problem(file, line, (*frame[1], written),
                                          f"duplicate key (first given on line {seen[written]})"))
            else:
                seen[written] = line
            lines.setdefault((*frame[1], written), line)
            continue
        else:
            path = (*frame[1], frame[3])
            frame[0][frame[2]] = value
            frame[2] = _NO_KEY
        if opened is not None:
            opened[1] = path
            frames.append(opened)
            frame = opened
    if not loader.check_event(StreamEndEvent):
        extra = get_event()
        raise _Refused(Problem(file, extra.start_mark.line + 1, (),
                               "YAML syntax error: expected a single document in the stream "
                               "but found another document"))
    get_event()
    return root, lines, duplicates


def too_large(size: int, what: str = "bytes") -> str:
    """The message for a scenario of ``size`` bytes (or characters) over the limit."""
    return (f"the scenario is {size:,} {what}, more than the {MAX_SCENARIO_BYTES:,} "
            f"(10 MB) a scenario file may have")


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document with the safe loader.

    Args:
        text: the YAML source (at most :data:`MAX_SCENARIO_BYTES` characters).
        file: the name to use in messages.

    Returns:
        The plain data (dicts, lists, scalars) and the map of field lines.

    Raises:
        ScenarioError: on a syntax error, a duplicated key, an anchor, alias or merge key,
            a tag other than the safe scalar ones, nesting deeper than :data:`MAX_DEPTH`,
            or text that is too long.
    """
    if len(text) > MAX_SCENARIO_BYTES:
        raise ScenarioError([Problem(file, None, (), too_large(len(text), "characters"))])
    loader = ScenarioLoader(text)
    collecting = gc.isenabled()
    gc.disable()  # a million new objects: the cyclic collector would rescan them again and again
    try:
        data, lines, duplicates = _build(loader, file)
    except _Refused as exc:
        raise ScenarioError([exc.problem]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise ScenarioError([Problem(file, line, (), f"YAML syntax error: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem(file, None, (), f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
        if collecting:
            gc.enable()
    if duplicates:
        raise ScenarioError(duplicates)
    return data, SourceMap(file, lines)
