"""`-` as a stack path: standard input, read once and bounded like any file,
then kept in a private temporary file so that every reader reads it as it
reads a file, and reports it as `<stdin>`. Readers are chosen by a file's
name, so the copy is named by what its content is: `stdin.json` when it
claims to be a CycloneDX BOM (stackpolicy.inputs.sniff), else `stdin.yaml`
(a manifest, or what discovery reads)."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

from stackpolicy.errors import YamlError
from stackpolicy.inputs.sniff import claims_cyclonedx
from stackpolicy.location import Location
from stackpolicy.yamlload import max_file_bytes

STDIN = Path("-")
DISPLAY = "<stdin>"

_copied: tuple[object, Path] | None = None
"""The stdin object read, and its copy: a second look at `-` in one run sees
the same text (stdin can be read only once)."""


def stdin_copy() -> Path:
    global _copied
    if _copied is not None and _copied[0] is sys.stdin:
        return _copied[1]
    limit = max_file_bytes()
    data = sys.stdin.buffer.read(limit + 1)  # one byte more tells "too large"
    if len(data) > limit:
        raise YamlError(
            f"standard input is more than the {limit / 2**20:.0f} MiB stackpolicy reads "
            "(set STACKPOLICY_MAX_FILE_MB to raise the limit)",
            Location(DISPLAY),
        )
    directory = tempfile.mkdtemp(prefix="stackpolicy-stdin-")  # mode 0700
    atexit.register(shutil.rmtree, directory, True)
    path = Path(directory) / ("stdin.json" if claims_cyclonedx(data) else "stdin.yaml")
    # Not fileio.write_atomic: this is no output but a private copy of the
    # input, bytes as they came (read_text reports bad UTF-8 at its place).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    _copied = (sys.stdin, path)
    return path
