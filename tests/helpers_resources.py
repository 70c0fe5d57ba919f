"""Small helpers for the resource tests (officials, visits, delegations, press releases,
drafts): list walks, id extraction, database look-ups by column."""

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

API = "/api/v1"
OFFICIALS = f"{API}/officials"
VISITS = f"{API}/visits"
DELEGATIONS = f"{API}/delegations"
RELEASES = f"{API}/press-releases"
ORGANIZATIONS = f"{API}/organizations"

Headers = Mapping[str, str]
Params = Mapping[str, str | int]


def ids(items: Sequence[Mapping[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


async def page(
    client: httpx.AsyncClient,
    url: str,
    params: Params | None = None,
    headers: Headers | None = None,
) -> dict[str, Any]:
    """One page of a list, asserting 200 and the envelope."""
    response = await client.get(url, params=dict(params or {}), headers=dict(headers or {}))
    assert response.status_code == 200, (url, params, response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("items"), list), body
    assert "next_cursor" in body, body
    return body


async def list_ids(
    client: httpx.AsyncClient,
    url: str,
    params: Params | None = None,
    headers: Headers | None = None,
) -> list[int]:
    """The ids of a whole (small) list, in the order the API gives them: one page of 100."""
    body = await page(client, url, {"limit": 100, **(params or {})}, headers)
    assert body["next_cursor"] is None, "more than one page; the test expects fewer items"
    return ids(body["items"])


async def walk(
    client: httpx.AsyncClient,
    url: str,
    params: Params | None = None,
    headers: Headers | None = None,
    *,
    limit: int = 2,
    max_pages: int = 100,
    between_pages: Any = None,
) -> list[dict[str, Any]]:
    """Every item of a list, page by page with `limit`; `between_pages(n)` (an async callable)
    runs after page n (1-based) has been read, e.g. to insert during the walk."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for number in range(1, max_pages + 1):
        query: dict[str, str | int] = {**(params or {}), "limit": limit}
        if cursor is not None:
            query["cursor"] = cursor
        body = await page(client, url, query, headers)
        assert len(body["items"]) <= limit, body
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert isinstance(cursor, str) and cursor, body
        assert body["items"], "a page with a next_cursor must not be empty"
        if between_pages is not None:
            await between_pages(number)
    raise AssertionError(f"the walk over {url} did not end after {max_pages} pages")


async def count_rows(session: AsyncSession, column: Any, *where: Any) -> int:
    """How many rows of `column`'s table match `where`, as the database holds them now."""
    return int((await session.scalar(select(func.count(column)).where(*where))) or 0)


async def column_values(
    session: AsyncSession, column: Any, *where: Any, order_by: Any = None
) -> list[Any]:
    stmt = select(column).where(*where)
    if order_by is not None:
        stmt = stmt.order_by(order_by)
    return list((await session.scalars(stmt)).all())


def utc_today() -> date:
    return datetime.now(UTC).date()


async def get_json(
    client: httpx.AsyncClient, url: str, headers: Headers | None = None
) -> dict[str, Any]:
    response = await client.get(url, headers=dict(headers or {}))
    assert response.status_code == 200, (url, response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


async def patch_json(
    client: httpx.AsyncClient, url: str, body: Mapping[str, Any], headers: Headers
) -> dict[str, Any]:
    response = await client.patch(url, json=dict(body), headers=dict(headers))
    assert response.status_code == 200, (url, body, response.status_code, response.text)
    result: dict[str, Any] = response.json()
    return result
