"""`stackpolicy validate`: the manifest's schema and references, no policies."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from stackpolicy.builtin import BUILTINS, references
from stackpolicy.commands.check import emit
from stackpolicy.manifest import load_stack
from stackpolicy.output import FormatOptions
from stackpolicy.report import Report, exit_code


def run(paths: Sequence[Path], fmt: str) -> int:
    loaded = load_stack(paths)
    findings = () if loaded.errors else tuple(references(loaded.stack))
    report = Report(
        findings=findings,
        errors=loaded.errors,
        policies=BUILTINS,
        files=loaded.stack.files,
        components=len(loaded.stack.components),
        evaluated=not loaded.errors,
    )
    emit(report, fmt, None, FormatOptions())
    return exit_code(report, "note")
