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


# Problems listed one by one, in a report or on a terminal; the rest are counted. A file of two
# million bad features says what is wrong with the first ones, not two million lines.
LISTED_ERRORS = 100


class RowsRejected(ImportProblem):
    """Some rows are bad; nothing was written. ``errors`` lists them (the first
    LISTED_ERRORS where the importer stopped collecting); ``omitted`` counts those left out,
    in ``omitted_rows`` more rows."""

    def __init__(
        self,
        errors: list[RowError],
        total_rows: int,
        omitted: int = 0,
        omitted_rows: int = 0,
        unit: str = "行",
    ):
        self.errors = errors
        self.total_rows = total_rows
        self.omitted = omitted
        bad_rows = len({e.row for e in errors}) + omitted_rows
        super().__init__(
            f"{total_rows} {unit}のうち {bad_rows} {unit}に問題があります。何も書き込んでいません"
        )

    def listed(self, limit: int = LISTED_ERRORS) -> tuple[list[RowError], int]:
        """The first ``limit`` errors, and how many more there are."""
        return self.errors[:limit], max(len(self.errors) - limit, 0) + self.omitted


class ErrorList:
    """Collects RowErrors up to LISTED_ERRORS and counts the rest, and their rows, in constant
    memory (errors are appended in row order)."""

    def __init__(self, limit: int = LISTED_ERRORS):
        self.errors: list[RowError] = []
        self.omitted = 0
        self._limit = limit
        self._omitted_rows = 0
        self._last_row: int | None = None

    def append(self, error: RowError) -> None:
        if len(self.errors) < self._limit:
            self.errors.append(error)
        else:
            self.omitted += 1
            if error.row != self._last_row:
                self._omitted_rows += 1
        self._last_row = error.row

    def __bool__(self) -> bool:
        return bool(self.errors)

    def __len__(self) -> int:
        return len(self.errors) + self.omitted

    def rejected(self, total_rows: int, unit: str = "行") -> RowsRejected:
        return RowsRejected(
            sorted(self.errors, key=lambda e: e.row),
            total_rows,
            self.omitted,
            self._omitted_rows,
            unit,
        )
