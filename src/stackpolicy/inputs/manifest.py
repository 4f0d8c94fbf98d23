"""The stackpolicy/v1 stack manifest: YAML documents with `components:`."""

from __future__ import annotations

import re
from typing import Any

from stackpolicy.errors import ManifestError, StackpolicyError, YamlError
from stackpolicy.inputs.files import InputFile
from stackpolicy.inputs.read import Read
from stackpolicy.location import Location
from stackpolicy.schemacheck import schema_errors, value_at
from stackpolicy.stack import Declared, DocumentLocator, Fragment
from stackpolicy.yamlload import Document, PathKey, load_documents, read_text

API_VERSION = "stackpolicy/v1"


class ManifestReader:
    name = "manifest"
    suffixes = (".yaml", ".yml")

    def read(self, file: InputFile) -> Read:
        """Every manifest document in the file. Other YAML (a Helm template,
        CloudFormation, a policy file, another tool's config) is skipped, so a
        stack can live beside it; a file that claims to be a manifest
        (`apiVersion: stackpolicy/v1`) and is broken is an error, and so is a
        file named on its own that holds no manifest."""
        try:
            text = read_text(file.path, file.display)
        except StackpolicyError as exc:  # not a regular file, too large, not UTF-8
            return Read(errors=(exc,))
        try:
            documents = load_documents(text, file.display)
        except YamlError as exc:
            if file.explicit or claims_ours(text):
                return Read(errors=(exc,))
            return Read(warnings=(_skipped(f"not YAML stackpolicy reads ({exc.message})", exc),))
        manifests = [doc for doc in documents if _is_manifest(doc)]
        if not manifests:
            if file.explicit:
                return Read(errors=(_not_a_manifest(documents, file.display),))
            return Read(warnings=(_skipped(_why_not(documents), Location(file.display)),))
        fragments: list[Fragment] = []
        errors: list[StackpolicyError] = []
        for doc in manifests:
            doc_errors = schema_errors(doc, "manifest", ManifestError)
            errors += doc_errors
            if not doc_errors:
                fragments.append(fragment(doc, ()))
        return Read(tuple(fragments), tuple(errors))


def claims_ours(text: str) -> bool:
    """Whether YAML that does not load says it is a stackpolicy document."""
    return _CLAIM.search(text) is not None


_CLAIM = re.compile(r"""\bapiVersion['"]?\s*:\s*['"]?stackpolicy/""")
OTHER_KINDS = ("PolicySet", "PolicyTest")
"""Our documents that are not manifests: policy files and policy tests."""


def _skipped(reason: str, where: StackpolicyError | Location) -> ManifestError:
    location = where.location if isinstance(where, StackpolicyError) else where
    return ManifestError(f"skipped: {reason}", Location(location.path))


def _why_not(documents: list[Document]) -> str:
    kinds = {doc.data.get("kind") for doc in documents if _is_ours(doc)}
    ours = sorted(str(k) for k in kinds if k in OTHER_KINDS)
    if ours:
        return f"a stackpolicy {' and '.join(ours)}, not a stack manifest"
    return f"no {API_VERSION} document"


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


def _is_ours(doc: Document) -> bool:
    data = doc.data
    return isinstance(data, dict) and str(data.get("apiVersion", "")).startswith("stackpolicy/")


def _is_manifest(doc: Document) -> bool:
    """Ours, and not a policy file or policy test (which share the apiVersion)."""
    return _is_ours(doc) and doc.data.get("kind") not in OTHER_KINDS


def _not_a_manifest(loaded: list[Document], display: str) -> ManifestError:
    if not loaded:
        return ManifestError("empty file: expected a stack manifest", Location(display))
    doc = loaded[0]
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a scalar"
        return ManifestError(f"expected a mapping (a stack manifest), got {kind}", doc.locate(()))
    if _is_ours(doc):
        return ManifestError(
            f"not a stack manifest: kind {doc.data.get('kind')!r} is a policy file's "
            "(a manifest is kind: Stack)",
            doc.locate(("kind",)),
        )
    return ManifestError(
        f"not a stack manifest: apiVersion must be {API_VERSION!r}", doc.locate_key(("apiVersion",))
    )
