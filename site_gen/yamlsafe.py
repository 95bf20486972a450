"""A strict YAML loader that keeps the source position of every value.

PyYAML's own constructors are not used: they apply YAML 1.1 rules that turn
``NO`` into ``False``, ``1:20`` into ``80`` and dates into ``datetime`` objects
without a position, and they keep the last of two duplicate keys.  Instead we
read the parser's event stream (libyaml's C parser when available, 3x faster,
see shared/docs/performance.md) and build plain Python values ourselves:

* scalars resolve by the YAML 1.2 *core* schema (``true/false``, ``null``,
  decimal/hex/octal ints, floats); everything else, dates included, stays a
  string so the schema decides what it means;
* duplicate keys are errors naming both lines;
* anchors, aliases and explicit tags are rejected (``strict`` policy), so a
  billion-laughs document fails at its first alias, before any expansion;
* the ``config`` policy (for mkdocs.yml) honours ``!ENV`` and keeps any other
  tag, ``!!python/name:`` included, as an inert :class:`Tagged` value.

Content files are read first by :func:`load_data`, the same values without
positions, from the node tree libyaml composes in C (twice as fast): it
declines whatever it cannot vouch for, and a file with a problem is read again
by :func:`load`, whose positions the message needs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from .errors import Diagnostic

try:  # libyaml is optional at install time; fall back to the pure-Python parser.
    _Loader: Any = yaml.CSafeLoader
    from yaml._yaml import CParser as _CParser
except (AttributeError, ImportError):  # pragma: no cover - depends on how PyYAML was built
    _Loader, _CParser = yaml.SafeLoader, None

Path_ = tuple[str | int, ...]
Policy = Literal["strict", "config"]


@dataclass(frozen=True)
class Pos:
    """Where a value (or a key) starts: 1-based line and column."""

    line: int
    col: int
    raw: str | None = None
    """The plain scalar's source text, kept for hints (``1.10`` read as 1.1)."""


@dataclass(frozen=True)
class Tagged:
    """A tagged node that site_gen does not interpret (``!!python/name:x``)."""

    tag: str
    value: Any


@dataclass
class Document:
    """A loaded YAML mapping with the position of every value and key."""

    data: Any
    positions: dict[Path_, Pos]
    """Position of the value at each path (the root is ``()``)."""
    key_positions: dict[Path_, Pos]
    """Position of the key that names each mapping entry."""
    unset_env: dict[Path_, tuple[str, ...]] = field(default_factory=dict)
    """The variables of each ``!ENV`` value that none of was set and that gave no default (its value is None)."""

    def pos(self, path: Path_) -> Pos:
        """Best position for ``path``: the value, else the nearest ancestor."""
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), Pos(1, 1))


class YAMLProblem(Exception):
    """A YAML error with a position relative to the parsed text."""

    def __init__(self, line: int, col: int, message: str, hint: str = "", field: str = "",
                 started: tuple[str, int, int] | None = None):
        super().__init__(message)
        self.line, self.col, self.message, self.hint, self.field = line, col, message, hint, field
        self.started = started
        """(what, line, col) of the construct the error is inside, e.g. an unclosed quote."""

    def diagnostic(self, path: str, line_offset: int = 0) -> Diagnostic:
        message = self.message
        if self.started:
            what, line, col = self.started
            message += f"; {what} started at line {line + line_offset}, col {col}"
        return Diagnostic(path, self.line + line_offset, self.col, self.field, message, self.hint)


_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")
_ENV_TAG = "!ENV"
MAX_DEPTH = 64
"""Deeper nesting is refused: no content needs it, and it would exhaust Python's stack."""


