"""Shell completion (click's _STACKPOLICY_COMPLETE): commands, options, and
the policy ids of `explain`."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from conftest import OWNERS
from stackpolicy.cli import main
from stackpolicy.library import load_library
from stackpolicy.resources import bundled_policies


def complete(words: str, shell: str = "bash") -> list[str]:
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    result = CliRunner().invoke(
        main,
        [],
        prog_name="stackpolicy",
        env={
            "_STACKPOLICY_COMPLETE": f"{shell}_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
        },
    )
    assert result.exit_code == 0, result.output
    return [item.split(",", 1)[1] for item in result.stdout.splitlines()]


def test_explain_completes_policy_ids() -> None:
    bundled = load_library([bundled_policies()]).entries
    expected = [e.policy.id for e in bundled if e.policy.id.startswith("SP-INF-00")]
    assert len(expected) >= 5
    assert complete("stackpolicy explain SP-INF-00") == expected


def test_explain_completes_case_insensitively_from_the_given_library() -> None:
    assert complete(f"stackpolicy explain -p {OWNERS} t-") == ["T-OWN-001"]


def test_a_broken_library_still_completes_without_a_traceback(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("policies: [\n")
    assert complete(f"stackpolicy explain -p {broken} SP-REF") == ["SP-REF-001", "SP-REF-002"]


def test_commands_and_terminal_options_complete() -> None:
    assert "init" in complete("stackpolicy ")
    assert {"--quiet", "--verbose", "--color", "--no-color", "--sarif-output"} <= set(
        complete("stackpolicy check --")
    )


def test_bash_source_script_is_printed() -> None:
    result = CliRunner().invoke(
        main, [], prog_name="stackpolicy", env={"_STACKPOLICY_COMPLETE": "bash_source"}
    )
    assert "_stackpolicy_completion()" in result.stdout
