"""Writing output files so that a reader never sees half of one, and so that
`-o` can only ever replace a regular file."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from stackpolicy.errors import UsageError
from stackpolicy.location import Location
from stackpolicy.resources import display_path

# Opening a file to read it: a FIFO would block open() until a writer
# appears; O_NONBLOCK lets open return so fstat can refuse it. It changes
# nothing for a regular file.
READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)

_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def kind_of(mode: int) -> str:
    """What a file that is not a regular one is, for an error message."""
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def write_atomic(path: Path, text: str, private: bool = False) -> None:
    """Write to a temporary file beside `path`, then rename it into place.

    Only a regular file is replaced: renaming over a device node, a FIFO or a
    symlink would swap it for a regular file (as root, `-o /dev/null` would
    destroy /dev/null; a symlink would stop pointing where someone meant it
    to). A new file gets the mode the umask gives; a replaced one keeps its
    mode; a `private` one is 0600 either way. A file that cannot be written is
    a usage error, not a traceback."""
    where = Location(display_path(path))
    try:
        _write(path, text, where, private)
    except OSError as exc:
        raise UsageError(f"cannot write: {exc.strerror or exc}", where) from None


def _write(path: Path, text: str, where: Location, private: bool) -> None:
    try:
        mode = stat.S_IMODE(_existing_regular(path, where))
    except (FileNotFoundError, NotADirectoryError):  # a new file (mkdir says why it cannot be)
        mode = 0o666 & ~_umask()
    if private:
        mode = 0o600
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp creates 0600 whatever the umask; give the file its real mode.
        os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _existing_regular(path: Path, where: Location) -> int:
    """The mode of the regular file at `path` (not following a symlink);
    FileNotFoundError or NotADirectoryError if there is none."""
    mode = os.lstat(path).st_mode
    if not stat.S_ISREG(mode):
        raise UsageError(f"cannot write: it is {kind_of(mode)}, not a regular file", where)
    return mode


def _umask() -> int:
    # The only way to read the umask is to set it; a CLI has no other thread
    # creating files meanwhile.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
