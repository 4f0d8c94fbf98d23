"""Issue 13, output injection: text from the input never becomes structure in
what stackpolicy prints (lines, workflow commands, terminal control, Markdown,
Mermaid, HTML, SARIF messages)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stackpolicy.cli import main

Write = Callable[[str, str], Path]

# Workflow commands, an OSC 8 link, an OSC 0 window title, CR, a bidi
# override and a zero-width space: as YAML double-quoted escapes.
EVIL = r"a\n::add-mask::x\n::stop-commands::tok\r\e]8;;https://evil\aclick\e]8;;\a\e]0;pwned\a\u202eevil\u200b"
EVIL_SHOWN = (
    r"a\n::add-mask::x\n::stop-commands::tok\r\x1b]8;;https://evil\x07click\x1b]8;;\x07"
    r"\x1b]0;pwned\x07\u202eevil\u200b"
)

POLICY = """
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: T-ECHO-001
    title: Echo the owner
    description: d
    severity: warning
    layer: data-platform
    scope: component
    assert: "false"
    message: component.name + ' owned by ' + component.owner + ' from ' + component.vendor
"""


def stack(name: str = "test", owner: str = EVIL, vendor: str = EVIL, department: str = EVIL) -> str:
    return f"""
apiVersion: stackpolicy/v1
kind: Stack
metadata: {{name: "{name}", org: test}}
components:
  - name: wh
    kind: warehouse
    owner: "{owner}"
    vendor: "{vendor}"
    labels: {{department: "{department}"}}
  - name: lake
    kind: warehouse
    owner: b
    vendor: c
