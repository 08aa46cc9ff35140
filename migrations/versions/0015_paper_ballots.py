"""paper and show-of-hands ballots: an open vote's row says who entered it for the member
present without a device (the president or the secretariat), for the minutes

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 00:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: every ballot cast so far was cast from the member's own device.
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_vote_entered_by_id_user_account"),
            "user_account",
            ["entered_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_vote_entered_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("entered_by_id")
