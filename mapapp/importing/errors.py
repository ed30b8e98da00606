"""What can go wrong in an import, said so that staff can fix the file."""

from __future__ import annotations

from dataclasses import dataclass


class ImportProblem(Exception):
    """Base of every error an import reports to a person."""


class FileProblem(ImportProblem):
    """The file as a whole cannot be used (unreadable, unknown format, no header…)."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str
    unit: str = "行目"  # 「件目」 for GeoJSON features

    def __str__(self) -> str:
        where = f"{self.row}{self.unit}" + (f"「{self.column}」" if self.column else "")
        return f"{where}: {self.reason}"


class RowsRejected(ImportProblem):
    """Some rows are bad; nothing was written. ``errors`` lists every one of them."""

    def __init__(self, errors: list[RowError], total_rows: int):
        self.errors = errors
        self.total_rows = total_rows
        bad_rows = len({e.row for e in errors})
        super().__init__(
            f"{total_rows} 行のうち {bad_rows} 行に問題があります。何も書き込んでいません"
        )
