"""The escaping every output applies to text from the input (stackpolicy.escape)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackpolicy.escape import html_text, json_document, line, markdown, mermaid

HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs"}


def visible(text: str) -> bool:
    return not any(unicodedata.category(c) in HIDDEN for c in text)


# What an attacker would use: line breaks, terminal control (CSI, OSC 8 links,
# OSC 0 titles), bidi overrides and isolates, zero-width characters.
HOSTILE = [
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("\t", "\\t"),
    ("\x00", "\\x00"),
    ("\x1b", "\\x1b"),
    ("\x07", "\\x07"),
    ("\x7f", "\\x7f"),
    ("\x85", "\\x85"),
    ("\x9b", "\\x9b"),
    ("\u061c", "\\u061c"),
    ("\u200b", "\\u200b"),
    ("\u200c", "\\u200c"),
    ("\u200d", "\\u200d"),
    ("\u200e", "\\u200e"),
    ("\u200f", "\\u200f"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
    ("\u202a", "\\u202a"),
    ("\u202e", "\\u202e"),
    ("\u2060", "\\u2060"),
    ("\u2066", "\\u2066"),
    ("\u2069", "\\u2069"),
    ("\ufeff", "\\ufeff"),
    ("\U000e0041", "\\U000e0041"),  # a tag character: invisible ASCII
    ("\ud800", "\\ud800"),  # a lone surrogate cannot even be encoded as UTF-8
]


@pytest.mark.parametrize(("char", "shown"), HOSTILE, ids=[repr(c) for c, _ in HOSTILE])
def test_hidden_characters_are_shown(char: str, shown: str) -> None:
    assert line(f"a{char}b") == f"a{shown}b"


def test_terminal_sequences_lose_their_escape() -> None:
    osc8 = "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07"
    assert line(osc8) == "\\x1b]8;;https://evil.example\\x07click\\x1b]8;;\\x07"
    assert line("\x1b]0;pwned\x07\x1b[2J") == "\\x1b]0;pwned\\x07\\x1b[2J"


@pytest.mark.parametrize(
    "text", ["acme-ai", "Features & embeddings", "naïve 名前 ✅ ⚠️", "C:\\path", "a\\nb"]
)
def test_printable_text_is_unchanged(text: str) -> None:
    assert line(text) == text


@given(st.text())
def test_a_line_is_one_printable_line(text: str) -> None:
    shown = line(text)
    assert visible(shown)
    assert len(shown.splitlines()) <= 1
    assert line(shown) == shown  # escaping twice changes nothing
    shown.encode("utf-8")  # no lone surrogate left


@given(st.text())
def test_markdown_text_has_no_structure(text: str) -> None:
    shown = markdown(text)
    assert visible(shown) and "<" not in shown
    # `@` is the entity `&#64;`, so no @mention notifies anyone.
    assert "@" not in shown and "\u200b" not in shown
    # Every Markdown-significant character is escaped by a backslash that is
    # not itself escaped (the entity's own `#` aside).
    for match in re.finditer(r"(\\*)([`*_\[\]|#~])", shown.replace("&#64;", "")):
        assert len(match.group(1)) % 2 == 1, shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("@octocat", "&#64;octocat"),
        ("ping @org/team", "ping &#64;org/team"),
        ("a\\@b", "a\\\\&#64;b"),
    ],
)
def test_markdown_neutralises_mentions(text: str, shown: str) -> None:
    assert markdown(text) == shown


def test_markdown_attacks() -> None:
    # The backslash of `\n` is itself escaped, so the comment shows `\n`.
    assert markdown("x\n\n## Fake\n\n<!--") == r"x\\n\\n\#\# Fake\\n\\n&lt;!--"
    assert markdown("a | b") == "a \\| b"
    assert markdown('<img src="x" onerror=y>') == '&lt;img src="x" onerror=y&gt;'
    assert markdown("[click](https://evil)") == "\\[click\\](https://evil)"
    assert markdown("`code` *em* _em_ ~~del~~") == "\\`code\\` \\*em\\* \\_em\\_ \\~\\~del\\~\\~"


@given(st.text())
def test_mermaid_labels_cannot_close(text: str) -> None:
    shown = mermaid(text)
    assert visible(shown)
    assert not set(shown) & set('"<>`[]')
    assert "#" not in re.sub(r"#(quot|lt|gt|\d+);", "", shown)


def test_mermaid_attacks() -> None:
    assert (
        mermaid('a"]\n  click n0 "https://evil"')
        == "a#quot;#93;\\n  click n0 #quot;https://evil#quot;"
    )
    assert mermaid("<b>#9829;`x`") == "#lt;b#gt;#35;9829;#96;x#96;"


def test_html_text() -> None:
    assert html_text('<a href="x">\u202e') == "&lt;a href=&quot;x&quot;&gt;\\u202e"


def test_every_hidden_category_is_covered() -> None:
    # The named characters of issue 13 all fall in the categories escaped.
    for char, _ in HOSTILE:
        assert not visible(char)


def test_json_documents_escape_every_hidden_non_ascii_character_and_only_those() -> None:
    # DEL is ASCII (json.dumps escapes no ASCII it need not; json_document
    # leaves ASCII alone); C1, bidi, zero-width and tag characters are hidden;
    # a no-break space, accents and emoji are text.
    text = '"\x7f \x80 \x9f \xa0 é \u200b \u202e \uffff 🙂 \U000e0001 \U0010ffff"'
    assert json_document(text) == (
        '"\x7f \\u0080 \\u009f \xa0 é \\u200b \\u202e \uffff 🙂 \\udb40\\udc01 \U0010ffff"'
    )
