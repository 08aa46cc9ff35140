"""Structures: the key their names are listed by (French order), kept in a column with an
index, so that a list's first page is read from the index whatever the number of structures

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 08:10:00

"""

import sqlalchemy as sa
from alembic import op

from cdess.web.typography import collation_key

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    with op.batch_alter_table("structure") as batch:
        batch.add_column(sa.Column("sort_key", sa.String(length=400), nullable=True))
    connection = op.get_bind()
    structure = sa.table(
        "structure", sa.column("id", sa.Integer), sa.column("name"), sa.column("sort_key")
    )
    rows = connection.execute(sa.select(structure.c.id, structure.c.name)).all()
    update = (
        structure.update()
        .where(structure.c.id == sa.bindparam("structure_id"))
        .values(sort_key=sa.bindparam("key"))
    )
    for start in range(0, len(rows), BATCH):
        connection.execute(
            update,
            [
                {"structure_id": id_, "key": collation_key(name)[0]}
                for id_, name in rows[start : start + BATCH]
            ],
        )
    with op.batch_alter_table("structure") as batch:
        batch.alter_column("sort_key", existing_type=sa.String(length=400), nullable=False)
        batch.create_index("ix_structure_sort", ["sort_key", "name", "id"])


def downgrade():
    with op.batch_alter_table("structure") as batch:
        batch.drop_index("ix_structure_sort")
        batch.drop_column("sort_key")
