"""Search structures: full text over releases and visits, trigram indexes over names.

PostgreSQL: unaccented text search configurations per language, stored tsvector columns
(GIN), pg_trgm indexes on name skeletons. SQLite: FTS5 tables kept in sync by triggers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 07:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGES = {"cq_french": "french", "cq_english": "english", "cq_arabic": "arabic"}
NAME_TABLES = ("organizations", "organization_aliases", "officials", "official_aliases")

PG_UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE TEXT SEARCH CONFIGURATION cq_simple (COPY = simple)",
    "ALTER TEXT SEARCH CONFIGURATION cq_simple "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple",
    *(
        statement
        for name, base in LANGUAGES.items()
        for statement in (
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {base})",
            f"ALTER TEXT SEARCH CONFIGURATION {name} "
            f"ALTER MAPPING FOR hword, hword_part, word WITH unaccent, {base}_stem",
        )
    ),
    # The configuration a document is stemmed with, from its BCP 47 language tag.
    """
    CREATE FUNCTION cq_regconfig(language text) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
      SELECT (CASE split_part(lower(language), '-', 1)
        WHEN 'fr' THEN 'cq_french' WHEN 'en' THEN 'cq_english' WHEN 'ar' THEN 'cq_arabic'
        ELSE 'cq_simple' END)::regconfig
    $$
    """,
    # A query matches a document in any language: stemmed each way, or word for word.
    """
    CREATE FUNCTION cq_tsquery(q text) RETURNS tsquery
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
      SELECT websearch_to_tsquery('cq_french', q) || websearch_to_tsquery('cq_english', q)
          || websearch_to_tsquery('cq_arabic', q) || websearch_to_tsquery('cq_simple', q)
    $$
    """,
    """
    ALTER TABLE press_releases ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector(cq_regconfig(language), title), 'A')
      || setweight(to_tsvector(cq_regconfig(language), body), 'B')
      || setweight(to_tsvector('cq_simple'::regconfig, title), 'A')
      || setweight(to_tsvector('cq_simple'::regconfig, body), 'B')
    ) STORED
    """,
    "CREATE INDEX ix_press_releases_search_vector ON press_releases USING gin (search_vector)",
    """
    ALTER TABLE visits ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('cq_simple'::regconfig, title), 'A')
      || setweight(to_tsvector('cq_french'::regconfig, title), 'A')
      || setweight(to_tsvector('cq_english'::regconfig, title), 'A')
      || setweight(to_tsvector('cq_simple'::regconfig, coalesce(summary, '')), 'B')
      || setweight(to_tsvector('cq_french'::regconfig, coalesce(summary, '')), 'B')
      || setweight(to_tsvector('cq_english'::regconfig, coalesce(summary, '')), 'B')
    ) STORED
    """,
    "CREATE INDEX ix_visits_search_vector ON visits USING gin (search_vector)",
    *(
        f"CREATE INDEX ix_{table}_name_skeleton_trgm ON {table} "
        "USING gin (name_skeleton gin_trgm_ops)"
        for table in NAME_TABLES
    ),
]

PG_DOWNGRADE = [
    *(f"DROP INDEX ix_{table}_name_skeleton_trgm" for table in NAME_TABLES),
    "ALTER TABLE visits DROP COLUMN search_vector",
    "ALTER TABLE press_releases DROP COLUMN search_vector",
    "DROP FUNCTION cq_tsquery(text)",
    "DROP FUNCTION cq_regconfig(text)",
    *(f"DROP TEXT SEARCH CONFIGURATION {name}" for name in (*LANGUAGES, "cq_simple")),
]


def _fts5(table: str, columns: tuple[str, ...]) -> list[str]:
    """An external-content FTS5 index over `columns` of `table`, synced by triggers."""
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    fts = f"{table}_fts"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


SQLITE_TABLES = {"press_releases": ("title", "body"), "visits": ("title", "summary")}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_UPGRADE:
            op.execute(statement)
        return
    for table, columns in SQLITE_TABLES.items():
        for statement in _fts5(table, columns):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_DOWNGRADE:
            op.execute(statement)
        return
    for table in SQLITE_TABLES:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER {table}_fts_{trigger}")
        op.execute(f"DROP TABLE {table}_fts")
