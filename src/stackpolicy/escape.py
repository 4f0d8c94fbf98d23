"""Text from the input, made safe to print: it can never become structure in
what stackpolicy writes.

Names, owners, labels, messages and file names are written by whoever can
commit a manifest or a file. Printed raw, a newline starts a line of our own
(a GitHub Actions runner obeys any stdout line that starts with `::`), ESC
and OSC sequences drive the terminal, bidi overrides reorder what a reviewer
reads, and `|`, `#` or `<` add rows, headings or HTML to a Markdown comment.
Each function here is for one kind of output; every one first makes the
invisible visible (`line`), so the same name reads the same everywhere.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Visible but unusual: these characters break lines, move the cursor, change
# text direction or hide text. Categories: Cc (C0, DEL, C1), Cf (bidi marks,
# overrides and isolates, zero-width characters, BOM, soft hyphen, tag
# characters), Zl/Zp (U+2028/2029, line breaks to many viewers), Cs (a lone
# surrogate, from a JSON escape, cannot even be encoded for output).
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in _HIDDEN


def _visible(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def line(text: str) -> str:
    """One line of plain text for a terminal, a log or a file: every hidden
    character shown as its escape (`\\n`, `\\x1b`, `\\u202e`). Printable text,
    including backslashes, stays as it is, so our own messages are unchanged
    and escaping twice changes nothing."""
    if text.isprintable():  # the usual case; isprintable is False for all of _HIDDEN
        return text
    return "".join(_visible(c) if _hidden(c) else c for c in text)


# Inline Markdown that could make a link, an image, emphasis, code, a table
# cell boundary or a heading's closing sequence; backslash escapes work for
# each of them in CommonMark and GitHub Flavored Markdown (`\|` even inside
# a table cell's code span).
_MARKDOWN = re.compile(r"([\\`*_\[\]|#~])")


def markdown(text: str) -> str:
    """Text for a Markdown table cell, heading or list item: one line, with
    Markdown punctuation backslash-escaped and `<` and `>` as entities, so
    input can add neither structure nor HTML (`<img>`, `<details>`, `<!--`).
    `&` stays: an entity in Markdown can only ever stand for text."""
    escaped = line(text).replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", escaped)


# Mermaid labels take `#name;` / `#code;` entity codes: a quote would end the
# label, brackets and backticks start shapes or Markdown strings, `#` starts
# an entity code, `<` starts HTML (labels are rendered as HTML). `&` stays:
# an HTML entity in a label can only ever be text.
_MERMAID = {
    '"': "#quot;",
    "#": "#35;",
    "<": "#lt;",
    ">": "#gt;",
    "`": "#96;",
    "[": "#91;",
    "]": "#93;",
}
_MERMAID_CHARS = re.compile("[" + re.escape("".join(_MERMAID)) + "]")


def mermaid(text: str) -> str:
    """Text for a quoted Mermaid node or subgraph label."""
    return _MERMAID_CHARS.sub(lambda m: _MERMAID[m.group()], line(text))


def html_text(text: str) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(line(text))
