"""The job every checking command shares, in the order data flows:

    read the stack -> load and compile the policies -> tune every rule ->
    evaluate -> apply waivers -> judge the waivers -> baseline -> report

Commands build `Settings`, call `check` (or `validate`), and render the
`Report`; nothing here prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stackpolicy import baseline, cel
from stackpolicy.config import CONFIG_NAME
from stackpolicy.discovery.mapping import load_mapping
from stackpolicy.discovery.merge import merge
from stackpolicy.discovery.scan import discover
from stackpolicy.engine import evaluate, run_rules
from stackpolicy.errors import PolicyError, StackpolicyError, UsageError
from stackpolicy.findings import Finding
from stackpolicy.inputs import load_stack, no_manifest, read_inputs
from stackpolicy.kindcheck import misspelt_kinds
from stackpolicy.location import Location
from stackpolicy.policy import Policy, RuleScope
from stackpolicy.policyfile import LoadedPolicies, is_test_file, load_policies
from stackpolicy.profiles import profile_tunings
from stackpolicy.report import Report
from stackpolicy.resources import display_path
from stackpolicy.rules import DRIFT, STACK_RULES, WAIVERS, builtin_policies
from stackpolicy.rules.base import Rule, StackContext, WaiverContext
from stackpolicy.settings import POLICY_MEMORY_BYTES, Settings
from stackpolicy.sources import library_sources, unique_files
from stackpolicy.stack import LoadedStack, build_stack
from stackpolicy.tuning import check_patterns, tune
from stackpolicy.waivers import Waiver, apply_waivers, load_waivers


@dataclass(frozen=True)
class _Prepared:
    """Everything loaded before evaluation starts."""

    stack_rules: tuple[Rule[StackContext], ...]
    waiver_rules: tuple[Rule[WaiverContext], ...]
    waivers: tuple[Waiver, ...]
    errors: tuple[StackpolicyError, ...]
    known: baseline.Baseline | None

    @property
    def policies(self) -> tuple[Policy, ...]:
        return (*(r.policy for r in self.stack_rules), *(r.policy for r in self.waiver_rules))


def check(settings: Settings) -> Report:
    """Load, tune, evaluate, then apply waivers and the baseline.

    A stack that does not load is not evaluated (its rules would judge half a
    stack); a policy that does not load is left out and the others still run.
    A configuration that cannot be used gives a report that says why.
    """
    clock = _Clock()
    try:
        backend = cel.backend(settings.engine)
        loaded = read_stack(settings)
        clock.lap("load")
        prepared = _prepare(settings, loaded, backend)
    except StackpolicyError as exc:
        return failed_report(exc)
    clock.lap("compile")
    if loaded.errors or not loaded.stack.files:  # broken, or no manifest among the changes
        return _report(loaded, (), (), prepared.errors, prepared.policies, clock)
    result = evaluate(
        loaded.stack, prepared.stack_rules, backend, settings.policy_timeout, POLICY_MEMORY_BYTES
    )
    clock.lap("evaluate")
    outcome = apply_waivers(result.findings, prepared.waivers, settings.today)
    context = WaiverContext(
        prepared.waivers, outcome.used, settings.today, settings.waiver_warning_days
    )
    problems = run_rules(prepared.waiver_rules, context)
    active: Sequence[Finding] = (*outcome.active, *problems.findings)
    counts = (0, 0)
    if prepared.known is not None:
        # A waiver that expires must fail the run whatever the baseline says.
        compared = baseline.apply(active, prepared.known, keep=problems.findings)
        active, counts = compared.new, (compared.baselined, compared.gone)
    kept, kept_waived = tuple(active), outcome.waived
    if settings.changed and not library_changed(settings):
        scopes = {p.id: p.scope for p in prepared.policies}
        kept = select_changed(kept, settings.paths, scopes)
        kept_waived = select_changed(kept_waived, settings.paths, scopes)
    errors = (*prepared.errors, *result.errors, *problems.errors)
    return dataclasses.replace(
        _report(loaded, kept, kept_waived, errors, prepared.policies, clock),
        evaluations=result.evaluations,
        engine=backend.name,
        baselined=counts[0],
        baseline_gone=counts[1],
    )


def validate(settings: Settings) -> Report:
    """The stack's own rules only: the manifest schema and the references."""
    loaded = read_stack(settings)
    profiles = profile_tunings(settings, library_sources(settings))
    rules = tune(builtin_rules(settings), settings.config.rules, profiles)
    findings: tuple[Finding, ...] = ()
    if not loaded.errors:
        backend = cel.backend(settings.engine)
        findings = evaluate(
            loaded.stack, rules, backend, settings.policy_timeout, POLICY_MEMORY_BYTES
        ).findings
    if settings.changed and not library_changed(settings):
        findings = select_changed(findings, settings.paths, {})
    policies = tuple(r.policy for r in rules)
    return _report(loaded, findings, (), loaded.errors, policies, _Clock())


def builtin_rules(settings: Settings) -> tuple[Rule[StackContext], ...]:
    """The built-in stack rules of this run: the drift rules only with discovery."""
    return (*STACK_RULES, *DRIFT) if settings.discover else STACK_RULES


