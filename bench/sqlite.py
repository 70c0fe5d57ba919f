"""The bench's data in a SQLite file: a copy of the PostgreSQL bench database.

    .venv/bin/python -m bench.sqlite [--rebuild] [--database-url URL] [--file PATH]

The file (default `bench/out/bench.sqlite3`) gets its schema from the app's own Alembic
migrations, nothing else, then every table's rows are copied from the PostgreSQL bench
database (see bench/load.py), in batches. Values are stored the way the app stores them on
SQLite: each column goes through the SQLite bind processor of the app model's column type
(`UTCDateTime`: naive UTC text 'YYYY-MM-DD HH:MM:SS.ffffff'; `Date`: 'YYYY-MM-DD'; `Boolean`:
0/1), so the service reads exactly what it would have written. PostgreSQL's generated columns
(`search_vector`) are left out: on SQLite the migrations create FTS5 tables instead.

The FTS5 tables are external-content tables kept in step by triggers. For speed, the triggers
that write into them are dropped for the copy, recreated verbatim (from their own SQL) after
it, and each FTS5 index is rebuilt and optimized in one go; then `ANALYZE`. The file is built
under a temporary name with the journal off and renamed into place when complete, in WAL mode
(as the app opens it) and fully checkpointed (Datasette reads it `--immutable`, which ignores
a WAL).

A fingerprint of the source (the PostgreSQL data marker, when that data was loaded, and the
migrations' head revision) is kept in the file's `PRAGMA user_version`; a later run that finds
the same fingerprint, and as many releases and visits as in PostgreSQL, skips the copy.
PostgreSQL is only read, and loaded (bench/load.py) only when it does not hold the data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import asyncpg

from bench import generate as gen
from bench import load

HERE = Path(__file__).resolve().parent
DEFAULT_FILE = HERE / "out" / "bench.sqlite3"
BATCH = 5_000
# SQLite's own files beside a database: a stale WAL would be replayed into a new file.
SIDE_FILES = ("-wal", "-shm", "-journal")
# Counted in both databases to tell a complete copy from a partial one.
COUNTED = ("press_releases", "visits")

Convert = Callable[[Any], Any]


def log(message: str) -> None:
    print(f"[sqlite] {message}", flush=True)


def sqlite_url(path: Path) -> str:
    """The service's DATABASE_URL for the file."""
    return f"sqlite+aiosqlite:///{path.resolve()}"


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    from app.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head() or "base"


async def _source(url: str) -> tuple[str, dict[str, int]]:
    """What the file must be built from, as a fingerprint (the PostgreSQL data marker, when
    that data was loaded, the migrations' head), and the row counts it must end up with."""
    _, name = load._split(url)
    conn = await asyncpg.connect(load.plain_url(url), timeout=10)
    try:
        comment = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            name,
        )
        loaded_at = await conn.fetchval("SELECT min(created_at) FROM organizations")
        counts = {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in COUNTED}
    finally:
        await conn.close()
    loaded = loaded_at.isoformat() if loaded_at else "-"
    return f"{comment} loaded={loaded} head={_head_revision()}", counts


def _version(fingerprint: str) -> int:
    """The fingerprint as a positive 31-bit `user_version` (0 is SQLite's "never set")."""
    return zlib.crc32(fingerprint.encode()) & 0x7FFFFFFF or 1


def _is_built(path: Path, fingerprint: str, counts: dict[str, int]) -> bool:
    """Whether `path` was built from this source and holds as many rows as it."""
    if not path.exists():
        return False
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if version != _version(fingerprint):
                return False
            return all(
                db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == count
                for table, count in counts.items()
            )
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return False


def _remove(path: Path) -> None:
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SIDE_FILES)):
        file.unlink(missing_ok=True)


def _converters(table: str, columns: Sequence[str]) -> list[Convert | None]:
    """Per column, what SQLAlchemy would turn a Python value into on SQLite (None: as is)."""
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from app.models import Base

    dialect = sqlite_dialect.dialect()
    model = Base.metadata.tables.get(table)
    out: list[Convert | None] = []
    for column in columns:
        if model is None or column not in model.c:
            out.append(None)
            continue
        type_ = model.c[column].type
        out.append(type_.dialect_impl(dialect).bind_processor(dialect))
    return out


def _fts_tables(db: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND lower(sql) LIKE 'create virtual table%using fts5%' ORDER BY name"
        )
    ]


