from __future__ import annotations

import pytest

from stackpolicy.discovery.mapping import default_mapping, load_mapping, value_at_path
from stackpolicy.errors import ConfigError
from stackpolicy.vocabulary import KIND_LAYER


def test_every_bundled_kind_is_in_the_vocabulary() -> None:
    mapping = default_mapping()
    tables = [mapping.terraform, mapping.kubernetes, mapping.image, mapping.backstage]
    kinds = {rule.kind for table in tables for rules in table.values() for rule in rules}
    assert kinds - {None} <= set(KIND_LAYER)


def test_conditions_are_checked_in_order() -> None:
    mapping = default_mapping()
    collection = "aws_opensearchserverless_collection"
    assert mapping.first("terraform", collection, {"type": "SEARCH"}) is None
    rule = mapping.first("terraform", collection, {"type": "VECTORSEARCH"})
    assert rule is not None and rule.kind == "vector-store"


def test_value_at_path_searches_repeated_blocks() -> None:
    data = {"a": [{"b": 1}, {"b": 2}], "c": {"d": "x"}}
    assert value_at_path(data, "a.b") == [1, 2]
    assert value_at_path(data, "c.d") == "x"
    assert value_at_path(data, "c.e") is None


def test_an_invalid_extra_entry_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="confidence"):
        load_mapping([{"image": "acme/vector-db", "kind": "vector-store", "confidence": "sure"}])


def test_extra_entries_come_first() -> None:
    mapping = load_mapping(
        [{"image": "qdrant/qdrant", "kind": "vector-store", "confidence": "possible"}]
    )
    rule = mapping.first("image", "qdrant/qdrant", {})
    assert rule is not None and rule.confidence == "possible"
