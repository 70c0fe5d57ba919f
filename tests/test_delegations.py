"""The delegations endpoints over HTTP, against the contract (shared API.md) and the README
(a delegation sent by an organization takes the organization's country)."""

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.delegations.models import Delegation, DelegationMember
from tests import factories
from tests.helpers_resources import DELEGATIONS, VISITS, count_rows, get_json, list_ids, patch_json
from tests.support import assert_problem, error_locs

Headers = dict[str, str]


async def stored(session: AsyncSession, delegation_id: int) -> dict[str, Any] | None:
    row = (
        await session.execute(
            select(
                Delegation.visit_id,
                Delegation.organization_id,
                Delegation.country_code,
                Delegation.head_official_id,
                Delegation.size,
                Delegation.version,
            ).where(Delegation.id == delegation_id)
        )
    ).one_or_none()
    return None if row is None else dict(row._mapping)


async def member_rows(session: AsyncSession, delegation_id: int) -> list[tuple[int, str | None]]:
    rows = await session.execute(
        select(DelegationMember.official_id, DelegationMember.role)
        .where(DelegationMember.delegation_id == delegation_id)
        .order_by(DelegationMember.id)
    )
    return [(row[0], row[1]) for row in rows]


# --- create and read ---------------------------------------------------------------------


async def test_create_full_delegation(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    visit = await factories.visit(client, editor_headers, status="published")
    ndu = await factories.organization(
        client, editor_headers, name="National Defense University", country_code="PK"
    )
    head = await factories.official(client, editor_headers)
    member = await factories.official(client, editor_headers)
    body = {
        "visit_id": visit["id"],
        "organization_id": ndu["id"],
        "country_code": "pk",
        "head_official_id": head["id"],
        "size": 12,
        "description": "Officers of the National Security Workshop.",
        "members": [
            {"official_id": head["id"], "role": "head"},
            {"official_id": member["id"]},
        ],
    }
    response = await client.post(DELEGATIONS, json=body, headers=editor_headers)

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{DELEGATIONS}/{created['id']}"
    assert response.headers["etag"].startswith('"')
    assert created["visit_id"] == visit["id"]
    assert created["organization_id"] == ndu["id"]
    assert created["country_code"] == "PK"
    assert created["head_official_id"] == head["id"]
    assert created["size"] == 12
    assert created["description"] == body["description"]
    assert created["members"] == [
        {"official_id": head["id"], "role": "head"},
        {"official_id": member["id"], "role": None},
    ]
    assert created["version"] == 1
    assert await stored(session, created["id"]) == {
        "visit_id": visit["id"],
        "organization_id": ndu["id"],
        "country_code": "PK",
        "head_official_id": head["id"],
        "size": 12,
        "version": 1,
    }
    assert await member_rows(session, created["id"]) == [(head["id"], "head"), (member["id"], None)]

    fetched = await client.get(f"{DELEGATIONS}/{created['id']}")  # anonymous, published visit
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert fetched.headers["etag"] == response.headers["etag"]
    assert (await get_json(client, f"{VISITS}/{visit['id']}"))["delegations"] == [created]


async def test_sender_needs_organization_or_country(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    visit = await factories.visit(client, editor_headers)
    for body in (
        {"visit_id": visit["id"]},
        {"visit_id": visit["id"], "organization_id": None, "country_code": None},
        {"visit_id": visit["id"], "size": 3},
    ):
        response = await client.post(DELEGATIONS, json=body, headers=editor_headers)
        assert_problem(response, 422)
    assert await count_rows(session, Delegation.id) == 0

    by_country = await factories.delegation(
        client, editor_headers, visit_id=visit["id"], country_code="jo"
    )
    assert by_country["country_code"] == "JO"
    assert by_country["organization_id"] is None


async def test_country_taken_from_organization_when_omitted(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    visit = await factories.visit(client, editor_headers)
    saudi = await factories.organization(client, editor_headers, country_code="SA")
    stateless = await factories.organization(client, editor_headers)

    inherited = await factories.delegation(
        client, editor_headers, visit_id=visit["id"], organization_id=saudi["id"]
    )
    assert inherited["country_code"] == "SA"
    row = await stored(session, inherited["id"])
    assert row is not None and row["country_code"] == "SA"

    # An explicit country wins over the organization's.
    explicit = await factories.delegation(
        client,
        editor_headers,
        visit_id=visit["id"],
        organization_id=saudi["id"],
        country_code="PK",
    )
    assert explicit["country_code"] == "PK"

    # An organization without a country gives none.
    none = await factories.delegation(
        client, editor_headers, visit_id=visit["id"], organization_id=stateless["id"]
    )
    assert none["country_code"] is None
    assert none["organization_id"] == stateless["id"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("visit_id", 987654),
        ("organization_id", 987654),
        ("head_official_id", 987654),
    ],
)
async def test_unknown_reference_is_422_naming_it(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    session: AsyncSession,
    field: str,
    value: int,
) -> None:
    visit = await factories.visit(client, editor_headers)
    body: dict[str, Any] = {"visit_id": visit["id"], "country_code": "PK", field: value}
    response = await client.post(DELEGATIONS, json=body, headers=editor_headers)
    assert ["body", field] in error_locs(assert_problem(response, 422))
    assert await count_rows(session, Delegation.id) == 0


async def test_unknown_member_is_422_naming_it(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    known = await factories.official(client, editor_headers)
    visit = await factories.visit(client, editor_headers)
    response = await client.post(
        DELEGATIONS,
        json={
            "visit_id": visit["id"],
            "country_code": "PK",
            "members": [{"official_id": known["id"]}, {"official_id": 987654}],
        },
        headers=editor_headers,
    )
    locs = error_locs(assert_problem(response, 422))
    assert ["body", "members", 1, "official_id"] in locs
    assert await count_rows(session, Delegation.id) == 0


async def test_duplicate_member_is_422(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    official = await factories.official(client, editor_headers)
    visit = await factories.visit(client, editor_headers)
    twice = [{"official_id": official["id"]}, {"official_id": official["id"], "role": "again"}]
    response = await client.post(
        DELEGATIONS,
        json={"visit_id": visit["id"], "country_code": "PK", "members": twice},
        headers=editor_headers,
    )
    assert_problem(response, 422)
    assert await count_rows(session, Delegation.id) == 0

    delegation = await factories.delegation(
        client, editor_headers, visit_id=visit["id"], members=[{"official_id": official["id"]}]
    )
    patched = await client.patch(
        f"{DELEGATIONS}/{delegation['id']}", json={"members": twice}, headers=editor_headers
    )
    assert_problem(patched, 422)
    assert await member_rows(session, delegation["id"]) == [(official["id"], None)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("size", 0),
        ("size", -1),
        ("size", "12"),
        ("country_code", "XX"),
        ("country_code", "PAK"),
        ("id", 3),
        ("version", 2),
        ("members_count", 2),
    ],
)
async def test_invalid_or_unknown_fields_are_422(
    client: httpx.AsyncClient, editor_headers: Headers, field: str, value: object
) -> None:
    visit = await factories.visit(client, editor_headers)
    body: dict[str, Any] = {"visit_id": visit["id"], "organization_id": None, "country_code": "PK"}
    body[field] = value
    response = await client.post(DELEGATIONS, json=body, headers=editor_headers)
    assert ["body", field] in error_locs(assert_problem(response, 422))


async def test_get_unknown_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{DELEGATIONS}/987654"), 404)


# --- partial update ----------------------------------------------------------------------


async def test_patch_is_partial_and_replaces_members(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    first = await factories.official(client, editor_headers)
    second = await factories.official(client, editor_headers)
    third = await factories.official(client, editor_headers)
    delegation = await factories.delegation(
        client,
        editor_headers,
        country_code="PK",
        size=5,
        description="Original",
        members=[{"official_id": first["id"], "role": "head"}, {"official_id": second["id"]}],
    )
    url = f"{DELEGATIONS}/{delegation['id']}"

    sized = await patch_json(client, url, {"size": 7}, editor_headers)
    assert sized["size"] == 7
    assert sized["members"] == delegation["members"]
    assert sized["description"] == "Original"
    assert sized["version"] == 2

    replaced = await patch_json(
        client,
        url,
        {
            "members": [
                {"official_id": third["id"]},
                {"official_id": first["id"], "role": "adviser"},
            ]
        },
        editor_headers,
    )
    assert replaced["members"] == [
        {"official_id": third["id"], "role": None},
        {"official_id": first["id"], "role": "adviser"},
    ]
    assert replaced["size"] == 7
    assert replaced["version"] == 3
    assert await member_rows(session, delegation["id"]) == [
        (third["id"], None),
        (first["id"], "adviser"),
    ]

    cleared = await patch_json(
        client, url, {"members": [], "description": None, "size": None}, editor_headers
    )
    assert cleared["members"] == []
    assert cleared["description"] is None
    assert cleared["size"] is None
    assert await member_rows(session, delegation["id"]) == []
    row = await stored(session, delegation["id"])
    assert row is not None and row["size"] is None and row["version"] == 4
    assert (await get_json(client, url, editor_headers)) == cleared


async def test_patch_cannot_remove_both_senders(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    org = await factories.organization(client, editor_headers, country_code="PK")
    delegation = await factories.delegation(client, editor_headers, organization_id=org["id"])
    url = f"{DELEGATIONS}/{delegation['id']}"

    response = await client.patch(
        url, json={"organization_id": None, "country_code": None}, headers=editor_headers
    )
    assert_problem(response, 422)
    row = await stored(session, delegation["id"])
    assert row is not None
    assert (row["organization_id"], row["country_code"], row["version"]) == (org["id"], "PK", 1)

    # Dropping one of the two is fine.
    only_country = await patch_json(client, url, {"organization_id": None}, editor_headers)
    assert (only_country["organization_id"], only_country["country_code"]) == (None, "PK")
    assert_problem(
        await client.patch(url, json={"country_code": None}, headers=editor_headers), 422
    )


async def test_patch_unknown_reference_is_422_and_changes_nothing(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    delegation = await factories.delegation(client, editor_headers)
    url = f"{DELEGATIONS}/{delegation['id']}"
    for field in ("visit_id", "organization_id", "head_official_id"):
        response = await client.patch(url, json={field: 987654}, headers=editor_headers)
        assert ["body", field] in error_locs(assert_problem(response, 422)), field
    response = await client.patch(
        url, json={"members": [{"official_id": 987654}]}, headers=editor_headers
    )
    assert ["body", "members", 0, "official_id"] in error_locs(assert_problem(response, 422))
    assert await stored(session, delegation["id"]) == {
        "visit_id": delegation["visit_id"],
        "organization_id": None,
        "country_code": "PK",
        "head_official_id": None,
        "size": None,
        "version": 1,
    }


async def test_patch_moves_delegation_to_another_visit(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    delegation = await factories.delegation(client, editor_headers)
    other = await factories.visit(client, editor_headers)
    moved = await patch_json(
        client, f"{DELEGATIONS}/{delegation['id']}", {"visit_id": other["id"]}, editor_headers
    )
    assert moved["visit_id"] == other["id"]
    old_visit = await get_json(client, f"{VISITS}/{delegation['visit_id']}", editor_headers)
    assert old_visit["delegations"] == []
    new_visit = await get_json(client, f"{VISITS}/{other['id']}", editor_headers)
    assert new_visit["delegations"] == [moved]


# --- delete ------------------------------------------------------------------------------


async def test_delete_then_404_and_members_gone(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    official = await factories.official(client, editor_headers)
    delegation = await factories.delegation(
        client, editor_headers, members=[{"official_id": official["id"]}]
    )
    url = f"{DELEGATIONS}/{delegation['id']}"

    response = await client.delete(url, headers=editor_headers)

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get(url, headers=editor_headers), 404)
    assert await stored(session, delegation["id"]) is None
    assert await member_rows(session, delegation["id"]) == []
    # The visit and the official stay.
    visit = await get_json(client, f"{VISITS}/{delegation['visit_id']}", editor_headers)
    assert visit["delegations"] == []
    assert (await client.get(f"/api/v1/officials/{official['id']}")).status_code == 200


async def test_delete_without_key_is_401(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    delegation = await factories.delegation(client, editor_headers)
    assert_problem(await client.delete(f"{DELEGATIONS}/{delegation['id']}"), 401)
    assert await stored(session, delegation["id"]) is not None


# --- list and filters --------------------------------------------------------------------


async def test_filters_visit_organization_country(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    first_visit = await factories.visit(client, editor_headers, status="published")
    second_visit = await factories.visit(client, editor_headers, status="published")
    ndu = await factories.organization(client, editor_headers, country_code="PK")
    eaf = await factories.organization(client, editor_headers, country_code="EG")

    async def delegation(**fields: Any) -> int:
        return int((await factories.delegation(client, editor_headers, **fields))["id"])

    d1 = await delegation(visit_id=first_visit["id"], organization_id=ndu["id"])  # PK
    d2 = await delegation(visit_id=first_visit["id"], country_code="JO")
    d3 = await delegation(visit_id=second_visit["id"], organization_id=eaf["id"])  # EG
    d4 = await delegation(visit_id=second_visit["id"], organization_id=ndu["id"], country_code="SA")
    d5 = await delegation(visit_id=second_visit["id"], country_code="PK")

    assert await list_ids(client, DELEGATIONS) == [d1, d2, d3, d4, d5]
    assert await list_ids(client, DELEGATIONS, {"visit_id": first_visit["id"]}) == [d1, d2]
    assert await list_ids(client, DELEGATIONS, {"visit_id": second_visit["id"]}) == [d3, d4, d5]
    assert await list_ids(client, DELEGATIONS, {"organization_id": ndu["id"]}) == [d1, d4]
    assert await list_ids(client, DELEGATIONS, {"organization_id": eaf["id"]}) == [d3]
    assert await list_ids(client, DELEGATIONS, {"country": "PK"}) == [d1, d5]
    assert await list_ids(client, DELEGATIONS, {"country": "pk"}) == [d1, d5]
    assert await list_ids(client, DELEGATIONS, {"country": "EG"}) == [d3]
    assert await list_ids(client, DELEGATIONS, {"country": "FR"}) == []
    assert await list_ids(
        client, DELEGATIONS, {"visit_id": second_visit["id"], "organization_id": ndu["id"]}
    ) == [d4]
    assert (
        await list_ids(client, DELEGATIONS, {"visit_id": first_visit["id"], "country": "EG"}) == []
    )

    counted = await client.get(DELEGATIONS, params={"country": "PK", "count": "true", "limit": 1})
    assert counted.status_code == 200
    assert counted.json()["total"] == 2
    assert [d["id"] for d in counted.json()["items"]] == [d1]
    assert counted.json()["next_cursor"]

    assert ["query", "country"] in error_locs(
        assert_problem(await client.get(DELEGATIONS, params={"country": "XX"}), 422)
    )
    assert ["query", "visit_id"] in error_locs(
        assert_problem(await client.get(DELEGATIONS, params={"visit_id": "abc"}), 422)
    )


async def test_list_walk_sees_each_once(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    visit = await factories.visit(client, editor_headers, status="published")
    made = [
        (await factories.delegation(client, editor_headers, visit_id=visit["id"]))["id"]
        for _ in range(5)
    ]
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = (await client.get(DELEGATIONS, params=params)).json()
        seen += [d["id"] for d in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == made
