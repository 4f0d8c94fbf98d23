"""Terraform: `resource` and `module` blocks in `.tf` (HCL) and `.tf.json`.

Parse only: no `terraform init`, no function evaluation, no network. An
attribute is known when it is a literal (a string without interpolation, a
number, a bool) or a static reference (`aws_sagemaker_model.x.name`); the
rest is unknown and never guessed.

Names: a literal `name` attribute when there is one (the name the cloud and
the people who run it use), else the block's label. Address:
`type.label` (`module.label` for modules), unique within the directory (one
Terraform module). Location: the block's header line at the type label
(in `.tf.json`, the label's key).

HCL is parsed with tree-sitter-hcl: 2,000 resources in ~0.1 s where
python-hcl2 8.1.4 took ~1.5 s (benchmarks/discovery.py). tree-sitter recovers
from a syntax error by dropping what follows, so a tree with any error is
treated as a file that does not parse: nothing from it is trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import tree_sitter
import tree_sitter_hcl

from stackpolicy.discovery.candidate import Candidate, Link
from stackpolicy.discovery.mapping import Rule
from stackpolicy.errors import StackpolicyError, YamlError
from stackpolicy.inputs.discovered import (
    ENVIRONMENT_KEYS,
    OWNER_KEYS,
    DiscoveryReader,
    Found,
    failed,
    parse_yaml,
    pick,
)
from stackpolicy.inputs.files import InputFile
from stackpolicy.location import Location
from stackpolicy.yamlload import Document, read_text

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")
_TRAVERSAL = re.compile(r"^\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)+)")
# Roots of references that are not resources in this module.
_NOT_RESOURCES = {"var", "local", "each", "count", "path", "terraform", "self", "data"}


class HclError(StackpolicyError):
    """A Terraform file that does not parse."""


@dataclass(frozen=True)
class Ref:
    """A static reference: `aws_sagemaker_model.m.name` -> address `aws_sagemaker_model.m`."""

    address: str
    at: Location


@dataclass
class Block:
    """A resource or module block as plain data: literal values as Python
    values, references collected per attribute path."""

    block_type: str  # "resource" or "module"
    type: str  # the resource type, or "module"
    label: str
    at: Location
    values: dict[str, Any] = field(default_factory=dict)
    refs: list[tuple[str, Ref]] = field(default_factory=list)
    """(dotted attribute path, reference), in the order written."""


class TerraformReader(DiscoveryReader):
    name = "terraform"
    suffixes = (".tf", ".tf.json")

    what = "a Terraform file"

    def find(self, file: InputFile) -> Found:
        try:
            if file.path.name.endswith(".tf.json"):
                blocks = json_blocks(file)
            else:
                text = read_text(file.path, file.display)
                blocks = hcl_blocks(text, file.display)
        except StackpolicyError as exc:
            return failed(file, exc)
        scope = f"terraform:{file.path.resolve().parent}"
        found = Found(recognised=True)
        for block in blocks:
            candidate = self.candidate(block, scope)
            if candidate is not None:
                found.candidates.append(candidate)
        return found

    def candidate(self, block: Block, scope: str) -> Candidate | None:
        rule: Rule | None
        if block.block_type == "module":
            source = block.values.get("source")
            if not isinstance(source, str):
                return None
            rule = self.mapping.first("terraform_module", source.split("?", 1)[0], block.values)
            address = f"module.{block.label}"
        else:
            rule = self.mapping.first("terraform", block.type, block.values)
            address = f"{block.type}.{block.label}"
        if rule is None:
            return None
        literal_name = block.values.get("name")
        name = literal_name if isinstance(literal_name, str) and literal_name else block.label
        data: dict[str, Any] = {}
        tags = {
            k: v
            for source in ("tags", "labels")
            if isinstance(block.values.get(source), dict)
            for k, v in block.values[source].items()
            if isinstance(v, str)
        }
        owner, environment = pick(tags, OWNER_KEYS), pick(tags, ENVIRONMENT_KEYS)
        if owner:
            data["owner"] = owner
        if environment:
            data["environment"] = environment
        candidate = Candidate(
            source="terraform",
            scope=scope,
            address=address,
            name=name,
            rule=rule,
            at=block.at,
            fields={("name",): block.at},
            data=data,
        )
        explicit = {
            path: ref_field for ref_field, paths in rule.references.items() for path in paths
        }
        for path, ref in block.refs:
            if path in rule.absorbs or path == rule.part_of:
                candidate.part_of.append((scope, ref.address))
            else:
                # A reference the mapping names becomes that field; any other
                # reference to a component is still a dependency.
                ref_field = explicit.get(path, "depends_on")
                candidate.links.append(Link(ref_field, scope, ref.address, ref.at))
        return candidate


# ---------------------------------------------------------------- HCL (.tf)


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


class _Source:
    """Byte offsets from tree-sitter to 1-based code-point columns."""

    def __init__(self, raw: bytes, display: str) -> None:
        self.raw = raw
        self.display = display
        self.lines = raw.split(b"\n")
        self.ascii = raw.isascii()

    def location(self, node: tree_sitter.Node) -> Location:
        (line, col), (end_line, end_col) = node.start_point, node.end_point
        return Location(
            self.display,
            line + 1,
            self.column(line, col),
            end_line + 1,
            self.column(end_line, end_col),
        )

    def column(self, row: int, byte: int) -> int:
        if self.ascii or row >= len(self.lines):
            return byte + 1
        return len(self.lines[row][:byte].decode("utf-8", "replace")) + 1


def hcl_blocks(text: str, display: str) -> list[Block]:
    """The resource and module blocks of one `.tf` file."""
    raw = text.encode("utf-8")
    tree = _parser().parse(raw)
    source = _Source(raw, display)
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        where = source.location(bad) if bad is not None else Location(display)
        what = "missing " + bad.type if bad is not None and bad.is_missing else "syntax error"
        raise HclError(f"invalid HCL: {what}", where)
    blocks: list[Block] = []
    for body in (c for c in root.named_children if c.type == "body"):
        for node in body.named_children:
            if node.type != "block":
                continue
            block = _block(node, source)
            if block is not None:
                blocks.append(block)
    return blocks


def _first_error(node: tree_sitter.Node) -> tree_sitter.Node | None:
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def _text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _block(node: tree_sitter.Node, source: _Source) -> Block | None:
    children = node.named_children
    keyword = _text(children[0]) if children else ""
    labels = [c for c in children[1:] if c.type in ("string_lit", "identifier")]
    if keyword == "resource" and len(labels) >= 2:
        type_node, label_node = labels[0], labels[1]
        block = Block("resource", _label(type_node), _label(label_node), source.location(type_node))
    elif keyword == "module" and labels:
        block = Block("module", "module", _label(labels[0]), source.location(labels[0]))
    else:
        return None
    body = next((c for c in children if c.type == "body"), None)
    if body is not None:
        block.values = _body(body, source, "", block.refs)
    return block


def _label(node: tree_sitter.Node) -> str:
    if node.type == "identifier":
        return _text(node)
    return "".join(_text(c) for c in node.named_children if c.type == "template_literal")


def _body(
    body: tree_sitter.Node, source: _Source, prefix: str, refs: list[tuple[str, Ref]]
) -> dict[str, Any]:
    """Attributes and nested blocks; a block type written several times is a list."""
    values: dict[str, Any] = {}
    for node in body.named_children:
        if node.type == "attribute":
            name = _text(node.named_children[0])
            expression = node.named_children[-1]
            path = prefix + name
            refs += [(path, ref) for ref in _refs(expression, source)]
            values[name] = _value(expression)
        elif node.type == "block":
            name = _text(node.named_children[0])
            inner = next((c for c in node.named_children if c.type == "body"), None)
            nested = _body(inner, source, f"{prefix}{name}.", refs) if inner is not None else {}
            if name in values:
                existing = values[name]
                values[name] = (
                    [*existing, nested] if isinstance(existing, list) else [existing, nested]
                )
            else:
                values[name] = nested
    return values


class _Unknown:
    """A value that only evaluation could give (interpolation, a function call)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


