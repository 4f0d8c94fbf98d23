"""Output formats: one module each, chosen from FORMATS and imported only when used.

A formatter turns a Report into text. It never decides the exit code.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from stackpolicy.report import Report

FORMATS = {
    "text": "stackpolicy.output.text",
    "json": "stackpolicy.output.json",
}


class Formatter(Protocol):
    def __call__(self, report: Report, *, color: bool) -> str: ...


def formatter(name: str) -> Formatter:
    render: Formatter = importlib.import_module(FORMATS[name]).render
    return render
