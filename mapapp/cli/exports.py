"""`mapapp export`: the resources as CSV, xlsx, GeoJSON, the MHLW 通いの場 layout or HSDS 3."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from mapapp.cli import _app, _echo, _fail, _storage, main
from mapapp.exporting.resources import ENCODINGS, FORMATS, ExportProblem, write_export


@main.command(
    "export",
    help="資源の一覧を書き出します（CSV, Excel, GeoJSON, 厚労省 通いの場 CSV, HSDS）。"
    "省略時は公開用（個人宅は町丁目まで）です",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="csv, xlsx, geojson, mhlw（厚労省 通いの場）, hsds（HSDS 3 の JSON）",
)
@click.option("--area", help="この区域の資源だけ（区域の ID か名前）")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="書き出すファイル（省略時は標準出力。xlsx を端末には出せません）",
)
@click.option(
    "--encoding",
    type=click.Choice(ENCODINGS),
    default="utf-8",
    show_default=True,
    help="CSV の文字コード（utf-8 は BOM 付き。cp932 にない文字は 〓 にして知らせます）",
)
@click.option("--full", is_flag=True, help="個人宅の会場・住所・位置も含めて書き出す（管理者用）")
def export_command(fmt: str, area: str | None, out: Path | None, encoding: str, full: bool):
    if out is None and fmt == "xlsx" and sys.stdout.isatty():
        _fail(ExportProblem("xlsx は端末に出せません。--out ファイル名.xlsx を付けてください"))
    stdout = sys.stdout.buffer  # bytes: xlsx is binary, and CSV carries its own encoding
    app = _app()
    storage = _storage(app)
    taxonomy = app.extensions["mapapp.taxonomy"]
    try:
        with storage.reading() as session:
            if out is None:
                report = write_export(
                    session, stdout, fmt, taxonomy=taxonomy, area=area, full=full,
                    encoding=encoding,
                )  # fmt: skip
                stdout.flush()
            else:
                report = _write_file(session, out, fmt, taxonomy, area, full, encoding)
    except ExportProblem as exc:
        _fail(exc)
    where = f" → {out}" if out else ""
    scope = f"区域「{report.area}」の" if report.area else ""
    kind = "全項目（管理者用。個人宅の住所・位置を含みます）" if full else "公開用"
    _echo(f"書き出しました: {scope}{report.rows} 件（形式 {fmt}、{kind}）{where}", err=True)
    for note in report.notes:
        _echo(f"  {note}", err=True)
    if report.substituted:
        _echo(f"  {encoding} にない文字を 〓 にしたセル: {len(report.substituted)} 個", err=True)
        for line in report.substituted[:20]:
            _echo(f"    {line}", err=True)
        if len(report.substituted) > 20:
            _echo(f"    ほか {len(report.substituted) - 20} 個", err=True)


def _write_file(session, out: Path, fmt, taxonomy, area, full, encoding):
    """Write beside ``out`` and rename: a failed export leaves no half-written file."""
    directory = out.parent if str(out.parent) else Path(".")
    if not directory.is_dir():
        raise ExportProblem(f"フォルダがありません: {directory}")
    handle, temporary = tempfile.mkstemp(prefix=".export-", suffix=out.suffix, dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            report = write_export(
                session, stream, fmt, taxonomy=taxonomy, area=area, full=full, encoding=encoding
            )
        # Readable by others like any file (umask permitting), but a full export only by its
        # owner: it holds private homes' addresses.
        os.chmod(temporary, 0o600 if full else 0o644)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return report
