"""Resource lists written for tests: rows of the project's own format, CSV files, and a dump
of every table to compare a database before and after."""

from __future__ import annotations

import csv
import io

from sqlalchemy import text

from mapapp.importing.profiles import OWN_COLUMNS

HEADERS = [h for h, _ in OWN_COLUMNS]


def own_row(**values: str) -> dict[str, str]:
    base = {
        "出典ID": "r1",
        "種別": "サロン",
        "名称": "ふれあいサロン",
        "緯度": "34.705",
        "経度": "137.51",
    }
    named = {h: "" for h in HEADERS}
    named.update(base)
    named.update({_header(k): v for k, v in values.items()})
    return named


def _header(field_or_header: str) -> str:
    fields = {f: h for h, f in OWN_COLUMNS}
    return fields.get(field_or_header, field_or_header)


def write_csv(path, rows, encoding="utf-8-sig", headers=None):
    headers = headers or list(rows[0])
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def dump(storage) -> list:
    """Every row of every table, to compare a database before and after."""
    with storage.reading() as session:
        names = [
            r[0] for r in session.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        ]
        return [
            (n, session.execute(text(f'SELECT * FROM "{n}" ORDER BY 1')).all())  # noqa: S608
            for n in sorted(names)
        ]
