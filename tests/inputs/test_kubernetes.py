from __future__ import annotations

from pathlib import Path

from stackpolicy.inputs.files import InputFile
from stackpolicy.inputs.kubernetes import KubernetesReader
from tests.inputs.helpers import by_address, found, where, write

STATEFULSET_AND_SERVICE = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: qdrant
  namespace: search
  labels: {team: search, environment: staging}
spec:
  template:
    spec:
      initContainers:
        - {name: init, image: busybox}
      containers:
        - name: db
          image: registry.example.com:5000/qdrant/qdrant:v1.12@sha256:abc
---
apiVersion: v1
kind: Service
metadata:
  name: qdrant
  namespace: search
"""


def test_service_named_like_its_statefulset_is_not_a_second_component(tmp_path: Path) -> None:
    write(tmp_path, "qdrant.yaml", STATEFULSET_AND_SERVICE)
    result = found([tmp_path])
    assert [c.address for c in result.components] == ["apps/StatefulSet/search/qdrant"]
    qdrant = result.components[0]
    assert where(qdrant) == (4, 9)
    assert qdrant.data["kind"] == "vector-store"
    assert qdrant.data["owner"] == "search"
    assert qdrant.data["environment"] == "staging"
    assert qdrant.source == "kubernetes"


def test_seldon_drift_detector_is_not_an_inference_service(tmp_path: Path) -> None:
    write(
        tmp_path,
        "seldon.yaml",
        "apiVersion: mlops.seldon.io/v1alpha1\nkind: Model\nmetadata:\n  name: income\n"
        "spec:\n  storageUri: gs://m/income\n  requirements: [sklearn]\n---\n"
        "apiVersion: mlops.seldon.io/v2\nkind: Model\nmetadata:\n  name: income-drift\n"
        "spec:\n  storageUri: gs://m/drift\n  requirements: [mlserver, alibi-detect]\n",
    )
    got = by_address(found([tmp_path]))
    assert got["mlops.seldon.io/Model/default/income"].data["kind"] == "inference-service"
    drift = got["mlops.seldon.io/Model/default/income-drift"]
    assert drift.data["kind"] == "drift-detector"  # another version, same group and kind
    assert where(drift) == (12, 9)


def test_custom_resources_generate_name_cronjob_and_list(tmp_path: Path) -> None:
    write(
        tmp_path,
        "all.yaml",
        "apiVersion: serving.kserve.io/v1alpha2\nkind: InferenceService\nmetadata:\n"
        "  generateName: churn-\n  namespace: risk\n---\n"
        "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n"
        "  jobTemplate:\n    spec:\n      template:\n        spec:\n"
        "          containers: [{name: a, image: 'apache/airflow:2.9'}]\n---\n"
        "apiVersion: v1\nkind: List\nitems:\n"
        "  - apiVersion: ray.io/v1\n    kind: RayCluster\n    metadata: {name: gpu}\n",
    )
    got = by_address(found([tmp_path]))
    assert where(got["serving.kserve.io/InferenceService/risk/churn-"]) == (4, 17)
    assert got["batch/CronJob/default/nightly"].data["kind"] == "orchestrator"
    assert where(got["ray.io/RayCluster/default/gpu"]) == (22, 22)


def test_replicas_written_out_are_one_component(tmp_path: Path) -> None:
    docs = [
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: qdrant-{i}}}\nspec:\n"
        "  template:\n    spec:\n      containers: [{name: q, image: qdrant/qdrant}]\n"
        for i in range(3)
    ]
    write(tmp_path, "replicas.yaml", "---\n".join(docs))
    result = found([tmp_path])
    assert [c.data["name"] for c in result.components] == ["qdrant"]
    assert where(result.components[0]) == (3, 18)
    related = result.components[0].locator.related  # type: ignore[attr-defined]
    assert [(r.line, r.column) for r in related] == [(11, 18), (19, 18)]


def test_helm_template_is_skipped_not_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "templates/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
        "{{- if .Values.x }}\n  labels: {}\n{{- end }}\n",
    )
    result = found([tmp_path])
    assert result.components == () and result.errors == ()
    assert "Helm template" in result.warnings[0].message
    # Even named on its own: Helm renders it, not us.
    read = KubernetesReader().read(InputFile(path, "deploy.yaml", explicit=True))
    assert read.errors == () and len(read.warnings) == 1


def test_broken_yaml_named_on_its_own_is_a_located_error(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "apiVersion: v1\nkind: [\n")
    result = found([path])
    assert [e.location.line for e in result.errors] == [3]
    assert found([tmp_path]).errors == ()  # in a directory scan: a warning


def test_manifests_and_backstage_are_not_kubernetes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "stack.yaml",
        "apiVersion: stackpolicy/v1\nkind: Stack\ncomponents: []\n---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\n",
    )
    assert found([tmp_path]).components == ()


def test_custom_resources_with_numbered_names_stay_apart(tmp_path: Path) -> None:
    docs = [
        "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"
        f"metadata: {{name: llama-{i}}}\n"
        for i in (2, 3)
    ]
    write(tmp_path, "models.yaml", "---\n".join(docs))
    assert [c.data["name"] for c in found([tmp_path]).components] == ["llama-2", "llama-3"]
