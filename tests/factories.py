"""Create resources through the HTTP API, with sensible defaults a test can override.

Each helper posts to its collection, asserts `201`, and returns the created resource as JSON.
Names are made unique per call, so tests never trip over the "same name in the same country"
rule by accident.
"""

from collections.abc import Mapping
from itertools import count
from typing import Any

import httpx

API = "/api/v1"
_serial = count(1)

Headers = Mapping[str, str]


def unique(prefix: str) -> str:
    return f"{prefix} {next(_serial)}"


async def create(
    client: httpx.AsyncClient, headers: Headers, path: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    response = await client.post(f"{API}/{path}", json=dict(body), headers=dict(headers))
    assert response.status_code == 201, (path, response.status_code, response.text)
    created: dict[str, Any] = response.json()
    assert response.headers.get("location") == f"{API}/{path}/{created['id']}", response.headers
    return created


async def organization(
    client: httpx.AsyncClient, headers: Headers, **overrides: Any
) -> dict[str, Any]:
    body = {"name": unique("Test Organization"), "kind": "ministry", **overrides}
    return await create(client, headers, "organizations", body)


async def official(client: httpx.AsyncClient, headers: Headers, **overrides: Any) -> dict[str, Any]:
    body = {"name": unique("Test Official"), **overrides}
    return await create(client, headers, "officials", body)


async def visit(client: httpx.AsyncClient, headers: Headers, **overrides: Any) -> dict[str, Any]:
    """A visit; hosted by a new organization unless `host_organization_id` is given."""
    if "host_organization_id" not in overrides:
        overrides["host_organization_id"] = (await organization(client, headers))["id"]
    body = {"title": unique("Test visit"), "start_date": "2023-05-08", **overrides}
    return await create(client, headers, "visits", body)


async def delegation(
    client: httpx.AsyncClient, headers: Headers, **overrides: Any
) -> dict[str, Any]:
    """A delegation (sent by Pakistan unless an organization or country is given) to a new
    visit unless `visit_id` is given."""
    if "visit_id" not in overrides:
        overrides["visit_id"] = (await visit(client, headers))["id"]
    if "organization_id" not in overrides and "country_code" not in overrides:
        overrides["country_code"] = "PK"
    return await create(client, headers, "delegations", overrides)


async def press_release(
    client: httpx.AsyncClient, headers: Headers, **overrides: Any
) -> dict[str, Any]:
    body = {
        "title": unique("Test press release"),
        "body": "A delegation visited the coalition.",
        "language": "en",
        **overrides,
    }
    return await create(client, headers, "press-releases", body)
