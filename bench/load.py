"""Load the generated data into the bench's PostgreSQL database, fast, with COPY.

    .venv/bin/python -m bench.load [--reload] [--database-url URL]

The database (default `postgresql://postgres@127.0.0.1:5432/communique_bench`, or
$BENCH_DATABASE_URL) is created if missing and migrated with `app.migrate.upgrade`. If it
already holds this data version (a marker in the database's comment and the expected row
counts) nothing is loaded. Otherwise it is dropped, recreated, migrated, and every table is
filled with asyncpg's `copy_records_to_table` (secondary indexes are dropped first and rebuilt
from their own definitions afterwards, which is several times faster than maintaining them
row by row), then sequences are moved past the loaded ids and the tables are VACUUM ANALYZEd.

$DATABASE_URL is deliberately not used: in a developer's shell it names their working database,
and a (re)load drops the database it loads into. The loader refuses to drop a database whose
name does not contain "bench".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench import generate as gen

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/communique_bench"


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL


def plain_url(url: str) -> str:
    """The URL asyncpg understands (no SQLAlchemy driver suffix)."""
    for prefix in ("postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def _split(url: str) -> tuple[str, str]:
    """(URL of the server's maintenance database, name of the bench database)."""
    parts = urlsplit(plain_url(url))
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(f"no database name in {url}")
    return urlunsplit(parts._replace(path="/postgres")), name


def marker(seed: int = gen.SEED) -> str:
    return (
        f"communique-bench data v{gen.DATA_VERSION} seed={seed} "
        f"releases={gen.N_RELEASES} visits={gen.N_VISITS}"
    )


def log(message: str) -> None:
    print(f"[load] {message}", flush=True)


async def _ensure_database(url: str, *, drop: bool) -> bool:
    """Create the database if missing (dropping it first when `drop`); True if created now."""
    admin_url, name = _split(url)
    conn = await asyncpg.connect(admin_url, timeout=10)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and drop:
            if "bench" not in name:
                raise SystemExit(f"refusing to drop database {name!r} (its name lacks 'bench')")
            log(f"dropping database {name}")
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            log(f"creating database {name}")
            await conn.execute(f'CREATE DATABASE "{name}"')
        return not exists
    finally:
        await conn.close()


async def _is_loaded(url: str, seed: int) -> bool:
    _, name = _split(url)
    conn = await asyncpg.connect(plain_url(url), timeout=10)
    try:
        comment = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            name,
        )
        if comment != marker(seed):
            return False
        releases = await conn.fetchval("SELECT count(*) FROM press_releases")
        visits = await conn.fetchval("SELECT count(*) FROM visits")
        return releases == gen.N_RELEASES and visits == gen.N_VISITS
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await conn.close()


async def _copy(pool: asyncpg.Pool, table: str, rows: list[tuple[object, ...]]) -> None:
    started = time.perf_counter()
    async with pool.acquire() as conn:
        await conn.copy_records_to_table(table, records=rows, columns=list(gen.COLUMNS[table]))
    log(f"  {table:22} {len(rows):>8} rows  {time.perf_counter() - started:6.1f}s")


async def _load(url: str, data: gen.Dataset, seed: int) -> None:
    _, name = _split(url)
    tables = list(gen.LOAD_ORDER)
    pool = await asyncpg.create_pool(
        plain_url(url),
        min_size=2,
        max_size=2,
        server_settings={"maintenance_work_mem": "512MB", "synchronous_commit": "off"},
    )
    try:
        async with pool.acquire() as conn:
            # Secondary indexes (not those backing a primary key or unique constraint).
            indexes = await conn.fetch(
                """
                SELECT i.indexname, i.tablename, i.indexdef FROM pg_indexes i
                WHERE i.schemaname = 'public' AND i.tablename = ANY($1::text[])
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
                ORDER BY i.indexname
                """,
                tables,
            )
            for index in indexes:
                await conn.execute(f'DROP INDEX "{index["indexname"]}"')
            log(f"dropped {len(indexes)} secondary indexes for the load")

        started = time.perf_counter()
        for table in tables:
            rows = data.tables[table]
            if table == "press_releases":
                # Two connections (two cores computing the generated tsvectors). Split by
                # visit parity so a translation and its original land in the same COPY.
                first = [r for r in rows if (r[9] or r[0]) % 2 == 0]
                second = [r for r in rows if (r[9] or r[0]) % 2 == 1]
                await asyncio.gather(_copy(pool, table, first), _copy(pool, table, second))
            else:
                await _copy(pool, table, rows)
        log(f"copied in {time.perf_counter() - started:.1f}s")

        started = time.perf_counter()
        # The big full-text GIN index on one connection, everything else on the other.
        heavy = [i for i in indexes if "search_vector" in i["indexname"]]
        light = [i for i in indexes if "search_vector" not in i["indexname"]]

        async def build(batch: list[asyncpg.Record]) -> None:
            async with pool.acquire() as conn:
                for index in batch:
                    await conn.execute(index["indexdef"])

        await asyncio.gather(build(heavy), build(light))
        log(f"rebuilt {len(indexes)} indexes in {time.perf_counter() - started:.1f}s")

        async with pool.acquire() as conn:
            for table in tables:
                if "id" in gen.COLUMNS[table]:
                    await conn.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
        started = time.perf_counter()

        async def vacuum(batch: list[str]) -> None:
            async with pool.acquire() as conn:
                for table in batch:
                    await conn.execute(f"VACUUM (FREEZE, ANALYZE) {table}")

        await asyncio.gather(
            vacuum(["press_releases"]), vacuum([t for t in tables if t != "press_releases"])
        )
        log(f"vacuum analyze in {time.perf_counter() - started:.1f}s")
        async with pool.acquire() as conn:
            await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{marker(seed)}'")
    finally:
        await pool.close()


def migrate(url: str) -> None:
    from app import migrate as app_migrate

    app_migrate.upgrade(plain_url(url))


def ensure_loaded(url: str | None = None, *, reload: bool = False, seed: int = gen.SEED) -> None:
    """Make the bench database hold the generated data (a no-op when it already does)."""
    url = database_url(url)
    fresh = asyncio.run(_ensure_database(url, drop=False))
    migrate(url)
    if not reload and not fresh and asyncio.run(_is_loaded(url, seed)):
        log(f"{_split(url)[1]} already holds the data ({marker(seed)}); skipping the load")
        return
    started = time.perf_counter()
    if not fresh:  # start from an empty schema: drop whatever an earlier load left
        asyncio.run(_ensure_database(url, drop=True))
        migrate(url)
    log("generating data")
    data = gen.generate(seed)
    log(
        f"generated in {time.perf_counter() - started:.1f}s: "
        + ", ".join(f"{name} {count}" for name, count in data.counts().items())
    )
    asyncio.run(_load(url, data, seed))
    log(f"loaded in {time.perf_counter() - started:.1f}s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reload", action="store_true", help="drop and load again")
    parser.add_argument("--database-url", help=f"default: $BENCH_DATABASE_URL or {DEFAULT_URL}")
    parser.add_argument("--seed", type=int, default=gen.SEED)
    args = parser.parse_args(argv)
    ensure_loaded(args.database_url, reload=args.reload, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
