"""Load the generated data into the bench's PostgreSQL database, fast, with COPY.

    .venv/bin/python -m bench.load [--reload] [--database-url URL] [--size 2m]

The database (default `postgresql://postgres@127.0.0.1:5432/communique_bench`, or
$BENCH_DATABASE_URL) is created if missing and migrated with `app.migrate.upgrade`. If it
already holds this data version (a marker in the database's comment and the expected row
counts) nothing is loaded. Otherwise it is dropped, recreated, migrated, and every table is
filled with asyncpg's `copy_records_to_table` (secondary indexes are dropped first and rebuilt
from their own definitions afterwards, which is several times faster than maintaining them
row by row), then sequences are moved past the loaded ids and the tables are VACUUM ANALYZEd.
The rows are generated batch by batch while the previous batch is being COPYed, so memory
stays bounded whatever the size.

`--size` (default 200k, the data set `make bench` uses) loads another size into its own
database beside the bench database: `communique_bench_20k`, `communique_bench_2m`. Run under
`nice`, the loader also renices its PostgreSQL backends and builds indexes without parallel
workers, so a long load stays in the background of a shared machine.

$DATABASE_URL is deliberately not used: in a developer's shell it names their working database,
and a (re)load drops the database it loads into. The loader refuses to drop a database whose
name does not contain "bench".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections import Counter
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


def size_url(url: str, sizes: gen.Sizes) -> str:
    """The database of a size: `url` itself for the default size, `<name>_<label>` beside it
    for the others (communique_bench_20k, communique_bench_2m)."""
    if sizes == gen.DEFAULT_SIZES:
        return url
    parts = urlsplit(plain_url(url))
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path=f"/{name}_{sizes.label}"))


def marker(seed: int = gen.SEED, sizes: gen.Sizes = gen.DEFAULT_SIZES) -> str:
    text = (
        f"communique-bench data v{gen.DATA_VERSION} seed={seed} "
        f"releases={sizes.releases} visits={sizes.visits}"
    )
    fixed = gen.DEFAULT_SIZES
    if (sizes.organizations, sizes.officials) != (fixed.organizations, fixed.officials):
        text += f" organizations={sizes.organizations} officials={sizes.officials}"
    return text


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


async def _is_loaded(url: str, seed: int, sizes: gen.Sizes = gen.DEFAULT_SIZES) -> bool:
    _, name = _split(url)
    conn = await asyncpg.connect(plain_url(url), timeout=10)
    try:
        comment = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            name,
        )
        if comment != marker(seed, sizes):
            return False
        releases = await conn.fetchval("SELECT count(*) FROM press_releases")
        visits = await conn.fetchval("SELECT count(*) FROM visits")
        return releases == sizes.releases and visits == sizes.visits
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await conn.close()


async def _copy(pool: asyncpg.Pool, table: str, rows: list[tuple[object, ...]]) -> None:
    async with pool.acquire() as conn:
        await conn.copy_records_to_table(table, records=rows, columns=list(gen.COLUMNS[table]))


async def _copy_all(pool: asyncpg.Pool, seed: int, sizes: gen.Sizes) -> None:
    """COPY the generated batches in order; the next batch is generated (in a thread) while
    the current one is being copied."""
    stream = gen.batches(seed, sizes=sizes)
    rows_by_table: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    step = max(sizes.releases // 10, 1)
    pending = asyncio.ensure_future(asyncio.to_thread(next, stream, None))
    while (item := await pending) is not None:
        pending = asyncio.ensure_future(asyncio.to_thread(next, stream, None))
        table, rows = item
        started = time.perf_counter()
        if table == "press_releases":
            # Two connections (two cores computing the generated tsvectors). Split by
            # visit parity so a translation and its original land in the same COPY.
            first = [r for r in rows if (r[9] or r[0]) % 2 == 0]
            second = [r for r in rows if (r[9] or r[0]) % 2 == 1]
            await asyncio.gather(_copy(pool, table, first), _copy(pool, table, second))
        else:
            await _copy(pool, table, rows)
        seconds[table] += time.perf_counter() - started
        before = rows_by_table[table]
        rows_by_table[table] += len(rows)
        if table == "press_releases" and rows_by_table[table] // step > before // step:
            log(f"  {rows_by_table[table]:,} of {sizes.releases:,} releases copied")
    for table in gen.LOAD_ORDER:
        log(f"  {table:22} {rows_by_table[table]:>10} rows  {seconds[table]:7.1f}s copying")


def _renice(pid: int, niceness: int) -> None:
    # Not permitted (another user's process without privilege): left as it is.
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, pid, niceness)


async def _load(url: str, seed: int, sizes: gen.Sizes) -> None:
    _, name = _split(url)
    tables = list(gen.LOAD_ORDER)
    settings = {"maintenance_work_mem": "512MB", "synchronous_commit": "off"}
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness > 0:
        # Run under `nice`: PostgreSQL's share of the load (tsvectors, index builds) too, in
        # the two reniced backends rather than in parallel workers the renice cannot reach.
        settings["max_parallel_maintenance_workers"] = "0"
        log(f"running at niceness {niceness}: renicing this load's PostgreSQL backends")

    async def init(conn: asyncpg.Connection) -> None:
        if niceness > 0:
            _renice(await conn.fetchval("SELECT pg_backend_pid()"), niceness)

    pool = await asyncpg.create_pool(
        plain_url(url), min_size=2, max_size=2, server_settings=settings, init=init
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
        log(f"generating and copying {sizes}")
        await _copy_all(pool, seed, sizes)
        log(f"generated and copied in {time.perf_counter() - started:.1f}s")

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
            await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{marker(seed, sizes)}'")
    finally:
        await pool.close()


def migrate(url: str) -> None:
    from app import migrate as app_migrate

    app_migrate.upgrade(plain_url(url))


def ensure_loaded(
    url: str | None = None,
    *,
    reload: bool = False,
    seed: int = gen.SEED,
    sizes: gen.Sizes = gen.DEFAULT_SIZES,
) -> float | None:
    """Make the database `url` hold the generated data of `sizes` (a no-op when it already
    does). Returns how many seconds loading took, None when nothing was loaded."""
    url = database_url(url)
    fresh = asyncio.run(_ensure_database(url, drop=False))
    migrate(url)
    if not reload and not fresh and asyncio.run(_is_loaded(url, seed, sizes)):
        log(f"{_split(url)[1]} already holds the data ({marker(seed, sizes)}); skipping the load")
        return None
    started = time.perf_counter()
    if not fresh:  # start from an empty schema: drop whatever an earlier load left
        asyncio.run(_ensure_database(url, drop=True))
        migrate(url)
    asyncio.run(_load(url, seed, sizes))
    elapsed = time.perf_counter() - started
    log(f"loaded {_split(url)[1]} in {elapsed:.1f}s")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reload", action="store_true", help="drop and load again")
    parser.add_argument("--database-url", help=f"default: $BENCH_DATABASE_URL or {DEFAULT_URL}")
    parser.add_argument("--seed", type=int, default=gen.SEED)
    parser.add_argument(
        "--size",
        default=gen.DEFAULT_SIZES.label,
        help="releases (20k, 200k, 2m…); sizes other than 200k go into <database>_<size>",
    )
    args = parser.parse_args(argv)
    sizes = gen.Sizes.for_label(args.size)
    url = size_url(database_url(args.database_url), sizes)
    ensure_loaded(url, reload=args.reload, seed=args.seed, sizes=sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
