"""CycloneDX JSON BOMs (`bomFormat: CycloneDX`) as stack input.

What becomes a component: ML models (`machine-learning-model` -> model),
data (`data` -> dataset), services (-> inference-service), and anything with
a `stackpolicy:kind` property (what `stackpolicy bom` writes). Libraries,
frameworks and the like are not part of an AI stack and are skipped.

A component with our properties (`stackpolicy bom`'s own) takes its fields
and references from them, so the stack reads back as it was written; one
made by another tool (Snyk, cdxgen, ...) takes its references from
`dependencies` (-> depends_on) and its model card's datasets (-> datasets).
See docs/bom.md. JSON is composed by PyYAML (JSON is YAML's flow style), so
every value keeps its line and column in the BOM.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from stackpolicy.discovery.candidate import valid_name
from stackpolicy.errors import ManifestError, StackpolicyError
from stackpolicy.inputs.files import InputFile
from stackpolicy.inputs.manifest import ManifestReader
from stackpolicy.inputs.read import Read
from stackpolicy.inputs.sniff import file_claims_cyclonedx
from stackpolicy.location import Location
from stackpolicy.resources import schema
from stackpolicy.schemacheck import dotted, validator
from stackpolicy.stack import Declared, Fragment, PlacesLocator
from stackpolicy.vocabulary import KIND_LAYER, LIST_REFERENCES, SCALAR_REFERENCES
from stackpolicy.yamlload import MAX_DEPTH, Document, PathKey, load_documents, read_text

SOURCE = "cyclonedx"
PREFIX = "stackpolicy:"
"""Our property names (the CycloneDX property taxonomy's namespace style);
`stackpolicy.output.cyclonedx` writes them."""
BOOLEAN_FIELDS = ("pii", "llm", "managed")
ABOUT_THE_RUN = frozenset({"finding", "findings", "declared-at", "found-by"})
"""Our properties that describe a run of `stackpolicy bom`, not the component."""
_BY_TYPE = {"machine-learning-model": "model", "data": "dataset"}
_SERVICE_KIND = "inference-service"


@dataclass
class _Entry:
    """One BOM component or service that becomes a stack component."""

    key: PathKey
    """Where its object is in the BOM."""
    raw: Mapping[str, Any]
    kind: str
    ours: bool
    """Written by `stackpolicy bom`: fields and references are in our properties."""
    name: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    places: dict[PathKey, Location] = field(default_factory=dict)


class CycloneDXReader:
    name = SOURCE
    suffixes = (".json",)
    """`bom.json`, `*.cdx.json` and any other JSON: one that is not a BOM,
    found in a directory, is not ours and is skipped unparsed."""

    def read(self, file: InputFile) -> Read:
        if not file.path.name.endswith(self.suffixes):
            # Named on its own with a name no reader has (`stack`, a FIFO):
            # the manifest reader speaks for it. A BOM is a `.json` file.
            return Read()
        if not file.explicit and not file_claims_cyclonedx(file.path):
            return Read()  # most JSON in a repository is no BOM: not even parsed
        try:
            doc = parse(file)
        except StackpolicyError as exc:
            # Named, or claiming to be a BOM: one that does not read is an error.
            return Read(errors=(exc,))
        if doc is not None and is_bom(doc.data):
            return read_bom(doc)
        if not file.explicit:
            return Read()  # `bomFormat` was nested deeper: some other JSON
        if doc is not None and _is_manifest(doc.data):
            # A stack manifest written as JSON, named on its own: before BOMs
            # were read, `.json` fell to the manifest reader; it still does.
            return ManifestReader().read(file)
        return Read(errors=(_not_a_bom(doc, file.display),))


def parse(file: InputFile) -> Document | None:
    """The file's JSON with every value's place (None when it is empty);
    a located StackpolicyError when it cannot be read or does not parse."""
    text = read_text(file.path, file.display)
    documents = load_documents(join_surrogates(text), file.display)
    return documents[0] if documents else None


# An astral character escaped as JSON writes it (Python's json.dumps does by
# default): `\ud83d\ude00`. The backslashes before it must be even, or the
# first is itself escaped text.
_PAIR = re.compile(
    r"(?<!\\)((?:\\\\)*)\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
)


def join_surrogates(text: str) -> str:
    """JSON text with each surrogate-pair escape written as the character it
    stands for: YAML, which composes the JSON here, has no surrogates and
    refuses them. A column after one on the same line is off by the
    escape's length less one."""
    if "\\ud" not in text and "\\uD" not in text:
        return text
    return _PAIR.sub(_joined, text)


def _joined(match: re.Match[str]) -> str:
    high, low = int(match.group(2), 16), int(match.group(3), 16)
    return match.group(1) + chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))


