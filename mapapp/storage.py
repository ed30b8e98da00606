"""The one way into the data: engine, transactions, migrations and the data version."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Integer, String, cast, create_engine, event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from mapapp.models import Meta

MIGRATIONS = Path(__file__).parent / "migrations"
DATA_VERSION_KEY = "data_version"


class Storage:
    """A database: an engine, a session factory, migrations and the data version.

    ``transaction()`` is the unit of work: everything inside commits together or not at all.
    """

    def __init__(self, url: str):
        self.url = url
        self.engine = _make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextlib.contextmanager
    def transaction(self, *, commit: bool = True) -> Iterator[Session]:
        """A session whose work commits at the end of the block, or rolls back on error.

        ``commit=False`` does the work and rolls it back: a dry run that reports what it
        would have written.
        """
        session = self._sessions()
        try:
            yield session
            if commit:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads; nothing it does is committed."""
        with self._sessions() as session:
            yield session

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (creates the database if needed)."""
        from alembic import command

        command.upgrade(self._alembic_config(), "head")

    def schema_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def _alembic_config(self):
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["engine"] = self.engine
        return config

    def data_version(self) -> int:
        """A number bumped by every write; caches built from the data compare against it.

        Read on a plain connection (no Session): every search request asks, so it costs
        about a third of an empty request rather than more than one.
        """
        with self.engine.connect() as connection:
            value = connection.execute(_DATA_VERSION).scalar()
        return int(value) if value else 0

    def written_version(self) -> int:
        """The highest data version a write committed by this process has set in this
        database (through any Storage), 0 when none: what a read here must at least see."""
        with _written_lock:
            return _written.get(_database_key(self.engine.url), 0)

    def dispose(self) -> None:
        self.engine.dispose()


_DATA_VERSION = select(Meta.value).where(Meta.key == DATA_VERSION_KEY)


def read_data_version(session: Session) -> int:
    value = session.scalar(_DATA_VERSION)
    return int(value) if value else 0


def bump_data_version(session: Session) -> int:
    """Increase the data version inside the caller's transaction.

    One UPDATE that adds in the database, so two writers never both write the same number.
    """
    bumped = session.execute(
        update(Meta)
        .where(Meta.key == DATA_VERSION_KEY)
        .values(value=cast(cast(Meta.value, Integer) + 1, String))
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount == 0:
        session.add(Meta(key=DATA_VERSION_KEY, value="1"))
        session.flush()
    version = read_data_version(session)
    if _BUMPED not in session.info:
        event.listen(session, "after_commit", _note_written)
        event.listen(session, "after_rollback", _forget_bump)
    session.info[_BUMPED] = version
    return version


# Database → the highest data version this process's own commits set there. Caches read
# it to serve a process its own writes as soon as the write returns (Storage.written_version).
_written: dict[str, int] = {}
_written_lock = threading.Lock()
_BUMPED = "mapapp.bumped_data_version"  # session.info key: the version this transaction sets


def _database_key(url) -> str:
    return url.render_as_string(hide_password=True)


def _note_written(session: Session) -> None:
    version = session.info.pop(_BUMPED, None)
    if version is not None:
        key = _database_key(session.get_bind().url)
        with _written_lock:
            _written[key] = max(_written.get(key, 0), version)


def _forget_bump(session: Session) -> None:
    session.info.pop(_BUMPED, None)


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers go on while an import writes
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def init_app(app) -> Storage:
    """Attach a :class:`Storage` for the app's ``DATABASE_URL``."""
    storage = Storage(app.config["DATABASE_URL"])
    app.extensions["mapapp.storage"] = storage
    return storage


def get_storage(app) -> Storage:
    return app.extensions["mapapp.storage"]
