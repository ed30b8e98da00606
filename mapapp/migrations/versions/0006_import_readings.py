"""readings of venues and organisations, computed on import

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:00:00

Search indexed the reading of each resource's 会場 and 運営団体 by running pykakasi when the
index was built, inside a request after every change; a long 会場 could stall the site. They
are now computed on import (mapapp.text.reading, bounded) and stored. The columns start empty:
the next start recomputes them (mapapp.importing.records.DERIVED_VERSION).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("venue_reading", sa.String(length=300), server_default="", nullable=False)
        )
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reading", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.drop_column("reading")
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.drop_column("venue_reading")
