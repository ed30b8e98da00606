"""Backup and restore of a SQLite database while the service runs (no Flask, no click).

A backup is a copy taken with SQLite's online backup API in one step: one read transaction
on the live database, so the copy is the data as one commit left it, whatever the service
writes meanwhile (WAL lets writers go on). It is written to a temporary file beside the
destination, checked with ``PRAGMA integrity_check``, made a single self-contained file
(journal mode DELETE, no -wal beside it) and only then renamed to its final name: a backup
cut short never bears the name of a good one.

A restore checks that the file is a SQLite database of this application (Alembic's version
table, a revision this code knows), copies it to a working file, upgrades an older schema
there, sets its data version above the live database's, and copies it into the live
database with the backup API in the other direction, in one step: processes that serve the
live database see the old data or the new, never a mix, and their caches (which compare the
data version) are rebuilt. Nothing is written to the live database until every check has
passed.

Other databases (PostgreSQL…) are backed up with their own tools (pg_dump); see
:class:`BackupProblem`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from mapapp.storage import DATA_VERSION_KEY, MIGRATIONS, Storage

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30.0  # how long a step waits for a writer of the live database
# Tables that every database of this application has, even an empty one.
BOOKKEEPING_TABLES = ("alembic_version", "meta")


class BackupProblem(Exception):
    """A backup or restore that was refused or failed; the message is for staff, in Japanese.
    Nothing was changed when it is raised."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    revision: str | None
    resources: int
    areas: int
    integrity: str  # what PRAGMA integrity_check said: "ok"


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    revision_in_file: str
    revision: str  # the schema of the live database now (newer when upgraded)
    resources: int
    areas: int
    integrity: str  # PRAGMA integrity_check of the live database after the restore
    data_version_before: int
    data_version: int
    replaced_data: bool  # the live database held data before

    @property
    def upgraded(self) -> bool:
        return self.revision != self.revision_in_file


