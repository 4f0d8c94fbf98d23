"""The declared stack and the discovered one as one: links, renames, and
references between discovered components that follow both."""

from __future__ import annotations

from typing import Any

import pytest

from stackpolicy.discovery.merge import merge
from stackpolicy.location import Location
from stackpolicy.stack import Declared, Fragment, PlacesLocator


def _declared(name: str, **fields: Any) -> Declared:
    at = Location("stack.yaml", 5, 11)
    return Declared({"name": name, "kind": "model", **fields}, PlacesLocator(at), "manifest")


def _found(name: str, address: str, line: int, **fields: Any) -> Declared:
    at = Location("bom.json", line, 15)
    data = {"name": name, "kind": "model", **fields}
    return Declared(data, PlacesLocator(at), "cyclonedx", address, "certain")


DISCOVERED = (
    _found("llm", "m-1", 4),
    _found("ranker", "m-2", 8),
    _found("chat", "s-1", 12, depends_on=["llm", "ranker", "elsewhere"], model="ranker"),
)


@pytest.mark.parametrize(
    ("declared", "names", "chat"),
    [
        # Nothing declared: every reference stays as it was.
        ((), ["llm", "ranker", "chat"], (["llm", "ranker", "elsewhere"], "ranker")),
        # `llm` is linked to a manifest entry named `support-llm`: references follow the link.
        (
            (_declared("support-llm", source="cyclonedx:m-1"),),
            ["support-llm", "ranker", "chat"],
            (["support-llm", "ranker", "elsewhere"], "ranker"),
        ),
        # A declared `ranker` that is not linked: the discovered one is renamed,
        # and references follow the new name, never the declared namesake.
        (
            (_declared("ranker"),),
            ["ranker", "llm", "ranker-cyclonedx", "chat"],
            (["llm", "ranker-cyclonedx", "elsewhere"], "ranker-cyclonedx"),
        ),
    ],
)
def test_references_between_discovered_components_follow_links_and_renames(
    declared: tuple[Declared, ...], names: list[str], chat: tuple[list[str], str]
) -> None:
    fragments = [Fragment("stack.yaml", declared)] if declared else []
    merged = merge(fragments, DISCOVERED)
    components = [c for fragment in merged.fragments for c in fragment.components]
    assert [c.data["name"] for c in components] == names
    [merged_chat] = [c for c in components if c.data["name"] == "chat"]
    assert (merged_chat.data["depends_on"], merged_chat.data["model"]) == chat
    assert len(merged.warnings) == (1 if "ranker-cyclonedx" in names else 0)
