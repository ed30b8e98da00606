"""`mapapp import-volunteers`, `import-needs`, `candidates`, `propose`: the matcher from the
command line (as the whole town: the audit log names the command line as who looked)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from mapapp.cli import _app, _echo, _fail, _storage, main
from mapapp.importing.limits import Limits
from mapapp.matching import MatchingProblem


def _as_of(value: str | None) -> dt.date:
    if not value:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(MatchingProblem(f"--as-of「{value}」は日付（例: 2026-06-01）で書いてください"))


def _options(app, source, dry_run, skip_invalid):
    from mapapp.importing.people import PeopleOptions
    from mapapp.importing.placing import GeocoderSettings
    from mapapp.matching.settings import MatchSettings

    return PeopleOptions(
        source=source,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        municipalities=tuple(n for n in [app.config["MUNICIPALITY_NAME"]] if n),
        geocoder=GeocoderSettings(app.config["GEOCODER_URL"], app.config["GEOCODER_INTERVAL_S"]),
        limits=Limits.from_config(app.config),
        settings=MatchSettings.from_config(app.config),
    )


def _print_people_report(report) -> None:
    from mapapp.importing.errors import LISTED_ERRORS
    from mapapp.models import PLACEMENT_LABELS, Placement

    what = "担い手" if report.what == "volunteers" else "ニーズ"
    head = "確認のみ（書き込んでいません）" if report.dry_run else "取り込みました"
    _echo(
        f"{head}: {report.filename}（{what}、文字コード {report.encoding}、出典 {report.source}）\n"
        f"  {report.rows_total} 行: 新規 {report.created}、更新 {report.updated}、"
        f"変更なし {report.unchanged}、取り込まなかった行 {len({e.row for e in report.rejected})}"
    )
    for warning in report.warnings:
        _echo(f"  注意: {warning}")
    if set(report.by_placement) - {Placement.COORDINATES.value}:
        counts = "、".join(
            f"{PLACEMENT_LABELS[Placement(p)]} {n}" for p, n in report.by_placement.items()
        )
        _echo(f"  位置の精度: {counts}")
    if report.outside_areas:
        _echo(
            f"  どの第2層区域にも入らない行: {len(report.outside_areas)} 件（出典ID "
            f"{'、'.join(report.outside_areas[:10])}）"
        )
    for error in report.rejected[:LISTED_ERRORS]:
        _echo(f"  取り込まなかった行: {error}")


def _people_command(name: str, help_text: str, importer: str):
    @main.command(name, help=help_text)
    @click.argument("path", type=click.Path(path_type=Path))
    @click.option("--source", help="出典名（同じ出典・同じ出典IDの行は再取り込みで更新されます）")
    @click.option("--dry-run", is_flag=True, help="確認だけして書き込まない")
    @click.option("--skip-invalid", is_flag=True, help="問題のある行を飛ばして残りを取り込む")
    def command(path, source, dry_run, skip_invalid) -> None:
        from mapapp.importing import people

        app = _app()
        storage = _storage(app)
        report = getattr(people, importer)(
            storage,
            path,
            app.extensions["mapapp.taxonomy"],
            _options(app, source, dry_run, skip_invalid),
        )
        _print_people_report(report)

    return command


_people_command(
    "import-volunteers",
    "担い手（ボランティア）の一覧（CSV, Excel .xlsx）を取り込みます。列: 出典ID, 氏名, 住所, "
    "緯度, 経度, 活動, 活動できる日時, 移動手段, 移動距離m, 同時に担当できる人数, 研修修了日, "
    "保険期限, 状態",
    "import_volunteers",
)
_people_command(
    "import-needs",
    "相談受付（ニーズ）の一覧（CSV, Excel .xlsx）を取り込みます。列: 出典ID, 相談者, 住所, 緯度, "
    "経度, 困りごと, 希望日時, 受付日, 状態, 同意",
    "import_needs",
)


@main.command(
    "candidates", help="ニーズ（ID か出典ID）に合う担い手と資源を、理由つきで良い順に表示します"
)
@click.argument("need")
@click.option("--as-of", "as_of", help="この日の時点で判断します（保険・研修。省略時は今日）")
@click.option("--json", "as_json", is_flag=True, help="JSON で出力")
@click.option("--excluded", is_flag=True, help="条件で外れた担い手とその理由も出す")
def candidates_command(need, as_of, as_json, excluded) -> None:
    from mapapp.matching.candidates import find_candidates
    from mapapp.matching.people import view_need
    from mapapp.matching.settings import MatchSettings
    from mapapp.matching.vocab import Vocabulary

    app = _app()
    storage = _storage(app)
    vocabulary = Vocabulary(app.extensions["mapapp.taxonomy"])
    day = _as_of(as_of)
    settings = MatchSettings.from_config(app.config)
    try:
        with storage.transaction() as session:
            record = view_need(session, None, need, None, what="候補の表示（コマンド）")
            result = find_candidates(session, vocabulary, record, as_of=day, settings=settings)
    except MatchingProblem as exc:
        _fail(exc)
    if as_json:
        _echo(json.dumps(result.to_json(with_excluded=excluded), ensure_ascii=False, indent=2))
        return
    n = result.need_json
    _echo(
        f"ニーズ {n['id']}（出典ID {n['source_id'] or '-'}）: {'、'.join(n['kind_labels'])} "
        f"希望 {n['wanted'] or '-'}" + ("" if n["consent"] else "  ※本人の同意なし")
    )
    _echo("担い手:")
    for c in result.volunteers:
        _echo(f"  {c.score:5.1f}  ID {c.id}（{c.source_id or '-'}） " + " / ".join(c.reasons))
    if excluded:
        for e in result.excluded:
            _echo(f"  除外  ID {e.id}（{e.source_id or '-'}） " + " / ".join(e.reasons))
    _echo("資源:")
    for r in result.resources:
        _echo(f"  {r.score:5.1f}  ID {r.id} {r.name} " + " / ".join(r.reasons))


@main.command(
    "propose", help="ある困りごとの未手配のニーズ全部に、担い手の割り当て案（最適）を出します"
)
@click.option(
    "--need-kind", "kind", required=True, help="困りごと（コード・名前・別名。例: ゴミ出し）"
)
@click.option("--area", help="この第2層区域のニーズだけ（区域の ID か名前）")
@click.option("--as-of", "as_of", help="この日の時点で判断します（省略時は今日）")
@click.option("--json", "as_json", is_flag=True, help="JSON で出力")
def propose_command(kind, area, as_of, as_json) -> None:
    from sqlalchemy import select

    from mapapp.matching.batch import propose_batch
    from mapapp.matching.settings import MatchSettings
    from mapapp.matching.vocab import Vocabulary
    from mapapp.models import Area, Layer

    app = _app()
    storage = _storage(app)
    vocabulary = Vocabulary(app.extensions["mapapp.taxonomy"])
    code = vocabulary.need_kind(kind)
    if code is None:
        _fail(MatchingProblem(f"困りごと「{kind}」がわかりません"))
    day = _as_of(as_of)
    with storage.reading() as session:
        area_id = None
        if area:
            query = select(Area).where(Area.layer == Layer.DAILY_LIFE)
            found = [
                a
                for a in session.scalars(query)
                if str(a.id) == area.strip() or a.name == area.strip()
            ]
            if len(found) != 1:
                _fail(MatchingProblem(f"第2層の区域「{area}」が見つかりません"))
            area_id = found[0].id
        result = propose_batch(
            session,
            vocabulary,
            code,
            area_id=area_id,
            as_of=day,
            settings=MatchSettings.from_config(app.config),
        )
    out = result.to_json()
    if as_json:
        _echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for a in out["assignments"]:
        _echo(
            f"ニーズ {a['need']['id']}（{a['need']['source_id'] or '-'}） ← 担い手 "
            f"{a['volunteer']['id']}（{a['volunteer']['source_id'] or '-'}） "
            f"約{a['distance_m']:,.0f}m"
        )
    for u in out["unassigned"]:
        _echo(f"ニーズ {u['id']}（{u['source_id'] or '-'}）: {u['reason']}")
    _echo(
        f"割り当て {len(out['assignments'])} 件、合計 約{out['total_distance_m']:,.0f}m"
        f"（近い順の単純な割り当てなら {out['greedy']['assigned']} 件、"
        f"約{out['greedy']['total_distance_m']:,.0f}m）"
    )
