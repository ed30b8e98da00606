"""The `mapapp` command: run the service, set up the database, import, report."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from mapapp.importing.errors import FileProblem, ImportProblem, RowsRejected
from mapapp.importing.limits import Limits


def _echo(message: str = "", err: bool = False) -> None:
    """Print text that may hold what a file or the database held: control characters
    (escape sequences, bidirectional overrides) are shown escaped, never acted on."""
    from mapapp.exporting import terminal_safe

    click.echo(terminal_safe(str(message)), err=err)


def _app():
    """The app, with its instance folder (config.py, secret_key, the SQLite file) taken from
    MAPAPP_INSTANCE_PATH when set, else ``instance/`` beside the code."""
    import os

    from mapapp import create_app

    return create_app(instance_path=os.environ.get("MAPAPP_INSTANCE_PATH") or None)


def _storage(app):
    """The app's storage, its schema brought up to date; when the parsers have changed since
    its resources were read, the fields derived from their texts are recomputed too."""
    from mapapp.importing.writer import derived_are_stale, refresh_derived
    from mapapp.storage import get_storage

    storage = get_storage(app)
    storage.upgrade()
    if derived_are_stale(storage):
        changed = refresh_derived(storage, _Progress())
        _echo(f"読み取りの仕組みが新しくなったため、{changed} 件を計算し直しました", err=True)
    return storage


class _Progress:
    """Progress of long work on stderr: redrawn in place on a terminal (at most twice a
    second), one line per finished stage otherwise."""

    def __init__(self):
        self._last = 0.0
        self._tty = sys.stderr.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        finished = done >= total
        now = time.monotonic()
        if self._tty and not finished and now - self._last < 0.5:
            return
        if not self._tty and not finished and done != 0:
            return
        self._last = now
        percent = f" {done * 100 // total}%" if total else ""
        line = f"{stage}: {done}/{total}{percent}"
        if self._tty:
            click.echo(f"\r{line}    ", nl=finished, err=True)
        else:
            click.echo(line, err=True)


REFUSED = 2  # exit status for every refused input, as click's own usage errors


def _refused_errors() -> tuple[type[Exception], ...]:
    """The typed errors that mean staff's input was refused — a file, a setting, the
    taxonomy, a concurrent edit, the address service — rather than a bug."""
    from mapapp.accounts import AccountProblem
    from mapapp.config import SettingError
    from mapapp.geo import InvalidCoordinate
    from mapapp.geocoding import GeocoderUnavailable
    from mapapp.importing.writer import ConcurrentEdit
    from mapapp.taxonomy import TaxonomyError

    return (
        ImportProblem,
        SettingError,
        TaxonomyError,
        ConcurrentEdit,
        GeocoderUnavailable,
        InvalidCoordinate,
        AccountProblem,
    )


class _Commands(click.Group):
    """The command group, with one place where a refused input becomes one Japanese message
    on stderr and exit status 2, never a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except _refused_errors() as exc:
            _fail(exc)


@click.group(cls=_Commands, help="地域ささえあいマップ: 地域資源の地図と、ニーズと支援のマッチング")
def main() -> None:
    pass


@main.command(help="サービスを起動します（データベースが空なら架空の町のデモを入れます）")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-demo", is_flag=True, help="空のデータベースにデモを入れない")
def run(host: str, port: int, no_demo: bool) -> None:
    from waitress import serve

    app = _app()
    storage = _storage(app)
    if not no_demo and _is_empty(storage):
        _echo("データベースが空なので、デモの町を読み込みます。", err=True)
        _load_demo(app, storage)
    _echo(f"http://{host}:{port}/ で起動しました（止めるには Ctrl+C）", err=True)
    serve(app, host=host, port=port, threads=8, ident="mapapp")


@main.command("init-db", help="データベースを作成・更新します")
def init_db() -> None:
    app = _app()
    storage = _storage(app)
    _echo(f"データベースは最新です（版 {storage.schema_revision()}）")


@main.command(help="架空の町（デモ）の区域と資源を読み込みます")
def demo() -> None:
    app = _app()
    _load_demo(app, _storage(app))


def _is_empty(storage) -> bool:
    from sqlalchemy import func, select

    from mapapp.models import Area, Resource

    with storage.reading() as session:
        return not session.scalar(select(func.count(Area.id))) and not session.scalar(
            select(func.count(Resource.id))
        )


