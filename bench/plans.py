"""The query plans of the benchmarked requests, as PostgreSQL runs them on the bench data.

    .venv/bin/python -m bench.plans [--database-url URL] [--no-write]

Runs the real app in-process against the bench database, sends one request per benchmarked
endpoint (the first path of each request file), records every statement the service sends
for it (with its parameters), and runs each again under `EXPLAIN (ANALYZE, BUFFERS)`. The
plans go into bench/README.md between the plans markers (and are printed), so that a change
of plan shows in review.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from typing import Any

import asyncpg

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
MARKS = ("<!-- bench:plans:start -->", "<!-- bench:plans:end -->")
ENDPOINTS = ("release_by_id", "visits", "release_search", "search", "stats")


async def _statements(url: str, path: str) -> list[tuple[str, tuple[Any, ...]]]:
    """(SQL, parameters) of every statement the service sends to answer `path`."""
    import httpx
    from sqlalchemy import event

    from app.config import Settings
    from app.kit.db import create_engine
    from app.kit.deps import Database
    from app.main import create_app

    sqlalchemy_url = "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    engine = create_engine(sqlalchemy_url)
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, tuple(parameters or ())))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    app = create_app(
        Settings(database_url=sqlalchemy_url, stats_cache_seconds=0),
        database=Database.for_engine(engine),
    )
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await client.get(path)  # warm: statistics read once, statements compiled
            seen.clear()
            response = await client.get(path)
            response.raise_for_status()
    finally:
        await engine.dispose()
    return seen


async def _explain(url: str, statements: list[tuple[str, tuple[Any, ...]]]) -> list[str]:
    connection = await asyncpg.connect(url, server_settings={"jit": "off"})
    try:
        out = []
        for sql, parameters in statements:
            rows = await connection.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *parameters)
            out.append("\n".join(row[0] for row in rows))
        return out
    finally:
        await connection.close()


async def collect(url: str, files: dict[str, Path]) -> str:
    sections = []
    for key in ENDPOINTS:
        path = files[key].read_text().split()[0]
        statements = await _statements(url, path)
        plans = await _explain(url, statements)
        sections.append(f"#### `{path}`\n")
        for i, ((sql, parameters), plan) in enumerate(zip(statements, plans, strict=True), 1):
            sections.append(
                f"{i}. parameters `{list(parameters)!r}`\n\n```sql\n{sql.strip()}\n```\n\n"
                f"```\n{plan}\n```\n"
            )
    return "\n".join(sections)


def write(text: str) -> None:
    start, end = MARKS
    readme = README.read_text()
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    README.write_text(f"{head}{start}\n{text}\n{end}{tail}")


def main(argv: list[str] | None = None) -> int:
    from bench import load, paths

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: $BENCH_DATABASE_URL or the bench db")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    url = load.plain_url(load.database_url(args.database_url))
    os.environ.setdefault(
        "DATABASE_URL", "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    )
    files = paths.write_paths(url, HERE / "out")
    text = asyncio.run(collect(url, files))
    print(text)
    if not args.no_write:
        write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
