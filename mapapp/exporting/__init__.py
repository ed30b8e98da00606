"""Writing data out for people and other systems; spreadsheets must not run what they open.

The cell helpers live here (``excel_safe``, ``terminal_safe``, ``terminal_cell``, used by the
command line); the resource exports (``mapapp export``: CSV, xlsx, GeoJSON, the MHLW 通いの場
layout, HSDS 3) are in :mod:`mapapp.exporting.resources`, re-exported here.

**Formula neutralisation that round-trips.** Every text cell of a CSV, xlsx or MHLW export goes
through :func:`spreadsheet_text`: a cell that starts like a formula (``= + - @``, tab, CR, LF
or their full-width forms) gets a leading ``'`` (:func:`excel_safe`), and so does a cell that
already starts with ``'`` followed by such a character, so that the quote is never ambiguous.
The importer removes exactly one leading ``'`` before such a character again
(:func:`unquote_formula`, applied by the profiles that read our own exports: ``own`` and
``mhlw``), so ``=HYPERLINK("…")`` is exported as ``'=HYPERLINK("…")`` and imported back as
``=HYPERLINK("…")``, and ``'=x`` as ``''=x`` and back as ``'=x``. Numbers (緯度, 経度, 定員,
対象範囲m) are written as numbers, never as text, so that ``-0.5`` stays a number and gets no
quote; the only text cells that start with ``-`` (「-」 as a value) are quoted like any other.
"""

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


_QUOTED_FORMULA = re.compile("'+[" + re.escape("".join(FORMULA_STARTS)) + "]")


def spreadsheet_text(value: str) -> str:
    """A text cell for CSV and xlsx exports: excel_safe, and one more ``'`` in front of a
    value that already starts with quotes before a formula character, so that the importer's
    :func:`unquote_formula` gives back exactly what was exported.

    >>> spreadsheet_text("=1+1"), spreadsheet_text("'=1+1"), spreadsheet_text("'quoted")
    ("'=1+1", "''=1+1", "'quoted")
    """
    if value and _QUOTED_FORMULA.match(value):
        return "'" + value
    return excel_safe(value)


def unquote_formula(value: str) -> str:
    """Undo :func:`spreadsheet_text` on import: one leading ``'`` before a formula character
    (or before further quotes and one) is removed; anything else is left as written.

    >>> unquote_formula("'=1+1"), unquote_formula("''=1+1"), unquote_formula("'quoted")
    ('=1+1', "'=1+1", "'quoted")
    """
    if value.startswith("'") and _QUOTED_FORMULA.match(value):
        return value[1:]
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


# The resource exports, imported when first asked for: the cell helpers above are used by every
# command and by the importer's profiles, which the exports themselves import.
_EXPORTS = ("ExportProblem", "ExportReport", "FORMATS", "export_resources", "write_export")


def __getattr__(name: str):
    if name in _EXPORTS:
        from mapapp.exporting import resources

        return getattr(resources, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
