"""The floor: the least a Python server must do to answer three of the service's requests.

A bare ASGI app (no framework, no ORM, no validation library) on uvicorn, with an asyncpg
pool and orjson. It runs the very SQL statements the service sends for each request (copied
from SQLAlchemy's echo against the bench database; `bench.sqlcheck` verifies they have not
drifted), as many of them, with the same parameters, and answers the same JSON:

    GET /api/v1/press-releases/{id}                         (with visit_ids and an ETag)
    GET /api/v1/visits?host_organization_id=…&from=…&to=…&limit=…   (topics, participants,
        delegations with members, press_release_ids: six statements, like the service)
    GET /api/v1/press-releases?q=…&limit=…                   (first page, newest first)

What it leaves out on purpose is what the floor is a floor of: the ORM's identity map and
loader machinery, pydantic models, FastAPI's dependency injection and validation, and the
session's BEGIN/ROLLBACK and pool pre-ping round trips. Anonymous reads only (published rows).

    uvicorn bench.floor:app --workers 2 --port 8101   ($BENCH_DATABASE_URL picks the database)
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import date
from typing import Any
from urllib.parse import parse_qs

import asyncpg
import orjson

PUBLISHED = "published"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/communique_bench"
OPTIONS = orjson.OPT_UTC_Z


def _ids(first: int, count: int) -> str:
    """An IN list of `count` integer parameters starting at $first (as SQLAlchemy renders)."""
    return ", ".join(f"${n}::INTEGER" for n in range(first, first + count))


# --- The service's statements (SQLAlchemy 2 echo, asyncpg dialect) ---------------------------

RELEASE_COLUMNS = (
    "press_releases.id, press_releases.version, press_releases.created_at, "
    "press_releases.updated_at, press_releases.title, press_releases.body, "
    "press_releases.language, press_releases.status, press_releases.published_on, "
    "press_releases.dateline, press_releases.source_url, press_releases.issuer_organization_id, "
    "press_releases.translation_of_id"
)

SQL_RELEASE_BY_ID = (
    f"SELECT {RELEASE_COLUMNS} \nFROM press_releases \n"
    "WHERE press_releases.id = $1::INTEGER AND press_releases.status = $2::VARCHAR"
)


def sql_release_visits(count: int) -> str:
    return (
        "SELECT release_visits.press_release_id, visits.id \n"
        "FROM release_visits JOIN visits ON visits.id = release_visits.visit_id "
        "AND visits.status = $1::VARCHAR \n"
        f"WHERE release_visits.press_release_id IN ({_ids(2, count)}) ORDER BY visits.id"
    )


SQL_RELEASE_SEARCH = (
    f"SELECT {RELEASE_COLUMNS} \nFROM press_releases \n"
    "WHERE (press_releases.search_vector @@ cq_tsquery($1::VARCHAR)) "
    "AND press_releases.status = $2::VARCHAR "
    "ORDER BY press_releases.published_on DESC NULLS FIRST, press_releases.id DESC \n"
    " LIMIT $3::INTEGER"
)

SQL_VISITS = (
    "SELECT visits.id, visits.version, visits.created_at, visits.updated_at, visits.title, "
    "visits.status, visits.start_date, visits.end_date, visits.date_precision, visits.city, "
    "visits.country_code, visits.venue, visits.host_organization_id, visits.summary "
    "\nFROM visits \n"
    "WHERE visits.end_date >= $1::DATE AND visits.start_date <= $2::DATE "
    "AND visits.host_organization_id = $3::INTEGER AND visits.status = $4::VARCHAR "
    "ORDER BY visits.start_date DESC, visits.id DESC \n LIMIT $5::INTEGER"
)


def sql_topics(count: int) -> str:
    return (
        "SELECT visit_topics.visit_id, visit_topics.topic \nFROM visit_topics \n"
        f"WHERE visit_topics.visit_id IN ({_ids(1, count)}) ORDER BY visit_topics.topic"
    )


def sql_participants(count: int) -> str:
    return (
        "SELECT participants.visit_id, participants.official_id, participants.side, "
        "participants.role \nFROM participants \n"
        f"WHERE participants.visit_id IN ({_ids(1, count)}) ORDER BY participants.id"
    )


def sql_delegations(count: int) -> str:
    return (
        "SELECT delegations.visit_id, delegations.id, delegations.version, "
        "delegations.created_at, delegations.updated_at, delegations.visit_id AS visit_id__1, "
        "delegations.organization_id, delegations.country_code, delegations.head_official_id, "
        "delegations.size, delegations.description \nFROM delegations \n"
        f"WHERE delegations.visit_id IN ({_ids(3, count)}) "
        "AND delegations.visit_id IN (SELECT visits.id \nFROM visits \n"
        "WHERE visits.status = $1::VARCHAR AND visits.status = $2::VARCHAR) "
        "ORDER BY delegations.id"
    )


def sql_members(count: int) -> str:
    return (
        "SELECT delegation_members.delegation_id, delegation_members.official_id, "
        "delegation_members.role \nFROM delegation_members \n"
        f"WHERE delegation_members.delegation_id IN ({_ids(1, count)}) "
        "ORDER BY delegation_members.id"
    )


def sql_visit_releases(count: int) -> str:
    return (
        "SELECT release_visits.visit_id, press_releases.id \n"
        "FROM release_visits JOIN press_releases ON press_releases.id = "
        "release_visits.press_release_id AND press_releases.status = $1::VARCHAR \n"
        f"WHERE release_visits.visit_id IN ({_ids(2, count)}) ORDER BY press_releases.id"
    )


def sample_statements() -> dict[str, list[str]]:
    """The statements the floor sends per endpoint, in order, for a two-row page (for
    bench.sqlcheck to compare with what the service sends)."""
    return {
        "release_by_id": [SQL_RELEASE_BY_ID, sql_release_visits(1)],
        "visits": [
            SQL_VISITS,
            sql_topics(2),
            sql_participants(2),
            sql_delegations(2),
            sql_members(2),
            sql_visit_releases(2),
        ],
        "release_search": [SQL_RELEASE_SEARCH, sql_release_visits(2)],
    }


# --- Responses ---------------------------------------------------------------------------


def encode_cursor(values: list[Any]) -> str:
    raw = orjson.dumps(values, default=lambda v: v.isoformat())
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def release_json(row: asyncpg.Record, visit_ids: list[int]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "title": row["title"],
        "body": row["body"],
        "language": row["language"],
        "status": row["status"],
        "published_on": row["published_on"],
        "dateline": row["dateline"],
        "source_url": row["source_url"],
        "issuer_organization_id": row["issuer_organization_id"],
        "translation_of_id": row["translation_of_id"],
        "visit_ids": visit_ids,
    }


async def release_by_id(pool: asyncpg.Pool, release_id: int) -> bytes | None:
    async with pool.acquire() as conn:
        row = await conn.fetchrow(SQL_RELEASE_BY_ID, release_id, PUBLISHED)
        if row is None:
            return None
        links = await conn.fetch(sql_release_visits(1), PUBLISHED, release_id)
    return orjson.dumps(release_json(row, [link[1] for link in links]), option=OPTIONS)


async def release_search(pool: asyncpg.Pool, q: str, limit: int) -> bytes:
    async with pool.acquire() as conn:
        rows = await conn.fetch(SQL_RELEASE_SEARCH, q, PUBLISHED, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        visit_ids: dict[int, list[int]] = {row["id"]: [] for row in rows}
        if rows:
            ids = list(visit_ids)
            for release_id, visit_id in await conn.fetch(
                sql_release_visits(len(ids)), PUBLISHED, *ids
            ):
                visit_ids[release_id].append(visit_id)
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor(["-published_on", last["published_on"], last["id"]])
    page = {
        "items": [release_json(row, visit_ids[row["id"]]) for row in rows],
        "next_cursor": next_cursor,
    }
    return orjson.dumps(page, option=OPTIONS)


async def visits(pool: asyncpg.Pool, host: int, from_: date, to: date, limit: int) -> bytes:
    async with pool.acquire() as conn:
        rows = await conn.fetch(SQL_VISITS, from_, to, host, PUBLISHED, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        items: dict[int, dict[str, Any]] = {}
        for row in rows:
            items[row["id"]] = {
                "id": row["id"],
                "version": row["version"],
                "created_at": row["created_at"],
                "updated_at": row["updated_at"],
                "title": row["title"],
                "status": row["status"],
                "start_date": row["start_date"],
                "end_date": row["end_date"],
                "date_precision": row["date_precision"],
                "city": row["city"],
                "country_code": row["country_code"],
                "venue": row["venue"],
                "host_organization_id": row["host_organization_id"],
                "summary": row["summary"],
                "topics": [],
                "participants": [],
                "delegations": [],
                "press_release_ids": [],
            }
        if items:
            ids = list(items)
            n = len(ids)
            for visit_id, topic in await conn.fetch(sql_topics(n), *ids):
                items[visit_id]["topics"].append(topic)
            for p in await conn.fetch(sql_participants(n), *ids):
                items[p["visit_id"]]["participants"].append(
                    {"official_id": p["official_id"], "side": p["side"], "role": p["role"]}
                )
            delegations: dict[int, dict[str, Any]] = {}
            for d in await conn.fetch(sql_delegations(n), PUBLISHED, PUBLISHED, *ids):
                delegation = {
                    "id": d["id"],
                    "version": d["version"],
                    "created_at": d["created_at"],
                    "updated_at": d["updated_at"],
                    "visit_id": d["visit_id"],
                    "organization_id": d["organization_id"],
                    "country_code": d["country_code"],
                    "head_official_id": d["head_official_id"],
                    "size": d["size"],
                    "description": d["description"],
                    "members": [],
                }
                delegations[d["id"]] = delegation
                items[d["visit_id"]]["delegations"].append(delegation)
            if delegations:
                delegation_ids = list(delegations)
                for m in await conn.fetch(sql_members(len(delegation_ids)), *delegation_ids):
                    delegations[m["delegation_id"]]["members"].append(
                        {"official_id": m["official_id"], "role": m["role"]}
                    )
            for visit_id, release_id in await conn.fetch(sql_visit_releases(n), PUBLISHED, *ids):
                items[visit_id]["press_release_ids"].append(release_id)
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = encode_cursor(["-start_date", last["start_date"], last["id"]])
    return orjson.dumps({"items": list(items.values()), "next_cursor": next_cursor}, option=OPTIONS)


# --- ASGI ----------------------------------------------------------------------------------

JSON_HEADERS = [(b"content-type", b"application/json")]
NOT_FOUND = orjson.dumps(
    {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Not found."}
)
BAD_REQUEST = orjson.dumps(
    {"type": "about:blank", "title": "Bad Request", "status": 422, "detail": "Bad parameters."}
)


class Floor:
    def __init__(self) -> None:
        self.pool: asyncpg.Pool | None = None

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
                url = url.replace("postgresql+asyncpg://", "postgresql://")
                self.pool = await asyncpg.create_pool(
                    url,
                    min_size=2,
                    max_size=int(os.environ.get("FLOOR_POOL_SIZE", "20")),
                    server_settings={"jit": "off"},
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        assert self.pool is not None
        path: str = scope["path"]
        query = parse_qs(scope["query_string"].decode("latin-1"))
        status, body, headers = 200, b"", JSON_HEADERS
        try:
            if path.startswith("/api/v1/press-releases/"):
                found = await release_by_id(self.pool, int(path.rsplit("/", 1)[1]))
                if found is None:
                    status, body = 404, NOT_FOUND
                else:
                    etag = '"' + hashlib.blake2b(found, digest_size=16).hexdigest() + '"'
                    body, headers = found, [*JSON_HEADERS, (b"etag", etag.encode())]
            elif path == "/api/v1/press-releases" and "q" in query:
                body = await release_search(
                    self.pool, query["q"][0], int(query.get("limit", ["20"])[0])
                )
            elif path == "/api/v1/visits":
                body = await visits(
                    self.pool,
                    int(query["host_organization_id"][0]),
                    date.fromisoformat(query["from"][0]),
                    date.fromisoformat(query["to"][0]),
                    int(query.get("limit", ["20"])[0]),
                )
            elif path in ("/ready", "/health"):
                async with self.pool.acquire() as conn:
                    await conn.fetchval("SELECT 1")
                body = b'{"status":"ok"}'
            else:
                status, body = 404, NOT_FOUND
        except (KeyError, ValueError):
            status, body = 422, BAD_REQUEST
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


app = Floor()
