"""a session version on each account: it is part of the login identity (session and remember-me
cookies), so that bumping it (password changed or reset, « se déconnecter partout ») revokes
every copy of those cookies

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases (batch mode does not recreate the table for it);
    # existing accounts start at version 1, their current cookies being version-less die once.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_version', sa.Integer(), server_default='1', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
