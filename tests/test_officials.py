"""The officials endpoints over HTTP, against the contract (shared API.md)."""

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.officials.models import Official, OfficialAlias, Position
from tests import factories
from tests.helpers_resources import (
    OFFICIALS,
    column_values,
    count_rows,
    get_json,
    ids,
    list_ids,
    patch_json,
    walk,
)
from tests.support import assert_problem, error_locs

Headers = dict[str, str]


async def stored(session: AsyncSession, official_id: int) -> dict[str, Any] | None:
    row = (
        await session.execute(
            select(
                Official.name, Official.honorific, Official.country_code, Official.version
            ).where(Official.id == official_id)
        )
    ).one_or_none()
    return None if row is None else dict(row._mapping)


async def alias_rows(session: AsyncSession, official_id: int) -> list[tuple[str, str | None]]:
    rows = await session.execute(
        select(OfficialAlias.name, OfficialAlias.language)
        .where(OfficialAlias.official_id == official_id)
        .order_by(OfficialAlias.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def position_rows(session: AsyncSession, official_id: int) -> list[tuple[Any, ...]]:
    rows = await session.execute(
        select(Position.organization_id, Position.title, Position.acting)
        .where(Position.official_id == official_id)
        .order_by(Position.id)
    )
    return [tuple(row) for row in rows]


# --- create and read ---------------------------------------------------------------------


async def test_create_full_official(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    imctc = await factories.organization(client, editor_headers, name="IMCTC", country_code="SA")
    body = {
        "name": "Mohammad bin Saeed Al-Moghidi",
        "honorific": "Major General",
        "country_code": "sa",
        "aliases": [
            {"name": "Mohammed bin Saeed Al-Moghedi", "language": "en"},
            {"name": "محمد بن سعيد المغيدي", "language": "AR"},
        ],
        "positions": [
            {
                "organization_id": imctc["id"],
                "title": "Secretary-General",
                "acting": False,
                "start_date": "2020-01-01",
                "end_date": None,
            },
            {"title": "Retired officer", "acting": True},
        ],
    }
    response = await client.post(OFFICIALS, json=body, headers=editor_headers)

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{OFFICIALS}/{created['id']}"
    assert response.headers["etag"].startswith('"')
    assert created["name"] == body["name"]
    assert created["honorific"] == "Major General"
    assert created["country_code"] == "SA"
    assert created["aliases"] == [
        {"name": "Mohammed bin Saeed Al-Moghedi", "language": "en"},
        {"name": "محمد بن سعيد المغيدي", "language": "ar"},
    ]
    assert created["positions"] == [
        {
            "organization_id": imctc["id"],
            "title": "Secretary-General",
            "acting": False,
            "start_date": "2020-01-01",
            "end_date": None,
        },
        {
            "organization_id": None,
            "title": "Retired officer",
            "acting": True,
            "start_date": None,
            "end_date": None,
        },
    ]
    assert created["version"] == 1
    for field in ("created_at", "updated_at"):
        assert created[field].endswith(("Z", "+00:00")), created[field]

    assert await stored(session, created["id"]) == {
        "name": body["name"],
        "honorific": "Major General",
        "country_code": "SA",
        "version": 1,
    }
    assert await alias_rows(session, created["id"]) == [
        ("Mohammed bin Saeed Al-Moghedi", "en"),
        ("محمد بن سعيد المغيدي", "ar"),
    ]
    assert await position_rows(session, created["id"]) == [
        (imctc["id"], "Secretary-General", False),
        (None, "Retired officer", True),
    ]

    fetched = await client.get(f"{OFFICIALS}/{created['id']}")  # anonymous
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert fetched.headers["etag"] == response.headers["etag"]


async def test_create_minimal_defaults(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    created = await factories.official(client, editor_headers, name="Ahmed Khan")
    assert created["name"] == "Ahmed Khan"
    assert created["honorific"] is None
    assert created["country_code"] is None
    assert created["aliases"] == []
    assert created["positions"] == []


async def test_name_is_required(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    body = assert_problem(
        await client.post(OFFICIALS, json={"honorific": "General"}, headers=editor_headers), 422
    )
    assert ["body", "name"] in error_locs(body)
    assert await count_rows(session, Official.id) == 0


@pytest.mark.parametrize("field", ["id", "version", "created_at", "rank", "organization_id"])
async def test_unknown_or_server_owned_field_is_422(
    client: httpx.AsyncClient, editor_headers: Headers, field: str
) -> None:
    response = await client.post(
        OFFICIALS, json={"name": "Someone", field: 1}, headers=editor_headers
    )
    body = assert_problem(response, 422)
    assert ["body", field] in error_locs(body)


async def test_get_unknown_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{OFFICIALS}/987654"), 404)


async def test_write_without_key_is_401(client: httpx.AsyncClient, session: AsyncSession) -> None:
    response = await client.post(OFFICIALS, json={"name": "Nobody"})
    assert_problem(response, 401)
    assert await count_rows(session, Official.id) == 0


# --- positions ---------------------------------------------------------------------------


async def test_position_end_before_start_is_422(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    body = {
        "name": "Backwards",
        "positions": [{"title": "Chief", "start_date": "2022-05-02", "end_date": "2022-05-01"}],
    }
    problem = assert_problem(await client.post(OFFICIALS, json=body, headers=editor_headers), 422)
    assert any(loc[:3] == ["body", "positions", 0] for loc in error_locs(problem)), problem
    assert await count_rows(session, Official.id) == 0


async def test_position_end_equal_to_start_is_allowed(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    official = await factories.official(
        client,
        editor_headers,
        positions=[{"title": "Interim", "start_date": "2022-05-01", "end_date": "2022-05-01"}],
    )
    assert official["positions"][0]["end_date"] == "2022-05-01"


async def test_position_end_before_start_on_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    official = await factories.official(client, editor_headers, positions=[{"title": "Chief"}])
    response = await client.patch(
        f"{OFFICIALS}/{official['id']}",
        json={
            "positions": [
                {"title": "Chief"},
                {"title": "Deputy", "start_date": "2021-01-10", "end_date": "2020-12-31"},
            ]
        },
        headers=editor_headers,
    )
    problem = assert_problem(response, 422)
    assert any(loc[:3] == ["body", "positions", 1] for loc in error_locs(problem)), problem
    assert await position_rows(session, official["id"]) == [(None, "Chief", False)]
    assert (await stored(session, official["id"]))["version"] == 1  # type: ignore[index]


@pytest.mark.parametrize("value", ["08-5-2023", "2023-05-08T00:00:00", 20230508, "2023-02-30"])
async def test_position_dates_are_strict(
    client: httpx.AsyncClient, editor_headers: Headers, value: object
) -> None:
    response = await client.post(
        OFFICIALS,
        json={"name": "Strict", "positions": [{"title": "Chief", "start_date": value}]},
        headers=editor_headers,
    )
    problem = assert_problem(response, 422)
    assert any(loc[:4] == ["body", "positions", 0, "start_date"] for loc in error_locs(problem)), (
        problem
    )


async def test_position_at_unknown_organization_is_422_naming_it(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    response = await client.post(
        OFFICIALS,
        json={"name": "Ghost", "positions": [{"organization_id": 987654, "title": "Director"}]},
        headers=editor_headers,
    )
    problem = assert_problem(response, 422)
    assert ["body", "positions", 0, "organization_id"] in error_locs(problem)
    assert await count_rows(session, Official.id) == 0
    assert await count_rows(session, Position.id) == 0


async def test_position_at_unknown_organization_on_patch_is_422_naming_it(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    org = await factories.organization(client, editor_headers)
    official = await factories.official(
        client, editor_headers, positions=[{"organization_id": org["id"], "title": "Chief"}]
    )
    response = await client.patch(
        f"{OFFICIALS}/{official['id']}",
        json={
            "positions": [
                {"organization_id": org["id"], "title": "Chief"},
                {"organization_id": 987654, "title": "Adviser"},
            ]
        },
        headers=editor_headers,
    )
    problem = assert_problem(response, 422)
    assert ["body", "positions", 1, "organization_id"] in error_locs(problem)
    assert ["body", "positions", 0, "organization_id"] not in error_locs(problem)
    assert await position_rows(session, official["id"]) == [(org["id"], "Chief", False)]


# --- partial update ----------------------------------------------------------------------


async def test_patch_replaces_aliases_and_positions_as_whole_lists(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    first = await factories.organization(client, editor_headers)
    second = await factories.organization(client, editor_headers)
    official = await factories.official(
        client,
        editor_headers,
        name="Al-Moghidi",
        honorific="Major General",
        aliases=[{"name": "Al-Moghedi", "language": "en"}, {"name": "Al-Mughaidi"}],
        positions=[
            {"organization_id": first["id"], "title": "Secretary-General"},
            {"organization_id": second["id"], "title": "Adviser"},
        ],
    )
    url = f"{OFFICIALS}/{official['id']}"

    # Only the name: the lists stay as they are.
    renamed = await patch_json(client, url, {"name": "Mohammad Al-Moghidi"}, editor_headers)
    assert renamed["name"] == "Mohammad Al-Moghidi"
    assert renamed["aliases"] == official["aliases"]
    assert renamed["positions"] == official["positions"]
    assert renamed["honorific"] == "Major General"
    assert renamed["version"] == 2

    # Aliases sent: replaced as a whole (not merged), positions untouched.
    aliased = await patch_json(
        client, url, {"aliases": [{"name": "المغيدي", "language": "ar"}]}, editor_headers
    )
    assert aliased["aliases"] == [{"name": "المغيدي", "language": "ar"}]
    assert aliased["positions"] == official["positions"]
    assert aliased["version"] == 3
    assert await alias_rows(session, official["id"]) == [("المغيدي", "ar")]

    # Positions sent: replaced as a whole; an entry sent again is kept once.
    positioned = await patch_json(
        client,
        url,
        {
            "positions": [
                {"organization_id": second["id"], "title": "Adviser"},
                {"title": "Chairman", "acting": True, "start_date": "2024-01-01"},
            ]
        },
        editor_headers,
    )
    assert [p["title"] for p in positioned["positions"]] == ["Adviser", "Chairman"]
    assert positioned["positions"][1] == {
        "organization_id": None,
        "title": "Chairman",
        "acting": True,
        "start_date": "2024-01-01",
        "end_date": None,
    }
    assert positioned["aliases"] == [{"name": "المغيدي", "language": "ar"}]
    assert await position_rows(session, official["id"]) == [
        (second["id"], "Adviser", False),
        (None, "Chairman", True),
    ]

    # Empty lists clear them; null clears a nullable field.
    cleared = await patch_json(
        client, url, {"aliases": [], "positions": [], "honorific": None}, editor_headers
    )
    assert cleared["aliases"] == []
    assert cleared["positions"] == []
    assert cleared["honorific"] is None
    assert await alias_rows(session, official["id"]) == []
    assert await position_rows(session, official["id"]) == []
    row = await stored(session, official["id"])
    assert row is not None and row["honorific"] is None and row["version"] == 5

    assert (await get_json(client, url)) == cleared


@pytest.mark.parametrize("field", ["name", "aliases", "positions"])
async def test_patch_null_on_required_field_is_422(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession, field: str
) -> None:
    official = await factories.official(client, editor_headers, aliases=[{"name": "Other"}])
    response = await client.patch(
        f"{OFFICIALS}/{official['id']}", json={field: None}, headers=editor_headers
    )
    assert_problem(response, 422)
    row = await stored(session, official["id"])
    assert row is not None and row["name"] == official["name"] and row["version"] == 1
    assert await alias_rows(session, official["id"]) == [("Other", None)]


async def test_patch_unknown_field_is_422(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    official = await factories.official(client, editor_headers)
    response = await client.patch(
        f"{OFFICIALS}/{official['id']}", json={"version": 7}, headers=editor_headers
    )
    assert ["body", "version"] in error_locs(assert_problem(response, 422))


# --- list and filters --------------------------------------------------------------------


async def test_list_walk_in_id_order(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    created = [(await factories.official(client, editor_headers))["id"] for _ in range(5)]
    seen = [item["id"] for item in await walk(client, OFFICIALS, limit=2)]
    assert seen == created


async def test_filter_by_organization_id_holds_a_position_there(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    imctc = await factories.organization(client, editor_headers)
    ndu = await factories.organization(client, editor_headers)
    at_imctc = await factories.official(
        client, editor_headers, positions=[{"organization_id": imctc["id"], "title": "SG"}]
    )
    at_ndu = await factories.official(
        client, editor_headers, positions=[{"organization_id": ndu["id"], "title": "President"}]
    )
    at_both = await factories.official(
        client,
        editor_headers,
        positions=[
            {"organization_id": ndu["id"], "title": "Lecturer"},
            {"organization_id": imctc["id"], "title": "Adviser", "acting": True},
        ],
    )
    await factories.official(client, editor_headers)  # no position
    await factories.official(client, editor_headers, positions=[{"title": "Freelance"}])

    assert await list_ids(client, OFFICIALS, {"organization_id": imctc["id"]}) == [
        at_imctc["id"],
        at_both["id"],
    ]
    assert await list_ids(client, OFFICIALS, {"organization_id": ndu["id"]}) == [
        at_ndu["id"],
        at_both["id"],
    ]
    # Each official once, even holding two positions there.
    both = await factories.official(
        client,
        editor_headers,
        positions=[
            {"organization_id": ndu["id"], "title": "Dean"},
            {"organization_id": ndu["id"], "title": "Professor"},
        ],
    )
    counted = await client.get(OFFICIALS, params={"organization_id": ndu["id"], "count": "true"})
    assert counted.status_code == 200
    assert ids(counted.json()["items"]) == [at_ndu["id"], at_both["id"], both["id"]]
    assert counted.json()["total"] == 3

    # After the positions change, the filter follows.
    await patch_json(client, f"{OFFICIALS}/{at_imctc['id']}", {"positions": []}, editor_headers)
    assert await list_ids(client, OFFICIALS, {"organization_id": imctc["id"]}) == [at_both["id"]]

    other = await factories.organization(client, editor_headers)
    assert await list_ids(client, OFFICIALS, {"organization_id": other["id"]}) == []


async def test_filter_by_malformed_organization_id_is_422(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(OFFICIALS, params={"organization_id": "abc"}), 422)


async def test_filter_q_finds_transliterations(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    moghidi = await factories.official(
        client,
        editor_headers,
        name="Mohammad bin Saeed Al-Moghidi",
        aliases=[{"name": "Mohammed bin Saeed Al-Moghedi", "language": "en"}],
    )
    await factories.official(client, editor_headers, name="Ahmed Khan")
    for q in ("Moghedi", "Mughaidi", "al-moghidi"):
        assert await list_ids(client, OFFICIALS, {"q": q}) == [moghidi["id"]], q


# --- delete ------------------------------------------------------------------------------


async def test_delete_then_404_and_rows_gone(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    org = await factories.organization(client, editor_headers)
    official = await factories.official(
        client,
        editor_headers,
        aliases=[{"name": "Alias"}],
        positions=[{"organization_id": org["id"], "title": "Chief"}],
    )
    url = f"{OFFICIALS}/{official['id']}"

    response = await client.delete(url, headers=editor_headers)

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get(url), 404)
    assert await stored(session, official["id"]) is None
    assert await alias_rows(session, official["id"]) == []
    assert await position_rows(session, official["id"]) == []
    # The organization is not touched.
    assert (await client.get(f"/api/v1/organizations/{org['id']}")).status_code == 200


async def assert_still_there(
    client: httpx.AsyncClient, session: AsyncSession, official: dict[str, Any]
) -> None:
    fetched = await client.get(f"{OFFICIALS}/{official['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == official
    row = await stored(session, official["id"])
    assert row is not None and row["version"] == official["version"]
    names = await column_values(
        session, OfficialAlias.name, OfficialAlias.official_id == official["id"]
    )
    assert names == [alias["name"] for alias in official["aliases"]]


async def test_delete_participant_is_409_and_changes_nothing(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    official = await factories.official(client, editor_headers, aliases=[{"name": "Kept"}])
    await factories.visit(
        client,
        editor_headers,
        participants=[{"official_id": official["id"], "side": "host"}],
    )
    response = await client.delete(f"{OFFICIALS}/{official['id']}", headers=editor_headers)
    assert_problem(response, 409)
    await assert_still_there(client, session, official)


async def test_delete_delegation_member_is_409_and_changes_nothing(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    official = await factories.official(client, editor_headers, aliases=[{"name": "Kept"}])
    await factories.delegation(
        client, editor_headers, members=[{"official_id": official["id"], "role": "member"}]
    )
    response = await client.delete(f"{OFFICIALS}/{official['id']}", headers=editor_headers)
    assert_problem(response, 409)
    await assert_still_there(client, session, official)


async def test_delete_delegation_head_is_409_and_changes_nothing(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    official = await factories.official(client, editor_headers, aliases=[{"name": "Kept"}])
    delegation = await factories.delegation(client, editor_headers, head_official_id=official["id"])
    response = await client.delete(f"{OFFICIALS}/{official['id']}", headers=editor_headers)
    assert_problem(response, 409)
    await assert_still_there(client, session, official)

    # Once the delegation no longer names them, the official can go.
    await patch_json(
        client,
        f"/api/v1/delegations/{delegation['id']}",
        {"head_official_id": None},
        editor_headers,
    )
    assert (
        await client.delete(f"{OFFICIALS}/{official['id']}", headers=editor_headers)
    ).status_code == 204
    assert await stored(session, official["id"]) is None


async def test_delete_unknown_is_404(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    assert_problem(await client.delete(f"{OFFICIALS}/987654", headers=editor_headers), 404)
