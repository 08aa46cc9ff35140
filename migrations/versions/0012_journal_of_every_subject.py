"""the journal of every subject: any subject (kind and id), an action, a JSON detail, the
actor kept without a foreign key; the anchors of its head. Existing entries are carried over
with their hashes (scheme 1), so the chain runs on unbroken.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# The transition an old entry recorded, from its states (the action is not hashed).
ACTION = """
    CASE
        WHEN to_state = 'submitted' AND from_state = 'incomplete' THEN 'resubmit'
        WHEN to_state = 'submitted' THEN 'submit'
        WHEN to_state = 'incomplete' THEN 'request_complements'
        WHEN to_state = 'admissible' AND from_state = 'scheduled' THEN 'unschedule'
        WHEN to_state = 'admissible' THEN 'declare_admissible'
        WHEN to_state = 'not_admissible' THEN 'declare_not_admissible'
        WHEN to_state = 'scheduled' THEN 'schedule'
        WHEN to_state = 'granted' THEN 'grant'
        WHEN to_state = 'refused' THEN 'refuse'
        WHEN to_state = 'deferred' THEN 'defer'
        WHEN to_state = 'certified' THEN 'certify'
        WHEN to_state = 'withdrawn' THEN 'withdraw'
        ELSE 'transition'
    END
"""


def upgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheme', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('subject_kind', sa.String(length=30), server_default='application', nullable=False))
        batch_op.add_column(sa.Column('subject_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('action', sa.String(length=40), server_default='transition', nullable=False))
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))
    op.execute(f"UPDATE audit_entry SET subject_id = application_id, reason = comment, action = {ACTION}, detail = '{{}}'")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_application_id')
        batch_op.drop_constraint('fk_audit_entry_application_id_application', type_='foreignkey')
        batch_op.drop_constraint('fk_audit_entry_actor_id_user_account', type_='foreignkey')
        batch_op.drop_column('application_id')
        batch_op.drop_column('comment')
        batch_op.alter_column('subject_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('detail', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('scheme', existing_type=sa.Integer(), server_default='2')
        batch_op.alter_column('subject_kind', existing_type=sa.String(length=30), server_default=None)
        batch_op.alter_column('action', existing_type=sa.String(length=40), server_default=None)
        batch_op.alter_column('from_state', existing_type=sa.String(length=20), type_=sa.String(length=30), server_default='')
        batch_op.alter_column('to_state', existing_type=sa.String(length=20), type_=sa.String(length=30), server_default='')
        batch_op.create_index('ix_audit_entry_subject', ['subject_kind', 'subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)

    op.create_table('audit_anchor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_anchor'))
    )


def downgrade():
    op.drop_table('audit_anchor')
    op.execute("DELETE FROM audit_entry WHERE subject_kind != 'application' OR scheme != 1")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_action'))
        batch_op.drop_index('ix_audit_entry_subject')
        batch_op.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.Text(), server_default='', nullable=False))
    op.execute("UPDATE audit_entry SET application_id = subject_id, comment = reason")
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.alter_column('application_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_audit_entry_application_id_application', 'application', ['application_id'], ['id'])
        batch_op.create_foreign_key('fk_audit_entry_actor_id_user_account', 'user_account', ['actor_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_audit_entry_application_id', ['application_id'], unique=False)
        batch_op.drop_column('detail')
        batch_op.drop_column('reason')
        batch_op.drop_column('action')
        batch_op.drop_column('subject_id')
        batch_op.drop_column('subject_kind')
        batch_op.drop_column('scheme')