def _value(node: tree_sitter.Node) -> Any:
    if node.type == "expression" and node.named_child_count == 1:
        return _value(node.named_children[0])
    if node.type == "literal_value" and node.named_child_count == 1:
        return _value(node.named_children[0])
    if node.type == "string_lit":
        parts = [
            c
            for c in node.named_children
            if c.type not in ("quoted_template_start", "quoted_template_end")
        ]
        if all(p.type == "template_literal" for p in parts):
            return _unescape("".join(_text(p) for p in parts))
        return UNKNOWN
    if node.type == "numeric_lit":
        text = _text(node)
        try:
            return float(text) if any(ch in text for ch in ".eE") else int(text)
        except ValueError:
            return UNKNOWN
    if node.type == "bool_lit":
        return _text(node) == "true"
    if node.type == "collection_value" and node.named_child_count == 1:
        return _value(node.named_children[0])
    if node.type == "object":
        result: dict[str, Any] = {}
        for elem in (c for c in node.named_children if c.type == "object_elem"):
            key_node, value_node = elem.named_children[0], elem.named_children[-1]
            key = _object_key(key_node)
            if key is not None:
                result[key] = _value(value_node)
        return result
    if node.type == "tuple":
        return [_value(c) for c in node.named_children if c.type == "expression"]
    return UNKNOWN


