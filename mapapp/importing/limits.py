"""How much one import may read: file size, rows, columns, characters per cell, features and
vertices per area. Each limit is a setting (mapapp.config); each is checked before the work
it bounds starts, and a file over one is refused with a Japanese message that names the limit
and what to do (FileProblem)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from mapapp.config import SETTINGS_BY_NAME
from mapapp.importing.errors import FileProblem

# An .xlsx, a zipped Shapefile: what they unpack to may be this many times the file limit.
UNPACKED_FACTOR = 10
# Excel's own last row: a worksheet that counts past it is broken (or hostile).
EXCEL_MAX_ROW = 1_048_576

_SETTING_OF = {
    "max_mb": "IMPORT_MAX_MB",
    "max_rows": "IMPORT_MAX_ROWS",
    "max_columns": "IMPORT_MAX_COLUMNS",
    "max_cell_chars": "IMPORT_MAX_CELL_CHARS",
    "max_area_features": "AREA_MAX_FEATURES",
    "max_area_vertices": "AREA_MAX_VERTICES",
    "area_simplify_m": "AREA_SIMPLIFY_M",
}


def _default(name: str):
    return SETTINGS_BY_NAME[_SETTING_OF[name]].default


@dataclass(frozen=True)
class Limits:
    max_mb: int = _default("max_mb")
    max_rows: int = _default("max_rows")
    max_columns: int = _default("max_columns")
    max_cell_chars: int = _default("max_cell_chars")
    max_area_features: int = _default("max_area_features")
    max_area_vertices: int = _default("max_area_vertices")
    area_simplify_m: float = _default("area_simplify_m")

    @classmethod
    def from_config(cls, config: Mapping) -> Limits:
        """The limits set in an app's config (MAPAPP_IMPORT_MAX_MB…); defaults elsewhere."""
        return cls(
            **{f.name: config.get(_SETTING_OF[f.name], getattr(cls, f.name)) for f in fields(cls)}
        )

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 1024 * 1024)


DEFAULT_LIMITS = Limits()


def setting_name(field_name: str) -> str:
    """The environment variable that sets a limit: MAPAPP_IMPORT_MAX_ROWS…"""
    return f"MAPAPP_{_SETTING_OF[field_name]}"


def check_file_size(path: Path, limits: Limits) -> int:
    """The file's size; FileProblem when it is over the limit, before any of it is read."""
    size = Path(path).stat().st_size
    if size > limits.max_bytes:
        raise FileProblem(
            f"ファイルが大きすぎます（{size / 1024 / 1024:,.1f} MB。上限は {limits.max_mb} MB）。"
            f"ファイルを分けて取り込むか、設定 {setting_name('max_mb')} を上げてください"
        )
    return size


def check_unpacked_size(path: Path, limits: Limits) -> None:
    """For a zip (.xlsx, zipped Shapefile): refuse one that unpacks to far more than the file
    limit (a zip bomb), from its directory alone, before anything is unpacked."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(max(info.file_size, 0) for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip: the reader says so in its own words
    if unpacked > limits.max_bytes * UNPACKED_FACTOR:
        raise FileProblem(
            f"圧縮を解くと大きすぎます（{unpacked / 1024 / 1024:,.0f} MB。上限は "
            f"{limits.max_mb * UNPACKED_FACTOR} MB）。中身を確かめるか、ファイルを分けてください"
        )


def too_many_rows(limits: Limits, unit: str = "行") -> FileProblem:
    return FileProblem(
        f"{unit}が多すぎます（上限は {limits.max_rows:,} {unit}）。ファイルを分けて取り込むか、"
        f"設定 {setting_name('max_rows')} を上げてください"
    )


def too_many_columns(count: int | None, limits: Limits, unit: str = "列") -> FileProblem:
    said = f"{count:,} {unit}。" if count is not None else ""
    return FileProblem(
        f"{unit}が多すぎます（{said}上限は {limits.max_columns:,} {unit}）。"
        f"要らない{unit}を消すか、設定 {setting_name('max_columns')} を上げてください"
    )


def too_long_cell(where: str, length: int, limits: Limits) -> FileProblem:
    return FileProblem(
        f"{where}: 値が長すぎます（{length:,} 文字。1 つのセルは {limits.max_cell_chars:,} "
        f"文字まで）。値を短くするか、設定 {setting_name('max_cell_chars')} を上げてください"
    )
