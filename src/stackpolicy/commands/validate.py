"""`stackpolicy validate`: the manifest's schema and references, no policies."""

from __future__ import annotations

from stackpolicy.builtin import BUILTINS, builtin_findings
from stackpolicy.commands.check import Request, emit, read_config, select_changed, stack_paths
from stackpolicy.inputs import load_stack
from stackpolicy.output import FormatOptions
from stackpolicy.report import Report, exit_code


def run(request: Request, fmt: str) -> int:
    config = read_config(request)
    loaded = load_stack(stack_paths(request, config), lenient=request.changed and not config.stack)
    findings = () if loaded.errors else tuple(builtin_findings(loaded.stack))
    if request.changed:
        findings = select_changed(findings, request.paths, {})
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
