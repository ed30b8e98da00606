"""Storage: migrations match the models; transactions and the data version."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from mapapp.models import Base, Meta
from mapapp.storage import Storage, bump_data_version


def test_migrations_create_exactly_the_models(tmp_path):
    storage = Storage(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    storage.upgrade()
    with storage.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert storage.schema_revision() is not None
    storage.dispose()


def test_transaction_rolls_back_on_error(storage):
    with pytest.raises(RuntimeError), storage.transaction() as session:
        bump_data_version(session)
        raise RuntimeError("boom")
    assert storage.data_version() == 0
    with storage.transaction() as session:
        bump_data_version(session)
    assert storage.data_version() == 1
    with storage.reading() as session:
        assert session.scalar(select(func.count()).select_from(Meta)) == 1