def read_bom(doc: Document, *, discovered: bool = False) -> Read:
    """The stack fragment in one parsed BOM. `discovered`: read as what
    runs (`--discover`), so that every component is a discovered one, linked
    as `provenance` says."""
    errors: list[StackpolicyError] = []
    entries = list(_entries(doc))
    graph = _Graph(_assign_names(entries), _dependencies(doc))
    components: list[Declared] = []
    for entry in entries:
        problems = _fill(doc, entry, graph) or _schema_errors(entry)
        errors += problems
        if not problems:
            locator = PlacesLocator(entry.places[("name",)], dict(entry.places))
            source, address = _discovered_at(entry) if discovered else _provenance(entry)
            components.append(Declared(entry.data, locator, source, address))
    fragment = Fragment(
        path=doc.path,
        components=tuple(components),
        metadata=_metadata(doc),
        anchor=doc.locate_key(("components",)) if "components" in doc.data else doc.locate(()),
    )
    return Read((fragment,), tuple(errors))


def _provenance(entry: _Entry) -> tuple[str, str]:
    """(source, address) of the Declared: what `stackpolicy bom` wrote says
    where the component came from (a manifest, or discovery's
    `terraform:type.label`), so the stack reads back declared or discovered
    as it was; another tool's component is `cyclonedx` at its bom-ref."""
    if not entry.ours:
        return SOURCE, _address(entry)
    found_by = _property(entry.raw, "found-by")
    if not found_by:
        return "manifest", ""
    source, _, address = found_by.partition(":")
    return source, address


def _discovered_at(entry: _Entry) -> tuple[str, str]:
    """(source, address) of a component discovery found in a BOM: where
    `stackpolicy bom` said it was found (`found-by`), else the `source:` its
    manifest linked it to, so a manifest's `source:` links to it as it did
    to the code; else `cyclonedx` at its bom-ref. A link that a manifest
    could not name (an unknown source, a space, a hidden character) is not
    taken."""
    if entry.ours:
        for said in (_property(entry.raw, "found-by"), _property(entry.raw, "source")):
            link = _link(said)
            if link is not None:
                return link
    return SOURCE, _address(entry)


@cache
def _source_pattern() -> re.Pattern[str]:
    pattern: str = schema("manifest")["$defs"]["component"]["properties"]["source"]["pattern"]
    return re.compile(pattern)


def _link(said: str | None) -> tuple[str, str] | None:
    if said is None or not _nameable(said) or not _source_pattern().search(said):
        return None
    source, _, address = said.partition(":")
    return source, address


_MAX_ADDRESS = 1024


def _address(entry: _Entry) -> str:
    """The bom-ref, when a manifest's `source: cyclonedx:<bom-ref>` can name
    it (printable, no space, not too long); else the component's name,
    unique within the BOM."""
    ref = entry.raw.get("bom-ref")
    if isinstance(ref, str) and _nameable(ref) and len(ref) <= _MAX_ADDRESS:
        return ref
    return entry.name


def _nameable(address: str) -> bool:
    """A manifest's `source:` can say it: no space, no hidden character."""
    return address != "" and address.isprintable() and " " not in address


