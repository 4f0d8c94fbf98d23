"""Read YAML safely and remember where every value came from.

The file is parsed once (with libyaml when PyYAML has it), and one pass over
its events builds plain Python data and, beside it, the 1-based span of
every value and key (`Places`: one flat array per mapping or sequence), which
`Document` finds by path (``("components", 3, "owner")``). No node graph is
composed: at 50,000 components it cost ~200 MiB, and a dict from path tuples
to spans ~150 MiB more. PyYAML's composer's own checks (undefined alias,
duplicate anchor) are made on the events, worded as it words them, and a
syntax error anywhere in the file wins over what the builder refused, as when
the whole stream was composed first. Only the YAML that a
JSON document could hold is accepted: no Python tags, no merge keys, no
duplicate keys; dates and other timestamps stay strings; alias expansion and
nesting depth are bounded so a hostile file fails fast with a located error.

`tolerant=True` is for other people's YAML that discovery reads (Kubernetes,
compose, Backstage): merge keys are expanded and values under unknown tags
(`!Ref`, compose's `!reset`) are kept as plain data. The bounds stay: alias
expansion, depth and file size. Manifests, policies and configuration never
ask for it.
"""

from __future__ import annotations

import os
import re
import stat
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from yaml.composer import ComposerError
from yaml.constructor import SafeConstructor
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
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from stackpolicy.errors import StackpolicyError, YamlError
from stackpolicy.fileio import READ_FLAGS, kind_of
from stackpolicy.location import Location

try:  # libyaml composes ~5x faster than the pure-Python loader.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]

MAX_DEPTH = 64
_INT64 = (-(2**63), 2**63 - 1)
MAX_ALIAS_NODES = 100_000

_TAG = "tag:yaml.org,2002:"
_STRING_TAGS = {_TAG + "str", _TAG + "timestamp"}
_CONSTRUCTOR = SafeConstructor()
# libyaml's events and marks (the stubs' Event lacks each subclass's
# fields, and libyaml's Mark is its own class): typed loosely here.
_Event = Any
_Mark = Any

_RESOLVER = Resolver()
_IMPLICIT = _Loader.yaml_implicit_resolvers
"""The implicit types by the first character of a plain scalar."""
_SCALARS = {
    _TAG + "null": _CONSTRUCTOR.construct_yaml_null,
    _TAG + "bool": _CONSTRUCTOR.construct_yaml_bool,
    _TAG + "int": _CONSTRUCTOR.construct_yaml_int,
    _TAG + "float": _CONSTRUCTOR.construct_yaml_float,
}


Span = tuple[int, int, int, int]
"""1-based (line, column, end line, end column); made into a Location only when asked."""


