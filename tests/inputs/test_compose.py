from __future__ import annotations

from pathlib import Path

from tests.inputs.helpers import by_address, found, where, write

COMPOSE = """\
x-vector-db: &vector-db
  image: qdrant/qdrant:v1.9
  restart: always
x-labels: &labels
  labels: ["owner=search", "environment=dev"]

services:
  qdrant-node-1:
    <<: [*vector-db, *labels]
  qdrant-node-2:
    <<: *vector-db
  "qdrant-node-3":
    <<: *vector-db
  ollama:
    image: ollama/ollama
    depends_on:
      qdrant-node-1:
        condition: service_started
  app:
    build: .
  cache:
    image: redis/redis-stack:7.2.0-v10
  db:
    image: postgres:16
"""


def test_services_by_image_through_merge_keys_and_replicas(tmp_path: Path) -> None:
    write(tmp_path, "docker-compose.yml", COMPOSE)
    result = found([tmp_path])
    got = by_address(result)
    assert [c.address for c in result.components] == ["qdrant-node-1", "ollama"]
    qdrant = got["qdrant-node-1"]
    # Three services written out with one image and one stem are one component.
    assert qdrant.data["name"] == "qdrant-node"
    assert qdrant.data["kind"] == "vector-store"
    assert qdrant.data["owner"] == "search"
    assert where(qdrant) == (8, 3)
    assert [(r.line, r.column) for r in qdrant.locator.related] == [(10, 3), (12, 3)]  # type: ignore[attr-defined]
    ollama = got["ollama"]
    assert where(ollama) == (14, 3)
    assert ollama.data["depends_on"] == ["qdrant-node"]
    dep = ollama.locator.field(("depends_on", 0))
    assert dep is not None and (dep.line, dep.column) == (17, 7)
    assert got["cache"].confidence == "possible"
    assert "app" not in got and "db" not in got


def test_same_service_name_in_two_sources_is_prefixed_every_run(tmp_path: Path) -> None:
    write(tmp_path, "a/compose.yaml", "services:\n  qdrant:\n    image: qdrant/qdrant\n")
    write(
        tmp_path,
        "b/k8s.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: qdrant}\nspec:\n"
        "  template: {spec: {containers: [{name: q, image: qdrant/qdrant}]}}\n",
    )
    write(tmp_path, "c/compose.yaml", "services:\n  qdrant:\n    image: qdrant/qdrant\n")
    for _ in range(2):
        result = found([tmp_path])
        # Compose addresses are service names, so the second compose file's
        # qdrant is told apart by a number, in file order.
        assert [c.data["name"] for c in result.components] == [
            "compose/qdrant",
            "kubernetes/qdrant",
            "compose/qdrant-2",
        ]
        assert len(result.warnings) == 3