def resolve_plain(text: str) -> Any:
    """Resolve a plain (unquoted) scalar by the YAML 1.2 core schema."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text[0] not in _NUMERIC_START:  # ids, names, words: no number form begins so ("" is null, above)
        return text
    if _INT.match(text):
        return int(text)
    if _HEX.match(text):
        return int(text, 16)
    if _OCT.match(text):
        return int(text[2:], 8)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return float("-inf") if text.startswith("-") else float("inf")
    if _NAN.match(text):
        return float("nan")
    return text


_NUMERIC_START = frozenset("+-.0123456789")
"""First characters of every int, float, inf and nan form: a plain scalar starting otherwise is a string."""


class _Builder:
    """Turns a parser event stream into Python values plus positions."""

    def __init__(self, events: Any, policy: Policy, line_offset: int = 0):
        self.events = events
        self.policy = policy
        self.offset = line_offset + 1
        """Added to libyaml's 0-based line: positions are the file's, where the YAML starts below line 1."""
        self.positions: dict[Path_, Pos] = {}
        self.key_positions: dict[Path_, Pos] = {}
        self.anchors: dict[str, Any] = {}
        self.unset_env: dict[Path_, tuple[str, ...]] = {}

    def next(self) -> Any:
        return next(self.events)

    def _pos(self, event: Any, raw: str | None = None) -> Pos:
        mark = event.start_mark
        return Pos(mark.line + self.offset, mark.column + 1, raw)

    def value(self, event: Any, path: Path_) -> Any:
        if len(path) > MAX_DEPTH:
            p = self._pos(event)
            raise YAMLProblem(p.line, p.col, f"nesting deeper than {MAX_DEPTH} levels", "flatten the data")
        if isinstance(event, yaml.AliasEvent):
            return self._alias(event)
        anchor = getattr(event, "anchor", None)
        if anchor is not None and self.policy == "strict":
            p = self._pos(event)
            raise YAMLProblem(p.line, p.col, f"YAML anchors are not allowed (found '&{anchor}')",
                              "write the value out in full", _dotted(path))
        tag = getattr(event, "tag", None)
        if (tag is not None and tag != "!") or (tag == "!" and self.policy == "strict"):
            result = self._tagged(event, tag, path)
        elif isinstance(event, yaml.ScalarEvent):
            plain = not event.style  # libyaml reports '' for plain, PyYAML None
            self.positions[path] = self._pos(event, event.value if plain else None)
            result = resolve_plain(event.value) if plain else event.value
        elif isinstance(event, yaml.MappingStartEvent):
            result = self._mapping(event, path)
        elif isinstance(event, yaml.SequenceStartEvent):
            result = self._sequence(event, path)
        else:  # pragma: no cover - the parser guarantees one of the above
            p = self._pos(event)
            raise YAMLProblem(p.line, p.col, f"unexpected YAML event {type(event).__name__}")
        if anchor is not None:
            self.anchors[anchor] = result
        return result

    def _alias(self, event: Any) -> Any:
        p = self._pos(event)
        if self.policy == "strict":
            raise YAMLProblem(p.line, p.col, f"YAML aliases are not allowed (found '*{event.anchor}')",
                              "write the value out in full; aliases allow billion-laughs expansion")
        if event.anchor not in self.anchors:
            raise YAMLProblem(p.line, p.col, f"unknown alias '*{event.anchor}'")
        return self.anchors[event.anchor]  # shared, never copied: no expansion

    def _tagged(self, event: Any, tag: str, path: Path_) -> Any:
        p = self._pos(event)
        if self.policy == "strict":
            raise YAMLProblem(p.line, p.col, f"YAML tag not allowed: {tag}",
                              "remove the tag; content files hold plain values only", _dotted(path))
        self.positions[path] = p
        if isinstance(event, yaml.ScalarEvent):
            inner: Any = event.value
        elif isinstance(event, yaml.MappingStartEvent):
            inner = self._mapping(event, path)
        else:
            inner = self._sequence(event, path)
        if tag == _ENV_TAG:
            value, unset = _env_value(inner, p, path)
            if unset:
                self.unset_env[path] = unset
            return value
        return Tagged(tag, inner)

    def _mapping(self, start: Any, path: Path_) -> dict[str, Any]:
        self.positions[path] = self._pos(start)
        result: dict[str, Any] = {}
        while True:
            event = self.next()
            if isinstance(event, yaml.MappingEndEvent):
                return result
            key = self._key(event, path)
            kpos = self._pos(event)
            child = (*path, key)
            if key in result:
                first = self.key_positions[child]
                raise YAMLProblem(kpos.line, kpos.col,
                                  f"duplicate key '{key}' (first defined at line {first.line}, "
                                  f"col {first.col}; again at line {kpos.line})",
                                  "remove one of them; YAML would silently keep the last", _dotted(child))
            self.key_positions[child] = kpos
            result[key] = self.value(self.next(), child)

    def _key(self, event: Any, path: Path_) -> str:
        if not isinstance(event, yaml.ScalarEvent):
            p = self._pos(event)
            raise YAMLProblem(p.line, p.col, "mapping keys must be plain strings, found a "
                              + ("list" if isinstance(event, yaml.SequenceStartEvent) else "mapping"
                                 if isinstance(event, yaml.MappingStartEvent) else "alias"),
                              field=_dotted(path))
        if event.anchor is not None or event.tag is not None:
            self.value(event, path)  # raises the anchor/tag error with its position
        return str(event.value)

    def _sequence(self, start: Any, path: Path_) -> list[Any]:
        self.positions[path] = self._pos(start)
        result: list[Any] = []
        while True:
            event = self.next()
            if isinstance(event, yaml.SequenceEndEvent):
                return result
            result.append(self.value(event, (*path, len(result))))


def _env_value(inner: Any, p: Pos, path: Path_) -> tuple[Any, tuple[str, ...]]:
    """MkDocs' ``!ENV VAR`` / ``!ENV [VAR1, VAR2, default]`` semantics; with the value, the names of the
    variables when none was set and there is no default (the value is None then, as MkDocs has it)."""
    names = inner if isinstance(inner, list) else [inner]
    if not names or not all(isinstance(n, (str, int, float, bool)) or n is None for n in names):
        raise YAMLProblem(p.line, p.col, "!ENV expects a variable name or a list of names and a default",
                          "write !ENV NAME or !ENV [NAME, default]", _dotted(path))
    candidates, default = (names[:-1], names[-1]) if len(names) > 1 else (names, None)
    for name in candidates:
        value = os.environ.get(str(name))
        if value is not None:
            return resolve_plain(value), ()
    return default, tuple(str(n) for n in candidates) if default is None else ()


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


dotted = _dotted


def load(text: str, policy: Policy = "strict", line_offset: int = 0) -> Document:
    """Parse one YAML document. Raises :class:`YAMLProblem` with a position.

    ``line_offset``: lines above the YAML in its file (front matter starts below its '---'); positions and
    problems are given in the file's lines.
    """
    events = iter(yaml.parse(text, Loader=_Loader))
    builder = _Builder(events, policy, line_offset)
    try:
        next(events)  # StreamStart
        first = next(events)
        if isinstance(first, yaml.StreamEndEvent):
            return Document(None, {(): Pos(1, 1)}, {})
        data = builder.value(next(events), ())
        next(events)  # DocumentEnd
        extra = next(events)
        if not isinstance(extra, yaml.StreamEndEvent):
            p = builder._pos(extra)
            raise YAMLProblem(p.line, p.col, "expected a single YAML document, found a second one",
                              "remove the extra '---' or '...'")
    except yaml.MarkedYAMLError as exc:
        raise _from_yaml_error(exc, text, line_offset) from None
    except yaml.YAMLError as exc:  # pragma: no cover - reader errors without marks
        raise YAMLProblem(1 + line_offset, 1, str(exc)) from None
    return Document(data, builder.positions, builder.key_positions, builder.unset_env)


class Declined(Exception):
    """:func:`load_data` does not vouch for this text: :func:`load` reads it, and reports its problem if any."""


_MARKED = re.compile(r"[&*!]")
"""The characters of anchors, aliases and tags, which a composed tree no longer shows (or shows resolved)."""


if _CParser is not None:
    class _Composer(_CParser):  # type: ignore[misc, valid-type]
        """libyaml's parser composing the node tree in C, with no tag resolution: :func:`_plain` resolves."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            return ""

        def descend_resolver(self, parent: Any, index: Any) -> None:
            pass

        def ascend_resolver(self) -> None:
            pass