def _load_demo(app, storage) -> None:
    import tempfile

    from mapapp.demo import build_demo_town, write_demo_files
    from mapapp.importing.boundaries import import_areas
    from mapapp.importing.resources import ImportOptions, import_resources

    town = build_demo_town()
    with tempfile.TemporaryDirectory() as directory:
        files = write_demo_files(town, Path(directory))
        labels = {1: "市町村", 2: _layer2_label(town), 3: "町丁"}
        for layer in (1, 2, 3):
            report = import_areas(
                storage,
                files[f"layer{layer}"],
                layer=layer,
                kind_label=labels[layer],
                source=f"demo:layer{layer}",
            )
            _echo(
                f"第{layer}層 {labels[layer]}: "
                f"{report.created + report.updated + report.unchanged} 区域"
            )
        report = import_resources(
            storage,
            files["resources"],
            app.extensions["mapapp.taxonomy"],
            ImportOptions(profile="own", source="demo"),
            progress=_Progress(),
        )
        _print_resource_report(report)


def _layer2_label(town) -> str:
    first = town.layer2["features"][0]["properties"]
    return first.get("kind_label") or "日常生活圏域"


@main.command(
    "import-areas", help="区域の境界ファイル（GeoJSON, Shapefile の zip, GeoPackage）を取り込みます"
)
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--layer",
    type=click.IntRange(1, 3),
    required=True,
    help="1=市町村, 2=日常生活圏域, 3=町丁・自治会",
)
@click.option(
    "--kind", "kind_label", required=True, help="区域の種類。例: 中学校区, 小学校区, 地区社協区域"
)
@click.option("--name-field", help="区域名の列（省略時は自動で探します）")
@click.option("--source", help="出典名（同じ出典の区域は再取り込みで更新されます）")
@click.option("--crs", help="座標系（ファイルに無いとき）。例: EPSG:6677")
@click.option("--dry-run", is_flag=True, help="確認だけして書き込まない")
@click.option(
    "--drop-references",
    is_flag=True,
    help="ファイルにない区域を担当区域・対象区域から外して入れ替える",
)
def import_areas_command(
    path, layer, kind_label, name_field, source, crs, dry_run, drop_references
) -> None:
    from mapapp.importing.area_references import AreasInUse
    from mapapp.importing.boundaries import import_areas

    app = _app()
    storage = _storage(app)
    try:
        report = import_areas(
            storage,
            path,
            layer=layer,
            kind_label=kind_label,
            name_field=name_field,
            source=source,
            crs=crs,
            dry_run=dry_run,
            progress=_Progress(),
            limits=Limits.from_config(app.config),
            drop_references=drop_references,
        )
    except AreasInUse as refused:
        raise ImportProblem(f"{refused}外すときは --drop-references を付けてください。") from None
    head = "確認のみ（書き込んでいません）" if dry_run else "取り込みました"
    _echo(
        f"{head}: {report.filename} 第{report.layer}層 {report.kind_label}"
        f"（名前の列: {report.name_field}）\n"
        f"  新規 {report.created}、更新 {report.updated}、変更なし {report.unchanged}、"
        f"削除 {len(report.removed)}"
    )
    _print_area_report(report)


def _echo_first(lines, limit: int, indent: str, unit: str) -> None:
    """The first ``limit`` lines, then 「ほか N{unit}」 for the rest: reports stay readable
    when a file has thousands of them."""
    for line in lines[:limit]:
        _echo(f"{indent}{line}")
    if len(lines) > limit:
        _echo(f"{indent}ほか {len(lines) - limit}{unit}")


def _first_of(items, limit: int, unit: str) -> str:
    """「a、b、c ほか N{unit}」: the first ``limit`` items on one line."""
    more = f" ほか {len(items) - limit}{unit}" if len(items) > limit else ""
    return "、".join(items[:limit]) + more


def _print_area_report(report) -> None:
    from mapapp.exporting import terminal_cell
    from mapapp.importing.boundaries import LISTED

    if report.merged:
        _echo(f"  いくつもの図形をまとめた区域: {len(report.merged)} 区域")
        _echo_first(report.merged, LISTED, "    ", " 区域")
    for line in report.skipped_water:
        _echo(f"  {line}")
    if report.repaired:
        _echo(f"  形を修復した区域: {'、'.join(report.repaired)}")
    _echo_first(report.simplified, LISTED, "  ", " 区域を簡略化しました")
    for warning in report.warnings:
        _echo(f"  注意: {warning}")
    for line in report.parents:
        _echo(f"  {line}")
    if report.removed:
        _echo(f"  ファイルにない区域（削除{'します' if report.dry_run else 'しました'}）:")
        _echo_first([str(r) for r in report.removed], LISTED, "    ", " 区域")
    if report.refusal:
        _echo(f"  このままでは取り込めません: {report.refusal}外すときは --drop-references")
    _echo(f"  どの第2層区域にも入らない資源（区域外）: {report.outside_resources} 件")
    if report.dry_run and report.preview:
        _echo(f"  先頭 {len(report.preview)} 区域（名前、コード、市区町村、層、親の区域）:")
        for row in report.preview:
            values = (row.name, row.code, row.municipality, f"第{row.layer}層", row.parents)
            _echo("    " + "\t".join(terminal_cell(v) if v else "-" for v in values))


