"""Unit tests for policies: load `*_test.yaml` files, run their cases, compare.

`x_test.yaml` tests the policies of its sibling `x.yaml` (or those it names
under `policies:`). Each case is a small stack, inline or in a file, and the
exact findings the policies under test must produce on it — like `opa test`
or `kyverno test`. Findings of other policies are ignored.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackpolicy.cel import AnyBackend
from stackpolicy.config import RuleTuning
from stackpolicy.errors import StackpolicyError
from stackpolicy.findings import Finding, Severity
from stackpolicy.location import Location
from stackpolicy.policy import Policy
from stackpolicy.policyfile import (
    TEST_SUFFIX,
    LoadedPolicies,
    is_test_file,
    load_policies,
    policy_files,
    with_params,
)
from stackpolicy.profiles import PROFILE_DIR, load_profiles
from stackpolicy.resources import bundled_policies, display_path
from stackpolicy.rules import STACK_RULES
from stackpolicy.rules.cel import CompiledPolicy
from stackpolicy.schemacheck import schema_errors
from stackpolicy.settings import DEFAULT_POLICY_TIMEOUT, POLICY_MEMORY_BYTES
from stackpolicy.sources import unique_files
from stackpolicy.stack import LoadedStack, build_stack
from stackpolicy.tuning import tune
from stackpolicy.yamlload import Document, PathKey, load_documents, read_text


class CaseFileError(StackpolicyError):
    """A policy test file that cannot be read or does not fit its schema."""


@dataclass(frozen=True)
class Expected:
    policy: str
    component: str | None
    message: str | None
    location: Location
    severity: Severity | None = None

    def describe(self) -> str:
        on = f" on {self.component}" if self.component else " on the stack"
        return f"{self.policy}{on}" + (f": {self.message!r}" if self.message is not None else "")


@dataclass(frozen=True)
class Case:
    name: str
    location: Location
    document: Document
    key: PathKey
    stack_file: Path | None
    params: Mapping[str, Mapping[str, Any]]
    expect: tuple[Expected, ...]
    snippet: str
    """The case's stack as written, for `stackpolicy explain`."""
    profile: str | None = None
    """The profile (stackpolicy.profiles) that tunes the policies first."""


@dataclass(frozen=True)
class CaseFile:
    path: str
    policies: tuple[str, ...]
    cases: tuple[Case, ...]


@dataclass(frozen=True)
class CaseResult:
    file: CaseFile
    case: Case
    missing: tuple[Expected, ...] = ()
    unexpected: tuple[Finding, ...] = ()
    errors: tuple[StackpolicyError, ...] = ()

    @property
    def passed(self) -> bool:
        return not (self.missing or self.unexpected or self.errors)


@dataclass(frozen=True)
class Coverage:
    """Which policies lack a compliant (passing) or a violating (failing) case."""

    untested: tuple[str, ...]
    no_passing_case: tuple[str, ...]
    no_failing_case: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not (self.untested or self.no_passing_case or self.no_failing_case)


@dataclass(frozen=True)
class SuiteReport:
    results: tuple[CaseResult, ...]
    errors: tuple[StackpolicyError, ...]
    coverage: Coverage
    policies: tuple[str, ...] = ()
    """The ids of the policies under test."""
    untested_files: tuple[str, ...] = ()
    """Policy files under test that no case tests at all."""


def run_suite(
    paths: Sequence[Path], backend: AnyBackend, library: Sequence[Path] = ()
) -> SuiteReport:
    """Run the tests of the policies under `paths`: a policy file brings its
    `x_test.yaml`, a test file its `x.yaml`. `library` is the rest of the
    library (the configured sources), whose policies a test may name."""
    policies, tests = paired(paths)
    loaded = _with_library(load_policies(policies, backend), library, backend)
    files, errors = load_case_files(tests, loaded)
    results = run_tests(files, loaded, backend, _profiles([*paths, *library]))
    shown = {display_path(p) for p in policies}
    under_test = [c.policy.id for c in loaded.policies if c.policy.location.path in shown]
    covered = coverage(files, under_test)
    by_file: dict[str, list[str]] = {}
    for compiled in loaded.policies:
        by_file.setdefault(compiled.policy.location.path, []).append(compiled.policy.id)
    untested_files = tuple(
        path
        for path in dict.fromkeys(display_path(p) for p in policies)
        if by_file.get(path) and all(i in covered.untested for i in by_file[path])
    )
    return SuiteReport(
        results, (*loaded.errors, *errors), covered, tuple(under_test), untested_files
    )


