"""Remembering, across runs, what the dialect check made of a policy's CEL.

Checking a part against the dialect parses it with cel-python's lark grammar:
importing cel-python and building the parser takes ~0.2 s and parsing the
bundled library another ~0.1 s, most of a pre-commit run on a small stack.
The check is a pure function of the policy's text and of stackpolicy's own
code, so the cel-expr backend keeps its result here: one small JSON file per
policy, named by a SHA-256 of the policy's CEL and of the source files that
decide the check and the rewrite (so an upgrade or an edit of the seam never
reuses an old answer). Only checks that pass are kept: a policy that fails is
checked again every run, so its error always comes from the check itself.

The command line says where (`use`): `--cache-dir` or `$STACKPOLICY_CACHE_DIR`,
else `$XDG_CACHE_HOME/stackpolicy`, else `~/.cache/stackpolicy`; `--no-cache`
or `STACKPOLICY_NO_CACHE=1` turns it off, and so it is off for code that
calls the backend without the command line. It is best-effort: a directory
that cannot be made or written, or a file that is not a regular file, too
large or not what we wrote, only costs the time.

An entry is trusted: its text is what cel-cpp compiles, unchecked. So one is
read only from a directory and a file owned by the user and writable by no
one else (entries are written 0600), and the directory must never hold what
someone else wrote: a cache restored from another branch's CI run, or one
shared between users, can change what policies mean. SECURITY.md says so.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import stat
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from stackpolicy.cel import PolicySource
from stackpolicy.errors import StackpolicyError
from stackpolicy.fileio import READ_FLAGS, write_atomic

MAX_ENTRY_BYTES = 1 << 20
"""A cache file larger than this is not ours: it is ignored."""

_DECIDING = ("__init__.py", "dialect.py", "regex.py", "cel_expr_backend.py", "checked_cache.py")
"""The seam's modules whose code decides what the check accepts and how a
part is rewritten for cel-cpp."""


@dataclass(frozen=True)
class Checked:
    """What the check made of a policy: its variables and parts as cel-cpp is
    to compile them, and whether it may read `stack.components`."""

    variables: tuple[tuple[str, str], ...]
    parts: dict[str, str]
    sees_components: bool


def load(source: PolicySource) -> Checked | None:
    """What the check made of `source` on an earlier run, if it is known."""
    path = _entry(source)
    if path is None:
        return None
    try:
        checked = _decode(_read(path))
    except Exception:  # unreadable, foreign or hostile (deep JSON): check again
        return None
    same = [n for n, _ in checked.variables] == [n for n, _ in source.variables]
    return checked if same and checked.parts.keys() == source.parts.keys() else None


def store(source: PolicySource, checked: Checked) -> None:
    """Keep what the check made of `source` for later runs."""
    path = _entry(source)
    if path is None:
        return
    text = json.dumps(
        {
            "variables": [list(v) for v in checked.variables],
            "parts": checked.parts,
            "sees_components": checked.sees_components,
        }
    )
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(path, text, private=True)  # _read trusts nothing others may change
    except (OSError, StackpolicyError):
        pass  # a cache that cannot be written costs time, never the run


_directory: Path | None = None


def use(directory: Path | None) -> None:
    """Keep entries in `directory` from now on; None turns the cache off."""
    global _directory
    _directory = directory


def default_directory(xdg_cache_home: str | None, home: Path) -> Path:
    """`$XDG_CACHE_HOME/stackpolicy` (an absolute one, as the XDG spec says),
    else `~/.cache/stackpolicy`."""
    if xdg_cache_home and Path(xdg_cache_home).is_absolute():
        return Path(xdg_cache_home) / "stackpolicy"
    return home / ".cache" / "stackpolicy"


def _entry(source: PolicySource) -> Path | None:
    where = _directory
    digest = _code_digest()
    if where is None or digest is None:
        return None
    policy = json.dumps([source.scope, source.variables, sorted(source.parts.items())])
    key = hashlib.sha256(f"{digest}\n{policy}".encode()).hexdigest()
    return where / "checked" / f"{key}.json"


@cache
def _code_digest() -> str | None:
    """A digest of the code the check's result depends on: the seam's modules,
    cel-python's parser and grammar, lark's version, and the Python version
    (its `re` judges patterns); None, and no cache, where they cannot be read."""
    digest = hashlib.sha256(sys.version.encode())
    here = Path(__file__).parent
    files = [here / name for name in _DECIDING]
    for package, names in (("celpy", ("cel.lark", "celparser.py")), ("lark", ("__init__.py",))):
        spec = importlib.util.find_spec(package)  # finds the package without importing it
        if spec is None or spec.origin is None:
            return None
        files += [Path(spec.origin).parent / name for name in names]
    try:
        for path in files:
            digest.update(path.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def _read(path: Path) -> str:
    """The text of the entry at `path`, if it can be trusted as much as the
    user's own files: a regular file (not through a symlink, and never
    waiting on a FIFO) in a directory that is not a symlink, both owned by
    the user and writable by nobody else. Bounded."""
    _private(os.lstat(path.parent))
    fd = os.open(path, READ_FLAGS | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        _private(info)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY_BYTES:
            raise ValueError("not a cache entry")
        return handle.read(MAX_ENTRY_BYTES).decode("utf-8")


def _private(info: os.stat_result) -> None:
    """Refuse what another user owns or may change (a shared --cache-dir)."""
    if stat.S_ISLNK(info.st_mode):
        raise ValueError("a symlink")
    owner = getattr(os, "geteuid", None)
    if owner is not None and (info.st_uid != owner() or info.st_mode & 0o022):
        raise ValueError("not private to this user")


def _decode(text: str) -> Checked:
    data = json.loads(text)
    variables = tuple((name, body) for name, body in data["variables"])
    parts = dict(data["parts"])
    strings = [*(s for pair in variables for s in pair), *parts, *parts.values()]
    sees_components = data["sees_components"]
    if not all(isinstance(s, str) for s in strings) or not isinstance(sees_components, bool):
        raise ValueError("not a cache entry")
    return Checked(variables, parts, sees_components)
