"""Jobs: when each was last put in the queue (asked for, or retried), so that one lost from the
queue (Redis restarted without keeping it) shows as interrupted and may be retried

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 08:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("queued_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE job SET queued_at = created_at")


def downgrade():
    with op.batch_alter_table("job") as batch:
        batch.drop_column("queued_at")