def sqlite_path(url: str) -> Path:
    """The file of a SQLite ``url``; BackupProblem for another database, saying which tools
    back it up, and for an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        backend = parsed.get_backend_name()
        tools = (
            "PostgreSQL なら pg_dump で書き出し、pg_restore か psql で戻します"
            if backend == "postgresql"
            else "そのデータベースのバックアップの道具を使ってください"
        )
        raise BackupProblem(
            f"データベースが SQLite ではありません（{backend}）。mapapp backup / restore が"
            f"扱うのは SQLite のファイルだけです。バックアップはデータベースの道具で行って"
            f"ください（{tools}）"
        )
    if not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
        raise BackupProblem(
            "データベースがファイルではありません（メモリ上の SQLite）。バックアップできません"
        )
    return Path(parsed.database)


# --- backup ---------------------------------------------------------------------------------


def backup_database(url: str, destination: Path, *, force: bool = False) -> BackupResult:
    """Write a consistent copy of the live database ``url`` to ``destination``.

    Refuses a destination that exists unless ``force``, and the live database itself.
    """
    live = sqlite_path(url)
    destination = Path(destination)
    if not live.is_file():
        raise BackupProblem(f"データベースのファイルがありません: {live}")
    if destination.is_dir():
        raise BackupProblem(
            f"{destination} はフォルダです。バックアップのファイル名を指定してください"
        )
    if not destination.parent.is_dir():
        raise BackupProblem(f"バックアップを書くフォルダがありません: {destination.parent}")
    if _same_file(live, destination):
        raise BackupProblem(
            "バックアップ先が動いているデータベースそのものです。別の名前にしてください"
        )
    if destination.exists() and not force:
        raise BackupProblem(
            f"{destination} はもうあります。上書きするときは --force を付けてください"
        )
    handle, name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".part", dir=destination.parent
    )
    os.close(handle)
    partial = Path(name)
    try:
        _copy_live(live, partial)
        with contextlib.closing(_connect(partial)) as copy:
            # A single file that needs no -wal beside it, whatever mode the live one is in.
            copy.execute("PRAGMA journal_mode=DELETE")
            integrity = _integrity(copy)
            if integrity != "ok":
                raise BackupProblem(
                    f"書いたバックアップの整合性チェック（PRAGMA integrity_check）が通りません: "
                    f"{integrity}。バックアップは残していません"
                )
            revision = _revision(copy)
            resources, areas = _count(copy, "resource"), _count(copy, "area")
        _fsync(partial)
        os.replace(partial, destination)
        _fsync(destination.parent)
    except BaseException:
        _remove(partial)
        raise
    return BackupResult(
        destination, destination.stat().st_size, revision, resources, areas, integrity
    )


def _copy_live(live: Path, destination: Path) -> None:
    """The live database into ``destination``, in one step of the backup API (one read
    transaction: the copy is one consistent state, and writers go on under WAL)."""
    try:
        with (
            contextlib.closing(_connect(live)) as source,
            contextlib.closing(_connect(destination)) as target,
        ):
            source.backup(target, pages=-1)
    except sqlite3.DatabaseError as exc:
        raise BackupProblem(f"データベースを写せませんでした: {exc}") from exc


# --- restore --------------------------------------------------------------------------------


def restore_database(url: str, backup: Path, *, force: bool = False) -> RestoreResult:
    """Replace the live database ``url`` by the backup file ``backup``.

    Refuses a file that is not a database of this application, one of a newer schema than
    this code knows, and a live database that holds data unless ``force``.
    """
    live = sqlite_path(url)
    backup = Path(backup)
    if not backup.is_file():
        raise BackupProblem(f"バックアップのファイルがありません: {backup}")
    if live.exists() and _same_file(live, backup):
        raise BackupProblem("復元するファイルが動いているデータベースそのものです")
    with backup.open("rb") as f:
        if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupProblem(
                f"{backup.name} は SQLite のデータベースではありません（mapapp backup で書いた"
                "ファイルを指定してください）。何も変えていません"
            )
    live.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".mapapp-restore-", dir=live.parent) as folder:
        work = Path(folder) / "restore.sqlite3"
        # The file is copied as it is (with its -wal, if someone copied a live database with
        # it): every check and the upgrade happen on the copy, never on staff's backup.
        shutil.copyfile(backup, work)
        wal = backup.with_name(backup.name + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, work.with_name(work.name + "-wal"))
        revision_in_file, revision = _checked(work, backup.name)
        held, before = _live_state(live)
        if held and not force:
            raise BackupProblem(
                f"今のデータベースにはデータがあります（{held}）。復元すると今のデータは"
                "なくなります。それでよければ --force を付けてください。何も変えていません"
            )
        if revision != revision_in_file:
            _upgrade(work)
        with contextlib.closing(_connect(work)) as copy:
            restored = _data_version(copy)
            version = max(before, restored) + 1
            _set_data_version(copy, version)
            resources, areas = _count(copy, "resource"), _count(copy, "area")
            try:
                with contextlib.closing(_connect(live)) as target:
                    copy.backup(target, pages=-1)
                    integrity = _integrity(target)
            except sqlite3.DatabaseError as exc:
                raise BackupProblem(f"データベースに書き戻せませんでした: {exc}") from exc
    return RestoreResult(
        path=backup,
        revision_in_file=revision_in_file,
        revision=revision,
        resources=resources,
        areas=areas,
        integrity=integrity,
        data_version_before=before,
        data_version=version,
        replaced_data=bool(held),
    )


def _checked(work: Path, name: str) -> tuple[str, str]:
    """(revision in the file, newest revision): the working copy checked to be a sound
    database of this application, of a schema this code knows."""
    known = known_revisions()
    try:
        with contextlib.closing(_connect(work)) as copy:
            integrity = _integrity(copy)
            if integrity != "ok":
                raise BackupProblem(
                    f"{name} の整合性チェック（PRAGMA integrity_check）が通りません: {integrity}"
                    "。壊れたファイルは復元しません。何も変えていません"
                )
            tables = _tables(copy)
            revision = _revision(copy) if "alembic_version" in tables else None
    except sqlite3.DatabaseError as exc:
        raise BackupProblem(
            f"{name} は SQLite のデータベースとして読めません。壊れているか、途中までしか"
            f"ないようです（{exc}）。何も変えていません"
        ) from exc
    if revision is None or "meta" not in tables:
        raise BackupProblem(
            f"{name} はこのアプリ（地域ささえあいマップ）のデータベースではありません"
            "（スキーマの版の表 alembic_version がありません）。何も変えていません"
        )
    if revision not in known:
        raise BackupProblem(
            f"{name} のスキーマの版 {revision} をこのプログラムは知りません（最新は {known[0]}）。"
            "新しい版のプログラムで書いたバックアップなら、そのプログラムで復元してください。"
            "何も変えていません"
        )
    return revision, known[0]


def _upgrade(work: Path) -> None:
    """The working copy brought to the newest schema (Alembic, as on every start)."""
    storage = Storage(f"sqlite:///{work}")
    try:
        storage.upgrade()
    except Exception as exc:
        raise BackupProblem(
            f"古い版のスキーマを新しくできませんでした: {exc}。何も変えていません"
        ) from exc
    finally:
        storage.dispose()


def known_revisions() -> list[str]:
    """The schema revisions of this code, newest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    return [r.revision for r in script.walk_revisions()]


def _live_state(live: Path) -> tuple[str, int]:
    """(what data the live database holds, in words, or "" for none; its data version)."""
    if not live.exists():
        return "", 0
    try:
        with contextlib.closing(_connect(live)) as connection:
            tables = _tables(connection)
            version = _data_version(connection) if "meta" in tables else 0
            held = [
                f"{table} {n:,} 行"
                for table in sorted(tables - set(BOOKKEEPING_TABLES))
                if (n := _count(connection, table))
            ]
    except sqlite3.DatabaseError as exc:
        # A live file that is not a database holds nothing that can be lost by restoring.
        raise BackupProblem(f"今のデータベース {live} が読めません（{exc}）") from exc
    return "、".join(held[:5]) + (" ほか" if len(held) > 5 else ""), version


# --- small SQLite helpers -------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    return connection


def _integrity(connection: sqlite3.Connection) -> str:
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(r[0]) for r in rows[:5])


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return {r[0] for r in rows}


def _revision(connection: sqlite3.Connection) -> str | None:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return row[0] if row else None


def _count(connection: sqlite3.Connection, table: str) -> int:
    try:
        return connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
    except sqlite3.OperationalError:  # no such table
        return 0


def _data_version(connection: sqlite3.Connection) -> int:
    row = connection.execute("SELECT value FROM meta WHERE key = ?", (DATA_VERSION_KEY,)).fetchone()
    try:
        return int(row[0]) if row else 0
    except ValueError:
        return 0


def _set_data_version(connection: sqlite3.Connection, version: int) -> None:
    connection.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (DATA_VERSION_KEY, str(version)),
    )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _fsync(path: Path) -> None:
    """Make ``path`` (a file, or a folder's entries) durable before going on."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
