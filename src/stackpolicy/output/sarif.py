"""SARIF 2.1.0 for GitHub code scanning.

The log is built from sarif-om objects and serialised by `to_json` below,
which writes every field that was given, under its SARIF name.
(jschema_to_python's serialiser drops a value equal to its default, so a
result at level `warning` would lose its level.) The choices GitHub cares
about are documented in docs/sarif.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any, TypeVar

import attr
import sarif_om as om

from stackpolicy import __version__
from stackpolicy.errors import StackpolicyError
from stackpolicy.escape import line
from stackpolicy.findings import SEVERITY_RANK, Finding, Identity, identity
from stackpolicy.location import Location
from stackpolicy.output import FormatOptions, Rendered
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

T = TypeVar("T")


def node(cls: type[T], **fields: Any) -> T:
    """A sarif-om object that remembers which fields were given, in order
    (None means not given)."""
    given = {name: value for name, value in fields.items() if value is not None}
    obj = cls(**given)
    obj.__dict__["_given"] = tuple(given)
    return obj


def to_json(value: Any) -> Any:
    """Plain JSON data from sarif-om objects: every given field, by its SARIF name."""
    if attr.has(type(value)):
        fields = attr.fields_dict(type(value))
        return {
            fields[name].metadata["schema_property_name"]: to_json(getattr(value, name))
            for name in value.__dict__.get("_given", ())
        }
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    return value


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
        notifications.append(node(om.Notification, message=_message(notice), level="warning"))
        notices = (f"stackpolicy: {notice}",)
    run = node(
        om.Run,
        tool=node(om.Tool, driver=_driver(policies)),
        automation_details=node(om.RunAutomationDetails, id=options.sarif_category),
        column_kind="unicodeCodePoints",
        invocations=[
            node(
                om.Invocation,
                execution_successful=not report.errors,
                tool_execution_notifications=notifications or None,
            )
        ],
        results=_results(findings, index, options),
    )
    log = node(om.SarifLog, schema_uri=SCHEMA_URI, version="2.1.0", runs=[run])
    return Rendered(json.dumps(to_json(log), indent=2, ensure_ascii=False) + "\n", notices)


def _within_limit(findings: tuple[Finding, ...]) -> tuple[list[Finding], int]:
    """Sorted, and cut to GitHub's limit keeping the most severe (active before waived)."""
    ordered = sorted(findings, key=lambda f: f.sort_key())
    if len(ordered) <= MAX_RESULTS:
        return ordered, 0
    by_severity = sorted(ordered, key=lambda f: (f.waiver is not None, -SEVERITY_RANK[f.severity]))
    kept = sorted(by_severity[:MAX_RESULTS], key=lambda f: f.sort_key())
    return kept, len(ordered) - MAX_RESULTS


def _driver(policies: list[Policy]) -> om.ToolComponent:
    return node(
        om.ToolComponent,
        name="stackpolicy",
        version=__version__,
        semantic_version=__version__,
        information_uri=INFORMATION_URI,
        rules=[_rule(policy) for policy in policies],
    )


def _rule(policy: Policy) -> om.ReportingDescriptor:
    security = policy.security_severity or SECURITY_SEVERITY[policy.severity]
    return node(
        om.ReportingDescriptor,
        id=policy.id,
        name=_pascal(policy.title),
        short_description=node(om.MultiformatMessageString, text=policy.title),
        full_description=node(om.MultiformatMessageString, text=policy.description.strip()),
        help=node(
            om.MultiformatMessageString, text=_help_text(policy), markdown=_help_markdown(policy)
        ),
        help_uri=policy.help_uri,
        default_configuration=node(om.ReportingConfiguration, level=policy.severity),
        properties={
            "tags": list(dict.fromkeys([*policy.tags, policy.layer]))[:20],
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
    return "\n\n".join(parts)


def _help_markdown(policy: Policy) -> str:
    parts = [f"**{policy.title}**", policy.description.strip()]
    if policy.remediation:
        parts.append(f"**Remediation:** {policy.remediation.strip()}")
    if policy.example:
        parts.append(f"**Example:**\n\n```yaml\n{policy.example.rstrip()}\n```")
    if policy.help_uri:
        parts.append(f"[Documentation]({policy.help_uri})")
    return "\n\n".join(parts)


def _pascal(title: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", title))


def _results(
    findings: list[Finding], index: dict[str, int], options: FormatOptions
) -> list[om.Result]:
    seen: Counter[str] = Counter()
    results = []
    for finding in findings:
        same = identity(finding, options.base_dir)
        fingerprint = _fingerprint(same)
        seen[fingerprint] += 1
        results.append(
            node(
                om.Result,
                rule_id=finding.policy_id,
                rule_index=index[finding.policy_id],
                level=finding.severity,
                message=_message(finding.message),
                locations=[_location(finding.location, same.file)],
                related_locations=_related(finding, options) or None,
                partial_fingerprints={
                    FINGERPRINT: fingerprint,
                    "primaryLocationLineHash": f"{fingerprint[:16]}:{seen[fingerprint]}",
                },
                suppressions=_suppressions(finding),
            )
        )
    return results


def _related(finding: Finding, options: FormatOptions) -> list[om.Location]:
    """Where else the component is declared: the infrastructure code a manifest
    entry links to, or the other declarations discovery grouped into one."""
    also = node(om.Message, text="also declared here")
    return [
        _location(where, relative_uri(where, options.base_dir), id=index, message=also)
        for index, where in enumerate(finding.related, start=1)
    ]


def _suppressions(finding: Finding) -> list[om.Suppression] | None:
    waiver = finding.waiver
    if waiver is None:
        return None
    justification = f"{waiver.reason} (owner {waiver.owner}, expires {waiver.expires})"
    return [node(om.Suppression, kind="external", justification=line(justification))]


def _fingerprint(same: Identity) -> str:
    """A hash of the finding's identity (see findings.identity)."""
    parts = (same.policy, same.file, same.component, same.key)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _location(where: Location, path: str, **more: Any) -> om.Location:
    bundled = where.in_file and not where.in_repository  # an absolute `stackpolicy:` URI
    artifact = node(
        om.ArtifactLocation,
        uri=uri_reference(where, path),
        uri_base_id=None if bundled else "%SRCROOT%",
    )
    region = node(
        om.Region,
        start_line=where.line,
        start_column=where.column,
        end_line=where.end_line or where.line,
        end_column=where.end_column or where.column + 1,
    )
    return node(
        om.Location,
        physical_location=node(om.PhysicalLocation, artifact_location=artifact, region=region),
        **more,
    )


def _error_notification(error: StackpolicyError, options: FormatOptions) -> om.Notification:
    uri = relative_uri(error.location, options.base_dir)
    return node(
        om.Notification,
        level="error",
        message=_message(f"{error.location}: {error.message}"),
        locations=[_location(error.location, uri)],
        descriptor=node(om.ReportingDescriptorReference, id=f"stackpolicy/{_kind(error)}-error"),
    )


def _kind(error: StackpolicyError) -> str:
    return type(error).__name__.removesuffix("Error").lower()


def _message(text: str) -> om.Message:
    # Viewers show message text as it is: names and file names from the input
    # must not bring line breaks, terminal escapes or bidi overrides with them.
    return node(om.Message, text=line(text))
