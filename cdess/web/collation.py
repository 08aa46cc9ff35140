"""Names in a list ordered as French reads them, in SQL: « Étaples » among the E, whatever
the database's own collation.

Neither database does it by itself: SQLite compares bytes (its `lower()` folds ASCII only, so
« Étaples » comes after « Zutkerque »), and PostgreSQL compares with the database's collation,
`C.UTF-8` on our servers (`SHOW lc_collate`): bytes again. So `by_name(column)` orders by
- PostgreSQL: the column with the ICU root collation (`COLLATE "und-x-icu"`, shipped with every
  PostgreSQL built with ICU, as Debian's and the official images are): accents and case count
  only between names otherwise equal;
- SQLite: a function registered on each connection, `cdess_collation_key`, the same key as the
  Python sorts (`typography.collation_key`).
Callers add the name itself and the id after it, so that ties come out the same every time.
"""

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import String

from cdess.web.typography import collation_key


class by_name(ColumnElement):
    """`ORDER BY by_name(User.display_name)`: the column's names in French order (the
    structures keep theirs as a column, `Structure.sort_key`, which an index orders)."""

    inherit_cache = True
    type = String()
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column


@compiles(by_name)
def _sqlite(element, compiler, **kw) -> str:
    return f"cdess_collation_key({compiler.process(element.column, **kw)})"


@compiles(by_name, "postgresql")
def _postgresql(element, compiler, **kw) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "und-x-icu"'


def _key(name: str | None) -> str | None:
    return None if name is None else collation_key(name)[0]


@event.listens_for(Engine, "connect")
def _register(dbapi_connection, connection_record) -> None:
    """SQLite: the sort key as a function of each connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function("cdess_collation_key", 1, _key, deterministic=True)