class Places:
    """Where the children of one mapping or sequence were written: per child,
    `STRIDE` ints in `spans` (its value's span, its style as a code point or
    0 for plain, its key's span; 0s where there is none) and, for a child that
    is itself a mapping or sequence built here, its own `Places`.

    One flat array per container instead of a dict from path tuples to span
    tuples: at 50,000 components that map was ~150 MiB, this is ~20."""

    __slots__ = ("children", "spans")

    def __init__(self) -> None:
        self.spans = array("i")
        self.children: list[Places | None] | None = None

    def add(self, value: Span, style: int, key: Span, places: Places | None) -> None:
        if places is not None and self.children is None:
            self.children = [None] * (len(self.spans) // STRIDE)
        self.spans.extend((*value, style, *key))
        if self.children is not None:
            self.children.append(places)


STRIDE = 9
_NO_SPAN: Span = (0, 0, 0, 0)


@dataclass(frozen=True)
class Document:
    """One YAML document: its data and the span of every value and key in it."""

    path: str
    data: Any
    places: Places | None = field(default=None, repr=False, compare=False)
    """The spans of the document's value (the one child of this root) and
    of everything inside it; None for data that was not read from a file."""

    def _trail(self, key: PathKey) -> list[tuple[array[int], int]]:
        """The slot of each prefix of `key` that is located, from `()` on."""
        places = self.places
        if places is None:
            return []
        found = [(places.spans, 0)]
        value, index = self.data, 0
        for part in key:
            children = places.children
            child = children[index] if children is not None else None
            if child is None:
                break
            places = child
            index = _position(value, part)
            if index < 0:
                break
            found.append((places.spans, index * STRIDE))
            value = value[part]
        return found

    def span(self, key: PathKey) -> Location | None:
        """The span of the value at exactly `key`, if there is one."""
        trail = self._trail(key)
        if len(trail) != len(key) + 1:
            return None
        spans, at = trail[-1]
        return _location(self.path, spans, at) if spans[at] else None

    def locate(self, key: PathKey) -> Location:
        """The span of the value at `key`, or of its nearest located ancestor."""
        for spans, at in reversed(self._trail(key)):
            if spans[at]:
                return _location(self.path, spans, at)
        return Location(self.path)

    def locate_key(self, key: PathKey) -> Location:
        """The span of the mapping key that holds `key`, else of its value."""
        trail = self._trail(key)
        if key and len(trail) == len(key) + 1:
            spans, at = trail[-1]
            if spans[at + 5]:
                return _location(self.path, spans, at + 5)
        return self.locate(key)

    def style(self, key: PathKey) -> str | None:
        """The style of a scalar that is not plain: quoted, `|` or `>`."""
        trail = self._trail(key)
        if len(trail) != len(key) + 1:
            return None
        spans, at = trail[-1]
        return chr(spans[at + 4]) if spans[at + 4] else None


def _location(path: str, spans: array[int], at: int) -> Location:
    return Location(path, spans[at], spans[at + 1], spans[at + 2], spans[at + 3])


def _position(container: Any, part: str | int) -> int:
    """Where `part` is among the children of `container` (slots follow the
    mapping's key order), or -1."""
    if type(container) is dict and type(part) is str:
        for index, name in enumerate(container):
            if name == part:
                return index
    elif type(container) is list and type(part) is int and 0 <= part < len(container):
        return part
    return -1


Segment = tuple[int, int, int]
"""(file line, file column, offset in the scalar's value) where a line of a scalar starts."""


def scalar_segments(lines: list[str], where: Location, style: str | None) -> tuple[Segment, ...]:
    """Map a scalar's value back to the file, line by line, so that a position
    inside the value (say, of a CEL syntax error) becomes a file position.

    Exact for single-line scalars and literal blocks (`|`); for folded text the
    line breaks that became spaces keep their one-character width, so it stays
    exact unless the value uses escapes or more-indented lines.
    """
    if style in ("|", ">"):
        return _block_segments(lines, where, style)
    quote = 1 if style in ('"', "'") else 0
    first = (where.line, where.column + quote, 0)
    if where.end_line <= where.line:
        return (first,)
    segments = [first]
    offset = len(lines[where.line - 1][where.column - 1 + quote :].rstrip()) + 1
    for index in range(where.line, min(where.end_line, len(lines))):
        text = lines[index]
        stripped = text.lstrip(" ")
        segments.append((index + 1, len(text) - len(stripped) + 1, offset))
        offset += len(stripped.rstrip()) + 1
    return tuple(segments)


def _block_segments(lines: list[str], where: Location, style: str) -> tuple[Segment, ...]:
    body = lines[where.line : max(where.end_line - 1, where.line + 1)]
    indent = next((len(t) - len(t.lstrip(" ")) for t in body if t.strip()), 0)
    segments, offset = [], 0
    for index, text in enumerate(body, start=where.line + 1):
        if not text.strip():
            offset += 1 if style == "|" else 0
            continue
        segments.append((index, indent + 1, offset))
        offset += len(text) - indent + 1
    return tuple(segments) or ((where.line, where.column, 0),)


_max_file_bytes = 64 * 1024 * 1024


def limit_file_size(max_bytes: int) -> None:
    """Set the largest file `read_text` reads. The command line sets it once
    (`--max-file-mb`, $STACKPOLICY_MAX_FILE_MB; the default is in settings.py);
    nothing below reads the environment."""
    global _max_file_bytes
    _max_file_bytes = max_bytes


def max_file_bytes() -> int:
    """The largest file read (a 50,000-component stack is ~7 MB)."""
    return _max_file_bytes


def read_text(path: Path, display: str, error: type[StackpolicyError] = YamlError) -> str:
    """Read a regular file as UTF-8 (a BOM is allowed), at most
    `max_file_bytes()` of it. A FIFO, device, socket or directory is refused
    at once, before any read (a FIFO would hang, /dev/zero never ends and
    reports size 0); a symlink to a regular file is fine. Bad bytes and a
    file too large are located errors of type `error`."""
    where = Location(display)
    limit = max_file_bytes()
    try:
        fd = os.open(path, READ_FLAGS)
        try:
            info = os.fstat(fd)
        except OSError:
            os.close(fd)
            raise
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise error(f"not a regular file: {kind_of(info.st_mode)}", where)
        size = info.st_size
        with os.fdopen(fd, "rb") as handle:
            # One byte past the limit: a file that grew since fstat is still caught.
            raw = handle.read(limit + 1) if size <= limit else b""
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", where) from None
    if size > limit or len(raw) > limit:
        raise error(
            f"file is {max(size, len(raw)) / 2**20:.0f} MiB, more than the {limit / 2**20:.0f} "
            "MiB stackpolicy reads (--max-file-mb or STACKPOLICY_MAX_FILE_MB raise the limit)",
            where,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise error(
            f"not UTF-8: byte 0x{raw[exc.start]:02x} cannot be decoded",
            Location(display, line, column),
        ) from None


def load_documents(text: str, display: str, *, tolerant: bool = False) -> list[Document]:
    """Every document in `text`; `display` names the file in positions.
    `tolerant` accepts merge keys and unknown tags (see the module's doc)."""
    events = _Events(_Loader(text))
    try:
        try:
            return _Builder(display, tolerant, events).documents()
        except yaml.YAMLError:
            raise  # from the stream itself: nothing more to read
        except Exception:
            # Composing used to read the whole stream before building: a
            # syntax error anywhere still wins over what the builder refused
            # (or a constructor's own error, as `!!int x` raises).
            events.drain()
            raise
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, display) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", Location(display)) from None
    finally:
        events.close()


def load_file(path: Path, display: str, *, tolerant: bool = False) -> list[Document]:
    return load_documents(read_text(path, display), display, tolerant=tolerant)


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, display: str) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
    message = exc.problem or "invalid YAML"
    ctx = exc.context_mark
    if exc.context and ctx and mark and (ctx.line, ctx.column) != (mark.line, mark.column):
        message = f"{exc.context} at line {ctx.line + 1}, column {ctx.column + 1}: {message}"
    if mark and _char_at(text, mark.line, mark.column) == "\t":
        message += " (a tab: YAML indentation must use spaces)"
    return YamlError(f"invalid YAML: {message}", where)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    return lines[line][column : column + 1] if line < len(lines) else ""


