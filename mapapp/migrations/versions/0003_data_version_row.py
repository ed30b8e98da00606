"""the data-version row exists from the start

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:30:00

Two writers racing to insert the first data-version row would make one of them fail on
PostgreSQL; with the row in place every bump is a single atomic UPDATE.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "INSERT INTO meta (key, value) SELECT 'data_version', '0' "
        "WHERE NOT EXISTS (SELECT 1 FROM meta WHERE key = 'data_version')"
    )


def downgrade():
    pass
