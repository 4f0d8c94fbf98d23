"""Build hooks: the fast CEL engine wherever it installs, and an install
that works everywhere else.

cel-expr-python (Google's cel-cpp) publishes wheels for a few platforms and
no sdist, so a dependency on it fails to install on Alpine (musl), on glibc
older than 2.27, on other CPUs and on a Python it has no wheel for yet; and
environment markers cannot tell musl from glibc. So the dependency is not in
the project's static metadata (`dynamic = ["dependencies"]`): every wheel
requires the dependencies in `[tool.hatch.metadata.hooks.custom]`, and a
wheel built for a platform that cel-expr-python has a wheel for also
requires cel-expr-python, and is tagged for that platform, so that pip takes
it only there. Everywhere else the wheel is `py3-none-any` without it, and
stackpolicy runs on celpy (`--engine auto`).

- Built where it is installed (`pip install .`, a git URL, the GitHub
  Action): the build's own interpreter decides, through `sys_tags()`.
- A release sets STACKPOLICY_WHEEL_TAG to each tag in CEL_EXPR_WHEELS (one
  wheel each) and to `py3-none-any` (the generic wheel); pip then picks the
  most specific wheel that fits the machine.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.metadata.plugin.interface import MetadataHookInterface

CEL_EXPR = "cel-expr-python>=0.1.3,<0.2"
GENERIC = "py3-none-any"

# The wheels of cel-expr-python 0.1.3 (pip download --only-binary=:all: per
# platform and Python): CPython 3.11 to 3.14 on these platforms; none for
# 3.10, musl, Windows on ARM or 32-bit systems.
_PLATFORMS = {
    "cp311": ("manylinux_2_27_x86_64", "manylinux_2_26_aarch64", "macosx_10_13_x86_64",
              "macosx_11_0_arm64", "win_amd64"),
    "cp312": ("manylinux_2_27_x86_64", "manylinux_2_26_aarch64", "macosx_10_13_x86_64",
              "macosx_11_0_arm64", "win_amd64"),
    "cp313": ("manylinux_2_27_x86_64", "manylinux_2_26_aarch64", "macosx_10_13_x86_64",
              "macosx_11_0_arm64", "win_amd64"),
    "cp314": ("manylinux_2_27_x86_64", "manylinux_2_26_aarch64", "macosx_10_15_x86_64",
              "macosx_11_0_arm64", "win_amd64"),
}  # fmt: skip
CEL_EXPR_WHEELS = tuple(f"{py}-{py}-{platform}" for py, ps in _PLATFORMS.items() for platform in ps)


def wheel_tag(requested: str | None, supported: Iterable[str]) -> str:
    """The tag of the wheel to build: `requested` (STACKPOLICY_WHEEL_TAG), else
    the first of this interpreter's tags (most specific first) that
    cel-expr-python has a wheel for, else the generic tag."""
    if requested:
        if requested != GENERIC and requested not in CEL_EXPR_WHEELS:
            raise ValueError(
                f"STACKPOLICY_WHEEL_TAG={requested}: cel-expr-python has no wheel for it; "
                f"use {GENERIC} or one of {', '.join(CEL_EXPR_WHEELS)}"
            )
        return requested
    return next((tag for tag in supported if tag in CEL_EXPR_WHEELS), GENERIC)


def _this_interpreter() -> Iterable[str]:
    from packaging.tags import sys_tags

    return (str(tag) for tag in sys_tags())


class Dependencies(MetadataHookInterface):
    """[project] dependencies, from this hook's `dependencies` (see above)."""

    PLUGIN_NAME = "custom"

    def update(self, metadata: dict[str, Any]) -> None:
        metadata["dependencies"] = list(self.config["dependencies"])


class CelExprWheel(BuildHookInterface):
    """The wheel's tag, and cel-expr-python where that tag has it."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        tag = wheel_tag(os.environ.get("STACKPOLICY_WHEEL_TAG"), _this_interpreter())
        if tag == GENERIC:
            return
        build_data["tag"] = tag
        build_data["dependencies"].append(CEL_EXPR)
