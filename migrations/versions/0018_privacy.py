"""personal-data rights and retention: the last login of an account, the warning sent before
an inactive account is erased, the erasure's time; the journal's scheme 3 (the names of people
hashed through salted digests, so that erasing a person leaves the chain verifiable)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 23:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs on both databases; existing entries keep their scheme (1 or 2) and
    # their hashes: the new columns stay NULL for them.
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_login_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("inactivity_warned_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("actor_salt", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("actor_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("personal", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_column("personal")
        batch_op.drop_column("actor_digest")
        batch_op.drop_column("actor_salt")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("inactivity_warned_at")
        batch_op.drop_column("last_login_at")
