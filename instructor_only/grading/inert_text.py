"""Text a student or a kernel can influence, made inert before an instructor's terminal, CSV file or log shows it.

Student ids, file names, notes that quote a cell's first line or an error message: any of them can carry an ANSI
escape sequence (clear the screen, move the cursor, rewrite a line, set the terminal's title), a carriage return
that overwrites what came before on the line, or a Unicode bidi override that shows text in another order than it
is stored. `printable` drops all of these and bounds the length, so one field can neither spoof nor flood a summary.
"""
from __future__ import annotations

import re

NOTE_CHARS = 300          # one field of the summary (a note, a student id): enough for any message the grader writes
ELLIPSIS = "…"

# A CSI sequence (ESC [ parameters intermediates final), the common ANSI form: removed whole, so "\x1b[31mred" reads
# "red" and not "[31mred". Three single character classes, no nested quantifier: linear time on any input.
CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
LINE_BREAKS = "\n\u2028\u2029"
# Every other C0 and C1 control (ESC of other sequences, CR, BEL, backspace...) and DEL, the bidi embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the bidi marks: deleted. Tabs and line breaks: a space
# (a line break is kept where a field may span lines).
DELETED = {code: None for code in [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                                   *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]}
ONE_LINE = {**DELETED, **{ord(char): " " for char in "\t" + LINE_BREAKS}}
MULTI_LINE = {**ONE_LINE, ord("\n"): "\n"}


def printable(text, limit: int = NOTE_CHARS, multiline: bool = False) -> str:
    """`text` (any object: str() of it) with no control characters, in at most `limit` characters (a longer text is
    cut, the cut marked with an ellipsis). Line breaks become spaces unless `multiline`, where "\\n" is kept."""
    text = str(text)
    cut = len(text) > limit
    text = CSI.sub("", text[: limit - 1 if cut else limit]).translate(MULTI_LINE if multiline else ONE_LINE)
    return text + ELLIPSIS if cut else text
