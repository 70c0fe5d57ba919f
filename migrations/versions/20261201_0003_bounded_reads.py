"""Indexes and query helpers for bounded work at scale.

- Published rows in the order lists and search walk them: partial indexes on
  (published_on, id) and (start_date, id) WHERE status = 'published', so the newest published
  release is the first index entry (drafts have no date and used to come first).
- Statistics: (status, start_date, end_date, host_organization_id) lets a grouped count run as
  an index-only scan.
- PostgreSQL: `cq_tsquery` ORs each configuration's query once (the four configurations often
  agree: the same lexeme four times made the planner expect four times the matches).
- SQLite: the FTS5 tables name their content table in double quotes, as tools that read
  the schema (Datasette) expect.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISHED = "status = 'published'"

INDEXES = [
    f"CREATE INDEX ix_press_releases_published ON press_releases (published_on, id) "
    f"WHERE {PUBLISHED}",
    f"CREATE INDEX ix_visits_published ON visits (start_date, id) WHERE {PUBLISHED}",
    "CREATE INDEX ix_visits_status_start_date ON visits "
    "(status, start_date, end_date, host_organization_id)",
]
DROP_INDEXES = [
    "DROP INDEX ix_visits_status_start_date",
    "DROP INDEX ix_visits_published",
    "DROP INDEX ix_press_releases_published",
]

TSQUERY_DISTINCT = """
CREATE OR REPLACE FUNCTION cq_tsquery(q text) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(DISTINCT '(' || part::text || ')', ' | '), '')::tsquery
  FROM unnest(ARRAY[
    websearch_to_tsquery('cq_french', q), websearch_to_tsquery('cq_english', q),
    websearch_to_tsquery('cq_arabic', q), websearch_to_tsquery('cq_simple', q)
  ]) AS part
  WHERE numnode(part) > 0
$$
"""
TSQUERY_ALL = """
CREATE OR REPLACE FUNCTION cq_tsquery(q text) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT websearch_to_tsquery('cq_french', q) || websearch_to_tsquery('cq_english', q)
      || websearch_to_tsquery('cq_arabic', q) || websearch_to_tsquery('cq_simple', q)
$$
"""

SQLITE_FTS = {"press_releases": ("title", "body"), "visits": ("title", "summary")}


def _sqlite_fts(quote: str) -> list[str]:
    """Recreate the FTS5 tables with `content=` quoted by `quote` (the triggers stay: they
    refer to the tables by name), then rebuild them from their content tables."""
    out = []
    for table, columns in SQLITE_FTS.items():
        fts = f"{table}_fts"
        cols = ", ".join(columns)
        out += [
            f"DROP TABLE {fts}",
            f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content={quote}{table}{quote}, "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
            f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
        ]
    return out


def upgrade() -> None:
    for statement in INDEXES:
        op.execute(statement)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TSQUERY_DISTINCT)
    else:
        for statement in _sqlite_fts('"'):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TSQUERY_ALL)
    else:
        for statement in _sqlite_fts("'"):
            op.execute(statement)
    for statement in DROP_INDEXES:
        op.execute(statement)
