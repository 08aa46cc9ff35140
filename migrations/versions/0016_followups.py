"""annual follow-ups of labels: a follow-up per label and anniversary, the steps of its
calendar taken (unique: a reminder is never sent twice), its documents, and the yearly draws
of the verification sample (unique per year)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 14:05:37

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "followup_sample_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("rate", sa.Double(), nullable=False),
        sa.Column("population", sa.JSON(), nullable=False),
        sa.Column("drawn", sa.JSON(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(), nullable=False),
        sa.Column("drawn_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "rate > 0 AND rate <= 1", name=op.f("ck_followup_sample_draw_rate_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["drawn_by_id"],
            ["user_account.id"],
            name=op.f("fk_followup_sample_draw_drawn_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_sample_draw")),
        sa.UniqueConstraint("year", name=op.f("uq_followup_sample_draw_year")),
    )
    op.create_table(
        "followup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("structure_id", sa.Integer(), nullable=False),
        sa.Column("anniversary", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "due",
                "overdue",
                "submitted",
                "incomplete",
                "accepted",
                name="followup_state",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("sample", sa.Boolean(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(), nullable=True),
        sa.Column("confirmations", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(state IN ('submitted', 'incomplete', 'accepted')) = (submitted_at IS NOT NULL)",
            name=op.f("ck_followup_submitted_when_filed"),
        ),
        sa.CheckConstraint(
            "state != 'incomplete' OR reason != ''", name=op.f("ck_followup_incomplete_has_reason")
        ),
        sa.CheckConstraint(
            "state NOT IN ('accepted', 'incomplete') OR decided_at IS NOT NULL",
            name=op.f("ck_followup_decided_when_judged"),
        ),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_followup_revision_positive")),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificate.id"],
            name=op.f("fk_followup_certificate_id_certificate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_followup_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["certificate_proposal.id"],
            name=op.f("fk_followup_proposal_id_certificate_proposal"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["structure.id"],
            name=op.f("fk_followup_structure_id_structure"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["user_account.id"],
            name=op.f("fk_followup_submitted_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup")),
        sa.UniqueConstraint(
            "certificate_id", "anniversary", name=op.f("uq_followup_certificate_id_anniversary")
        ),
    )
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followup_anniversary"), ["anniversary"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_followup_certificate_id"), ["certificate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_followup_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_followup_structure_id"), ["structure_id"], unique=False
        )

    op.create_table(
        "followup_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "criterion",
                "statutes",
                "minutes",
                "accounts",
                "other",
                name="document_kind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_followup_document_size_positive")),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followup.id"],
            name=op.f("fk_followup_document_followup_id_followup"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["user_account.id"],
            name=op.f("fk_followup_document_uploaded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_document")),
        sa.UniqueConstraint(
            "followup_id", "kind", name=op.f("uq_followup_document_followup_id_kind")
        ),
        sa.UniqueConstraint("stored_name", name=op.f("uq_followup_document_stored_name")),
    )
    with op.batch_alter_table("followup_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_followup_document_followup_id"), ["followup_id"], unique=False
        )

    op.create_table(
        "followup_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column(
            "step",
            sa.Enum(
                "open",
                "reminder_60",
                "reminder_30",
                "reminder_0",
                "flag",
                name="followup_step_name",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["followup_id"],
            ["followup.id"],
            name=op.f("fk_followup_step_followup_id_followup"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_step")),
        sa.UniqueConstraint("followup_id", "step", name=op.f("uq_followup_step_followup_id_step")),
    )


def downgrade():
    op.drop_table("followup_step")
    with op.batch_alter_table("followup_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_document_followup_id"))

    op.drop_table("followup_document")
    with op.batch_alter_table("followup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followup_structure_id"))
        batch_op.drop_index(batch_op.f("ix_followup_state"))
        batch_op.drop_index(batch_op.f("ix_followup_certificate_id"))
        batch_op.drop_index(batch_op.f("ix_followup_anniversary"))

    op.drop_table("followup")
    op.drop_table("followup_sample_draw")
