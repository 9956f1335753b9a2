"""The two PostgreSQL roles production runs with, as SQL.

- the **owner** owns the database, its schema and every table: migrations
  (and the test suite's flushes, which TRUNCATE) run as the owner;
- the **site** (gunicorn, Celery) may read and write the ordinary tables but
  only INSERT and SELECT audit events and scoring results (the models that
  say ``APPEND_ONLY = True``). It does not own them, is not a superuser and
  holds no TRUNCATE privilege anywhere, so none of UPDATE, DELETE, TRUNCATE,
  ``ALTER TABLE … DISABLE TRIGGER`` (owners only) or ``SET
  session_replication_role`` (superusers only) reaches such a row.

The append-only trigger (``pro_portal.db_guards``) still stops the owner's
ordinary UPDATE and DELETE; withholding privileges is what stops the rest.
``manage.py db_roles`` prints or applies the statements; applying them again
(after a migration added tables, say) is harmless.
"""

from __future__ import annotations

import re

from django.apps import apps

#: A role name the statements can carry without quoting surprises.
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
INVALID_ROLE_NAME = (
    "{name!r} is not a usable role name: lower-case letters, digits and _, "
    "at most 63, not starting with a digit"
)
SAME_ROLE = "The owner and the site must be two different roles."


def append_only_tables() -> tuple[str, ...]:
    """Tables the site may only add to and read: every installed model that
    says ``APPEND_ONLY = True`` (the audit log, the scoring results), found
    through the app registry, so the core names no app's model."""
    return tuple(
        sorted(
            model._meta.db_table
            for model in apps.get_models()
            if getattr(model, "APPEND_ONLY", False)
        )
    )


def _create_role(name: str, attributes: str) -> str:
    # CREATE ROLE has no IF NOT EXISTS; an existing role is kept as it is.
    return (
        "DO $$ BEGIN "
        f"IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN "
        f'CREATE ROLE "{name}" {attributes}; '
        "END IF; END $$"
    )


def _hand_over(owner: str) -> str:
    """Give the owner every table, view, sequence and function in ``public``
    (a database migrated before as another user, e.g. ``postgres``)."""
    return f"""DO $$
DECLARE r record;
BEGIN
  FOR r IN
    SELECT c.oid::regclass AS name,
           CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                          WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind
    FROM pg_class c
    WHERE c.relnamespace = 'public'::regnamespace
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
      AND c.relowner <> '"{owner}"'::regrole
      -- a column's own sequence follows its table
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                      AND d.objid = c.oid AND d.deptype IN ('a', 'i'))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO %I', r.kind, r.name, '{owner}');
  END LOOP;
  FOR r IN
    SELECT p.oid::regprocedure AS name FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> '"{owner}"'::regrole
  LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO %I', r.name, '{owner}');
  END LOOP;
END $$"""  # noqa: S608 - the only value is a role name, checked against ROLE_NAME


def db_roles_sql(*, owner: str, site: str, database: str) -> list[str]:
    """The statements, in order, to run as a superuser connected to ``database``.

    Raises ValueError with a message for a name it cannot use.
    """
    for name in (owner, site):
        if not ROLE_NAME.match(name):
            raise ValueError(INVALID_ROLE_NAME.format(name=name))
    if owner == site:
        raise ValueError(SAME_ROLE)
    database = '"' + database.replace('"', '""') + '"'
    least = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
    tables = "SELECT, INSERT, UPDATE, DELETE"
    statements = [
        _create_role(owner, f"LOGIN {least}"),
        _create_role(site, f"LOGIN {least}"),
        # Whatever the site role was before, it is least-privilege now.
        f'ALTER ROLE "{site}" {least}',
        f'ALTER DATABASE {database} OWNER TO "{owner}"',
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",  # PostgreSQL < 15 allowed it
        _hand_over(owner),
        f'GRANT CONNECT ON DATABASE {database} TO "{site}"',
        f'GRANT USAGE ON SCHEMA public TO "{site}"',
        f'GRANT {tables} ON ALL TABLES IN SCHEMA public TO "{site}"',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{site}"',
        # Tables the owner's later migrations create.
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public '
        f'GRANT {tables} ON TABLES TO "{site}"',
        f'ALTER DEFAULT PRIVILEGES FOR ROLE "{owner}" IN SCHEMA public '
        f'GRANT USAGE, SELECT ON SEQUENCES TO "{site}"',
    ]
    for table in append_only_tables():
        statements += [
            f'REVOKE ALL ON TABLE "{table}" FROM PUBLIC, "{site}"',
            f'GRANT SELECT, INSERT ON TABLE "{table}" TO "{site}"',
        ]
    return statements
