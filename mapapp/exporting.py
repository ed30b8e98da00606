"""Writing data out for people and other systems; spreadsheets must not run what they open."""

from __future__ import annotations

import re

# A cell starting with one of these is a formula in Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def excel_safe(value: str) -> str:
    """Prefix a quote to text a spreadsheet would read as a formula: '=1+1 stays text.

    >>> excel_safe("=HYPERLINK(1)")
    "'=HYPERLINK(1)"
    >>> excel_safe("100円")
    '100円'
    """
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# Characters that act on a terminal instead of printing: C0 controls but tab and line feed
# (ESC starts colours, cursor moves, window titles), DEL, the C1 block (8-bit CSI among them),
# and the bidirectional controls that reorder what is shown.
_TERMINAL_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# In one cell of tab-separated output, tab and line feed would break the row.
_CELL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def terminal_safe(value: str) -> str:
    """Text as it may be printed to a terminal: control characters shown as escapes, so that
    what a file or a form held can neither colour, move, retitle nor reorder the terminal.

    >>> terminal_safe("サロン\\x1b]0;pwned\\x07 \\u202eabc")
    'サロン\\\\x1b]0;pwned\\\\x07 \\\\u202eabc'
    """
    return _TERMINAL_CONTROLS.sub(_escaped, value)


def terminal_cell(value: str) -> str:
    """One cell of tab-separated output (stats, review lists) that people paste into a
    spreadsheet: control characters, tabs and line breaks escaped, and a formula-like start
    neutralised (excel_safe)."""
    return excel_safe(_CELL_CONTROLS.sub(_escaped, value))
