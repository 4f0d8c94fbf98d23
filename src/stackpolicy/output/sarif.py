"""SARIF 2.1.0 for GitHub code scanning.

The log is plain JSON data, written field by field under its SARIF name in
the order below, and a field that has no value is left out (not written as
null). Every field that has one is written, also when it equals SARIF's
default: a result at level `warning` keeps its level. The choices GitHub
cares about are documented in docs/sarif.md.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from typing import Any
from urllib.parse import quote

from stackpolicy import __version__
from stackpolicy.errors import StackpolicyError
from stackpolicy.escape import code_fence, json_document, line, lines, markdown, markdown_block
from stackpolicy.findings import SEVERITY_RANK, Finding, Identity, identity
from stackpolicy.location import Location
from stackpolicy.output import FormatOptions, Rendered
from stackpolicy.output.json import dumps
from stackpolicy.paths import relative_uri, uri_reference
from stackpolicy.policy import Policy
from stackpolicy.report import Report, sorted_errors

SCHEMA_URI = (
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/stackpolicy/stackpolicy"
MAX_RESULTS = 25_000  # GitHub code scanning's limit per run

# GitHub: 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {"error": 7.5, "warning": 5.0, "note": 2.0}
PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
FINGERPRINT = "stackpolicy/v1"

Json = dict[str, Any]


def given(**fields: Any) -> Json:
    """The fields that have a value (None means not given), in order."""
    return {name: value for name, value in fields.items() if value is not None}


def render(report: Report, options: FormatOptions) -> Rendered:
    policies = list(report.policies)
    index = {policy.id: i for i, policy in enumerate(policies)}
    shown = (*report.findings, *(report.waived if options.include_waived else ()))
    findings, dropped = _within_limit(shown)
    notifications = [_error_notification(e, options) for e in sorted_errors(report.errors)]
    notices: tuple[str, ...] = ()
    if dropped:
        notice = (
            f"{dropped} of {len(report.findings)} results left out: GitHub code scanning "
            f"accepts at most {MAX_RESULTS} per run; the most severe were kept"
        )
        notifications.append({"message": _message(notice), "level": "warning"})
        notices = (f"stackpolicy: {notice}",)
    invocation = given(
        executionSuccessful=not report.errors, toolExecutionNotifications=notifications or None
    )
    run = {
        "tool": {"driver": _driver(policies)},
        "automationDetails": given(id=options.sarif_category),
        "columnKind": "unicodeCodePoints",
        "invocations": [invocation],
        "results": _results(findings, index, options),
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    text = dumps(log)
    return Rendered(json_document(text) + "\n", notices)


def _within_limit(findings: tuple[Finding, ...]) -> tuple[list[Finding], int]:
    """Sorted, and cut to GitHub's limit keeping the most severe (active before waived)."""
    ordered = sorted(findings, key=lambda f: f.sort_key())
    if len(ordered) <= MAX_RESULTS:
        return ordered, 0
    by_severity = sorted(ordered, key=lambda f: (f.waiver is not None, -SEVERITY_RANK[f.severity]))
    kept = sorted(by_severity[:MAX_RESULTS], key=lambda f: f.sort_key())
    return kept, len(ordered) - MAX_RESULTS


def _driver(policies: list[Policy]) -> Json:
    return {
        "name": "stackpolicy",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [_rule(policy) for policy in policies],
    }


def _rule(policy: Policy) -> Json:
    security = policy.security_severity or SECURITY_SEVERITY[policy.severity]
    return given(
        id=policy.id,
        name=_pascal(policy.title),
        # Policy text is input too (a local policy file): GitHub shows it as is.
        shortDescription={"text": line(policy.title)},
        fullDescription={"text": lines(policy.description.strip())},
        help={"text": _help_text(policy), "markdown": _help_markdown(policy)},
        helpUri=policy.help_uri,
        defaultConfiguration={"level": policy.severity},
        properties={
            # GitHub reads security-severity only from rules tagged `security`.
            "tags": list(dict.fromkeys(["security", *policy.tags, policy.layer]))[:20],
            "precision": "very-high",
            "problem.severity": PROBLEM_SEVERITY[policy.severity],
            "security-severity": f"{security:.1f}",
        },
    )


