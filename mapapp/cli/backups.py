"""Backup and restore from the terminal (SQLite; other databases use their own tools)."""

from __future__ import annotations

from pathlib import Path

import click

from mapapp.cli import _app, _echo, _fail, _storage, main


@main.command(
    help="データベースのバックアップを書きます（サービスを止めずに、その時点の一貫した写し）"
)
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="PATH がもうあるとき上書きする")
def backup(path: Path, force: bool) -> None:
    from mapapp.backup import BackupProblem, backup_database

    try:
        result = backup_database(_sqlite_url(), path, force=force)
    except BackupProblem as exc:
        _fail(exc)
    _echo(
        f"バックアップを書きました: {result.path}（{_size(result.size_bytes)}、"
        f"スキーマの版 {result.revision or '-'}、資源 {result.resources:,} 件、"
        f"区域 {result.areas:,} 区域）"
    )
    _echo(f"  整合性チェック（PRAGMA integrity_check）: {result.integrity}")


@main.command(help="バックアップからデータベースを戻します（今のデータは置き換わります）")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="今のデータベースにデータがあっても置き換える")
def restore(path: Path, force: bool) -> None:
    from mapapp.backup import BackupProblem, restore_database

    try:
        result = restore_database(_sqlite_url(), path, force=force)
    except BackupProblem as exc:
        _fail(exc)
    _echo(
        f"復元しました: {result.path}（資源 {result.resources:,} 件、区域 {result.areas:,} 区域）"
    )
    if result.upgraded:
        _echo(f"  スキーマの版 {result.revision_in_file} → {result.revision} に更新しました")
    _echo(f"  整合性チェック（PRAGMA integrity_check）: {result.integrity}")
    _echo(
        f"  データの版 {result.data_version_before} → {result.data_version}"
        "（動いているサービスは検索と一覧を作り直します）"
    )
    # Fields read from the texts by older parsers are recomputed now, as on every start.
    _storage(_app())


def _sqlite_url() -> str:
    """The app's DATABASE_URL, once it is known to be a SQLite file: for another database
    staff are told to use its own tools (pg_dump) before anything connects to it (its
    driver need not even be installed where this runs)."""
    import os

    from flask import Flask

    from mapapp.backup import BackupProblem, sqlite_path
    from mapapp.config import load_settings

    named = os.environ.get("MAPAPP_INSTANCE_PATH") or None
    # The same instance folder as create_app, without building the app and its engine.
    folder = Flask("mapapp", instance_path=str(Path(named).resolve()) if named else None)
    url = load_settings(Path(folder.instance_path))["DATABASE_URL"]
    try:
        sqlite_path(url)
    except BackupProblem as exc:
        _fail(exc)
    app = _app()
    return app.config["DATABASE_URL"]


def _size(size_bytes: int) -> str:
    if size_bytes >= 1 << 20:
        return f"{size_bytes / (1 << 20):.1f} MB"
    return f"{max(1, size_bytes >> 10)} KB"
