"""what an application's state implies of its fields: a draft was never submitted; the
label's dates come together, in order, on a certified file only; no session before the file
is admissible

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

CONSTRAINTS = {
    'draft_never_submitted': "state != 'draft' OR submitted_at IS NULL",
    'label_dates_when_certified': (
        "(label_valid_from IS NULL AND label_valid_until IS NULL) OR "
        "(state = 'certified' AND label_valid_from IS NOT NULL "
        "AND label_valid_until IS NOT NULL AND label_valid_from <= label_valid_until)"
    ),
    'no_session_before_admissible': (
        "session_id IS NULL OR state NOT IN ('draft', 'submitted', 'incomplete', 'not_admissible')"
    ),
}


def upgrade():
    # Recreated on SQLite (a new constraint): env.py turns foreign keys off for the run, so
    # the rows pointing to the applications are kept. Rows the code wrote already hold.
    with op.batch_alter_table('application', schema=None) as batch_op:
        for name, condition in CONSTRAINTS.items():
            batch_op.create_check_constraint(batch_op.f(f'ck_application_{name}'), condition)


def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        for name in reversed(CONSTRAINTS):
            batch_op.drop_constraint(batch_op.f(f'ck_application_{name}'), type_='check')
