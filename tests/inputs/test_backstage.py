from __future__ import annotations

from pathlib import Path

from stackpolicy.discovery.mapping import load_mapping
from stackpolicy.discovery.scan import discover
from tests.inputs.helpers import by_address, found, where, write

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: recommender
  labels: {environment: production}
spec:
  type: model-server
  lifecycle: experimental
  owner: group:default/personalisation
  system: shop
  dependsOn:
    - resource:default/recs-model
    - component:unknown
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: recs-model
spec:
  type: ai-model
  owner: personalisation
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
spec:
  owner: group:web
  type: genai-product
"""


def test_entities_owner_references_and_positions(tmp_path: Path) -> None:
    write(tmp_path, "catalog-info.yaml", CATALOG)
    got = by_address(found([tmp_path]))
    assert set(got) == {"component:default/recommender", "resource:default/recs-model"}
    recommender = got["component:default/recommender"]
    assert where(recommender) == (4, 9)
    assert recommender.data["owner"] == "personalisation"
    assert recommender.data["environment"] == "production"  # from labels, not lifecycle
    assert recommender.data["depends_on"] == ["recs-model"]
    dep = recommender.locator.field(("depends_on", 0))
    assert dep is not None and (dep.line, dep.column) == (12, 7)
    owner = recommender.locator.field(("owner",))
    assert owner is not None and owner.line == 9


def test_an_orgs_table_maps_its_own_types(tmp_path: Path) -> None:
    write(tmp_path, "catalog-info.yaml", CATALOG)
    extra = [
        {
            "backstage": {"kind": "System", "type": "genai-product"},
            "kind": "workflow",
            "confidence": "likely",
        },
        {
            "backstage": {"kind": "Component", "type": "model-server"},
            "kind": "model-gateway",
            "confidence": "certain",
        },
    ]
    result = discover([tmp_path], mapping=load_mapping(extra))
    got = by_address(result)
    assert got["system:default/shop"].data["kind"] == "workflow"
    recommender = got["component:default/recommender"]
    assert recommender.data["kind"] == "model-gateway"  # an org's entry wins
    # In the order written: `system` comes before `dependsOn`.
    assert recommender.data["depends_on"] == ["shop", "recs-model"]
