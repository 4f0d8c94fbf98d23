"""`stackpolicy init`: a commented config and a starter manifest that checks
clean, never written over an existing file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from stackpolicy.cli import main
from stackpolicy.commands.init import FILES, STARTERS
from stackpolicy.config import load_config


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_init_writes_a_config_and_a_stack_that_checks_clean(here: Path) -> None:
    assert run("init") == (
        0,
        "wrote .stackpolicy.yaml\nwrote stack/stack.yaml\nnext: stackpolicy check\n",
        "",
    )
    code, out, err = run("check")  # the config's `stack:` is the starter
    assert (code, err) == (0, "")
    assert re.fullmatch(r"0 findings in 19 components from 1 file, \d+ policies checked\.\n", out)


def test_init_does_not_replace_even_a_dangling_link(here: Path) -> None:
    os.symlink("nowhere.yaml", here / ".stackpolicy.yaml")
    code, out, _ = run("init")
    assert code == 0
    assert out.splitlines()[:2] == [
        "kept .stackpolicy.yaml: it exists (init never overwrites a file)",
        "wrote stack/stack.yaml",
    ]
    assert os.readlink(here / ".stackpolicy.yaml") == "nowhere.yaml"
    assert not (here / "nowhere.yaml").exists()


def test_init_keeps_every_existing_file(here: Path) -> None:
    run("init")
    before = {name: (here / name).read_text() for name in FILES}
    (here / "stack/stack.yaml").write_text("# mine\n")
    code, out, _ = run("init")
    assert code == 0
    assert out.splitlines()[:2] == [
        "kept .stackpolicy.yaml: it exists (init never overwrites a file)",
        "kept stack/stack.yaml: it exists (init never overwrites a file)",
    ]
    assert (here / ".stackpolicy.yaml").read_text() == before[".stackpolicy.yaml"]
    assert (here / "stack/stack.yaml").read_text() == "# mine\n"


def test_init_in_another_directory_says_where_to_go(here: Path) -> None:
    code, out, _ = run("init", "my repo")
    assert code == 0
    assert out.splitlines() == [
        "wrote my repo/.stackpolicy.yaml",
        "wrote my repo/stack/stack.yaml",
        "next: cd 'my repo' && stackpolicy check",
    ]


def test_quiet_init_says_nothing(here: Path) -> None:
    assert run("-q", "init") == (0, "", "")
    assert (here / "stack/stack.yaml").is_file()


def uncommented(text: str) -> str:
    """The config with every commented-out setting turned on."""
    lines = []
    for line in text.splitlines():
        top = re.match(r"^# ([a-z_]+:.*)$", line) or re.match(r"^#(   .*)$", line)
        nested = re.match(r"^(\s+)# ([a-z_]+: .*)$", line)
        lines.append(top.group(1) if top else f"{nested[1]}{nested[2]}" if nested else line)
    return "\n".join(lines) + "\n"


def test_every_commented_setting_is_valid_config(here: Path) -> None:
    text = uncommented((STARTERS / "stackpolicy.yaml").read_text())
    assert text.count("\n# ") < text.count("\n")  # something was turned on
    for key in ("rules:", "waivers:", "baseline:", "policy_timeout:", "profile:", "discover:"):
        assert f"\n{key}" in text
    (here / "policies").mkdir()
    (here / "infra").mkdir()
    (here / ".stackpolicy.yaml").write_text(text)
    config = load_config(here / ".stackpolicy.yaml")  # validated against the schema
    assert config.policy_timeout == 60
    assert config.fail_on == "error"


@pytest.mark.parametrize("profile", ["full", "tabular-ml", "llm-applications", "model-training"])
def test_init_with_a_profile_configures_it_and_the_starter_checks_clean(
    here: Path, profile: str
) -> None:
    assert run("init", "--profile", profile)[0] == 0
    assert load_config(here / ".stackpolicy.yaml").profiles == (profile,)
    code, out, err = run("check")
    assert (code, err) == (0, "")
    assert out.startswith("0 findings in 19 components")


def test_init_refuses_an_unknown_profile_and_writes_nothing(here: Path) -> None:
    code, _, err = run("init", "--profile", "llm-app")
    assert code == 2
    assert "no profile 'llm-app'; did you mean 'llm-applications'?" in err
    assert list(here.iterdir()) == []
