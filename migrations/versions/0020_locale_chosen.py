"""an account's language is NULL until the person chooses one (their browser's then applies):
before the language switch there was no choice to make, so the stored « fr » are defaults

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 23:55:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("locale", existing_type=sa.String(length=5), nullable=True)
    op.execute("UPDATE user_account SET locale = NULL WHERE locale = 'fr'")


def downgrade():
    op.execute("UPDATE user_account SET locale = 'fr' WHERE locale IS NULL")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.alter_column("locale", existing_type=sa.String(length=5), nullable=False)
