"""Shared by the reader tests: write a file, discover in it, look at the result."""

from __future__ import annotations

from pathlib import Path

from stackpolicy.discovery.scan import Discovery, discover
from stackpolicy.stack import Declared


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def found(paths: list[Path]) -> Discovery:
    return discover(paths)


def by_address(discovery: Discovery) -> dict[str, Declared]:
    return {c.address: c for c in (*discovery.components, *discovery.possible)}


def where(component: Declared) -> tuple[int, int]:
    at = component.locator.origin()
    return (at.line, at.column)
