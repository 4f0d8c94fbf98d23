"""The documentation says what the code does: policy counts, the example
output, the slow tests, and every command-line option."""

from __future__ import annotations

import re

import click
import pytest

from conftest import GOLDEN, ROOT
from stackpolicy.cli import main
from stackpolicy.library import load_library
from stackpolicy.policyfile import load_policies
from stackpolicy.resources import bundled_policies
from stackpolicy.rules import builtin_policies

README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


def test_policy_counts_agree_everywhere() -> None:
    from stackpolicy import cel

    total = len(load_library([bundled_policies()]).entries)
    in_cel = len(load_policies([bundled_policies()], cel.backend()).policies)
    built_in = len(builtin_policies())
    assert total == in_cel + built_in
    said = re.search(r"(\d+) policies: (\d+) in CEL and (\w+) built-in rules", README)
    assert said, "README no longer counts the bundled policies"
    assert (int(said[1]), int(said[2]), NUMBERS[said[3]]) == (total, in_cel, built_in)
    policies_md = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert f"{total} policies across the seven layers" in policies_md


def test_the_readme_example_is_the_real_summary() -> None:
    summary = (GOLDEN / "check-acme.txt").read_text(encoding="utf-8").splitlines()[-1]
    assert f"\n{summary}\n" in README


def test_the_readme_counts_the_slow_test_modules() -> None:
    slow = [
        path.name
        for path in (ROOT / "tests").glob("test_*.py")
        if re.search(
            r"^pytestmark = \[\s*pytest\.mark\.slow,", path.read_text(encoding="utf-8"), re.M
        )
    ]
    word = next(w for w, n in NUMBERS.items() if n == len(slow))
    assert f"skips the {word} slow test modules" in README, slow


def _options(command: click.Command) -> set[str]:
    return {
        name
        for param in command.params
        if isinstance(param, click.Option)
        for name in param.opts + param.secondary_opts
        if name.startswith("--")
    }


@pytest.mark.parametrize("name", sorted(main.commands))  # type: ignore[attr-defined]
def test_every_option_is_documented(name: str) -> None:
    command = main.commands[name]  # type: ignore[attr-defined]
    missing = {
        option
        for option in _options(command) - {"--help"}
        if option not in README and option not in CLI_DOC and f"`{option}" not in CLI_DOC
    }
    assert not missing, f"stackpolicy {name}: document {sorted(missing)} in docs/cli.md"
