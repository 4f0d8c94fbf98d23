"""Telling a CycloneDX BOM from other JSON by its first bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stackpolicy.inputs.sniff import HEAD_BYTES, claims_cyclonedx, file_claims_cyclonedx


@pytest.mark.parametrize(
    ("head", "claims"),
    [
        (b'{"bomFormat": "CycloneDX", "specVersion": "1.6"}', True),
        (b'\xef\xbb\xbf\n  {\n  "$schema": "x",\n  "bomFormat" :\n "CycloneDX"', True),
        (b'{"bomFormat":"CycloneDX"', True),  # the head of a large BOM: cut anywhere
        (b'{"bomFormat": "SPDX"}', False),
        (b'{"bomFormat": ', False),
        (b'{"name": "web", "dependencies": {}}', False),
        (b'[{"bomFormat": "CycloneDX"}]', False),  # not an object
        (b'# "bomFormat": "CycloneDX"\napiVersion: stackpolicy/v1\n', False),  # YAML
        (b'{"note": "\\"bomFormat\\": \\"CycloneDX\\""}', False),  # inside a string
        (b"", False),
    ],
)
def test_a_json_object_that_says_it_is_cyclonedx_claims_to_be_a_bom(
    head: bytes, claims: bool
) -> None:
    assert claims_cyclonedx(head) is claims


def test_only_the_head_is_read(tmp_path: Path) -> None:
    late = tmp_path / "late.json"
    late.write_text('{"a": "' + "x" * HEAD_BYTES + '", "bomFormat": "CycloneDX"}', "utf-8")
    early = tmp_path / "early.json"
    early.write_text('{"bomFormat": "CycloneDX", "a": "' + "x" * HEAD_BYTES + '"}', "utf-8")
    assert (file_claims_cyclonedx(late), file_claims_cyclonedx(early)) == (False, True)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_what_is_not_a_regular_file_claims_nothing(tmp_path: Path) -> None:
    fifo = tmp_path / "bom.json"
    os.mkfifo(fifo)  # no writer: reading it would block
    assert file_claims_cyclonedx(fifo) is False
    assert file_claims_cyclonedx(tmp_path) is False
    assert file_claims_cyclonedx(tmp_path / "missing.json") is False
