"""Does the floor still send the SQL the service sends? (The app changes; the floor is a copy.)

Runs the real app in-process against the bench database, records every statement SQLAlchemy
sends for one request per floor endpoint, and compares them, in order, with the floor's
statements (whitespace, parameter numbers and IN-list lengths ignored).

    .venv/bin/python -m bench.sqlcheck
"""

from __future__ import annotations

import asyncio
import re
import sys
from typing import Any

from bench import floor
from bench.load import database_url, plain_url

REQUESTS = {
    "release_by_id": "/api/v1/press-releases/{release_id}",
    "visits": "/api/v1/visits?host_organization_id={host}&from=2015-01-01&to=2025-12-31&limit=20",
    "release_search": "/api/v1/press-releases?q=cooperation",
}


def normalize(sql: str) -> str:
    text = re.sub(r"\s+", " ", sql).strip()
    text = re.sub(r"\$\d+", "$?", text)
    return re.sub(r"\$\?::INTEGER(?:, \$\?::INTEGER)+", "$?::INTEGER", text)


async def service_statements(url: str) -> dict[str, list[str]]:
    import asyncpg
    import httpx
    from sqlalchemy import event

    from app.config import Settings
    from app.kit.db import create_engine
    from app.kit.deps import Database
    from app.main import create_app

    conn = await asyncpg.connect(plain_url(url), timeout=10)
    try:
        release_id = await conn.fetchval(
            "SELECT id FROM press_releases WHERE status = 'published' ORDER BY id LIMIT 1"
        )
        host = await conn.fetchval(
            "SELECT host_organization_id FROM visits WHERE status = 'published' "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
    finally:
        await conn.close()

    sa_url = "postgresql+asyncpg://" + plain_url(url).removeprefix("postgresql://")
    engine = create_engine(sa_url)
    recorded: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        recorded.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    app = create_app(Settings(database_url=sa_url), database=Database.for_engine(engine))
    out: dict[str, list[str]] = {}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for key, template in REQUESTS.items():
                path = template.format(release_id=release_id, host=host)
                recorded.clear()
                response = await client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}")
                out[key] = [s for s in recorded if not s.strip().upper().startswith("SELECT 1")]
    finally:
        await engine.dispose()
    return out


def compare(url: str | None = None) -> list[str]:
    """Differences between the service's and the floor's statements (empty: in step)."""
    service = asyncio.run(service_statements(database_url(url)))
    problems = []
    for key, theirs in service.items():
        a = [normalize(s) for s in theirs]
        b = [normalize(s) for s in floor.sample_statements()[key]]
        if a == b:
            continue
        pairs = enumerate(zip(a, b, strict=False))
        index = next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))
        problems.append(
            f"{key}: the service sends {len(a)} statement(s), the floor {len(b)}; "
            f"statement {index + 1} differs:\n"
            f"  service: {a[index] if index < len(a) else '(none)'}\n"
            f"  floor:   {b[index] if index < len(b) else '(none)'}"
        )
    return problems


def main() -> int:
    problems = compare()
    for problem in problems:
        print(problem)
    if not problems:
        print("the floor sends the same statements as the service")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