def _tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


class _Events:
    """libyaml's events, with the two checks PyYAML's composer makes (an
    alias names an anchor defined before it; no anchor is defined twice in a
    document), raised as the composer raises them."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader
        self.anchors: dict[str, _Mark] = {}

    def next(self) -> _Event:
        event: _Event = self.loader.get_event()
        cls = event.__class__
        if cls is AliasEvent:
            self.alias(event)
        elif cls is ScalarEvent or cls is MappingStartEvent or cls is SequenceStartEvent:
            if event.anchor is not None:
                self.define(event)
        elif cls is DocumentEndEvent:
            self.anchors = {}
        return event

    def alias(self, event: _Event) -> None:
        if event.anchor not in self.anchors:
            raise ComposerError(None, None, "found undefined alias", event.start_mark)

    def define(self, event: _Event) -> None:
        anchor = event.anchor
        first = self.anchors.get(anchor)
        if first is not None:
            raise ComposerError(
                "found duplicate anchor; first occurrence",
                first,
                "second occurrence",
                event.start_mark,
            )
        self.anchors[anchor] = event.start_mark

    def drain(self) -> None:
        """Read to the end of the stream, for the syntax errors in it."""
        event: _Event | None = self.next()
        while event is not None and event.__class__ is not StreamEndEvent:
            event = self.next()

    def close(self) -> None:
        self.loader.dispose()


class _Node:
    """A finished node that an anchor names: what an alias to it gives."""

    __slots__ = ("items", "kind", "places", "raw", "size", "span", "style", "tag", "value")

    def __init__(
        self, kind: str, value: Any, size: int, span: Span, places: Places | None = None
    ) -> None:
        self.kind = kind  # "s" scalar, "q" sequence, "m" mapping
        self.value = value
        self.size = size
        self.span = span
        self.places = places
        self.style = 0
        self.tag = ""
        self.raw = ""
        self.items: list[_Node] | None = None
        """A sequence's items, kept (tolerant only) for `<<: *list`."""


