"""answers verified against the evidence, the verified result

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('application_answer_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('criterion_code', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('confirmed', 'corrected', name='check_status', native_enum=False, length=20), nullable=False),
    sa.Column('stage', sa.Enum('secretariat', 'rapporteur', name='check_stage', native_enum=False, length=20), nullable=False),
    sa.Column('value', sa.JSON(none_as_null=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_by_name', sa.String(length=200), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status = 'confirmed' OR (value IS NOT NULL AND reason != '')", name=op.f('ck_application_answer_check_correction_has_value_and_reason')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_application_answer_check_application_id_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_application_answer_check_checked_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_answer_check')),
    sa.UniqueConstraint('application_id', 'criterion_code', name=op.f('uq_application_answer_check_application_id_criterion_code'))
    )
    with op.batch_alter_table('application_answer_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_answer_check_application_id'), ['application_id'], unique=False)

    with op.batch_alter_table('application', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('verified_result', sa.JSON(), nullable=True))


def downgrade():
    # In place: recreating application on SQLite (foreign_keys=ON) would delete its rows'
    # documents, objectives and checks.
    with op.batch_alter_table('application', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('verified_result')

    with op.batch_alter_table('application_answer_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_answer_check_application_id'))

    op.drop_table('application_answer_check')