def _help_text(policy: Policy) -> str:
    parts = [policy.description.strip()]
    if policy.remediation:
        parts.append(f"Remediation: {policy.remediation.strip()}")
    if policy.example:
        parts.append(f"Example:\n{policy.example.rstrip()}")
    return lines("\n\n".join(parts))


def _help_markdown(policy: Policy) -> str:
    parts = [f"**{markdown(policy.title)}**", markdown_block(policy.description.strip())]
    if policy.remediation:
        parts.append(f"**Remediation:** {markdown_block(policy.remediation.strip())}")
    if policy.example:
        fence = "\n".join(code_fence(policy.example.rstrip(), "yaml"))
        parts.append(f"**Example:**\n\n{fence}")
    if policy.help_uri:
        # Percent-encoded: a space, bracket or control character cannot end the link.
        parts.append(f"[Documentation]({quote(policy.help_uri, safe=_URI_SAFE)})")
    return "\n\n".join(parts)


_URI_SAFE = ":/?#[]@!$&'*+,;=%-._~"


def _pascal(title: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))


def _results(findings: list[Finding], index: dict[str, int], options: FormatOptions) -> list[Json]:
    seen: Counter[str] = Counter()
    results = []
    for finding in findings:
        same = identity(finding, options.base_dir)
        fingerprint = _fingerprint(same)
        seen[fingerprint] += 1
        results.append(
            given(
                ruleId=finding.policy_id,
                ruleIndex=index[finding.policy_id],
                level=finding.severity,
                message=_message(finding.message),
                locations=[_location(finding.location, same.file)],
                relatedLocations=_related(finding, options) or None,
                partialFingerprints={
                    FINGERPRINT: fingerprint,
                    "primaryLocationLineHash": f"{fingerprint[:16]}:{seen[fingerprint]}",
                },
                suppressions=_suppressions(finding),
            )
        )
    return results


def _related(finding: Finding, options: FormatOptions) -> list[Json]:
    """Where else the component is declared: the infrastructure code a manifest
    entry links to, or the other declarations discovery grouped into one."""
    if not finding.related:
        return []
    also = {"text": "also declared here"}
    return [
        _location(where, relative_uri(where, options.base_dir), id=index, message=also)
        for index, where in enumerate(finding.related, start=1)
    ]


def _suppressions(finding: Finding) -> list[Json] | None:
    waiver = finding.waiver
    if waiver is None:
        return None
    justification = f"{waiver.reason} (owner {waiver.owner}, expires {waiver.expires})"
    return [{"kind": "external", "justification": line(justification)}]


def _fingerprint(same: Identity) -> str:
    """A hash of the finding's identity (see findings.identity)."""
    parts = (same.policy, same.file, same.component, same.key)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _location(where: Location, path: str, **more: Any) -> Json:
    bundled = where.in_file and not where.in_repository  # an absolute `stackpolicy:` URI
    artifact = given(uri=uri_reference(where, path), uriBaseId=None if bundled else "%SRCROOT%")
    region = {
        "startLine": where.line,
        "startColumn": where.column,
        "endLine": where.end_line or where.line,
        "endColumn": where.end_column or where.column + 1,
    }
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}, **more}


def _error_notification(error: StackpolicyError, options: FormatOptions) -> Json:
    uri = relative_uri(error.location, options.base_dir)
    return {
        "level": "error",
        "message": _message(f"{error.location}: {error.message}"),
        "locations": [_location(error.location, uri)],
        "descriptor": {"id": f"stackpolicy/{_kind(error)}-error"},
    }


def _kind(error: StackpolicyError) -> str:
    return type(error).__name__.removesuffix("Error").lower()


def _message(text: str) -> Json:
    # Viewers show message text as it is: names and file names from the input
    # must not bring line breaks, terminal escapes or bidi overrides with them.
    return {"text": line(text)}
