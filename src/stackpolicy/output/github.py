"""GitHub Actions workflow commands: an annotation per finding and per problem.

`::error file=F,line=L,col=C,endLine=L,endColumn=C,title=T::message`, with
the escaping the runner expects: `%`, CR and LF in the message; also `:` and
`,` in property values. Every other control character is shown escaped
(`\\x1b`, `\\u202e`), as in the text output: ESC sequences would colour or
rewrite the log the annotation appears in, bidi overrides would reorder it.
"""

from __future__ import annotations

from stackpolicy.escape import line
from stackpolicy.location import Location
from stackpolicy.output import FormatOptions, Rendered
from stackpolicy.output.text import summary
from stackpolicy.paths import relative_uri
from stackpolicy.report import Report, sorted_errors

COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    # CR and LF become the runner's own escapes (a line break inside the
    # annotation); every other control is shown, as in the text output.
    return line(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(command: str, where: Location, title: str, message: str, base: FormatOptions) -> str:
    # Numbers need no escaping: only the file and the title are input.
    file = escape_property(relative_uri(where, base.base_dir))
    span = (
        f"line={where.line},col={where.column},"
        f"endLine={where.end_line or where.line},endColumn={where.end_column or where.column}"
    )
    props = f"file={file},{span},title={escape_property(title)}"
    return f"::{command} {props}::{escape_data(message)}"


def render(report: Report, options: FormatOptions) -> Rendered:
    lines = [
        annotation(
            COMMANDS[f.severity], f.location, f"{f.policy_id}: {f.title}", f.message, options
        )
        for f in sorted(report.findings, key=lambda f: f.sort_key())
    ]
    lines += [
        annotation("error", e.location, "stackpolicy", e.message, options)
        for e in sorted_errors(report.errors)
    ]
    lines.append(summary(report))
    return Rendered("\n".join(lines) + "\n")
