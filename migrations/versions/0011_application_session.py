"""the application's session (the one whose agenda it is on or was decided at); agenda items
of several kinds; proposals on a label's status and the history of its status

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # Recreated on SQLite (a new foreign key): env.py turns foreign keys off for the run, so
    # the rows pointing to the applications are kept.
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_application_session_id'), ['session_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_application_session_id_council_session'), 'council_session', ['session_id'], ['id'], ondelete='SET NULL')
    # Existing files: the session of their last agenda item in a session not cancelled (the
    # date set at submission was only the calendar's guess).
    op.execute(
        """
        UPDATE application SET session_id = (
            SELECT agenda_item.session_id FROM agenda_item
            JOIN council_session ON council_session.id = agenda_item.session_id
            WHERE agenda_item.application_id = application.id
              AND council_session.status != 'cancelled'
            ORDER BY agenda_item.id DESC LIMIT 1
        )
        """
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('session_date')

    op.create_table('certificate_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('suspend', 'revoke', 'reinstate', 'confirm', name='proposal_action', native_enum=False, length=20), nullable=False),
    sa.Column('state', sa.Enum('open', 'decided', 'withdrawn', name='proposal_state', native_enum=False, length=20), nullable=False),
    sa.Column('report', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_name', sa.String(length=200), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_certificate_proposal_certificate_id_certificate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_certificate_proposal_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_proposal'))
    )
    with op.batch_alter_table('certificate_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_proposal_certificate_id'), ['certificate_id'], unique=False)

    # Recreated on SQLite (application_id becomes nullable): env.py turns foreign keys off
    # for the run, so the votes and conflicts pointing to the items are kept.
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('application', 'proposal', 'minutes', 'information', name='agenda_item_kind', native_enum=False, length=20), nullable=False, server_default='application'))
        batch_op.add_column(sa.Column('proposal_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('title', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('approves_session_id', sa.Integer(), nullable=True))
        batch_op.alter_column('application_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_agenda_item_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_agenda_item_proposal_id_certificate_proposal'), 'certificate_proposal', ['proposal_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_agenda_item_approves_session_id_council_session'), 'council_session', ['approves_session_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)
        batch_op.alter_column('title', server_default=None)

    with op.batch_alter_table('council_session', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('minutes_approved_at', sa.DateTime(), nullable=True))

    op.create_table('certificate_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_certificate_status_change_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_certificate_status_change_certificate_id_certificate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_item.id'], name=op.f('fk_certificate_status_change_item_id_agenda_item'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_status_change'))
    )
    with op.batch_alter_table('certificate_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_status_change_certificate_id'), ['certificate_id'], unique=False)
    # Existing certificates: their issue, then their last status change (all that was kept).
    op.execute(
        """
        INSERT INTO certificate_status_change
            (certificate_id, from_status, to_status, reason, decided_on, at, actor_id,
             actor_name, item_id, urgent)
        SELECT id, '', 'valid', 'Certificat délivré.', valid_from, issued_at, issued_by_id,
               'cdess', NULL, FALSE
        FROM certificate
        """
    )
    op.execute(
        """
        INSERT INTO certificate_status_change
            (certificate_id, from_status, to_status, reason, decided_on, at, actor_id,
             actor_name, item_id, urgent)
        SELECT id, 'valid', status, status_reason, COALESCE(status_date, valid_from), updated_at,
               status_changed_by_id, 'cdess', NULL, FALSE
        FROM certificate WHERE status != 'valid'
        """
    )


def downgrade():
    op.drop_table('certificate_status_change')
    with op.batch_alter_table('council_session', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('minutes_approved_at')
    op.execute("DELETE FROM agenda_item WHERE application_id IS NULL")
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agenda_item_approves_session_id_council_session'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_agenda_item_proposal_id_certificate_proposal'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_agenda_item_proposal_id'))
        batch_op.alter_column('application_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('approves_session_id')
        batch_op.drop_column('title')
        batch_op.drop_column('proposal_id')
        batch_op.drop_column('kind')
    op.drop_table('certificate_proposal')

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_date', sa.Date(), nullable=True))
    day = 'DATE' if op.get_bind().dialect.name == 'sqlite' else 'CAST'
    op.execute(
        f"""
        UPDATE application SET session_date = (
            SELECT {day}(council_session.starts_at{'' if day == 'DATE' else ' AS DATE'})
            FROM council_session
            WHERE council_session.id = application.session_id
        )
        """
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_application_session_id_council_session'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_application_session_id'))
        batch_op.drop_column('session_id')
