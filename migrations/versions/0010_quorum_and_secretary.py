"""the quorum held through a vote, annulled votes, arrivals, the secretary of the meeting

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# council_session is recreated on SQLite (a named foreign key with its ON DELETE is a table
# constraint there): env.py turns foreign keys off for the run, so the rows pointing to it are
# kept. agenda_item only gains a column, in place.


def upgrade():
    with op.batch_alter_table('council_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secretary_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_council_session_secretary_id_user_account'), 'user_account', ['secretary_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('agenda_item', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('quorum_at_open', sa.JSON(), nullable=True))

    op.create_table('session_arrival',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('arrived_at', sa.DateTime(), nullable=False),
    sa.Column('left_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['council_session.id'], name=op.f('fk_session_arrival_session_id_council_session'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_session_arrival_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'user_id', name=op.f('pk_session_arrival'))
    )
    # Members checked in at an open or closed session came to it.
    op.execute(
        'INSERT INTO session_arrival (session_id, user_id, arrived_at) '
        'SELECT session_id, user_id, checked_in_at FROM attendance'
    )

    op.create_table('vote_annulment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.String(length=120), nullable=False),
    sa.Column('vote_opened_at', sa.DateTime(), nullable=True),
    sa.Column('quorum_at_open', sa.JSON(), nullable=True),
    sa.Column('quorum_at_close', sa.JSON(), nullable=False),
    sa.Column('left', sa.JSON(), nullable=False),
    sa.Column('unrepresented', sa.JSON(), nullable=False),
    sa.Column('ballots', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_vote_annulment_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], name=op.f('fk_vote_annulment_item_id_agenda_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_annulment'))
    )
    with op.batch_alter_table('vote_annulment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_annulment_item_id'), ['item_id'], unique=False)


def downgrade():
    with op.batch_alter_table('vote_annulment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_annulment_item_id'))
    op.drop_table('vote_annulment')
    op.drop_table('session_arrival')
    with op.batch_alter_table('agenda_item', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('quorum_at_open')
    with op.batch_alter_table('council_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_council_session_secretary_id_user_account'), type_='foreignkey')
        batch_op.drop_column('secretary_id')