_ROOT, _SEQ, _MAP, _MERGES = "r", "q", "m", "l"


class _Frame:
    """A mapping or sequence being built (or the document around its value,
    or the list of a merge key, `<<: [*a, *b]`)."""

    __slots__ = (
        "anchor",
        "depth",
        "items",
        "key_span",
        "kind",
        "merges",
        "merging",
        "name",
        "places",
        "role",
        "size",
        "start",
        "value",
    )

    def __init__(self, kind: str, depth: int, start: _Mark | None, role: str = "") -> None:
        self.kind = kind
        self.depth = depth
        self.start = start
        self.role = role  # "" a value, "<<" a mapping merged into the mapping below
        self.value: Any = {} if kind == _MAP else []
        self.places = Places()
        self.size = 1
        self.anchor: str | None = None
        self.name: str | None = None  # a mapping's key whose value comes next
        self.key_span: Span = _NO_SPAN
        self.merging = False  # a mapping whose `<<` value comes next
        self.merges: list[tuple[dict[str, Any], int, Places | None]] = []
        self.items: list[_Node] | None = None


def _span(start: _Mark, end: _Mark) -> Span:
    return (start.line + 1, start.column + 1, end.line + 1, end.column + 1)


def _could_be(resolvers: list[tuple[str, re.Pattern[str]]]) -> re.Pattern[str] | None:
    """One pattern that matches where any of `resolvers` does (None when
    their flags differ): a plain scalar it does not match is a string."""
    if len({regexp.flags for _, regexp in resolvers}) != 1:
        return None
    joined = "|".join(f"(?:{regexp.pattern})" for _, regexp in resolvers)
    return re.compile(joined, resolvers[0][1].flags)


_COULD_BE = {
    first: _could_be(resolvers) for first, resolvers in _IMPLICIT.items() if first is not None
}
"""By first character: could a plain scalar be other than a string? Most
plain values (names, owners) start with a letter some implicit type also
starts with (`t` for true), and asking the resolver costs ~4 µs each."""


def _scalar_tag(event: _Event) -> str:
    """The tag PyYAML's composer resolves for a scalar."""
    tag = event.tag
    if tag is not None and tag != "!":
        return str(tag)
    if not event.implicit[0]:
        return _TAG + "str"  # quoted: the safe resolver has no path resolvers
    value = event.value
    if value and None not in _IMPLICIT:
        if value[0] not in _IMPLICIT:
            return _TAG + "str"  # no implicit type starts with this character
        could_be = _COULD_BE[value[0]]
        if could_be is not None and could_be.match(value) is None:
            return _TAG + "str"
    return str(_RESOLVER.resolve(ScalarNode, value, event.implicit))