def _schema_errors(entry: _Entry) -> list[StackpolicyError]:
    """What a manifest component must satisfy, a BOM's must too (a name a
    policy can print, a kind's pattern, a layer that exists): each violation
    at the property or field it came from."""
    wrapped = {"apiVersion": "stackpolicy/v1", "kind": "Stack", "components": [entry.data]}
    found: list[StackpolicyError] = []
    for error in validator("manifest").iter_errors(wrapped):
        path = tuple(error.absolute_path)[2:]
        where = next(
            (entry.places[path[:n]] for n in range(len(path), 0, -1) if path[:n] in entry.places),
            entry.places[("name",)],
        )
        what = dotted(path) if path else "component"
        found.append(ManifestError(f"{what}: {error.message}", where))
    return found


def is_bom(data: Any) -> bool:
    return isinstance(data, dict) and data.get("bomFormat") == "CycloneDX"


def _is_manifest(data: Any) -> bool:
    return isinstance(data, dict) and str(data.get("apiVersion", "")).startswith("stackpolicy/")


def _not_a_bom(doc: Document | None, display: str) -> StackpolicyError:
    if doc is None:
        return ManifestError("empty file: expected a CycloneDX BOM", Location(display))
    if not isinstance(doc.data, dict):
        return ManifestError("expected a CycloneDX BOM (a JSON object)", doc.locate(()))
    return ManifestError(
        "not a CycloneDX BOM: bomFormat must be 'CycloneDX'", doc.locate_key(("bomFormat",))
    )


def _entries(doc: Document) -> Iterator[_Entry]:
    data = doc.data
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("component"), dict):
        # What the BOM describes: a Hugging Face AI-BOM's model sits here.
        yield from _component_entries(metadata["component"], ("metadata", "component"))
    for index, raw in enumerate(_list(data.get("components"))):
        yield from _component_entries(raw, ("components", index))
    for index, raw in enumerate(_list(data.get("services"))):
        yield from _service_entries(raw, ("services", index))


def _component_entries(raw: Any, key: PathKey) -> Iterator[_Entry]:
    if not isinstance(raw, dict):
        return
    ours = _property(raw, "kind")
    kind = ours or _BY_TYPE.get(str(raw.get("type")))
    if kind is not None and isinstance(raw.get("name"), str):
        yield _Entry(key, raw, kind, ours is not None)
    for index, child in enumerate(_list(raw.get("components"))):
        yield from _component_entries(child, (*key, "components", index))


def _service_entries(raw: Any, key: PathKey) -> Iterator[_Entry]:
    if not isinstance(raw, dict):
        return
    ours = _property(raw, "kind")
    if isinstance(raw.get("name"), str):
        yield _Entry(key, raw, ours or _SERVICE_KIND, ours is not None)
    for index, child in enumerate(_list(raw.get("services"))):
        yield from _service_entries(child, (*key, "services", index))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _properties(raw: Mapping[str, Any]) -> Iterator[tuple[int, str, str]]:
    """(index, name, value) of each well-formed property."""
    for index, item in enumerate(_list(raw.get("properties"))):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            value = item.get("value")
            yield index, item["name"], value if isinstance(value, str) else ""


def _property(raw: Mapping[str, Any], name: str) -> str | None:
    return next((v for _, n, v in _properties(raw) if n == PREFIX + name and v), None)


@dataclass(frozen=True)
class _Graph:
    names: Mapping[str, str]
    """The stack name of each bom-ref."""
    depends: Mapping[str, list[tuple[PathKey, str]]]
    """Each bom-ref's dependsOn targets, with where each is written."""


def _dependencies(doc: Document) -> dict[str, list[tuple[PathKey, str]]]:
    """`dependencies` indexed once by ref (a BOM may list thousands)."""
    depends: dict[str, list[tuple[PathKey, str]]] = {}
    for d_index, dependency in enumerate(_list(doc.data.get("dependencies"))):
        if not isinstance(dependency, dict) or not isinstance(dependency.get("ref"), str):
            continue
        targets = depends.setdefault(dependency["ref"], [])
        for t_index, target in enumerate(_list(dependency.get("dependsOn"))):
            if isinstance(target, str):
                targets.append((("dependencies", d_index, "dependsOn", t_index), target))
    return depends