def _fts_triggers(db: sqlite3.Connection, fts: Sequence[str]) -> list[tuple[str, str]]:
    """(name, SQL) of the triggers that write into an FTS5 table."""
    triggers = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    ).fetchall()
    return [(name, sql) for name, sql in triggers if any(f in sql for f in fts)]


def _sqlite_columns(db: sqlite3.Connection, table: str) -> tuple[list[str], list[str]]:
    """(all columns, primary-key columns in key order) of a SQLite table."""
    info = db.execute(f'PRAGMA table_info("{table}")').fetchall()
    if not info:
        raise SystemExit(f"{table} is in PostgreSQL but the migrations made no such SQLite table")
    pk = [row[1] for row in sorted(info, key=lambda row: row[5]) if row[5]]
    return [row[1] for row in info], pk


async def _copy_table(
    conn: asyncpg.Connection, db: sqlite3.Connection, table: str, pg_columns: dict[str, bool]
) -> int:
    """Copy one table (`pg_columns`: name → generated); returns the rows copied."""
    columns, pk = _sqlite_columns(db, table)
    missing = [c for c in columns if c not in pg_columns]
    dropped = [c for c, generated in pg_columns.items() if not generated and c not in columns]
    if missing or dropped:
        raise SystemExit(
            f"{table}: the schemas differ (only on SQLite: {missing}, only on PostgreSQL: "
            f"{dropped}); are both at the same migration?"
        )
    convert = _converters(table, columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    insert = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join("?" * len(columns))})'
    order = ", ".join(f'"{c}"' for c in pk) or "1"
    needs_conversion = any(convert)
    copied = 0
    async with conn.transaction():
        cursor = await conn.cursor(f'SELECT {quoted} FROM "{table}" ORDER BY {order}')
        while rows := await cursor.fetch(BATCH):
            if needs_conversion:
                batch = [
                    tuple(v if f is None else f(v) for f, v in zip(convert, row, strict=True))
                    for row in rows
                ]
            else:
                batch = [tuple(row) for row in rows]
            db.executemany(insert, batch)
            copied += len(batch)
    return copied


async def _copy(url: str, db: sqlite3.Connection) -> None:
    conn = await asyncpg.connect(load.plain_url(url), timeout=10)
    try:
        rows = await conn.fetch(
            "SELECT table_name, column_name, is_generated = 'ALWAYS' AS generated "
            "FROM information_schema.columns c WHERE table_schema = 'public' "
            "AND table_name IN (SELECT table_name FROM information_schema.tables "
            "  WHERE table_schema = 'public' AND table_type = 'BASE TABLE') "
            "AND table_name <> 'alembic_version' "
            # Kept by triggers on visits, which fire while visits are copied.
            "AND table_name <> 'visit_month_counts' "
            "ORDER BY table_name, ordinal_position"
        )
        tables: dict[str, dict[str, bool]] = {}
        for row in rows:
            tables.setdefault(row["table_name"], {})[row["column_name"]] = row["generated"]
        for table, columns in tables.items():
            started = time.perf_counter()
            copied = await _copy_table(conn, db, table, columns)
            log(f"  {table:22} {copied:>8} rows  {time.perf_counter() - started:6.1f}s")
    finally:
        await conn.close()


