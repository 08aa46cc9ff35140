"""jobs: long work (the minutes, a session's certificates, mass emails) done after the commit
that asked for it, with its progress, its outcome, and an idempotency key

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 03:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

KINDS = ("minutes", "certificates", "convocations", "move_notices", "reminders")
STATES = ("queued", "running", "done", "failed")


def upgrade():
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", sa.Enum(*KINDS, name="job_kind", native_enum=False, length=20), nullable=False
        ),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(*STATES, name="job_state", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("message_values", sa.JSON(), nullable=True),
        sa.Column("result_endpoint", sa.String(length=100), nullable=True),
        sa.Column("result_args", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("completed", sa.JSON(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "progress_done >= 0 AND progress_total >= 0", name=op.f("ck_job_progress_positive")
        ),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_job_attempts_positive")),
        sa.CheckConstraint(
            "state NOT IN ('running', 'done', 'failed') OR started_at IS NOT NULL",
            name=op.f("ck_job_started_when_run"),
        ),
        sa.CheckConstraint(
            "state NOT IN ('done', 'failed') OR finished_at IS NOT NULL",
            name=op.f("ck_job_finished_when_over"),
        ),
        sa.CheckConstraint(
            "state IN ('done', 'failed') OR finished_at IS NULL",
            name=op.f("ck_job_unfinished_when_not_over"),
        ),
        sa.CheckConstraint(
            "state != 'failed' OR length(error) > 0", name=op.f("ck_job_error_when_failed")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["user_account.id"],
            name=op.f("fk_job_requested_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("key", name=op.f("uq_job_key")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_job_requested_by_id"), ["requested_by_id"], unique=False
        )
        batch_op.create_index("ix_job_kind_created", ["kind", "created_at"], unique=False)


def downgrade():
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_kind_created")
        batch_op.drop_index(batch_op.f("ix_job_requested_by_id"))
    op.drop_table("job")