def _assign_names(entries: list[_Entry]) -> dict[str, str]:
    """Each entry's stack name, and the name of each bom-ref. Ours keep their
    names; another tool's are made valid, and a name taken already gets a
    number (the same model at two versions is two components)."""
    taken: set[str] = set()
    by_ref: dict[str, str] = {}
    for entry in entries:
        raw_name = str(entry.raw["name"])
        name = raw_name if entry.ours else valid_name(raw_name)
        if not entry.ours and name in taken:
            number = 2
            while f"{name}-{number}" in taken:
                number += 1
            name = f"{name}-{number}"
        taken.add(name)
        entry.name = name
        ref = entry.raw.get("bom-ref")
        if isinstance(ref, str):
            by_ref.setdefault(ref, name)
    return by_ref


def _fill(doc: Document, entry: _Entry, graph: _Graph) -> list[StackpolicyError]:
    """The entry's manifest fields and where each is in the BOM."""
    raw, key = entry.raw, entry.key
    at = doc.locate((*key, "name"))
    entry.data.update(name=entry.name, kind=entry.kind)
    entry.places[("name",)] = at
    entry.places[("kind",)] = at
    for field_name in ("version", "description"):
        if isinstance(raw.get(field_name), str):
            entry.data[field_name] = raw[field_name]
            entry.places[(field_name,)] = doc.locate((*key, field_name))
    _vendor(doc, entry)
    errors = _from_properties(doc, entry)
    if not entry.ours:
        _theirs(doc, entry, graph)
    if "owner" not in entry.data:
        _data_owner(doc, entry)
    return errors


def _vendor(doc: Document, entry: _Entry) -> None:
    for holder in ("supplier", "provider", "manufacturer"):
        party = entry.raw.get(holder)
        if isinstance(party, dict) and isinstance(party.get("name"), str) and party["name"]:
            entry.data["vendor"] = party["name"]
            entry.places[("vendor",)] = doc.locate((*entry.key, holder, "name"))
            return


def _from_properties(doc: Document, entry: _Entry) -> list[StackpolicyError]:
    errors: list[StackpolicyError] = []
    data, places = entry.data, entry.places
    for index, name, value in _properties(entry.raw):
        if not name.startswith(PREFIX):
            continue
        where = doc.locate((*entry.key, "properties", index, "value"))
        field_name = name.removeprefix(PREFIX)
        if field_name == "kind":
            places[("kind",)] = where
        elif field_name == "layer":
            if entry.kind not in KIND_LAYER:  # a custom kind's layer; known kinds have theirs
                data["layer"] = value
                places[("layer",)] = where
        elif field_name.startswith("ref:"):
            _reference(entry, field_name.removeprefix("ref:"), value, where)
        elif field_name.startswith("label:"):
            data.setdefault("labels", {})[field_name.removeprefix("label:")] = value
            places[("labels", field_name.removeprefix("label:"))] = where
        elif field_name.startswith("json:"):
            errors += _json_field(entry, field_name.removeprefix("json:"), value, where)
        elif field_name in BOOLEAN_FIELDS:
            data[field_name] = value == "true"
            places[(field_name,)] = where
        elif field_name not in ABOUT_THE_RUN:
            data[field_name] = value
            places[(field_name,)] = where
    return errors


def _reference(entry: _Entry, field_name: str, target: str, where: Location) -> None:
    if field_name in LIST_REFERENCES:
        targets = entry.data.setdefault(field_name, [])
        if target not in targets:
            entry.places[(field_name, len(targets))] = where
            targets.append(target)
    elif field_name in SCALAR_REFERENCES:
        entry.data[field_name] = target
        entry.places[(field_name,)] = where


def _json_field(
    entry: _Entry, field_name: str, value: str, where: Location
) -> list[StackpolicyError]:
    try:
        entry.data[field_name] = json_value(value)
    except ValueError as exc:
        message = f"property {PREFIX}json:{field_name} is not a JSON value: {exc}"
        return [ManifestError(message, where)]
    entry.places[(field_name,)] = where
    return []