def read_stack(settings: Settings) -> LoadedStack:
    """The configured stack (a glob's matches may be other YAML, which is
    skipped), or PATHS, and what discovery finds. pre-commit passes every
    changed YAML file; without a configured stack, those that are not
    manifests are not part of it."""
    named, globbed, lenient = _stack_inputs(settings)
    if not settings.discover:
        return load_stack(named, lenient=lenient, found=globbed)
    read = read_inputs(named, lenient=lenient, found=globbed)
    errors = list(read.errors)
    found = discover(settings.discover, mapping=load_mapping(settings.config.discovery_mapping))
    merged = merge(list(read.fragments), found.components)
    if not merged.fragments and not errors and not found.errors:
        errors.append(no_manifest([*named, *globbed, *settings.discover]))
    loaded = build_stack(merged.fragments, [*errors, *found.errors], found.components)
    return dataclasses.replace(
        loaded, warnings=(*found.warnings, *merged.warnings), skipped=read.warnings
    )


def _stack_inputs(settings: Settings) -> tuple[list[Path], list[Path], bool]:
    """(files named, files a configured glob matched, lenient)."""
    config = settings.config
    if config.stack and (settings.changed or not settings.paths):
        named, globbed = config.stack_inputs()
        return named, globbed, False
    return stack_paths(settings), [], settings.changed


def stack_paths(settings: Settings) -> list[Path]:
    """The manifests to read: PATHS, else the configured stack; none is fine
    when discovery finds the stack."""
    config = settings.config
    if config.stack and (settings.changed or not settings.paths):
        return config.stack_paths()
    if settings.paths or settings.discover:
        return list(settings.paths)
    raise UsageError(
        "no stack to check: give PATHS or --discover PATH, or list the stack's files under "
        "`stack:` in .stackpolicy.yaml",
        Location.nowhere("command line"),
    )


def _prepare(settings: Settings, loaded: LoadedStack, backend: cel.AnyBackend) -> _Prepared:
    config = settings.config
    sources = library_sources(settings)
    library = load_policies(unique_files(sources), backend)
    profiles = profile_tunings(settings, sources)
    waivers = tuple(load_waivers(config))
    stack_rules = (*builtin_rules(settings), *library.policies)
    waiver_rules = WAIVERS if waivers else ()
    known_ids = [p.id for p in builtin_policies()] + [c.policy.id for c in library.policies]
    check_patterns(config.rules, known_ids)
    known = baseline.read(settings.baseline) if settings.baseline else None
    return _Prepared(
        stack_rules=tune(stack_rules, config.rules, profiles),
        waiver_rules=tune(waiver_rules, config.rules, profiles),
        waivers=waivers,
        errors=(*loaded.errors, *library.errors, *_kind_typos(library, loaded)),
        known=known,
    )


def _kind_typos(library: LoadedPolicies, loaded: LoadedStack) -> list[PolicyError]:
    used = {c.kind for c in loaded.stack.components}
    return misspelt_kinds((c.policy for c in library.policies), used)


def library_changed(settings: Settings) -> bool:
    """Whether a changed file is one that changes what every finding is: a
    policy or policy test, the configuration, the waivers or the baseline.
    Then the whole stack's findings are reported, not only those in the
    changed files (the stack may fail now without any manifest changing)."""
    if not settings.changed:
        return False
    config = settings.config
    files = [config.path, config.waivers_path, settings.baseline]
    exact = {p.resolve() for p in files if p is not None}
    sources: list[Path] = []
    with contextlib.suppress(StackpolicyError):  # no policies configured: no change is to one
        sources = library_sources(settings)
    roots = [p.resolve() for p in sources]
    for path in settings.paths:
        full = path.resolve()
        if full in exact or path.name == CONFIG_NAME or is_test_file(path):
            return True
        if any(full == root or full.is_relative_to(root) for root in roots):
            return True
    return False


def failed_report(error: StackpolicyError) -> Report:
    """The report of a run that could not start, so SARIF still says why."""
    policies = tuple(r.policy for r in STACK_RULES)
    return Report((), (error,), policies, (), 0, evaluated=False)


def select_changed(
    findings: Sequence[Finding], changed: Sequence[Path], scopes: dict[str, RuleScope]
) -> tuple[Finding, ...]:
    """What a pre-commit run shows: findings in the changed files, and every
    finding of a stack-scope policy ("one vector store" is about all files)."""
    files = {display_path(path) for path in changed}
    return tuple(
        f for f in findings if f.location.path in files or scopes.get(f.policy_id) == "stack"
    )


def _report(
    loaded: LoadedStack,
    findings: Sequence[Finding],
    waived: Sequence[Finding],
    errors: Sequence[StackpolicyError],
    policies: Sequence[Policy],
    clock: _Clock,
) -> Report:
    return Report(
        findings=tuple(findings),
        errors=tuple(errors),
        policies=tuple(policies),
        files=loaded.stack.files,
        components=len(loaded.stack.components),
        evaluated=not loaded.errors,
        waived=tuple(waived),
        timings=tuple(clock.laps),
        stack=loaded.stack,
        skipped=loaded.skipped,
        warnings=loaded.warnings,
    )


class _Clock:
    def __init__(self) -> None:
        self.laps: list[tuple[str, float]] = []
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, now - self._last))
        self._last = now