def _build(url: str, path: Path, fingerprint: str) -> None:
    from app import migrate

    tmp = path.with_name(path.name + ".tmp")
    _remove(tmp)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    migrate.upgrade(sqlite_url(tmp))
    log(f"migrated {tmp.name} in {time.perf_counter() - started:.1f}s")

    db = sqlite3.connect(tmp, isolation_level=None)
    try:
        # A file nobody else has open yet: no journal while it is filled, WAL at the end.
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "foreign_keys = OFF",
            "cache_size = -262144",
            "temp_store = MEMORY",
        ):
            db.execute(f"PRAGMA {pragma}")
        fts = _fts_tables(db)
        triggers = _fts_triggers(db, fts)
        db.execute("BEGIN")
        for name, _ in triggers:
            db.execute(f'DROP TRIGGER "{name}"')
        asyncio.run(_copy(url, db))
        log(f"copied in {time.perf_counter() - started:.1f}s")
        for _, sql in triggers:
            db.execute(sql)
        for table in fts:
            step = time.perf_counter()
            db.execute(f'INSERT INTO "{table}"("{table}") VALUES (\'rebuild\')')
            db.execute(f'INSERT INTO "{table}"("{table}") VALUES (\'optimize\')')
            log(f"  {table:22} rebuilt in {time.perf_counter() - step:.1f}s")
        db.execute("COMMIT")
        problems = db.execute("PRAGMA foreign_key_check").fetchmany(5)
        if problems:
            raise SystemExit(f"foreign keys broken in the copy, e.g. {problems}")
        db.execute("ANALYZE")
        db.execute(f"PRAGMA user_version = {_version(fingerprint)}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    _remove(path)
    os.replace(tmp, path)
    _remove(tmp)
    size = path.stat().st_size / 2**20
    log(f"built {path} ({size:,.0f} MiB) in {time.perf_counter() - started:.1f}s")


def ensure_built(
    url: str | None = None, path: Path = DEFAULT_FILE, *, rebuild: bool = False
) -> Path:
    """Make `path` hold a copy of the PostgreSQL bench data (a no-op when it already does).
    The PostgreSQL database must hold the data (`ensure_source`); it is only read."""
    url = load.database_url(url)
    fingerprint, counts = asyncio.run(_source(url))
    if not rebuild and _is_built(path, fingerprint, counts):
        log(f"{path.name} already holds the data ({fingerprint}); skipping the copy")
        return path
    log(f"building {path} from {load._split(url)[1]} ({fingerprint})")
    _build(url, path, fingerprint)
    if not _is_built(path, fingerprint, counts):
        raise SystemExit(f"{path} does not hold the expected rows after the copy")
    return path


def ensure_source(url: str | None = None) -> None:
    """Make sure the PostgreSQL bench database holds the data, touching it only when it does
    not: this mode only reads it (the PostgreSQL bench may be measuring it meanwhile)."""
    url = load.database_url(url)
    try:
        loaded = asyncio.run(load._is_loaded(url, gen.SEED))
    except (OSError, asyncpg.PostgresError):
        loaded = False
    if not loaded:
        load.ensure_loaded(url)


def datasette_fts(path: Path) -> dict[str, str | None]:
    """The FTS table Datasette finds for each table that has one (None: it finds none)."""
    from datasette.utils import detect_fts

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        contents = {fts.removesuffix("_fts") for fts in _fts_tables(db)}
        return {table: detect_fts(db, table) for table in sorted(contents)}
    finally:
        db.close()


# Leaner answers: no row count, no facets, no facet suggestions.
LEAN = {"_nocount": "1", "_nofacet": "1", "_nosuggest": "1"}


def _datasette_path(key: str, path: str, database: str) -> str:
    """The Datasette request asking for the same rows as the service's `path`."""
    parts = urlsplit(path)
    if key == "release_by_id":
        release = int(parts.path.rsplit("/", 1)[1])
        return f"/{database}/press_releases/{release}.json"
    if key == "visits":
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        params = {
            "host_organization_id": query["host_organization_id"],
            "status": "published",  # anonymous readers of the service see no drafts
            "end_date__gte": query["from"],
            "start_date__lte": query["to"],
            "_size": query.get("limit", "20"),
            "_sort_desc": "start_date",
            **LEAN,
        }
        return f"/{database}/visits.json?{urlencode(params)}"
    raise ValueError(f"no Datasette request for {key}")


DATASETTE_ENDPOINTS = ("release_by_id", "visits")


def datasette_paths(files: dict[str, Path], out: Path, database: str) -> dict[str, Path]:
    """For the endpoints Datasette can answer, a file of its requests, line for line the
    same rows as the service's paths files; returns the files by endpoint key."""
    made = {}
    for key in DATASETTE_ENDPOINTS:
        paths = files[key].read_text().split()
        file = out / f"paths-datasette-{key}.txt"
        file.write_text("\n".join(_datasette_path(key, p, database) for p in paths) + "\n")
        made[key] = file
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rebuild", action="store_true", help="build the file again")
    parser.add_argument(
        "--database-url", help=f"default: $BENCH_DATABASE_URL or {load.DEFAULT_URL}"
    )
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args(argv)
    ensure_source(args.database_url)
    ensure_built(args.database_url, args.file, rebuild=args.rebuild)
    return 0


if __name__ == "__main__":
    sys.exit(main())
