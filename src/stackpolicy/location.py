"""Where something is: a file and a 1-based line/column span, or nowhere in a file."""

from __future__ import annotations

from dataclasses import dataclass

BUNDLED_PREFIX = "stackpolicy:"
"""Paths of files inside the installed package (the bundled library) start with this."""


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based span in a file; columns count Unicode code points."""

    path: str
    line: int = 1
    column: int = 1
    end_line: int = 0
    end_column: int = 0
    in_file: bool = True
    """False for what is not in any file: the command line, a built-in rule."""

    @classmethod
    def nowhere(cls, what: str) -> Location:
        """Not a place in a file: `what` names the source, e.g. "command line"."""
        return cls(f"<{what}>", in_file=False)

    @property
    def in_repository(self) -> bool:
        """A file of the user's, not one inside the package or no file at all."""
        return self.in_file and not self.path.startswith(BUNDLED_PREFIX)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"
