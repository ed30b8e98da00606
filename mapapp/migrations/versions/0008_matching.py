"""matching: needs, volunteers, trainings, proposals, points

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 10:00:00

Residents' needs (相談受付) with their kinds, status history, consent and follow-up date;
volunteers (担い手) with skills, trainings, insurance, travel and capacity; proposals (the
case from a proposed candidate to done) and the volunteer points ledger. Needs and volunteers
carry the 第2層 area their point lies in, for coordinators' scopes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "need",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("person_key", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
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
            nullable=False,
        ),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("wanted_text", sa.Text(), nullable=False),
        sa.Column("wanted_on", sa.Date(), nullable=True),
        sa.Column(
            "urgency",
            sa.Enum("normal", "soon", "urgent", name="urgency", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("wishes", sa.Text(), nullable=False),
        sa.Column("gender", sa.String(length=8), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("consent_how", sa.String(length=100), nullable=False),
        sa.Column("consent_on", sa.Date(), nullable=True),
        sa.Column("consent_scope", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "arranging",
                "arranged",
                "done",
                "referred",
                "withdrawn",
                name="needstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("referred_to", sa.String(length=200), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_need_area_id_area"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["coordinator_id"],
            ["account.id"],
            name=op.f("fk_need_coordinator_id_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need")),
        sa.UniqueConstraint("source", "source_key", name=op.f("uq_need_source")),
    )
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.create_index("ix_need_area_id_status", ["area_id", "status"], unique=False)
        batch_op.create_index("ix_need_follow_up_on", ["follow_up_on"], unique=False)
        batch_op.create_index("ix_need_person_key", ["person_key"], unique=False)

    op.create_table(
        "volunteer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
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
            nullable=False,
        ),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("gender", sa.String(length=8), nullable=False),
        sa.Column("availability_text", sa.Text(), nullable=False),
        sa.Column(
            "travel_mode",
            sa.Enum("walk", "bicycle", "car", name="travelmode", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("travel_m", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("insurance_until", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("active", "paused", name="volunteerstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_volunteer_area_id_area"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteer")),
        sa.UniqueConstraint("source", "source_key", name=op.f("uq_volunteer_source")),
    )
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.create_index("ix_volunteer_area_id", ["area_id"], unique=False)

    op.create_table(
        "need_kind",
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"], ["need.id"], name=op.f("fk_need_kind_need_id_need"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("need_id", "kind", name=op.f("pk_need_kind")),
    )
    with op.batch_alter_table("need_kind", schema=None) as batch_op:
        batch_op.create_index("ix_need_kind_kind", ["kind"], unique=False)

    op.create_table(
        "need_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("old_status", sa.String(length=16), nullable=True),
        sa.Column("new_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["need_id"],
            ["need.id"],
            name=op.f("fk_need_status_change_need_id_need"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_need_status_change")),
    )
    with op.batch_alter_table("need_status_change", schema=None) as batch_op:
        batch_op.create_index("ix_need_status_change_need_id", ["need_id"], unique=False)

    op.create_table(
        "proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=True),
        sa.Column("resource_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "asked",
                "accepted",
                "declined",
                "done",
                "cancelled",
                name="proposalstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(), nullable=False),
        sa.Column("proposed_by", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["need_id"], ["need.id"], name=op.f("fk_proposal_need_id_need"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name=op.f("fk_proposal_resource_id_resource"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_proposal_volunteer_id_volunteer"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal")),
    )
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.create_index("ix_proposal_need_id", ["need_id"], unique=False)
        batch_op.create_index(
            "ix_proposal_volunteer_id_status", ["volunteer_id", "status"], unique=False
        )

    op.create_table(
        "training",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_training_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training")),
    )
    with op.batch_alter_table("training", schema=None) as batch_op:
        batch_op.create_index("ix_training_volunteer_id", ["volunteer_id"], unique=False)

    op.create_table(
        "volunteer_skill",
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_volunteer_skill_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("volunteer_id", "skill", name=op.f("pk_volunteer_skill")),
    )
    with op.batch_alter_table("volunteer_skill", schema=None) as batch_op:
        batch_op.create_index("ix_volunteer_skill_skill", ["skill"], unique=False)

    op.create_table(
        "point_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["proposal.id"],
            name=op.f("fk_point_entry_proposal_id_proposal"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["volunteer_id"],
            ["volunteer.id"],
            name=op.f("fk_point_entry_volunteer_id_volunteer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_point_entry")),
    )
    with op.batch_alter_table("point_entry", schema=None) as batch_op:
        batch_op.create_index("ix_point_entry_volunteer_id", ["volunteer_id"], unique=False)


def downgrade():
    with op.batch_alter_table("point_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_point_entry_volunteer_id")

    op.drop_table("point_entry")
    with op.batch_alter_table("volunteer_skill", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteer_skill_skill")

    op.drop_table("volunteer_skill")
    with op.batch_alter_table("training", schema=None) as batch_op:
        batch_op.drop_index("ix_training_volunteer_id")

    op.drop_table("training")
    with op.batch_alter_table("proposal", schema=None) as batch_op:
        batch_op.drop_index("ix_proposal_volunteer_id_status")
        batch_op.drop_index("ix_proposal_need_id")

    op.drop_table("proposal")
    with op.batch_alter_table("need_status_change", schema=None) as batch_op:
        batch_op.drop_index("ix_need_status_change_need_id")

    op.drop_table("need_status_change")
    with op.batch_alter_table("need_kind", schema=None) as batch_op:
        batch_op.drop_index("ix_need_kind_kind")

    op.drop_table("need_kind")
    with op.batch_alter_table("volunteer", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteer_area_id")

    op.drop_table("volunteer")
    with op.batch_alter_table("need", schema=None) as batch_op:
        batch_op.drop_index("ix_need_person_key")
        batch_op.drop_index("ix_need_follow_up_on")
        batch_op.drop_index("ix_need_area_id_status")

    op.drop_table("need")