def _object_key(node: tree_sitter.Node) -> str | None:
    inner = (
        node.named_children[0]
        if node.type == "expression" and node.named_child_count == 1
        else node
    )
    if inner.type == "variable_expr":
        return _text(inner)
    value = _value(node)
    return value if isinstance(value, str) else None


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def _refs(node: tree_sitter.Node, source: _Source) -> Iterator[Ref]:
    """Every static reference to a resource or module in an expression."""
    stack = [node]
    while stack:
        current = stack.pop()
        children = current.named_children
        if current.type == "expression" and children and children[0].type == "variable_expr":
            parts = [_text(children[0])]
            for child in children[1:]:
                if child.type != "get_attr":
                    break
                parts.append(_text(child.named_children[-1]))
            address = _address(parts)
            if address is not None:
                yield Ref(address, source.location(current))
        stack.extend(reversed(children))


def _address(parts: list[str]) -> str | None:
    if parts[0] in _NOT_RESOURCES or len(parts) < 2:
        return None
    return f"{parts[0]}.{parts[1]}"


# ---------------------------------------------------------------- JSON (.tf.json)


def json_blocks(file: InputFile) -> list[Block]:
    """`.tf.json`: JSON is read with the YAML reader for its positions."""
    parsed = parse_yaml(file)
    if parsed.error is not None:
        raise parsed.error
    blocks: list[Block] = []
    for doc in parsed.documents:
        if not isinstance(doc.data, dict):
            raise YamlError("a .tf.json file holds one JSON object", doc.locate(()))
        blocks += _json_resources(doc) + _json_modules(doc)
    return blocks


def _as_list(value: Any) -> list[tuple[int | None, Any]]:
    """Terraform JSON allows a block's content as an object or a list of objects."""
    if isinstance(value, list):
        return list(enumerate(value))
    return [(None, value)]


def _json_resources(doc: Document) -> list[Block]:
    blocks = []
    for outer_index, resources in _as_list(doc.data.get("resource")):
        base: tuple[str | int, ...] = (
            ("resource",) if outer_index is None else ("resource", outer_index)
        )
        if not isinstance(resources, dict):
            continue
        for rtype, by_label in resources.items():
            for index, labelled in _as_list(by_label):
                type_key = (*base, rtype) if index is None else (*base, rtype, index)
                if not isinstance(labelled, dict):
                    continue
                for label, body in labelled.items():
                    for body_index, content in _as_list(body):
                        key = (
                            (*type_key, label)
                            if body_index is None
                            else (*type_key, label, body_index)
                        )
                        header = (*type_key, label)
                        block = _json_block(doc, "resource", rtype, label, header, key, content)
                        blocks.append(block)
    return blocks


def _json_modules(doc: Document) -> list[Block]:
    blocks = []
    for outer_index, modules in _as_list(doc.data.get("module")):
        base: tuple[str | int, ...] = (
            ("module",) if outer_index is None else ("module", outer_index)
        )
        if not isinstance(modules, dict):
            continue
        for label, body in modules.items():
            for index, content in _as_list(body):
                key = (*base, label) if index is None else (*base, label, index)
                blocks.append(
                    _json_block(doc, "module", "module", label, (*base, label), key, content)
                )
    return blocks


def _json_block(
    doc: Document,
    block_type: str,
    rtype: str,
    label: str,
    header: tuple[str | int, ...],
    key: tuple[str | int, ...],
    content: Any,
) -> Block:
    # JSON has no header line: the label's key is the one place that is this
    # block's alone (the type's key is shared by every block of that type).
    at = doc.locate_key(header)
    block = Block(block_type, rtype, label, at)
    values = content if isinstance(content, dict) else {}
    block.values = {k: _json_value(v) for k, v in values.items()}
    for path, value, where in _json_strings(doc, key, values, ""):
        for expression in _INTERPOLATION.findall(value):
            match = _TRAVERSAL.match(expression)
            address = _address(match.group(1).split(".")) if match else None
            if address is not None:
                block.refs.append((path, Ref(address, where)))
    return block


def _json_value(value: Any) -> Any:
    if isinstance(value, str):
        return UNKNOWN if "${" in value else value
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def _json_strings(
    doc: Document, key: tuple[str | int, ...], value: Any, path: str
) -> Iterator[tuple[str, str, Location]]:
    """Every string in a block's JSON with its dotted attribute path (list
    indexes are not part of the path: nested blocks repeat) and place."""
    if isinstance(value, str):
        yield path.rstrip("."), value, doc.locate(key)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _json_strings(doc, (*key, k), v, f"{path}{k}.")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _json_strings(doc, (*key, i), v, path)
