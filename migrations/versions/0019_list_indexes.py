"""indexes matching the lists' filters and order: the secretariat's signatures (newest
first), the structures by commune (the structures' list, the registry), the sessions by
day (the planning page, the council's space)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 23:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("charter_signature", schema=None) as batch_op:
        batch_op.create_index("ix_charter_signature_signed", ["signed_at", "id"], unique=False)
    with op.batch_alter_table("structure", schema=None) as batch_op:
        batch_op.create_index("ix_structure_commune_code", ["commune_code"], unique=False)
    with op.batch_alter_table("council_session", schema=None) as batch_op:
        batch_op.create_index("ix_council_session_starts_at", ["starts_at"], unique=False)


def downgrade():
    with op.batch_alter_table("council_session", schema=None) as batch_op:
        batch_op.drop_index("ix_council_session_starts_at")
    with op.batch_alter_table("structure", schema=None) as batch_op:
        batch_op.drop_index("ix_structure_commune_code")
    with op.batch_alter_table("charter_signature", schema=None) as batch_op:
        batch_op.drop_index("ix_charter_signature_signed")
