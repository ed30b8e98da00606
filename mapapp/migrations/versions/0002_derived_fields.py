"""derived search, schedule and fee fields

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:17:00.581557
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "schedule_rule",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rrule", sa.String(length=200), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=True),
        sa.Column("closes_at", sa.Time(), nullable=True),
        sa.Column("season", sa.String(length=20), nullable=True),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name=op.f("fk_schedule_rule_resource_id_resource"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", "position", name=op.f("pk_schedule_rule")),
    )
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reading", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("open_weekdays", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("schedule_review", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("fee_unit", sa.String(length=16), server_default="unknown", nullable=False)
        )
        batch_op.add_column(sa.Column("fee_amount_yen", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("resource", schema=None) as batch_op:
        batch_op.drop_column("fee_amount_yen")
        batch_op.drop_column("fee_unit")
        batch_op.drop_column("schedule_review")
        batch_op.drop_column("open_weekdays")
        batch_op.drop_column("reading")

    op.drop_table("schedule_rule")
