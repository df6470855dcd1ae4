"""Text from the plan's tables and scenario files: characters that must not be in it, and the
"did you mean" of a misspelt name.

Control characters (C0 and C1, DEL) can rewrite a terminal line or hide text; the bidirectional
controls (U+202A–U+202E embeddings and overrides, U+2066–U+2069 isolates, U+200E/U+200F and
U+061C marks) make text display in another order than it is stored ("Trojan Source"), so a name
could read as another target's. Neither belongs in a name, a unit or a note; tab and line breaks
(LF, or CR LF) stay allowed where a cell may hold several lines.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")

UNSAFE_TEXT = ("text without control characters or bidirectional controls (U+202A–U+202E, "
               "U+2066–U+2069, U+200E, U+200F)")


def unsafe_character(text: str) -> str | None:
    """The first character of ``text`` that is refused, described (``"U+202E RIGHT-TO-LEFT
    OVERRIDE at character 5"``), or None when the text is fine. CR LF counts as a line break."""
    match = _UNSAFE.search(text.replace("\r\n", "\n"))
    if match is None:
        return None
    char = match.group()
    name = unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} {name} at character {match.start() + 1}"


def suggest(value: str, known: Iterable[str], cutoff: float = 0.75) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known`` to ``value``, or ''."""
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close else ""
