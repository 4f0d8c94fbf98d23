"""Read YAML safely and remember where every value came from.

The file is composed once (with libyaml when PyYAML has it) and one walk over
the node graph builds plain Python data plus a map from each value's path
(``("components", 3, "owner")``) to its 1-based span. Only the YAML that a
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
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from stackpolicy.errors import StackpolicyError, YamlError
from stackpolicy.fileio import kind_of
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
_SCALARS = {
    _TAG + "null": _CONSTRUCTOR.construct_yaml_null,
    _TAG + "bool": _CONSTRUCTOR.construct_yaml_bool,
    _TAG + "int": _CONSTRUCTOR.construct_yaml_int,
    _TAG + "float": _CONSTRUCTOR.construct_yaml_float,
}


Span = tuple[int, int, int, int]
"""1-based (line, column, end line, end column); made into a Location only when asked."""


@dataclass(frozen=True)
class Document:
    """One YAML document: its data and the span of every value and key in it."""

    path: str
    data: Any
    spans: dict[PathKey, Span] = field(repr=False)
    key_spans: dict[PathKey, Span] = field(repr=False)
    styles: dict[PathKey, str] = field(repr=False)
    """The style of every scalar that is not plain: quoted, `|` or `>`."""

    def span(self, key: PathKey) -> Location | None:
        """The span of the value at exactly `key`, if there is one."""
        span = self.spans.get(key)
        return None if span is None else Location(self.path, *span)

    def locate(self, key: PathKey) -> Location:
        """The span of the value at `key`, or of its nearest located ancestor."""
        for end in range(len(key), -1, -1):
            span = self.spans.get(key[:end])
            if span is not None:
                return Location(self.path, *span)
        return Location(self.path)

    def locate_key(self, key: PathKey) -> Location:
        """The span of the mapping key that holds `key`, else of its value."""
        span = self.key_spans.get(key)
        return Location(self.path, *span) if span else self.locate(key)

    def style(self, key: PathKey) -> str | None:
        return self.styles.get(key)


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


def span(node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return (start.line + 1, start.column + 1, end.line + 1, end.column + 1)


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


# A FIFO would block open() until a writer appears; O_NONBLOCK lets open
# return so fstat can refuse it. It changes nothing for a regular file.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_OPEN_FLAGS |= getattr(os, "O_BINARY", 0)


def read_text(path: Path, display: str, error: type[StackpolicyError] = YamlError) -> str:
    """Read a regular file as UTF-8 (a BOM is allowed), at most
    `max_file_bytes()` of it. A FIFO, device, socket or directory is refused
    at once, before any read (a FIFO would hang, /dev/zero never ends and
    reports size 0); a symlink to a regular file is fine. Bad bytes and a
    file too large are located errors of type `error`."""
    where = Location(display)
    limit = max_file_bytes()
    try:
        fd = os.open(path, _OPEN_FLAGS)
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
    """Compose every document in `text`; `display` names the file in positions.
    `tolerant` accepts merge keys and unknown tags (see the module's doc)."""
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, display) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", Location(display)) from None
    except RecursionError:
        raise YamlError("YAML nested too deeply", Location(display)) from None
    return [_Builder(display, tolerant).document(node) for node in nodes if node is not None]


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