class _Builder:
    """One pass over libyaml's events: data plus spans, with no node graph
    (composing one first cost ~200 MiB at 50,000 components)."""

    def __init__(self, display: str, tolerant: bool, events: _Events) -> None:
        self.display = display
        self.tolerant = tolerant
        self.events = events
        self.stack: list[_Frame] = []
        # What each anchor names: a finished node, or the frame still open.
        self.anchors: dict[str, _Node | _Frame] = {}
        self.alias_nodes = 0
        # One string per distinct key or value: names, kinds, owners and
        # references repeat across thousands of components.
        self.strings: dict[str, str] = {}

    def documents(self) -> list[Document]:
        found: list[Document] = []
        stack = self.stack
        events = self.events
        next_event = events.loader.get_event  # the checks events.next makes, inline
        while True:
            event = next_event()
            cls = event.__class__
            if cls is ScalarEvent or cls is MappingStartEvent or cls is SequenceStartEvent:
                if event.anchor is not None:
                    events.define(event)
                self.node(event, stack[-1])
            elif cls is AliasEvent:
                events.alias(event)
                self.node(event, stack[-1])
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                self.close(event.end_mark)
            elif cls is DocumentStartEvent:
                # Each document has its own anchors and its own alias bound.
                self.anchors, self.alias_nodes = {}, 0
                stack[:] = [_Frame(_ROOT, -1, None)]
            elif cls is DocumentEndEvent:
                events.anchors = {}
                root = stack.pop()
                found.append(Document(self.display, root.value[0], root.places))
            elif cls is StreamEndEvent:
                return found

    def error(self, message: str, where: Span) -> YamlError:
        return YamlError(message, Location(self.display, *where))

    def fail_open(self, message: str, start: _Mark) -> NoReturn:
        """Refuse the mapping or sequence that just started, at its whole span."""
        end = self.skip(len(self.stack), len(self.stack) - 1)
        raise self.error(message, _span(start, end))

    def fail_frame(self, message: str, frame: _Frame) -> NoReturn:
        """Refuse a mapping or sequence still open, at its whole span."""
        level = self.stack.index(frame)
        end = self.skip(len(self.stack) - 1, level - 1)
        assert frame.start is not None
        raise self.error(message, _span(frame.start, end))

    def skip(self, open_now: int, target: int) -> _Mark:
        """Read until `target` collections are open; the end of the last one closed."""
        while True:
            event = self.events.next()
            cls = event.__class__
            if cls is MappingStartEvent or cls is SequenceStartEvent:
                open_now += 1
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                open_now -= 1
                if open_now == target:
                    end: _Mark = event.end_mark
                    return end
            elif cls is StreamEndEvent:  # cannot happen: the parser closes what it opens
                raise AssertionError("YAML stream ended inside a collection")

    def node(self, event: _Event, top: _Frame) -> None:
        """A node starts under `top`: as a key, a value, or a merge source."""
        if top.kind == _MAP:
            if top.merging:
                self.merge_value(event, top)
            elif top.name is None:
                self.key(event, top)
            else:
                self.value(event, top)
        elif top.kind == _MERGES:
            self.merge_source(event, top)
        else:
            self.value(event, top)

    def value(self, event: _Event, top: _Frame) -> None:
        cls = event.__class__
        depth = top.depth + 1
        if cls is ScalarEvent:
            where = _span(event.start_mark, event.end_mark)
            if depth > MAX_DEPTH:
                raise self.error(f"YAML nested deeper than {MAX_DEPTH} levels", where)
            tag, raw = _scalar_tag(event), event.value
            style = ord(event.style) if event.style else 0
            node = None
            if event.anchor is not None or top.items is not None:
                node = self.scalar_node(tag, raw, where, style)
                if event.anchor is not None:
                    self.anchors[event.anchor] = node
            self.attach(top, self.scalar(tag, raw, where), 1, where, style, None, node)
        elif cls is AliasEvent:
            target = self.anchors[event.anchor]
            if isinstance(target, _Frame):
                self.fail_frame("recursive YAML alias", target)
            if target.kind != "s":
                self.count_alias(target)
                self.attach(top, target.value, target.size, _NO_SPAN, 0, None, target)
                return
            # A scalar is built again, as composing did, at the anchored scalar's span.
            if depth > MAX_DEPTH:
                raise self.error(f"YAML nested deeper than {MAX_DEPTH} levels", target.span)
            value = self.scalar(target.tag, target.raw, target.span)
            self.attach(top, value, 1, target.span, target.style, None, target)
        else:
            self.open(event, depth, "")

    def open(self, event: _Event, depth: int, role: str) -> None:
        is_map = event.__class__ is MappingStartEvent
        frame = _Frame(_MAP if is_map else _SEQ, depth, event.start_mark, role)
        self.stack.append(frame)
        if event.anchor is not None:
            frame.anchor = event.anchor
            self.anchors[event.anchor] = frame
            if self.tolerant and not is_map:
                frame.items = []
        if depth > MAX_DEPTH:
            self.fail_frame(f"YAML nested deeper than {MAX_DEPTH} levels", frame)
        tag = event.tag
        explicit = tag is not None and tag != "!"
        if explicit and not self.tolerant and tag != (_TAG + "map" if is_map else _TAG + "seq"):
            self.fail_frame(f"unsupported YAML tag {_tag(tag)}", frame)

    def close(self, end: _Mark) -> None:
        frame = self.stack.pop()
        if frame.kind == _MERGES:
            return  # its mappings went to the mapping below as they closed
        assert frame.start is not None
        where = _span(frame.start, end)
        if frame.kind == _MAP:
            self.apply_merges(frame)
        node = None
        if frame.anchor is not None or self.stack[-1].items is not None:
            node = _Node(frame.kind, frame.value, frame.size, where, frame.places)
            node.items = frame.items
            if frame.anchor is not None:
                self.anchors[frame.anchor] = node
        if frame.role == "<<":
            self.merge_into(frame.value, frame.size, frame.places)
        elif frame.role == "<<[]":
            for item in frame.items or []:
                if item.kind != "m":
                    raise self.error(_MERGE_TAKES, item.span)
                self.merge_into(item.value, item.size, item.places)
        else:
            top = self.stack[-1]
            self.attach(top, frame.value, frame.size, where, 0, frame.places, node)

    def attach(
        self,
        top: _Frame,
        value: Any,
        size: int,
        where: Span,
        style: int,
        places: Places | None,
        node: _Node | None,
    ) -> None:
        """A finished value goes into the mapping or sequence being built."""
        top.size += size
        if top.kind == _MAP:
            name = top.name
            assert name is not None
            top.value[name] = value
            top.places.add(where, style, top.key_span, places)
            top.name = None
            return
        top.value.append(value)
        top.places.add(where, style, _NO_SPAN, places)
        if top.items is not None:
            assert node is not None
            top.items.append(node)

    def scalar_node(self, tag: str, raw: str, where: Span, style: int) -> _Node:
        node = _Node("s", None, 1, where)
        node.tag, node.raw, node.style = tag, raw, style
        return node

    def count_alias(self, target: _Node) -> None:
        self.alias_nodes += target.size
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise self.error(
                f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)",
                target.span,
            )

    def text(self, raw: str, where: Span) -> str:
        """A string as policies see it: cel-cpp cuts strings at NUL, so a NUL
        would read differently per engine. (A lone surrogate cannot get this
        far: files are decoded as strict UTF-8 and PyYAML refuses \\ud800.)"""
        if "\0" in raw:
            raise self.error("strings must not contain NUL (\\0)", where)
        return self.strings.setdefault(raw, raw)

    def scalar(self, tag: str, raw: str, where: Span) -> Any:
        if tag in _STRING_TAGS:
            return self.text(raw, where)
        construct = _SCALARS.get(tag)
        if construct is None and self.tolerant:
            return raw  # `!Ref x`, `!reset null`: the text as written
        if construct is None:
            raise self.error(f"unsupported YAML tag {_tag(tag)}", where)
        value = construct(ScalarNode(tag, raw))
        if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
            raise self.error("integer out of range: policies see 64-bit integers", where)
        return value

    def key(self, event: _Event, top: _Frame) -> None:
        cls = event.__class__
        if cls is ScalarEvent:
            tag, raw = _scalar_tag(event), event.value
            where = _span(event.start_mark, event.end_mark)
            if event.anchor is not None:
                style = ord(event.style) if event.style else 0
                self.anchors[event.anchor] = self.scalar_node(tag, raw, where, style)
        elif cls is AliasEvent:
            target = self.anchors[event.anchor]
            if isinstance(target, _Frame):
                self.fail_frame("mapping keys must be plain strings", target)
            if target.kind != "s":
                raise self.error("mapping keys must be plain strings", target.span)
            tag, raw, where = target.tag, target.raw, target.span
        else:
            self.fail_open("mapping keys must be plain strings", event.start_mark)
        if tag == _TAG + "merge":
            if self.tolerant:
                top.merging = True
                return
            raise self.error("YAML merge keys (<<) are not supported; write the fields out", where)
        if tag not in _STRING_TAGS and tag not in _SCALARS:
            raise self.error(f"unsupported YAML tag {_tag(tag)}", where)
        # Keys stay as written: `on:` is the string "on", not True.
        name = self.text(raw, where)
        if name in top.value:
            at = _position(top.value, name) * STRIDE
            first_line = top.places.spans[at + 5]
            raise self.error(f"duplicate key {name!r} (first defined at line {first_line})", where)
        top.name, top.key_span = name, where

    # Merge keys (tolerant only): `<<: *a` or `<<: [*a, *b]`. Keys written
    # here win, then the first mapping that has the key (YAML 1.1's merge
    # rules); merged keys keep the spans of the place they were written.
    # A merge value is built where it is written (composing first, it was
    # built after the mapping's other keys): an anchor defined inside a `<<`
    # value and aliased from a later key of the same mapping is located at
    # its definition, not at the alias. The data and the errors are the same.

    def merge_value(self, event: _Event, top: _Frame) -> None:
        top.merging = False
        cls = event.__class__
        if cls is SequenceStartEvent and event.anchor is None:
            self.stack.append(_Frame(_MERGES, top.depth, event.start_mark))
        elif cls is SequenceStartEvent:
            # A list of mappings that an alias names too: built as a list.
            self.open(event, top.depth + 1, "<<[]")
            self.stack[-1].items = []
        elif cls is AliasEvent and isinstance(self.anchors[event.anchor], _Node):
            target = self.anchors[event.anchor]
            assert isinstance(target, _Node)
            for source in target.items or [] if target.kind == "q" else [target]:
                self.merge_source_node(source)
        else:
            self.merge_source(event, top)

    def merge_source(self, event: _Event, top: _Frame) -> None:
        cls = event.__class__
        if cls is MappingStartEvent:
            self.open(event, top.depth + 1, "<<")
        elif cls is AliasEvent:
            target = self.anchors[event.anchor]
            if isinstance(target, _Frame):
                if target.kind != _MAP:
                    self.fail_frame(_MERGE_TAKES, target)
                self.fail_frame("recursive YAML alias", target)
            self.merge_source_node(target)
        elif cls is ScalarEvent:
            raise self.error(_MERGE_TAKES, _span(event.start_mark, event.end_mark))
        else:
            self.fail_open(_MERGE_TAKES, event.start_mark)

    def merge_source_node(self, source: _Node) -> None:
        if source.kind != "m":
            raise self.error(_MERGE_TAKES, source.span)
        self.count_alias(source)
        self.merge_into(source.value, source.size, source.places)

    def merge_into(self, value: dict[str, Any], size: int, places: Places | None) -> None:
        """Keep a merged mapping for the mapping being built, to merge at its end."""
        owner = self.stack[-1] if self.stack[-1].kind == _MAP else self.stack[-2]
        owner.merges.append((value, size, places))

    def apply_merges(self, frame: _Frame) -> None:
        result = frame.value
        for merged, size, places in frame.merges:
            frame.size += size
            for index, (name, value) in enumerate(merged.items()):
                if name in result:
                    continue
                result[name] = value
                at = index * STRIDE
                slot = places.spans[at : at + STRIDE] if places is not None else None
                if slot is None or len(slot) < STRIDE:
                    frame.places.add(_NO_SPAN, 0, _NO_SPAN, None)
                else:
                    frame.places.add(tuple(slot[0:4]), slot[4], tuple(slot[5:9]), None)  # type: ignore[arg-type]


_MERGE_TAKES = "a merge key (<<) takes a mapping or a list of mappings"
