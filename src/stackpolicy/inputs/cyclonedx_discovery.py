"""CycloneDX BOMs as a discovery source: what another tool (or `stackpolicy
bom`) says runs, for `stackpolicy discover` and `--discover`.

The BOM is read by stackpolicy.inputs.cyclonedx, the reader `check` uses for a
BOM named as input, so models, data and services become the same components
at the same places (`read_bom(discovered=True)`). Each is then handed to
discovery as a `Candidate`, so that names stay unique across every source
(`cyclonedx/<name>` beside a Terraform namesake) and references follow a
rename, as for any other discovery reader. Its link is `cyclonedx:<bom-ref>`;
one `stackpolicy bom` wrote keeps the link it had (`terraform:...`, or the
`source:` of its manifest entry). The mapping table is not consulted: a BOM
says what each component is.
"""

from __future__ import annotations

from collections.abc import Sequence

from stackpolicy.discovery.candidate import Candidate, Link
from stackpolicy.discovery.mapping import Rule
from stackpolicy.errors import StackpolicyError
from stackpolicy.inputs.cyclonedx import SOURCE, is_bom, parse, read_bom
from stackpolicy.inputs.discovered import DiscoveryReader, Found
from stackpolicy.inputs.files import InputFile
from stackpolicy.inputs.sniff import file_claims_cyclonedx
from stackpolicy.stack import Declared, PlacesLocator
from stackpolicy.vocabulary import LIST_REFERENCES, REFERENCE_FIELDS

CONFIDENCE = "certain"
"""A BOM states what each component is (its type, or our `stackpolicy:kind`)."""
_NOT_CARRIED = ("name", "kind", "source", *REFERENCE_FIELDS)
"""Fields discovery sets itself: the (unique) name, the kind from the rule,
the link, and references by the targets' final names."""


class CycloneDXDiscoveryReader(DiscoveryReader):
    name = SOURCE
    suffixes = (".json",)
    what = "a CycloneDX BOM"

    def find(self, file: InputFile) -> Found:
        """The BOM's components, when the file's head claims to be a BOM
        (stackpolicy.inputs.sniff), or it is `explicit` (discovery's scan
        passes none: every file it reads is judged by its head). Once it
        claims to be one, it must read: every problem is an error at its place."""
        if not file.explicit and not file_claims_cyclonedx(file.path):
            return Found()
        try:
            doc = parse(file)
        except StackpolicyError as exc:
            return Found(recognised=True, errors=[exc])
        if doc is None or not is_bom(doc.data):
            return Found()
        read = read_bom(doc, discovered=True)
        components = [c for fragment in read.fragments for c in fragment.components]
        return Found(
            candidates=candidates(components, file.display),
            recognised=True,
            errors=list(read.errors),
        )


def candidates(components: Sequence[Declared], display: str) -> list[Candidate]:
    """The BOM's components as discovery candidates, each in a scope of its
    own (one BOM may hold the same Terraform address twice, from two
    modules), with its references as links to the other candidates."""
    keys: dict[str, tuple[str, str]] = {}
    for index, component in enumerate(components):
        # Names are unique in a BOM that loads as a stack; a reference to a
        # name used twice goes to the first, as a stack would refuse it.
        keys.setdefault(str(component.data["name"]), (_scope(display, index), component.address))
    return [_candidate(c, _scope(display, i), keys) for i, c in enumerate(components)]


def _scope(display: str, index: int) -> str:
    return f"{SOURCE}:{display}#{index}"


def _candidate(component: Declared, scope: str, keys: dict[str, tuple[str, str]]) -> Candidate:
    locator = component.locator
    assert isinstance(locator, PlacesLocator)  # read_bom's locator
    data = {k: v for k, v in component.data.items() if k not in _NOT_CARRIED}
    fields = {k: v for k, v in locator.fields.items() if k[0] not in _NOT_CARRIED}
    return Candidate(
        source=component.source,
        scope=scope,
        address=component.address,
        name=str(component.data["name"]),
        rule=Rule(kind=str(component.data["kind"]), confidence=CONFIDENCE),
        at=locator.at,
        fields=fields,
        data=data,
        links=list(_links(component, locator, keys)),
    )


def _links(
    component: Declared, locator: PlacesLocator, keys: dict[str, tuple[str, str]]
) -> list[Link]:
    """A reference to a name the BOM holds is a link; one to a name it does
    not hold is dropped, as discovery never makes a dangling reference."""
    found: list[Link] = []
    for field in REFERENCE_FIELDS:
        value = component.data.get(field)
        targets = value if field in LIST_REFERENCES and isinstance(value, list) else [value]
        for index, target in enumerate(targets):
            key = keys.get(target) if isinstance(target, str) else None
            if key is not None:
                where = locator.fields.get((field, index) if field in LIST_REFERENCES else (field,))
                found.append(Link(field, key[0], key[1], where))
    return found
