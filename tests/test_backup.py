"""`mapapp backup` / `mapapp restore`: a consistent copy taken while the service writes, its
checks, its refusals, and restored data reaching a running app."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from alembic import command
from click.testing import CliRunner
from sqlalchemy import event, select, update

from mapapp import backup as backup_module
from mapapp.backup import known_revisions
from mapapp.cli import main
from mapapp.models import Resource
from mapapp.storage import Storage, bump_data_version
from mapapp.web.query import index_cache
from tests.conftest import run_cli
from tests.resource_files import dump, own_row, write_csv


def cli_for(tmp_path, url: str, name: str):
    """`mapapp …` in-process against another database than the ``cli`` fixture's."""
    env = {
        "MAPAPP_DATABASE_URL": url,
        "MAPAPP_SECRET_KEY": "test",
        "MAPAPP_INSTANCE_PATH": str(tmp_path / f"instance-{name}"),
    }

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)

    return invoke


def file_of(url: str) -> str:
    return url.removeprefix("sqlite:///")


def integrity(path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def without_data_version(rows: list) -> list:
    """A dump() without the data version, which a restore moves on on purpose."""
    return [
        (table, [r for r in content if not (table == "meta" and r[0] == "data_version")])
        for table, content in rows
    ]


def leftovers(folder) -> list[str]:
    """Temporary files of a backup, and any -wal beside a backup (the live database's own
    -wal is no leftover)."""
    return sorted(
        p.name
        for p in folder.iterdir()
        if ".part" in p.name or (p.name.startswith("backup") and p.name.endswith(("-wal", "-shm")))
    )


# --- the done-when test: a backup during a stream of writes -------------------------------------


def _no_checkpoints(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


class Writer(threading.Thread):
    """Writes through a Storage in committed transactions, one after another: write i inserts
    resource 「書き込みi」 and renames resource 0 to 「最新i」. ``acknowledged`` is the number of
    the last write whose commit has returned."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.storage = Storage(url)
        # Its commits stay in the -wal (no checkpoint copies them into the main file), as
        # the latest commits of a busy service always do: a copy of the main file alone
        # would lose them, the backup API must not.
        event.listen(self.storage.engine, "connect", _no_checkpoints)
        self.acknowledged = 0
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.storage.transaction() as session:
                session.add(self._resource(0, "最新0"))
                bump_data_version(session)
            number = 0
            while not self.stop.is_set():
                number += 1
                with self.storage.transaction() as session:
                    session.add(self._resource(number, f"書き込み{number}"))
                    session.execute(
                        update(Resource)
                        .where(Resource.source == "writes", Resource.source_key == "0")
                        .values(name=f"最新{number}")
                    )
                    bump_data_version(session)
                self.acknowledged = number  # the commit has returned
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            self.storage.dispose()

    @staticmethod
    def _resource(number: int, name: str) -> Resource:
        return Resource(
            kind="salon",
            name=name,
            source="writes",
            source_key=str(number),
            lat=34.705,
            lon=137.51,
        )


def backup_process(database_url: str, path) -> subprocess.Popen:
    """`mapapp backup PATH` in a second process, as staff run it beside the service: started
    and imported, it waits for a line on stdin before the backup begins, so that the test
    knows which writes were acknowledged before that moment."""
    env = {
        **os.environ,
        "MAPAPP_DATABASE_URL": database_url,
        "MAPAPP_SECRET_KEY": "test",
        "MAPAPP_INSTANCE_PATH": str(Path(file_of(database_url)).parent / "instance"),
    }
    code = (
        "import sys\n"
        "from mapapp.cli import main\n"
        "sys.stdin.readline()\n"
        "main(['backup', sys.argv[1]])\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_backup_taken_during_writes_holds_every_write_acknowledged_before_it(
    storage, database_url, tmp_path
):
    process = backup_process(database_url, tmp_path / "backup.sqlite3")
    writer = Writer(database_url)
    writer.start()
    try:
        deadline = time.monotonic() + 30
        while writer.acknowledged < 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        acknowledged_before = writer.acknowledged
        assert acknowledged_before >= 200, writer.error
        out, err = process.communicate("go\n", timeout=120)  # the backup begins now
        acknowledged_after = writer.acknowledged
    finally:
        writer.stop.set()
        writer.join(30)
        if process.poll() is None:
            process.kill()
    assert writer.error is None, writer.error
    assert process.returncode == 0, err
    assert "整合性チェック（PRAGMA integrity_check）: ok" in out
    # Writes went on while the backup was taken: otherwise this test would prove nothing.
    assert acknowledged_after > acknowledged_before + 5
    assert leftovers(tmp_path) == []
    assert integrity(tmp_path / "backup.sqlite3") == "ok"

    restored_url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    result = run_cli(restored_url, "restore", tmp_path / "backup.sqlite3")
    assert result.returncode == 0, result.stderr
    assert integrity(file_of(restored_url)) == "ok"
    restored = Storage(restored_url)
    with restored.reading() as session:
        rows = dict(
            session.execute(
                select(Resource.source_key, Resource.name).where(Resource.source == "writes")
            ).all()
        )
    restored.dispose()
    written = sorted(int(k) for k in rows if k != "0")
    # One consistent state: exactly the writes 1…last, and resource 0 renamed by the last.
    last = written[-1]
    assert written == list(range(1, last + 1))
    assert rows["0"] == f"最新{last}"
    assert all(rows[str(n)] == f"書き込み{n}" for n in written)
    # Every write acknowledged before the backup began is there; the writes acknowledged
    # after it ended are not (the copy is the state of one moment in between).
    assert acknowledged_before <= last < acknowledged_after


# --- backup -------------------------------------------------------------------------------------


def test_backup_refuses_a_path_that_exists_unless_forced(storage, cli, tmp_path):
    target = tmp_path / "backup.sqlite3"
    target.write_text("前のバックアップ", "utf-8")
    refused = cli("backup", target)
    assert refused.exit_code == 2
    assert "もうあります" in refused.output and "--force" in refused.output
    assert refused.output.startswith("エラー:")
    assert target.read_text("utf-8") == "前のバックアップ"

    forced = cli("backup", target, "--force")
    assert forced.exit_code == 0, forced.output
    assert "整合性チェック（PRAGMA integrity_check）: ok" in forced.output
    assert integrity(target) == "ok"
    with contextlib.closing(sqlite3.connect(target)) as connection:
        # One self-contained file: no -wal is needed beside it.
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert (
            connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
            == (known_revisions()[0])
        )
    assert leftovers(tmp_path) == []


def test_a_backup_cut_short_never_has_the_final_name(storage, cli, tmp_path, monkeypatch):
    def half_written(live, destination):
        destination.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
        raise backup_module.BackupProblem("途中で止まりました")

    monkeypatch.setattr(backup_module, "_copy_live", half_written)
    result = cli("backup", tmp_path / "backup.sqlite3")
    assert result.exit_code == 2
    assert "途中で止まりました" in result.output
    assert not (tmp_path / "backup.sqlite3").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".backup")] == []


def test_backup_and_restore_of_another_database_point_to_its_own_tools(tmp_path):
    for args in (("backup", tmp_path / "x.sqlite3"), ("restore", tmp_path / "x.sqlite3")):
        result = CliRunner().invoke(
            main,
            [str(a) for a in args],
            env={
                "MAPAPP_DATABASE_URL": "postgresql://mapapp@localhost/mapapp",
                "MAPAPP_SECRET_KEY": "test",
                "MAPAPP_INSTANCE_PATH": str(tmp_path / "instance"),
            },
        )
        assert result.exit_code == 2, result.output
        assert "SQLite ではありません" in result.output
        assert "pg_dump" in result.output
        assert "Traceback" not in result.output


# --- restore ------------------------------------------------------------------------------------


def import_salon(cli, tmp_path, name: str):
    path = write_csv(tmp_path / "salons.csv", [own_row(名称=name, 出典="test")])
    result = cli("import-resources", path)
    assert result.exit_code == 0, result.output


def test_restore_refuses_a_database_that_holds_data_unless_forced(storage, cli, tmp_path):
    import_salon(cli, tmp_path, "ひまわりサロン")
    assert cli("backup", tmp_path / "backup.sqlite3").exit_code == 0
    import_salon(cli, tmp_path, "あさがおサロン")
    before = dump(storage)

    refused = cli("restore", tmp_path / "backup.sqlite3")
    assert refused.exit_code == 2
    assert refused.output.startswith("エラー: 今のデータベースにはデータがあります")
    assert "--force" in refused.output
    assert dump(storage) == before

    forced = cli("restore", tmp_path / "backup.sqlite3", "--force")
    assert forced.exit_code == 0, forced.output
    assert "整合性チェック（PRAGMA integrity_check）: ok" in forced.output
    with storage.reading() as session:
        assert session.scalars(select(Resource.name)).all() == ["ひまわりサロン"]


def test_restore_refuses_files_that_are_not_a_database_of_this_app(storage, cli, tmp_path):
    import_salon(cli, tmp_path, "ひまわりサロン")
    assert cli("backup", tmp_path / "good.sqlite3").exit_code == 0
    good = (tmp_path / "good.sqlite3").read_bytes()
    other = tmp_path / "other.sqlite3"
    with contextlib.closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
        connection.execute("INSERT INTO notes VALUES ('メモ')")
        connection.commit()
    files = {
        "text.sqlite3": ("サロン一覧\n".encode() * 100, "SQLite のデータベースではありません"),
        "empty.sqlite3": (b"", "SQLite のデータベースではありません"),
        "list.csv": ("名称,住所\nサロン,本町1\n".encode(), "SQLite のデータベースではありません"),
        "cut.sqlite3": (good[: len(good) // 3], "壊れているか、途中までしかない"),
        "other.sqlite3": (None, "このアプリ（地域ささえあいマップ）のデータベースではありません"),
    }
    before = dump(storage)
    for name, (content, said) in files.items():
        if content is not None:
            (tmp_path / name).write_bytes(content)
        for force in ((), ("--force",)):
            result = cli("restore", tmp_path / name, *force)
            assert result.exit_code == 2, (name, result.output)
            assert result.output.startswith("エラー:"), result.output
            assert said in result.output, (name, result.output)
            assert "何も変えていません" in result.output
            assert "Traceback" not in result.output
    assert dump(storage) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".mapapp-restore")] == []


def test_restore_refuses_a_newer_schema_and_upgrades_an_older_one(storage, cli, tmp_path):
    import_salon(cli, tmp_path, "ひまわりサロン")
    assert cli("backup", tmp_path / "newer.sqlite3").exit_code == 0
    with contextlib.closing(sqlite3.connect(tmp_path / "newer.sqlite3")) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
        connection.commit()
    before = dump(storage)
    result = cli("restore", tmp_path / "newer.sqlite3", "--force")
    assert result.exit_code == 2
    assert "版 9999 をこのプログラムは知りません" in result.output
    assert dump(storage) == before

    # A backup written by an older version of the program: schema 0005.
    older = Storage(f"sqlite:///{tmp_path / 'older.sqlite3'}")
    command.upgrade(older._alembic_config(), "0005")
    with contextlib.closing(older.engine.raw_connection()) as raw:
        raw.execute("UPDATE meta SET value = '3' WHERE key = 'data_version'")
        raw.commit()
    older.dispose()
    result = cli("restore", tmp_path / "older.sqlite3", "--force")
    assert result.exit_code == 0, result.output
    assert f"スキーマの版 0005 → {known_revisions()[0]} に更新しました" in result.output
    assert storage.schema_revision() == known_revisions()[0]
    with storage.reading() as session:
        assert session.scalars(select(Resource.name)).all() == []
    # The older file itself is left as it was.
    with contextlib.closing(sqlite3.connect(tmp_path / "older.sqlite3")) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            "0005"
        )


def test_the_demo_town_comes_back_whole(tmp_path):
    live_url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    live = cli_for(tmp_path, live_url, "live")
    assert live("demo").exit_code == 0
    result = live("backup", tmp_path / "demo-backup.sqlite3")
    assert result.exit_code == 0, result.output
    assert "資源 150 件" in result.output

    other_url = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    result = cli_for(tmp_path, other_url, "other")("restore", tmp_path / "demo-backup.sqlite3")
    assert result.exit_code == 0, result.output
    assert "資源 150 件" in result.output
    first, second = Storage(live_url), Storage(other_url)
    try:
        original, restored = dump(first), dump(second)
        counts = {table: len(rows) for table, rows in original}
        assert counts["resource"] == 150 and counts["area"] > 0
        assert {table: len(rows) for table, rows in restored} == counts
        assert without_data_version(restored) == without_data_version(original)
        assert second.data_version() == first.data_version() + 1
    finally:
        first.dispose()
        second.dispose()


def test_a_running_app_shows_the_restored_data(app, storage, client, cli, tmp_path):
    import_salon(cli, tmp_path, "ひまわりサロン")
    assert "ひまわりサロン" in client.get("/search?q=ひまわり").get_data(as_text=True)
    assert cli("backup", tmp_path / "backup.sqlite3").exit_code == 0
    import_salon(cli, tmp_path, "あさがおサロン")  # the same 出典ID: renamed
    assert "あさがおサロン" in client.get("/search?q=あさがお").get_data(as_text=True)
    version = storage.data_version()

    result = cli("restore", tmp_path / "backup.sqlite3", "--force")
    assert result.exit_code == 0, result.output
    assert f"データの版 {version} → {version + 1}" in result.output
    assert storage.data_version() == version + 1
    client.get("/search?q=ひまわり")  # the app sees the new version and rebuilds its index
    index_cache(app).wait(30)
    page = client.get("/search?q=ひまわり").get_data(as_text=True)
    assert "ひまわりサロン" in page
    assert "あさがおサロン" not in client.get("/search?q=あさがお").get_data(as_text=True)
    assert index_cache(app).get(storage, app.extensions["mapapp.taxonomy"]).data_version == (
        version + 1
    )
