"""Writing data out for people and other systems; spreadsheets must not run what they open."""

from __future__ import annotations

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