def _with_library(
    tested: LoadedPolicies, library: Sequence[Path], backend: AnyBackend
) -> LoadedPolicies:
    """The policies under test, and those of the library their tests may
    also name. A policy under test shadows a library policy of the same id
    (a copy being changed), and the library's own errors are not this run's."""
    ids = {c.policy.id for c in tested.policies}
    if not library:
        return tested
    rest = load_policies(unique_files(library), backend)
    more = tuple(c for c in rest.policies if c.policy.id not in ids)
    return LoadedPolicies((*tested.policies, *more), tested.errors)


def paired(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The policy files and the test files under `paths`, each file with its
    sibling: `stackpolicy test x.yaml` and `stackpolicy test x_test.yaml` both
    run x's cases."""
    policies = policy_files(paths)
    tests = policy_files(paths, tests=True)
    # A directory brings both sides already (and its profiles/ are no policies).
    siblings = [_sibling(p) for p in paths if p.is_file()]
    existing = [p for p in siblings if p.is_file()]
    policies += [p for p in existing if not is_test_file(p)]
    tests += [p for p in existing if is_test_file(p)]
    return unique_files(policies), unique_files(tests)


def _sibling(path: Path) -> Path:
    if is_test_file(path):
        return path.with_name(path.stem.removesuffix(TEST_SUFFIX) + path.suffix)
    return path.with_name(path.stem + TEST_SUFFIX + path.suffix)


def load_case_files(
    paths: Sequence[Path], library: LoadedPolicies, only: Policy | None = None
) -> tuple[list[CaseFile], list[StackpolicyError]]:
    """The test files under `paths`; with `only`, just those that may test it
    (`explain` shows one policy's cases)."""
    files: list[CaseFile] = []
    errors: list[StackpolicyError] = []
    for path in policy_files(paths, tests=True):
        if only is not None and not _may_test(path, only):
            continue
        try:
            files.append(_read_test_file(path, library))
        except StackpolicyError as exc:
            errors.append(exc)
    return files, errors


def _may_test(path: Path, policy: Policy) -> bool:
    """Whether the test file at `path` may test `policy`: it is the sibling of
    the policy's file, or names the policy under `policies:`, where its id is
    written as it is (only a double-quoted scalar can escape a character, so a
    file with a backslash is read in full to be sure). A file that cannot be
    read is read in full too, for its error."""
    if display_path(_sibling(path)) == policy.location.path:
        return True
    try:
        text = read_text(path, display_path(path))
    except StackpolicyError:
        return True
    return policy.id in text or "\\" in text


def _read_test_file(path: Path, library: LoadedPolicies) -> CaseFile:
    display = display_path(path)
    text = read_text(path, display)
    documents = load_documents(text, display)
    if len(documents) != 1 or not isinstance(documents[0].data, dict):
        raise CaseFileError("expected one mapping with `cases:`", Location(display))
    doc = documents[0]
    problems = schema_errors(doc, "policy-test", CaseFileError)
    if problems:
        raise problems[0]
    data = doc.data
    if "policies" in data:
        policies = tuple(data["policies"])
    else:
        sibling = display_path(path.with_name(path.stem.removesuffix(TEST_SUFFIX) + path.suffix))
        policies = tuple(c.policy.id for c in library.policies if c.policy.location.path == sibling)
        if not policies:
            raise CaseFileError(
                f"no policies under test: {sibling} defines none; name them with `policies:`",
                doc.locate(()),
            )
    known = {c.policy.id for c in library.policies} | {r.policy.id for r in STACK_RULES}
    for index, policy_id in enumerate(policies):
        if policy_id not in known:
            where = doc.locate(("policies", index))
            raise CaseFileError(f"unknown policy {policy_id!r}", where)
    lines = text.splitlines()
    cases = tuple(_case(doc, path, ("cases", i), raw, lines) for i, raw in enumerate(data["cases"]))
    return CaseFile(display, policies, cases)


def _case(doc: Document, path: Path, key: PathKey, raw: dict[str, Any], lines: list[str]) -> Case:
    expect = tuple(
        Expected(
            policy=item["policy"],
            component=item.get("component"),
            message=item.get("message"),
            location=doc.locate((*key, "expect", i)),
            severity=item.get("severity"),
        )
        for i, item in enumerate(raw["expect"])
    )
    stack_key = (*key, "stack")
    where = doc.locate(stack_key) if "stack" in raw else doc.locate((*key, "file"))
    # A block node ends at the start of the next key's line; leave that line out.
    tail = lines[where.end_line - 1][: where.end_column - 1] if where.end_line <= len(lines) else ""
    last = where.end_line - 1 if not tail.strip() else where.end_line
    snippet = textwrap.dedent("\n".join(lines[where.line - 1 : last]))
    return Case(
        name=raw["name"],
        location=doc.locate((*key, "name")),
        document=doc,
        key=key,
        stack_file=path.parent / raw["file"] if "file" in raw else None,
        params=raw.get("params") or {},
        expect=expect,
        snippet=snippet.rstrip() + "\n",
        profile=raw.get("profile"),
    )


def run_tests(
    files: Sequence[CaseFile],
    library: LoadedPolicies,
    backend: AnyBackend,
    profiles: Sequence[Path] = (),
) -> tuple[CaseResult, ...]:
    """Every case; `profiles` are the policy sources whose profiles cases may
    name (the bundled library's always)."""
    by_id = {c.policy.id: c for c in library.policies}
    sources = (*profiles, bundled_policies())
    return tuple(run_case(f, case, by_id, backend, sources) for f in files for case in f.cases)


def run_case(
    file: CaseFile,
    case: Case,
    by_id: Mapping[str, CompiledPolicy],
    backend: AnyBackend,
    profiles: Sequence[Path] = (),
) -> CaseResult:
    # Running a case needs the stack readers and the engine; reading cases
    # (explain, docs) does not, so they are imported here.
    from stackpolicy.engine import evaluate

    loaded = _case_stack(case)
    if loaded.errors:
        return CaseResult(file, case, errors=loaded.errors)
    builtins = [r for r in STACK_RULES if r.policy.id in file.policies]
    try:
        chosen = [by_id[policy_id] for policy_id in file.policies if policy_id in by_id]
        tunings = _profile(case, profiles)
        selected = [_tuned(c, case) for c in tune(chosen, (), tunings)]
        builtins = list(tune(builtins, (), tunings))
    except StackpolicyError as exc:
        return CaseResult(file, case, errors=(exc,))
    evaluation = evaluate(
        loaded.stack, [*builtins, *selected], backend, DEFAULT_POLICY_TIMEOUT, POLICY_MEMORY_BYTES
    )
    if evaluation.errors:
        return CaseResult(file, case, errors=evaluation.errors)
    actual = [f for f in evaluation.findings if f.policy_id in file.policies]
    missing = []
    for expected in case.expect:
        match = next((f for f in actual if _matches(expected, f)), None)
        if match is None:
            missing.append(expected)
        else:
            actual.remove(match)
    return CaseResult(file, case, tuple(missing), tuple(actual))


def _case_stack(case: Case) -> LoadedStack:
    from stackpolicy.inputs import load_stack
    from stackpolicy.inputs.manifest import embedded

    if case.stack_file is None:
        read = embedded(case.document, (*case.key, "stack"))
        return build_stack(read.fragments, read.errors)
    if not case.stack_file.exists():
        where = case.document.locate((*case.key, "file"))
        return build_stack((), [CaseFileError(f"no such file: {case.stack_file}", where)])
    return load_stack([case.stack_file])


def _profiles(paths: Sequence[Path]) -> list[Path]:
    """The libraries under test, whose `profiles/` cases may name."""
    roots = []
    for path in paths:
        if path.is_dir():
            roots.append(path)
        else:
            folder = path.parent
            roots.append(folder.parent if folder.name == PROFILE_DIR else folder)
    return list(dict.fromkeys(roots))


def _profile(case: Case, sources: Sequence[Path]) -> tuple[tuple[RuleTuning, ...], ...]:
    if case.profile is None:
        return ()
    where = case.document.locate((*case.key, "profile"))
    [profile] = load_profiles([case.profile], list(dict.fromkeys(sources)), where)
    return (profile.rules,)


def _tuned(compiled: CompiledPolicy, case: Case) -> CompiledPolicy:
    overrides = case.params.get(compiled.policy.id)
    if not overrides:
        return compiled
    base = (*case.key, "params", compiled.policy.id)
    policy = with_params(
        compiled.policy, overrides, lambda name: case.document.locate_key((*base, name))
    )
    return compiled.with_policy(policy)


def _matches(expected: Expected, finding: Finding) -> bool:
    return (
        expected.policy == finding.policy_id
        and expected.severity in (None, finding.severity)
        and expected.component == finding.component
        and (expected.message is None or expected.message == finding.message)
    )


def coverage(files: Sequence[CaseFile], ids: Sequence[str]) -> Coverage:
    """Every policy under test should have a case it passes on and a case it fails on."""
    tested: dict[str, tuple[bool, bool]] = {}
    for file in files:
        for policy_id in file.policies:
            passing, failing = tested.get(policy_id, (False, False))
            for case in file.cases:
                hits = any(e.policy == policy_id for e in case.expect)
                passing, failing = passing or not hits, failing or hits
            tested[policy_id] = (passing, failing)
    return Coverage(
        untested=tuple(i for i in ids if i not in tested),
        no_passing_case=tuple(i for i, (p, _) in tested.items() if not p),
        no_failing_case=tuple(i for i, (_, f) in tested.items() if not f),
    )
