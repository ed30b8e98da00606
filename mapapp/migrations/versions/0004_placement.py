"""resources without a point, how each point was found, a gazetteer and a geocode cache

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 05:00:00

Most 社協 lists have addresses and no coordinates: such rows are placed by venue, by 町丁目
or 大字 (from a gazetteer or the 第3層 areas), or kept without a point for staff to place.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.alter_column("lat", existing_type=sa.Float(), nullable=True)
        batch_op.alter_column("lon", existing_type=sa.Float(), nullable=True)
        batch_op.add_column(
            sa.Column(
                "placement",
                sa.Enum(
                    "coordinates",
                    "venue",
                    "chome",
                    "oaza",
                    "geocoder",
                    "manual",
                    "none",
                    name="placement",
                    native_enum=False,
                    length=16,
                ),
                server_default="coordinates",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("placement_note", sa.String(length=300), server_default="", nullable=False)
        )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("municipality", sa.String(length=100), server_default="", nullable=False)
        )
    op.create_table(
        "place_name",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("prefecture", sa.String(length=20), nullable=False),
        sa.Column("municipality_code", sa.String(length=10), nullable=False),
        sa.Column("municipality", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_name")),
        sa.UniqueConstraint(
            "source", "municipality_code", "name", name=op.f("uq_place_name_source")
        ),
    )
    op.create_index("ix_place_name_name_key", "place_name", ["name_key"], unique=False)
    op.create_table(
        "geocode_cache",
        sa.Column("query", sa.String(length=300), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("query", name=op.f("pk_geocode_cache")),
    )


def downgrade():
    op.drop_table("geocode_cache")
    op.drop_index("ix_place_name_name_key", table_name="place_name")
    op.drop_table("place_name")
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_column("municipality")
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.drop_column("placement_note")
        batch_op.drop_column("placement")
        batch_op.alter_column("lon", existing_type=sa.Float(), nullable=False)
        batch_op.alter_column("lat", existing_type=sa.Float(), nullable=False)
