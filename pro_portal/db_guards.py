"""PostgreSQL triggers that make rows immutable in the database itself.

The models refuse changes too; the triggers also stop raw SQL and any future
code that forgets. SQLite (the embedded, single-user default) relies on the
models: its flush deletes row by row, which a trigger would abort.
Used by migrations, so the SQL here must stay backward compatible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def _forward_sql(table: str, columns: Sequence[str] | None) -> str:
    function = f"{table}_immutable"
    if columns:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        body = (
            f"IF TG_OP = 'DELETE' OR ({changed}) THEN "
            f"RAISE EXCEPTION '{table}: published rows are immutable'; END IF; RETURN NEW;"
        )
    else:
        body = f"RAISE EXCEPTION '{table} is append-only';"
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN {body} END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {function} BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""


def _reverse_sql(table: str) -> str:
    function = f"{table}_immutable"
    return f"DROP TRIGGER IF EXISTS {function} ON {table}; DROP FUNCTION IF EXISTS {function}();"


def immutability_operations(
    table: str, columns: Sequence[str] | None = None
) -> tuple[Callable[..., None], Callable[..., None]]:
    """RunPython functions: with ``columns``, only those columns are frozen
    (and rows cannot be deleted); without, the table is append-only."""

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(_forward_sql(table, columns))

    def reverse(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(_reverse_sql(table))

    return forward, reverse