@main.command("import-resources", help="資源の一覧（CSV, Excel .xlsx, GeoJSON）を取り込みます")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--profile",
    help="ファイルの形式: own, caremap, mhlw, kaigo, standard, list（省略時は列から判断）",
)
@click.option("--kind", help="種別の列が無いファイルの種別（コードか名前）")
@click.option("--source", help="出典名（同じ出典・同じIDの行は再取り込みで更新されます）")
@click.option(
    "--map", "mappings", multiple=True, metavar="列名=項目", help="列の対応。例: --map 施設名=名称"
)
@click.option("--dry-run", is_flag=True, help="確認だけして書き込まない")
@click.option("--skip-invalid", is_flag=True, help="問題のある行を飛ばして残りを取り込む")
@click.option(
    "--close-missing", is_flag=True, help="同じ出典でファイルに無くなった資源を「終了」にする"
)
@click.option(
    "--require-point",
    is_flag=True,
    help="位置（緯度・経度）がわからない行を取り込まない（省略時は位置なしで取り込み、一覧にします）",
)
def import_resources_command(
    path, profile, kind, source, mappings, dry_run, skip_invalid, close_missing, require_point
) -> None:
    from mapapp.importing.placing import GeocoderSettings
    from mapapp.importing.resources import ImportOptions, import_resources

    column_map = {}
    for mapping in mappings:
        left, sep, right = mapping.partition("=")
        if not sep or not left.strip() or not right.strip():
            _fail(FileProblem(f"--map「{mapping}」は 列名=項目 の形で書いてください"))
        column_map[left.strip()] = right.strip()
    app = _app()
    storage = _storage(app)
    options = ImportOptions(
        profile=profile,
        kind=kind,
        source=source,
        column_map=column_map,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        close_missing=close_missing,
        require_point=require_point,
        municipalities=tuple(n for n in [app.config["MUNICIPALITY_NAME"]] if n),
        geocoder=GeocoderSettings(app.config["GEOCODER_URL"], app.config["GEOCODER_INTERVAL_S"]),
        limits=Limits.from_config(app.config),
    )
    report = import_resources(
        storage, path, app.extensions["mapapp.taxonomy"], options, progress=_Progress()
    )
    _print_resource_report(report)


def _print_resource_report(report) -> None:
    written = report.written
    head = "確認のみ（書き込んでいません）" if report.dry_run else "取り込みました"
    _echo(
        f"{head}: {report.filename}（形式 {report.profile}、文字コード {report.encoding}、"
        f"出典 {'、'.join(report.sources) or '-'}）\n"
        f"  {report.rows_total} 行: 新規 {written.created}、更新 {written.updated}、"
        f"変更なし {written.unchanged}、取り込まなかった行 {len({e.row for e in report.rejected})}"
    )
    for warning in report.warnings:
        _echo(f"  注意: {warning}")
    if written.outside_areas:
        _echo(
            f"  区域外（どの第2層区域にも入らない）: {len(written.outside_areas)} 件"
            f"（{_first_of(written.outside_areas, 10, ' 件')}）"
        )
    if written.closed:
        done = "にします（確認のみ）" if report.dry_run else "にしました"
        _echo(f"  同じ出典でこのファイルに無い資源 {written.closed} 件を「終了」{done}")
    elif written.not_in_file:
        _echo(
            f"  同じ出典でこのファイルに無い資源: {written.not_in_file} 件"
            "（そのままです。--close-missing で「終了」にできます）"
        )
    _print_import_duplicates(report.duplicates)
    _print_placement(report.placement)
    from mapapp.importing.errors import LISTED_ERRORS

    for error in report.rejected[:LISTED_ERRORS]:
        _echo(f"  取り込まなかった行: {error}")
    if len(report.rejected) > LISTED_ERRORS:
        _echo(f"  取り込まなかった行: ほか {len(report.rejected) - LISTED_ERRORS:,} 件")