"""


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def assert_inert(text: str, commands: tuple[str, ...] = ()) -> None:
    """No line starts a workflow command but `commands`, the ones we write;
    nothing hidden but the line breaks we wrote."""
    assert text
    for line in text.split("\n"):
        assert not line.startswith("::") or line.startswith(commands), line
        hidden = [c for c in line if unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp", "Cs"}]
        assert not hidden, (hidden, line)


@pytest.fixture
def hostile(write: Write) -> None:
    write("lib/echo.yaml", POLICY)
    write("s.yaml", stack())


@pytest.mark.usefixtures("hostile")
@pytest.mark.parametrize("fmt", ["text", "github", "sarif", "markdown"])
def test_check_output_stays_inert(fmt: str) -> None:
    result = invoke("check", "s.yaml", "--no-config", "-p", "lib", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert_inert(result.stdout, commands=("::warning file=s.yaml,",))


@pytest.mark.usefixtures("hostile")
def test_text_shows_the_hostile_owner_escaped() -> None:
    result = invoke("check", "s.yaml", "--no-config", "-p", "lib")
    line = "s.yaml:5:11: warning T-ECHO-001 wh owned by " + EVIL_SHOWN + " from " + EVIL_SHOWN
    assert result.stdout.splitlines()[0] == line


@pytest.mark.usefixtures("hostile")
def test_github_keeps_line_breaks_inside_the_annotation() -> None:
    result = invoke("check", "s.yaml", "--no-config", "-p", "lib", "--format", "github")
    first = result.stdout.splitlines()[0]
    assert first.startswith("::warning file=s.yaml,")
    assert "a%0A::add-mask::x%0A::stop-commands::tok%0D\\x1b]8;;https://evil\\x07" in first


@pytest.mark.usefixtures("hostile")
def test_sarif_messages_are_escaped() -> None:
    result = invoke("check", "s.yaml", "--no-config", "-p", "lib", "--format", "sarif")
    [first, *_] = json.loads(result.stdout)["runs"][0]["results"]
    assert first["message"]["text"] == f"wh owned by {EVIL_SHOWN} from {EVIL_SHOWN}"


@pytest.mark.usefixtures("hostile")
@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_audit_output_stays_inert(fmt: str) -> None:
    result = invoke("audit", "s.yaml", "--no-config", "-p", "lib", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert_inert(result.stdout)


def test_audit_markdown_adds_no_heading_row_or_html(write: Write) -> None:
    name = r"x\n\n## Approved by security\n\n<!--"
    write("s.yaml", stack(name, owner="a | b", vendor="<img src=x>", department="<details>"))
    result = invoke("audit", "s.yaml", "--no-config", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert_inert(out)
    assert [line for line in out.splitlines() if line.startswith("#")] == [
        r"## stackpolicy audit: x\\n\\n\#\# Approved by security\\n\\n&lt;!--"
    ]
    for tag in ("<img", "<!--"):
        assert tag not in out
    # The only <details> are the collapsible tables we write, each on a line of its own.
    assert out.count("<details") == out.count("\n<details><summary>") == out.count("</details>")
    assert "&lt;details&gt;" in out
    assert "&lt;img src=x&gt;" in out
    # The layer table stays rectangular: every row has the header's 9 unescaped pipes,
    # and so does each component table with its 6.
    layer_table = out.split("```mermaid")[0]
    rows = [line for line in layer_table.splitlines() if line.startswith("|")]
    assert len(rows) == 9
    assert {len(re.findall(r"(?<!\\)\|", row)) for row in rows} == {9}
    components = [line for line in out.splitlines() if line.startswith("| wh ")]
    assert len(components) == 1 and len(re.findall(r"(?<!\\)\|", components[0])) == 6
    assert r"a \| b" in out


def test_check_markdown_adds_no_heading_row_or_html(write: Write) -> None:
    write("lib/echo.yaml", POLICY)
    write("s.yaml", stack(owner=r"a | b\n\n## Approved\n<!--", vendor="<img src=x>"))
    result = invoke("check", "s.yaml", "--no-config", "-p", "lib", "--format", "markdown")
    out = result.stdout
    assert_inert(out)
    assert [line for line in out.splitlines() if line.startswith("#")] == ["## stackpolicy"]
    assert "<img" not in out and "<!--" not in out
    rows = [line for line in out.splitlines() if line.startswith("|")]
    assert len(rows) == 4  # the header, its rule and the two findings
    assert {len(re.findall(r"(?<!\\)\|", row)) for row in rows} == {5}


def test_audit_text_shows_names_escaped(write: Write) -> None:
    write("s.yaml", stack("\\e]0;title\\a", owner="o", vendor="v", department="dep\\e[2J"))
    result = invoke("audit", "s.yaml", "--no-config", "--format", "text")
    assert_inert(result.stdout)
    assert result.stdout.startswith(r"\x1b]0;title\x07 (test): the seven layers")
    assert r"1 department (dep\x1b[2J) and 1 without a department label" in result.stdout


def test_a_file_name_cannot_split_a_finding(write: Write) -> None:
    write("lib/echo.yaml", POLICY)
    write("a\n::error::b\u202e.yaml", stack(owner="o", vendor="v"))
    result = invoke("check", "a\n::error::b\u202e.yaml", "--no-config", "-p", "lib")
    assert_inert(result.stdout)
    assert result.stdout.startswith(r"a\n::error::b\u202e.yaml:5:11: warning T-ECHO-001 wh ")


def test_errors_about_a_hostile_file_name_are_one_line(write: Write) -> None:
    write("bad\n::warning::x\x1b[31m.yaml", "kind: [\n")
    result = invoke("check", "bad\n::warning::x\x1b[31m.yaml", "--no-config")
    assert result.exit_code == 2
    assert_inert(result.stderr)
    [line] = result.stderr.splitlines()
    assert line.startswith(r"bad\n::warning::x\x1b[31m.yaml:2:1: invalid YAML")


def test_policy_test_output_is_escaped(write: Write) -> None:
    write("lib/echo.yaml", POLICY)
    write(
        "lib/echo_test.yaml",
        f"""
