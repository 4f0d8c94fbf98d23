"""What a file is, told from its first bytes before anything parses it.

A repository holds much JSON (`package.json`, `tsconfig.json`, Terraform's
`.tf.json`) and few BOMs, and a BOM may have any name. So a JSON file found
in a directory, or standard input, is taken for a CycloneDX BOM only when its
head says so: a JSON object with `"bomFormat": "CycloneDX"` in its first
`HEAD_BYTES` (every writer we know of puts it among the first keys). Only
the head is read, never more, and only from a regular file.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from stackpolicy.fileio import READ_FLAGS

HEAD_BYTES = 64 * 1024
_CLAIM = re.compile(rb'"bomFormat"[ \t\r\n]*:[ \t\r\n]*"CycloneDX"')
_LEADING = b"\xef\xbb\xbf \t\r\n"  # a UTF-8 byte order mark, then JSON whitespace


def claims_cyclonedx(head: bytes) -> bool:
    """`head` (the start of a file) is a JSON object that says it is a
    CycloneDX BOM. A claim, not a proof: the file must still parse, and its
    top-level `bomFormat` be `CycloneDX`."""
    text = head[:HEAD_BYTES].lstrip(_LEADING)
    return text.startswith(b"{") and _CLAIM.search(text) is not None


def file_claims_cyclonedx(path: Path) -> bool:
    """The regular file at `path` claims to be a CycloneDX BOM; anything
    that is not a regular file, or cannot be read, does not."""
    try:
        fd = os.open(path, READ_FLAGS)  # never waits on a FIFO
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        return claims_cyclonedx(os.read(fd, HEAD_BYTES))
    except OSError:
        return False
    finally:
        os.close(fd)
