"""a session's iCalendar sequence, its cancellation's date and reason

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# In place on SQLite (ADD COLUMN, DROP COLUMN): recreating council_session with
# foreign_keys=ON would delete the agenda items, attendance and proxies that point to it.


def upgrade():
    with op.batch_alter_table('council_session', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('ics_sequence', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancellation_reason', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('council_session', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('cancellation_reason')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('ics_sequence')