apiVersion: stackpolicy/v1
kind: PolicyTest
cases:
  - name: "{EVIL}"
    stack:
      components: [{{name: a, kind: warehouse, owner: "{EVIL}", vendor: v}}]
    expect: []
""",
    )
    result = invoke("test", "lib")
    assert result.exit_code == 1
    assert_inert(result.stdout + result.stderr)
    assert f"FAIL  {EVIL_SHOWN} (lib/echo_test.yaml:" in result.stdout


# A local policy whose own text is hostile: the rule metadata every format
# shows (SARIF shortDescription, help, the JSON title, the docs reference).
EVIL_POLICY = r"""
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: T-EVIL-001
    title: "Owners \u202eset @octocat <img src=x> | x"
    description: "Line one \u200b\n## Fake heading\n- fake item\n<details>"
    remediation: "cc @org/security\e]0;pwned\a"
    example: "a: 1\n```\n## after the fence"
    tags: ["t`ag|x"]
    severity: warning
    layer: data-platform
    scope: component
    params:
      names: {type: list, items: string, default: ["@a|b"]}
    assert: "false"
"""


@pytest.fixture
def evil_policy(write: Write) -> None:
    write("lib/evil.yaml", EVIL_POLICY)
    write("s.yaml", stack(owner="o", vendor="v", department="d"))


@pytest.mark.usefixtures("evil_policy")
@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_and_sarif_files_hold_no_raw_hidden_character(fmt: str) -> None:
    result = invoke("check", "s.yaml", "--no-config", "-p", "lib", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert_inert(result.stdout)
    assert "\\u202e" in result.stdout  # a JSON escape: the value reads back the same
    json.loads(result.stdout)


@pytest.mark.usefixtures("evil_policy")
def test_sarif_rule_metadata_is_shown_escaped() -> None:
    result = invoke("check", "s.yaml", "--no-config", "-p", "lib", "--format", "sarif")
    rules = json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"]
    [rule] = [r for r in rules if r["id"] == "T-EVIL-001"]
    assert rule["shortDescription"]["text"] == "Owners \\u202eset @octocat <img src=x> | x"
    assert rule["fullDescription"]["text"] == (
        "Line one \\u200b\n## Fake heading\n- fake item\n<details>"
    )
    help_markdown = rule["help"]["markdown"]
    assert help_markdown.startswith(
        "**Owners \\\\u202eset &#64;octocat &lt;img src=x&gt; \\| x**\n\n"
        "Line one \\\\u200b\n\\#\\# Fake heading\n\\- fake item\n&lt;details&gt;\n\n"
        "**Remediation:** cc &#64;org/security\\\\x1b\\]0;pwned\\\\x07\n\n"
        "**Example:**\n\n````yaml\na: 1\n```\n## after the fence\n````"
    )
    for text in (rule["help"]["text"], help_markdown):
        assert_inert(text)


@pytest.mark.usefixtures("evil_policy")
def test_the_docs_reference_escapes_policy_text() -> None:
    result = invoke("docs", "-p", "lib")
    assert result.exit_code == 0, result.stderr
    assert_inert(result.stdout)
    section = result.stdout.split("### T-EVIL-001\n", 1)[1]
    assert section.startswith(
        "\n**Owners \\\\u202eset &#64;octocat &lt;img src=x&gt; \\| x**\n\n"
        "Severity: `warning` · Scope: component · Tags: ``t`ag\\|x``\n\n"
        "Line one \\\\u200b\n\\#\\# Fake heading\n\\- fake item\n&lt;details&gt;\n\n"
        "**Remediation:** cc &#64;org/security\\\\x1b\\]0;pwned\\\\x07\n\n"
        "| Param | Type | Default |\n|---|---|---|\n"
        '| `names` | a list of strings | `["@a\\|b"]` |\n'
    )
    assert "````yaml\na: 1\n```\n## after the fence\n````" in section
    headings = [line for line in result.stdout.splitlines() if line.startswith("#")]
    assert "## Fake heading" not in headings
