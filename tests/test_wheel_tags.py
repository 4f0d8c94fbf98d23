"""hatch_build.py: the wheel requires cel-expr-python exactly where
cel-expr-python has a wheel, and is py3-none-any (celpy) everywhere else.
The tags are those pip would see on each machine (packaging.tags)."""

from __future__ import annotations

import sys

import pytest
from packaging.tags import cpython_tags, mac_platforms, sys_tags

from conftest import ROOT

sys.path.insert(0, str(ROOT))
import hatch_build  # at the repository root, beside pyproject.toml

GENERIC = "py3-none-any"


def glibc(minor: int, arch: str) -> list[str]:
    return [f"manylinux_2_{m}_{arch}" for m in range(minor, 16, -1)] + [f"linux_{arch}"]


def machine(python: tuple[int, int], platforms: list[str]) -> list[str]:
    return [str(tag) for tag in cpython_tags(python, platforms=platforms)]


@pytest.mark.parametrize(
    ("python", "platforms", "tag"),
    [
        ((3, 12), glibc(31, "x86_64"), "cp312-cp312-manylinux_2_27_x86_64"),  # Debian 11
        ((3, 11), glibc(28, "aarch64"), "cp311-cp311-manylinux_2_26_aarch64"),
        ((3, 14), glibc(39, "x86_64"), "cp314-cp314-manylinux_2_27_x86_64"),
        ((3, 12), glibc(26, "x86_64"), GENERIC),  # Amazon Linux 2: glibc 2.26
        ((3, 12), glibc(17, "x86_64"), GENERIC),  # CentOS 7
        ((3, 12), ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "linux_x86_64"], GENERIC),
        ((3, 12), ["musllinux_1_2_aarch64", "linux_aarch64"], GENERIC),  # Alpine on ARM
        ((3, 10), glibc(31, "x86_64"), GENERIC),  # no cel-expr-python for 3.10
        ((3, 15), glibc(31, "x86_64"), GENERIC),  # nor for a Python after its release
        ((3, 12), glibc(31, "riscv64"), GENERIC),
        ((3, 12), list(mac_platforms((14, 0), "arm64")), "cp312-cp312-macosx_11_0_arm64"),
        ((3, 13), list(mac_platforms((12, 0), "x86_64")), "cp313-cp313-macosx_10_13_x86_64"),
        ((3, 12), ["win_amd64"], "cp312-cp312-win_amd64"),
        ((3, 13), ["win_arm64"], GENERIC),
    ],
)
def test_the_wheel_is_for_where_cel_expr_installs(
    python: tuple[int, int], platforms: list[str], tag: str
) -> None:
    assert hatch_build.wheel_tag(None, machine(python, platforms)) == tag


def test_pypy_gets_the_generic_wheel() -> None:
    pypy = ["pp310-pypy310_pp73-manylinux_2_31_x86_64", "py3-none-any"]
    assert hatch_build.wheel_tag(None, pypy) == GENERIC


@pytest.mark.parametrize("requested", [GENERIC, "cp313-cp313-win_amd64"])
def test_a_release_asks_for_each_tag(requested: str) -> None:
    assert hatch_build.wheel_tag(requested, machine((3, 12), glibc(31, "x86_64"))) == requested


def test_a_tag_without_cel_expr_is_refused() -> None:
    with pytest.raises(ValueError, match="cel-expr-python has no wheel for it"):
        hatch_build.wheel_tag("cp312-cp312-musllinux_1_2_x86_64", [])


def test_every_tag_is_one_pip_understands() -> None:
    from packaging.tags import parse_tag

    for tag in hatch_build.CEL_EXPR_WHEELS:
        [parsed] = parse_tag(tag)
        assert parsed.interpreter == parsed.abi


def test_this_machine() -> None:
    here = hatch_build.wheel_tag(None, (str(t) for t in sys_tags()))
    assert here == GENERIC or here in {str(t) for t in sys_tags()}
    if sys.implementation.name == "cpython" and sys.version_info[:2] == (3, 10):
        assert here == GENERIC