def _print_placement(summary) -> None:
    """How the rows' points were found, and which rows have none (to place by hand)."""
    from mapapp.models import PLACEMENT_LABELS, Placement

    if summary is None or set(summary.by_placement) <= {Placement.COORDINATES}:
        return
    counts = "、".join(
        f"{PLACEMENT_LABELS[p]} {n}" for p in Placement if (n := summary.by_placement.get(p))
    )
    _echo(f"  位置の精度: {counts}")
    if summary.geocoder_requests:
        _echo(f"  住所検索サービスへの問い合わせ: {summary.geocoder_requests} 件")
    if summary.not_placed:
        _echo(
            f"  位置がわからず地図に出ない行: {len(summary.not_placed)} 件"
            "（取り込みました。mapapp review-places で一覧できます）"
        )
        lines = [f"{number}行目 {name}: {reason}" for number, name, reason in summary.not_placed]
        _echo_first(lines, 10, "    ", " 件")


@main.command(
    "import-gazetteer", help="町丁目・大字の代表点の一覧（位置参照情報など）を取り込みます"
)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--source", help="出典名（同じ出典の一覧は取り込むたびに置き換わります）")
@click.option("--dry-run", is_flag=True, help="確認だけして書き込まない")
def import_gazetteer_command(path, source, dry_run) -> None:
    from mapapp.importing.gazetteer import import_gazetteer

    app = _app()
    limits = Limits.from_config(app.config)
    report = import_gazetteer(_storage(app), path, source=source, dry_run=dry_run, limits=limits)
    head = "確認のみ（書き込んでいません）" if report.dry_run else "取り込みました"
    towns = _first_of(report.municipalities, 10, "") or "市区町村名なし"
    _echo(
        f"{head}: {report.filename}（出典 {report.source}、文字コード {report.encoding}）\n"
        f"  町丁目・大字 {report.written} 件（{towns}）"
    )
    if report.repeated:
        _echo(f"  同じ市区町村・同じ名前の行 {report.repeated} 件は最初の行を使いました")


@main.command(
    "review-places", help="位置がおおよそ（会場・町丁目・大字・住所検索）か、無い資源を一覧します"
)
@click.option("--csv", "as_csv", is_flag=True, help="CSV（Excel で開ける UTF-8 BOM 付き）で出力")
def review_places(as_csv: bool) -> None:
    import csv

    from mapapp import catalog
    from mapapp.exporting import excel_safe, terminal_cell

    storage = _storage(_app())
    with storage.reading() as session:
        rows = catalog.places_to_review(session)
    header = ["ID", "名称", "会場", "住所", "位置の精度", "位置の根拠・理由"]
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\r\n")
        sys.stdout.write("\ufeff")
        writer.writerow(header)
        for row in rows:
            writer.writerow([excel_safe(str(v)) for v in row])
        return
    _echo("\t".join(header))
    for row in rows:
        _echo("\t".join(terminal_cell(str(v)) for v in row))
    _echo(f"位置を確認したい資源: {len(rows)} 件", err=True)


@main.command("refresh-derived", help="開催日時・参加費・読みの読み取り結果を全件計算し直します")
def refresh_derived_command() -> None:
    from mapapp.importing.writer import refresh_derived

    app = _app()
    changed = refresh_derived(_storage(app), _Progress())
    _echo(f"{changed} 件の読み取り結果が変わりました")


@main.command(help="区域ごと・種別ごとの資源の数を表示します")
@click.option("--layer", type=click.IntRange(1, 3), default=2, show_default=True)
def stats(layer: int) -> None:
    from mapapp import catalog
    from mapapp.exporting import terminal_cell

    app = _app()
    storage = _storage(app)
    taxonomy = app.extensions["mapapp.taxonomy"]
    with storage.reading() as session:
        areas = catalog.list_areas(session, layer)
        counts = catalog.counts_by_area_and_kind(session)
        outside = catalog.count_outside(session)
    rows = [(a.name, counts.get(a.id, {})) for a in areas] + [("区域外", outside)]
    kinds = [k for k in taxonomy.kinds if any(k.code in c for _, c in rows)]
    _echo("\t".join(["区域", "合計", *(terminal_cell(k.label) for k in kinds)]))
    for name, c in rows:
        counts = [str(sum(c.values())), *(str(c.get(k.code, 0)) for k in kinds)]
        _echo("\t".join([terminal_cell(name), *counts]))
    _print_layer_summary(storage)
    _print_likely_duplicates(storage)


