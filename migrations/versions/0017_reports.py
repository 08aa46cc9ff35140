"""reports from the public on a labelled structure: the report, its optional file, the
secretariat's handling, and the keyed hash of the sender's address for the daily limit

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 00:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

STATES = ("received", "asked", "answered", "dismissed", "proposed")


def upgrade():
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(*STATES, name="report_state", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("reporter_name", sa.String(length=200), nullable=False),
        sa.Column("reporter_email", sa.String(length=254), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("file_stored_name", sa.String(length=64), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("file_type", sa.String(length=100), nullable=False),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("sender_key", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=True),
        sa.Column("asked_by_name", sa.String(length=200), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_name", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("length(text) > 0", name=op.f("ck_report_text_given")),
        sa.CheckConstraint(
            "(file_stored_name IS NULL AND file_size IS NULL)"
            " OR (file_stored_name IS NOT NULL AND file_size IS NOT NULL AND file_size > 0)",
            name=op.f("ck_report_file_whole"),
        ),
        sa.CheckConstraint(
            "state NOT IN ('asked', 'answered') OR length(question) > 0",
            name=op.f("ck_report_question_given"),
        ),
        sa.CheckConstraint(
            "state != 'answered' OR length(answer) > 0", name=op.f("ck_report_answer_given")
        ),
        sa.CheckConstraint(
            "state != 'dismissed' OR length(outcome) > 0", name=op.f("ck_report_reason_given")
        ),
        sa.CheckConstraint(
            "state != 'proposed' OR (length(outcome) > 0 AND proposal_id IS NOT NULL)",
            name=op.f("ck_report_proposal_given"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificate.id"],
            name=op.f("fk_report_certificate_id_certificate"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_report_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            ["certificate_proposal.id"],
            name=op.f("fk_report_proposal_id_certificate_proposal"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("file_stored_name", name=op.f("uq_report_file_stored_name")),
    )
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_certificate_id"), ["certificate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_report_reporter_email"), ["reporter_email"], unique=False
        )
        batch_op.create_index("ix_report_sender_received", ["sender_key", "received_at"])
        batch_op.create_index("ix_report_state_received", ["state", "received_at"])


def downgrade():
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_state_received")
        batch_op.drop_index("ix_report_sender_received")
        batch_op.drop_index(batch_op.f("ix_report_reporter_email"))
        batch_op.drop_index(batch_op.f("ix_report_certificate_id"))
    op.drop_table("report")
