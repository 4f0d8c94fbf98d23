"""The stackpolicy/v1 stack manifest: YAML documents with `components:`."""

from __future__ import annotations

from typing import Any

from stackpolicy.errors import ManifestError, StackpolicyError
from stackpolicy.inputs.files import InputFile
from stackpolicy.inputs.read import Read
from stackpolicy.location import Location
from stackpolicy.schemacheck import schema_errors, value_at
from stackpolicy.stack import Declared, DocumentLocator, Fragment
from stackpolicy.yamlload import Document, PathKey, load_file

API_VERSION = "stackpolicy/v1"


class ManifestReader:
    name = "manifest"
    suffixes = (".yaml", ".yml")

    def read(self, file: InputFile) -> Read:
        """Every manifest document in the file. Other YAML documents are
        skipped, so a stack can live beside other configuration; a file named
        on its own must hold a manifest."""
        try:
            documents = load_file(file.path, file.display)
        except StackpolicyError as exc:
            return Read(errors=(exc,))
        manifests = [doc for doc in documents if _is_manifest(doc)]
        if file.explicit and not manifests:
            return Read(errors=(_not_a_manifest(documents, file.display),))
        fragments: list[Fragment] = []
        errors: list[StackpolicyError] = []
        for doc in manifests:
            doc_errors = schema_errors(doc, "manifest", ManifestError)
            errors += doc_errors
            if not doc_errors:
                fragments.append(fragment(doc, ()))
        return Read(tuple(fragments), tuple(errors))


def embedded(doc: Document, key: PathKey) -> Read:
    """A stack written inside another YAML file at `key` (a policy test case);
    it may leave out `apiVersion` and `kind`."""
    defaults = {"apiVersion": API_VERSION, "kind": "Stack"}
    errors = schema_errors(doc, "manifest", ManifestError, key, defaults)
    return Read(errors=tuple(errors)) if errors else Read((fragment(doc, key),))


def fragment(doc: Document, key: PathKey) -> Fragment:
    """The components and metadata of a manifest that fits the schema."""
    data: dict[str, Any] = value_at(doc.data, key)
    components = tuple(
        Declared(raw, DocumentLocator(doc, (*key, "components", index)), "manifest")
        for index, raw in enumerate(data.get("components") or [])
    )
    metadata = data.get("metadata") or {}
    return Fragment(
        path=doc.path,
        components=components,
        metadata=tuple(
            (name, metadata[name], doc.locate((*key, "metadata", name)))
            for name in ("name", "org")
            if metadata.get(name) is not None
        ),
        anchor=doc.locate_key((*key, "components")),
    )


def _is_manifest(doc: Document) -> bool:
    data = doc.data
    return isinstance(data, dict) and str(data.get("apiVersion", "")).startswith("stackpolicy/")


def _not_a_manifest(loaded: list[Document], display: str) -> ManifestError:
    if not loaded:
        return ManifestError("empty file: expected a stack manifest", Location(display))
    doc = loaded[0]
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a scalar"
        return ManifestError(f"expected a mapping (a stack manifest), got {kind}", doc.locate(()))
    return ManifestError(
        f"not a stack manifest: apiVersion must be {API_VERSION!r}", doc.locate_key(("apiVersion",))
    )