class _Builder:
    """One walk over a composed node graph: data plus spans."""

    def __init__(self, display: str, tolerant: bool = False) -> None:
        self.display = display
        self.tolerant = tolerant
        # Where each mapping node was first built, so that keys merged from it
        # (`<<: *defaults`) keep the spans of the place they were written.
        self.first_key: dict[int, PathKey] = {}
        self.spans: dict[PathKey, Span] = {}
        self.key_spans: dict[PathKey, Span] = {}
        self.styles: dict[PathKey, str] = {}
        # Aliased nodes are built once and shared; `sizes` counts their nodes.
        self.built: dict[int, tuple[Any, int]] = {}
        self.in_progress: set[int] = set()
        self.alias_nodes = 0

    def document(self, node: Node) -> Document:
        data, _ = self.build(node, ())
        return Document(self.display, data, self.spans, self.key_spans, self.styles)

    def error(self, message: str, node: Node) -> YamlError:
        return YamlError(message, Location(self.display, *span(node)))

    def build(self, node: Node, key: PathKey) -> tuple[Any, int]:
        ident = id(node)
        if ident in self.built:
            return self.reuse(node, ident)
        if ident in self.in_progress:
            raise self.error("recursive YAML alias", node)
        if len(key) > MAX_DEPTH:
            raise self.error(f"YAML nested deeper than {MAX_DEPTH} levels", node)
        self.spans[key] = span(node)
        if isinstance(node, ScalarNode):
            if node.style:
                self.styles[key] = node.style
            return self.scalar(node), 1
        self.in_progress.add(ident)
        result: tuple[Any, int]
        if isinstance(node, SequenceNode):
            result = self.sequence(node, key)
        elif isinstance(node, MappingNode):
            result = self.mapping(node, key)
        else:  # pragma: no cover - the composer makes no other nodes
            raise self.error("unsupported YAML node", node)
        self.in_progress.discard(ident)
        self.built[ident] = result
        return result

    def reuse(self, node: Node, ident: int) -> tuple[Any, int]:
        value, size = self.built[ident]
        self.alias_nodes += size
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise self.error(
                f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)", node
            )
        return value, size

    def text(self, node: ScalarNode) -> str:
        """A string as policies see it: cel-cpp cuts strings at NUL, so a NUL
        would read differently per engine. (A lone surrogate cannot get this
        far: files are decoded as strict UTF-8 and PyYAML refuses \\ud800.)"""
        value = str(node.value)
        if "\0" in value:
            raise self.error("strings must not contain NUL (\\0)", node)
        return value

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag in _STRING_TAGS:
            return self.text(node)
        construct = _SCALARS.get(node.tag)
        if construct is None and self.tolerant:
            return node.value  # `!Ref x`, `!reset null`: the text as written
        if construct is None:
            raise self.error(f"unsupported YAML tag {_tag(node.tag)}", node)
        value = construct(node)
        if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
            raise self.error("integer out of range: policies see 64-bit integers", node)
        return value

    def sequence(self, node: SequenceNode, key: PathKey) -> tuple[list[Any], int]:
        if node.tag != _TAG + "seq" and not self.tolerant:
            raise self.error(f"unsupported YAML tag {_tag(node.tag)}", node)
        items, size = [], 1
        for index, child in enumerate(node.value):
            value, child_size = self.build(child, (*key, index))
            items.append(value)
            size += child_size
        return items, size

    def mapping(self, node: MappingNode, key: PathKey) -> tuple[dict[str, Any], int]:
        if node.tag != _TAG + "map" and not self.tolerant:
            raise self.error(f"unsupported YAML tag {_tag(node.tag)}", node)
        self.first_key.setdefault(id(node), key)
        result: dict[str, Any] = {}
        size = 1
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if (
                self.tolerant
                and isinstance(key_node, ScalarNode)
                and key_node.tag == _TAG + "merge"
            ):
                merges.append(value_node)
                continue
            name = self.key(key_node)
            child = (*key, name)
            if name in result:
                first_line = self.key_spans[child][0]
                raise self.error(
                    f"duplicate key {name!r} (first defined at line {first_line})", key_node
                )
            self.key_spans[child] = span(key_node)
            result[name], child_size = self.build(value_node, child)
            size += child_size
        for merge in merges:
            size += self.merge(merge, key, result)
        return result, size

    def merge(self, node: Node, key: PathKey, result: dict[str, Any]) -> int:
        """`<<: *a` or `<<: [*a, *b]`: keys written here win, then the first
        mapping that has the key (YAML 1.1's merge rules). Counted against the
        alias bound like any alias."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        size = 0
        for source in sources:
            if not isinstance(source, MappingNode):
                raise self.error("a merge key (<<) takes a mapping or a list of mappings", source)
            merged, source_size = self.build(source, (*key, "<<"))
            size += source_size
            origin = self.first_key.get(id(source), (*key, "<<"))
            for name, value in merged.items():
                if name in result:
                    continue
                result[name] = value
                was, now = (*origin, name), (*key, name)
                for table in (self.spans, self.key_spans):
                    if was in table:
                        table[now] = table[was]
        return size

    def key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise self.error("mapping keys must be plain strings", node)
        if node.tag == _TAG + "merge":
            raise self.error("YAML merge keys (<<) are not supported; write the fields out", node)
        if node.tag not in _STRING_TAGS and node.tag not in _SCALARS:
            raise self.error(f"unsupported YAML tag {_tag(node.tag)}", node)
        # Keys stay as written: `on:` is the string "on", not True.
        return self.text(node)
