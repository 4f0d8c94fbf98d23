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


def lines(text: str) -> str:
    """Text of several lines (a policy's description): each line as `line`
    shows it, the line breaks kept."""
    return "\n".join(line(part) for part in text.split("\n"))


# Every non-ASCII character; written as a negated class, which compiles in
# 0.1 ms where the range [\u0080-\U0010ffff] took 12 ms of every start-up.
_JSON_HIDDEN = re.compile("[^\x00-\x7f]")


def json_document(text: str) -> str:
    """Serialised JSON with every hidden character inside its strings written
    as a `\\uXXXX` escape: the values are unchanged for any JSON reader, but
    the file shows no raw bidi override, zero-width or C1 character to
    whoever reads it (json.dumps escapes only C0). JSON structure is ASCII,
    so this touches nothing but string contents."""
    if text.isascii():
        return text
    return _JSON_HIDDEN.sub(_json_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if not _hidden(char):
        return char
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


# Inline Markdown that could make a link, an image, emphasis, code, a table
# cell boundary or a heading's closing sequence; backslash escapes work for
# each of them in CommonMark and GitHub Flavored Markdown (`\|` even inside
# a table cell's code span).
_MARKDOWN = re.compile(r"([\\`*_\[\]|#~])")


def markdown(text: str) -> str:
    """Text for a Markdown table cell, heading or list item: one line, with
    Markdown punctuation backslash-escaped and `<` and `>` as entities, so
    input can add neither structure nor HTML (`<img>`, `<details>`, `<!--`),
    and `@` as `&#64;`, so a name cannot @mention (notify) anyone in a PR
    comment. `&` stays: an entity in Markdown can only ever stand for text."""
    escaped = _MARKDOWN.sub(r"\\\1", line(text).replace("<", "&lt;").replace(">", "&gt;"))
    return escaped.replace("@", "&#64;")


def markdown_block(text: str) -> str:
    """Several lines of text as Markdown paragraphs: each line escaped as
    `markdown` does (so it cannot start a heading, list, quote or HTML
    block), the line breaks kept."""
    return "\n".join(_block_line(markdown(part)) for part in text.split("\n"))


def _block_line(escaped: str) -> str:
    # At the start of a line, `-`, `+`, `=`, `>` and `1.` start structure.
    indent = len(escaped) - len(escaped.lstrip(" "))
    stripped = escaped[indent:]
    if stripped[:1] in ("-", "+", "="):
        return escaped[:indent] + "\\" + stripped
    number = re.match(r"\d+(?=[.)])", stripped)
    if number:
        return escaped[: indent + number.end()] + "\\" + escaped[indent + number.end() :]
    return escaped


def code_span(text: str) -> str:
    """Text as inline code (`like this`), safe in a table cell: one line,
    delimited by more backticks than it holds, `|` escaped (GFM reads `\\|`
    inside a code span in a table as `|`). Nothing in a code span is
    Markdown, HTML or a mention."""
    shown = line(text).replace("|", "\\|")
    runs = [len(run) for run in re.findall("`+", shown)]
    ticks = "`" * (max(runs, default=0) + 1)
    pad = " " if shown[:1] == "`" or shown[-1:] == "`" else ""
    return f"{ticks}{pad}{shown}{pad}{ticks}"


def code_fence(text: str, info: str = "") -> list[str]:
    """`text` as a fenced code block whose fence is longer than any run of
    backticks in it, so the text cannot close the block early."""
    runs = [len(run) for run in re.findall("`+", text)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return [fence + info, *(line(part) for part in text.split("\n")), fence]


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