def load_data(text: str) -> Any:
    """The data :func:`load` gives a text under the ``strict`` policy, without positions: about twice as fast.

    Positions are only ever read to report a problem, so a loader of content files tries this first and calls
    :func:`load` when it finds one. Any text this cannot vouch for raises :class:`Declined`, never a different
    value: a problem of YAML, a duplicate key, a key that is not a scalar, nesting deeper than ``MAX_DEPTH``,
    more or fewer than one document, and any ``&``, ``*`` or ``!`` (anchors, aliases and tags are refused by
    ``strict``, and are cheaper to rule out in the text than in the tree).
    """
    if _CParser is None or _MARKED.search(text):
        raise Declined
    parser = _Composer(text)
    try:
        node = parser.get_single_node()
    except yaml.YAMLError:
        raise Declined from None
    finally:
        parser.dispose()
    if node is None:
        raise Declined
    return _plain(node, 0)


def _plain(node: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise Declined
    kind = type(node)
    if kind is yaml.ScalarNode:
        return node.value if node.style else resolve_plain(node.value)  # libyaml's style is '' for plain
    if kind is yaml.MappingNode:
        result: dict[str, Any] = {}
        for key, value in node.value:
            if type(key) is not yaml.ScalarNode or key.value in result:
                raise Declined
            result[key.value] = _plain(value, depth + 1)
        return result
    return [_plain(item, depth + 1) for item in node.value]


def _from_yaml_error(exc: yaml.MarkedYAMLError, text: str, line_offset: int = 0) -> YAMLProblem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1 + line_offset, mark.column + 1) if mark else (1 + line_offset, 1)
    problem = exc.problem or "invalid YAML"
    at_tab = mark is not None and text[mark.index:mark.index + 1] == "\t"
    if at_tab and "cannot start any token" in problem:
        problem = "a tab cannot start any token"
    started = None
    cm = exc.context_mark
    if exc.context and cm is not None and mark is not None and (cm.line, cm.column) != (mark.line, mark.column):
        what = exc.context.removeprefix("while scanning a ").removeprefix("while parsing a ")
        started = (what, cm.line + 1 + line_offset, cm.column + 1)
    hint = ""
    if "maximum nesting depth" in problem:  # libyaml >= 0.2.6 stops at 1,000 levels, before the builder's check
        problem, hint, started = f"nesting deeper than {MAX_DEPTH} levels", "flatten the data", None
    elif "mapping values are not allowed" in problem:
        hint = "quote the value if it contains ': '"
    elif at_tab or "tab" in problem:
        hint = "indent with spaces; YAML forbids tabs in indentation"
    elif started and "quoted scalar" in started[0]:
        hint = "close the quote"
    else:
        hint = next((h for words, h in _HINTS if words in problem), "")
    return YAMLProblem(line, col, problem, hint, started=started)


_HINTS = (
    # libyaml's words for what it expected, and what usually causes each in front matter
    ("expected <document start>", "the YAML here is one mapping: 'key: value' lines from column 1, the nested "
                                  "ones indented under their key; this line does not continue the lines above"),
    ("expected key", "at this indentation every line is 'key: value'; a list goes under a key of its own "
                     "('key:' then '  - item'), and a quoted value ends at its closing quote"),
    ("expected '-' indicator", "every item of a list at this indentation starts with '- '"),
    ("expected ':'", "a key is followed by ': ' on its own line; quote a value that holds a line break"),
    ("expected ',' or ']'", "close the '[' list with ']' on the lines it spans, separate items with ', ', and "
                            "quote an item that holds , [ ] { or }"),
    ("expected ',' or '}'", "close the '{' mapping with '}', separate entries with ', ', and quote a value that "
                            "holds , [ ] { or }"),
    ("cannot start any token", "quote the value: YAML reserves @ and ` at the start of a plain value"),
    ("unknown directive", "a line starting with '%' is a YAML directive: quote the value or indent the line"),
)
