"""Monthly statistics read the month counts the database keeps on every visit write
(migration 0004) when the filters allow; they must agree with counting the visits, through
creates, status changes, moved dates and deletes."""

from typing import Any

import httpx

from tests import factories

Headers = dict[str, str]
STATS = "/api/v1/stats/visits"


async def _months(client: httpx.AsyncClient, **params: str) -> tuple[dict[str, int], int]:
    response = await client.get(STATS, params={"group_by": "month", **params})
    assert response.status_code == 200, response.text
    body = response.json()
    return {b["key"]: b["count"] for b in body["buckets"]}, body["total"]


async def _both_ways(client: httpx.AsyncClient, **params: str) -> dict[str, int]:
    """The answer from the month counts, checked against counting the visits (a filter the
    month counts cannot answer, here an id that matches every visit's host, forces that)."""
    counted, total = await _months(client, **params)
    assert total == sum(counted.values())
    return counted


async def test_month_counts_follow_every_write(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    host = await factories.organization(client, editor_headers)
    hosted = {"host_organization_id": host["id"]}

    async def check(expected: dict[str, int], **params: str) -> None:
        assert await _both_ways(client, **params) == expected, params
        # The general path (a host filter: every visit here has this host) agrees.
        general, _ = await _months(client, host_organization_id=str(host["id"]), **params)
        assert general == expected, params

    may = await factories.visit(
        client, editor_headers, start_date="2031-05-08", status="published", **hosted
    )
    spanning = await factories.visit(
        client, editor_headers, start_date="2031-05-30", end_date="2031-06-02",
        status="published", **hosted,
    )  # fmt: skip
    draft = await factories.visit(client, editor_headers, start_date="2031-07-01", **hosted)
    await check({"2031-05": 2}, **{"from": "2031-01-01", "to": "2031-12-31"})
    # Overlap: the visit ending in June counts for a window starting in June, under May.
    await check({"2031-05": 1}, **{"from": "2031-06-01", "to": "2031-06-30"})

    async def patch(visit: dict[str, Any], **changes: Any) -> None:
        response = await client.patch(
            f"/api/v1/visits/{visit['id']}", json=changes, headers=editor_headers
        )
        assert response.status_code == 200, response.text

    await patch(draft, status="published")
    await check({"2031-05": 2, "2031-07": 1}, **{"from": "2031-01-01", "to": "2031-12-31"})
    await patch(may, start_date="2031-08-10")  # moved: one-day visits keep their length
    await check({"2031-05": 1, "2031-07": 1, "2031-08": 1}, **{"from": "2031-01-01"})
    await patch(spanning, status="draft")
    await check({"2031-07": 1, "2031-08": 1}, **{"from": "2031-01-01", "to": "2031-12-31"})
    response = await client.delete(f"/api/v1/visits/{draft['id']}", headers=editor_headers)
    assert response.status_code == 204
    await check({"2031-08": 1}, **{"from": "2031-01-01", "to": "2031-12-31"})
    await check({}, **{"from": "2031-09-01"})
