"""charter versions: minor or major, and the deadline to sign a major one again

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


# Columns are added and dropped in place (recreate='never'): recreating charter_version on
# SQLite would drop the table that principles, criteria, assessments and signatures point to,
# and with foreign_keys=ON that deletes or refuses their rows. The CHECK rides on its column,
# which SQLite accepts in ADD COLUMN and drops with it (resign_deadline is dropped first:
# its check names kind).


def upgrade():
    with op.batch_alter_table('charter_version', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('kind', sa.Enum('minor', 'major', name='charter_version_kind', native_enum=False, length=10), nullable=True))
        batch_op.add_column(sa.Column('resign_deadline', sa.Date(), sa.CheckConstraint("resign_deadline IS NULL OR (kind IS NOT NULL AND kind = 'major')", name=op.f('ck_charter_version_deadline_only_major')), nullable=True))

    # Before this revision a signature counted only for the published version: the versions
    # published after the first are major with no grace period, which keeps that rule for them.
    op.execute(
        "UPDATE charter_version SET kind = 'major' "
        "WHERE status != 'draft' AND number > "
        "(SELECT MIN(first.number) FROM charter_version AS first WHERE first.status != 'draft')"
    )


def downgrade():
    with op.batch_alter_table('charter_version', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('resign_deadline')
        batch_op.drop_column('kind')