def json_value(text: str) -> Any:
    """`text` as JSON, within the bounds a manifest's values have
    (stackpolicy.yamlload): nesting, 64-bit integers, finite numbers, no
    duplicate keys, no NUL. A ValueError says what is wrong."""
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_int=_int64,
            parse_float=_finite,
            parse_constant=_no_constant,
        )
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels") from None
    _bounded(value, 0)
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _int64(text: str) -> int:
    number = int(text)
    if not -(2**63) <= number <= 2**63 - 1:
        raise ValueError("integer out of range: policies see 64-bit integers")
    return number


def _finite(text: str) -> float:
    number = float(text)
    if math.isinf(number):
        raise ValueError(f"{text} is out of range")
    return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number policies can see")


def _bounded(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str) and "\0" in value:
        raise ValueError("strings must not contain NUL (\\0)")
    if isinstance(value, dict):
        for key, item in value.items():
            _bounded(key, depth + 1)
            _bounded(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _bounded(item, depth + 1)


def _theirs(doc: Document, entry: _Entry, graph: _Graph) -> None:
    """Another tool's component: references from `dependencies` and its model
    card; what else it says about itself under `attributes.cyclonedx`."""
    names, ref = graph.names, entry.raw.get("bom-ref")
    for key, target in graph.depends.get(ref, []) if isinstance(ref, str) else []:
        if target in names and names[target] != entry.name:
            _reference(entry, "depends_on", names[target], doc.locate(key))
    card_key = (*entry.key, "modelCard", "modelParameters")
    parameters = _at(entry.raw, ("modelCard", "modelParameters"))
    for index, dataset in enumerate(_list(parameters.get("datasets"))):
        card_ref = dataset.get("ref") if isinstance(dataset, dict) else None
        if isinstance(card_ref, str) and card_ref in names:
            where = doc.locate((*card_key, "datasets", index, "ref"))
            _reference(entry, "datasets", names[card_ref], where)
    attributes: dict[str, Any] = {"type": entry.raw.get("type", "service")}
    for name in ("bom-ref", "purl", "group"):
        if isinstance(entry.raw.get(name), str):
            attributes[name] = entry.raw[name]
    others = {n: v for _, n, v in _properties(entry.raw) if not n.startswith(PREFIX)}
    if others:
        attributes["properties"] = others
    entry.data["attributes"] = {"cyclonedx": attributes}
    if isinstance(parameters.get("task"), str):
        entry.data["attributes"]["task"] = parameters["task"]


def _data_owner(doc: Document, entry: _Entry) -> None:
    """A data component's first governance owner, custodian or steward."""
    for d_index, item in enumerate(_list(entry.raw.get("data"))):
        governance = item.get("governance") if isinstance(item, dict) else None
        if not isinstance(governance, dict):
            continue
        for role in ("owners", "custodians", "stewards"):
            for p_index, party in enumerate(_list(governance.get(role))):
                for holder in ("organization", "contact"):
                    name = _at(party, (holder,)).get("name")
                    if isinstance(name, str) and name:
                        key = (*entry.key, "data", d_index, "governance", role, p_index, holder)
                        entry.data["owner"] = name
                        entry.places[("owner",)] = doc.locate((*key, "name"))
                        return


def _at(value: Any, path: PathKey) -> Mapping[str, Any]:
    """The mapping at `path`, or an empty one."""
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def _metadata(doc: Document) -> tuple[tuple[str, str, Location], ...]:
    """The stack's name and org, when `stackpolicy bom` wrote them. Another
    tool's BOM names its application, not the stack: not read."""
    metadata = doc.data.get("metadata")
    if not isinstance(metadata, dict):
        return ()
    found: list[tuple[str, str, Location]] = []
    for index, name, value in _properties(metadata):
        field_name = {"stack-name": "name", "org": "org"}.get(name.removeprefix(PREFIX))
        if name.startswith(PREFIX) and field_name and value:
            found.append((field_name, value, doc.locate(("metadata", "properties", index))))
    return tuple(found)
