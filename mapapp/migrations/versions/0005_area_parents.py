"""an area's parent in each kind of the layer above, with the share of its area

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00

A 町丁 may lie in a 中学校区 and in a 地区社協区域 at once: area.parent_id holds one parent,
area_parent one per kind of the layer above. Existing parent_id links are carried over with no
share; the next import of either layer measures them.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "area_parent",
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("parent_kind", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("share", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_area_parent_area_id_area"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["area.id"],
            name=op.f("fk_area_parent_parent_id_area"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("area_id", "parent_kind", name=op.f("pk_area_parent")),
    )
    op.create_index("ix_area_parent_parent", "area_parent", ["parent_id"], unique=False)
    op.execute(
        "INSERT INTO area_parent (area_id, parent_kind, parent_id, share) "
        "SELECT child.id, parent.kind_label, parent.id, NULL "
        "FROM area AS child JOIN area AS parent ON parent.id = child.parent_id"
    )


def downgrade():
    op.drop_index("ix_area_parent_parent", table_name="area_parent")
    op.drop_table("area_parent")