def _print_import_duplicates(pairs) -> None:
    """How many of the file's rows another source seems to list too, and the first few."""
    from mapapp.duplicates import NEAR_M

    if not pairs:
        return
    shown = _first_of(
        [
            f"{p.first.name} ⇔ 出典 {p.second.source} の ID {p.second.id}（{p.distance_m:.0f} m）"
            for p in pairs
        ],
        5,
        " 件",
    )
    _echo(
        f"  ほかの出典と重なっていそうな資源（同じ名前で {NEAR_M:.0f} m 以内）: {len(pairs)} 件"
        f"（{shown}）。mapapp stats で全部を一覧できます"
    )


def _print_likely_duplicates(storage) -> None:
    """Every pair of resources of different sources with the same name within 50 m, as
    tab-separated rows like the rest of stats."""
    from mapapp.duplicates import NEAR_M, likely_duplicates, stored_places
    from mapapp.exporting import terminal_cell

    with storage.reading() as session:
        pairs = likely_duplicates(stored_places(session))
    _echo(f"重なっていそうな資源（同じ名前で {NEAR_M:.0f} m 以内、出典が違う）\t{len(pairs)}")
    if pairs:
        _echo("\t".join(["名称", "ID", "出典", "ID", "出典", "距離m"]))
    for p in pairs:
        cells = [p.first.name, p.first.id, p.first.source, p.second.id, p.second.source]
        _echo("\t".join([*(terminal_cell(str(c)) for c in cells), f"{p.distance_m:.0f}"]))


def _print_layer_summary(storage) -> None:
    """Each layer and kind with its number of areas, the resources with a point that lie in
    none of them, and the resources with no point yet (位置なし). Every line has a tab, like
    the table above it, so that the whole output reads as tab-separated rows."""
    from mapapp.areas import count_unplaced, layer_summaries
    from mapapp.exporting import terminal_cell

    with storage.reading() as session:
        summaries = layer_summaries(session)
        unplaced = count_unplaced(session)
    header = ["層・種類", "区域数", "どの区域にも入らない資源（位置あり、終了を除く）"]
    _echo("\t".join(header))
    for s in summaries:
        label = f"第{s.layer}層" + (f" {terminal_cell(s.kind_label)}" if s.kind_label else "")
        _echo("\t".join([label, str(s.areas), str(s.resources_outside)]))
    _echo(f"位置なし（地図に置けていない資源）\t{unplaced}")


@main.command("parse-schedule", help="開催日時の文字列をどう読んだかを JSON で表示します")
@click.argument("text")
@click.option("--closed", default="", help="休み・定休日の文字列（例: 祝日、年末年始）")
def parse_schedule_command(text: str, closed: str) -> None:
    import json

    from mapapp.schedule import parse_resource_schedule

    schedule = parse_resource_schedule(text, closed)
    _echo(json.dumps(schedule.to_json(), ensure_ascii=False, indent=2))


@main.command("review-schedules", help="開催日時を読み取れず、確認が必要な資源を一覧します")
@click.option("--csv", "as_csv", is_flag=True, help="CSV（Excel で開ける UTF-8 BOM 付き）で出力")
def review_schedules(as_csv: bool) -> None:
    import csv

    from mapapp import catalog
    from mapapp.exporting import excel_safe, terminal_cell

    app = _app()
    storage = _storage(app)
    with storage.reading() as session:
        rows = catalog.schedules_to_review(session)
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\r\n")
        sys.stdout.write("\ufeff")
        writer.writerow(["ID", "名称", "開催日時", "休み", "確認が必要な理由"])
        for row in rows:
            writer.writerow([excel_safe(str(v)) for v in row])
        return
    for rid, name, schedule_text, closed_text, reasons in rows:
        cells = [str(rid), terminal_cell(name), repr(schedule_text), repr(closed_text)]
        _echo("\t".join([*cells, terminal_cell(reasons.replace(chr(10), " / "))]))
    _echo(f"確認が必要な資源: {len(rows)} 件", err=True)


def _fail(exc: Exception):
    """Say why the input was refused, on stderr, and stop with exit status 2."""
    _echo(f"エラー: {exc}", err=True)
    if isinstance(exc, RowsRejected):
        listed, more = exc.listed()
        for error in listed:
            _echo(f"  {error}", err=True)
        if more:
            _echo(f"  ほか {more:,} 件", err=True)
    sys.exit(REFUSED)


# Commands kept in their own modules register themselves on ``main`` when imported.
from mapapp.cli import accounts, backups, exports, matching  # noqa: E402, F401
