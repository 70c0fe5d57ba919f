"""The organizations endpoints over HTTP, against the contract (shared API.md)."""

import asyncio
import base64
import json

import httpx
import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.organizations.models import Organization, OrganizationAlias
from tests import factories
from tests.support import PROBLEM_JSON, assert_problem, error_locs

URL = "/api/v1/organizations"

Headers = dict[str, str]


async def stored(session: AsyncSession, organization_id: int) -> dict[str, object] | None:
    """The organization's row as the database holds it now (not a cached object)."""
    row = (
        await session.execute(
            select(
                Organization.name,
                Organization.city,
                Organization.country_code,
                Organization.version,
                Organization.parent_id,
            ).where(Organization.id == organization_id)
        )
    ).one_or_none()
    return None if row is None else dict(row._mapping)


async def alias_names(session: AsyncSession, organization_id: int) -> list[str]:
    names = await session.scalars(
        select(OrganizationAlias.name)
        .where(OrganizationAlias.organization_id == organization_id)
        .order_by(OrganizationAlias.id)
    )
    return list(names)


# --- create and read ---------------------------------------------------------------------


async def test_create_returns_resource_location_and_etag(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    body = {
        "name": "Islamic Military Counter Terrorism Coalition",
        "acronym": "IMCTC",
        "kind": "military_alliance",
        "country_code": "SA",
        "city": "Riyadh",
        "website": "https://www.imctc.org/",
        "aliases": [
            {
                "name": "Coalition islamique militaire contre le terrorisme",
                "language": "fr",
                "acronym": "CIMCT",
            },
            {"name": "التحالف الإسلامي العسكري لمحاربة الإرهاب", "language": "ar"},
        ],
    }
    response = await client.post(URL, json=body, headers=editor_headers)

    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("application/json")
    created = response.json()
    assert response.headers["location"] == f"{URL}/{created['id']}"
    etag = response.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert isinstance(created["id"], int) and created["id"] >= 1
    for field in ("name", "acronym", "kind", "country_code", "city", "website"):
        assert created[field] == body[field], field
    assert created["parent_id"] is None
    assert created["aliases"] == [
        {
            "name": "Coalition islamique militaire contre le terrorisme",
            "language": "fr",
            "acronym": "CIMCT",
        },
        {"name": "التحالف الإسلامي العسكري لمحاربة الإرهاب", "language": "ar", "acronym": None},
    ]
    assert created["version"] == 1
    assert created["created_at"].endswith(("Z", "+00:00"))
    assert created["updated_at"].endswith(("Z", "+00:00"))

    row = await stored(session, created["id"])
    assert row is not None and row["name"] == body["name"] and row["version"] == 1
    assert len(await alias_names(session, created["id"])) == 2


async def test_get_by_id_matches_create(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    created_response = await client.post(
        URL,
        json={"name": "Ministry of Defence", "kind": "ministry", "country_code": "MY"},
        headers=editor_headers,
    )
    assert created_response.status_code == 201
    created = created_response.json()

    response = await client.get(f"{URL}/{created['id']}")  # reads are anonymous

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == created_response.headers["etag"]


@pytest.mark.parametrize("organization_id", [999_999, 2**31 - 1, 2**40])
async def test_get_unknown_is_404(client: httpx.AsyncClient, organization_id: int) -> None:
    response = await client.get(f"{URL}/{organization_id}")
    assert_problem(response, 404)


async def test_get_with_non_integer_id_is_422(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"{URL}/abc"), 422)


# --- lists -------------------------------------------------------------------------------


async def test_list_envelope_and_cursor_walk_sees_every_item_once(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    ids = [(await factories.organization(client, editor_headers))["id"] for _ in range(5)]

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(URL, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}, page.keys()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str) and cursor
        assert pages < 10, "the walk does not end"

    assert seen == sorted(seen), "items come in id order"
    assert len(seen) == len(set(seen)), f"an item came twice: {seen}"
    assert seen == ids
    assert pages == 3


async def test_list_total_only_with_count(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    for _ in range(3):
        await factories.organization(client, editor_headers)

    counted = (await client.get(URL, params={"count": "true", "limit": 1})).json()
    assert counted["total"] == 3
    assert len(counted["items"]) == 1
    assert counted["next_cursor"] is not None

    plain = (await client.get(URL, params={"limit": 1})).json()
    assert "total" not in plain

    unasked = (await client.get(URL, params={"count": "false"})).json()
    assert "total" not in unasked


async def test_list_filters_by_kind_and_country(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    uni = await factories.organization(client, editor_headers, kind="university", country_code="PK")
    await factories.organization(client, editor_headers, kind="ministry", country_code="PK")
    await factories.organization(client, editor_headers, kind="university", country_code="SA")

    response = await client.get(URL, params={"kind": "university", "country": "pk"})

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["items"]] == [uni["id"]]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
async def test_list_limit_out_of_range_is_422(client: httpx.AsyncClient, limit: str) -> None:
    body = assert_problem(await client.get(URL, params={"limit": limit}), 422)
    assert ["query", "limit"] in error_locs(body)


def _b64(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "%%%",
        _b64({"id": 3}),
        _b64([]),
        _b64(["id", "three"]),
        _b64(["id", 1, 2]),
        _b64(["rank", 0]),
        _b64(["-start_date", "2023-01-01", 1]),
    ],
)
async def test_list_malformed_cursor_is_400(
    client: httpx.AsyncClient, editor_headers: Headers, cursor: str
) -> None:
    await factories.organization(client, editor_headers)
    assert_problem(await client.get(URL, params={"cursor": cursor}), 400)


# --- identity: the same name in the same country -----------------------------------------


async def test_same_name_ignoring_case_and_accents_in_same_country_is_409(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    first = await factories.organization(
        client,
        editor_headers,
        name="National Defense University",
        kind="university",
        country_code="PK",
    )

    clash = await client.post(
        URL,
        json={"name": "NATIONAL DÉFENSE  university", "kind": "university", "country_code": "pk"},
        headers=editor_headers,
    )

    assert_problem(clash, 409)
    count = await session.scalar(
        select(func.count()).select_from(Organization).where(Organization.country_code == "PK")
    )
    assert count == 1
    assert (await stored(session, first["id"])) is not None


async def test_same_name_in_another_country_is_allowed(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    pk = await factories.organization(
        client,
        editor_headers,
        name="National Defense University",
        kind="university",
        country_code="PK",
        city="Islamabad",
    )
    sa = await factories.organization(
        client,
        editor_headers,
        name="National Defense University",
        kind="university",
        country_code="SA",
        city="Riyadh",
    )
    assert pk["id"] != sa["id"]
    assert (pk["country_code"], sa["country_code"]) == ("PK", "SA")


async def test_rename_onto_an_existing_name_is_409(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    await factories.organization(
        client, editor_headers, name="Ministry of Interior", country_code="FR"
    )
    other = await factories.organization(
        client, editor_headers, name="Ministry of Culture", country_code="FR"
    )

    response = await client.patch(
        f"{URL}/{other['id']}", json={"name": "ministry of interior"}, headers=editor_headers
    )

    assert_problem(response, 409)
    assert (await stored(session, other["id"]))["name"] == "Ministry of Culture"  # type: ignore[index]


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["id", "version", "created_at", "updated_at", "colour"])
async def test_unknown_or_server_owned_field_is_422_naming_it(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession, field: str
) -> None:
    response = await client.post(
        URL,
        json={"name": "Ministry of Foreign Affairs", "kind": "ministry", field: 7},
        headers=editor_headers,
    )

    body = assert_problem(response, 422)
    assert any(loc[-1] == field for loc in error_locs(body)), body
    assert await session.scalar(select(func.count()).select_from(Organization)) == 0


async def test_unknown_field_in_patch_is_422(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    org = await factories.organization(client, editor_headers)
    response = await client.patch(f"{URL}/{org['id']}", json={"version": 9}, headers=editor_headers)
    body = assert_problem(response, 422)
    assert any(loc[-1] == "version" for loc in error_locs(body))


async def test_nul_character_is_422(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    response = await client.post(
        URL, json={"name": "Ministry\u0000of Defence", "kind": "ministry"}, headers=editor_headers
    )
    body = assert_problem(response, 422)
    assert any(loc[-1] == "name" for loc in error_locs(body))


async def test_nul_character_in_alias_is_422(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    response = await client.post(
        URL,
        json={"name": "Ministry of Defence", "kind": "ministry", "aliases": [{"name": "a\u0000"}]},
        headers=editor_headers,
    )
    assert_problem(response, 422)


async def test_lone_surrogate_is_422(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    raw = b'{"name": "Minist\\ud800re", "kind": "ministry"}'
    response = await client.post(
        URL, content=raw, headers={**editor_headers, "Content-Type": "application/json"}
    )
    body = assert_problem(response, 422)
    assert any(loc[-1] == "name" for loc in error_locs(body))


async def test_text_is_stored_nfc(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    decomposed = "Universite\u0301 de la De\u0301fense"
    org = await factories.organization(client, editor_headers, name=decomposed)
    assert org["name"] == "Université de la Défense"


@pytest.mark.parametrize("code", ["XX", "ZZ", "P", "PAK", "12", ""])
async def test_unassigned_or_malformed_country_code_is_422(
    client: httpx.AsyncClient, editor_headers: Headers, code: str
) -> None:
    response = await client.post(
        URL,
        json={"name": "Ministry of Defence", "kind": "ministry", "country_code": code},
        headers=editor_headers,
    )
    body = assert_problem(response, 422)
    assert ["body", "country_code"] in error_locs(body)


async def test_country_code_any_case_stored_upper(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    org = await factories.organization(client, editor_headers, country_code="pk")
    assert org["country_code"] == "PK"
    assert (await stored(session, org["id"]))["country_code"] == "PK"  # type: ignore[index]


async def test_alias_language_tag_canonical_case(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    org = await factories.organization(
        client,
        editor_headers,
        aliases=[
            {"name": "Ministère de la Défense", "language": "FR"},
            {"name": "Ministère de la Défense nationale", "language": "fr-ca"},
        ],
    )
    assert [alias["language"] for alias in org["aliases"]] == ["fr", "fr-CA"]
    fetched = (await client.get(f"{URL}/{org['id']}")).json()
    assert [alias["language"] for alias in fetched["aliases"]] == ["fr", "fr-CA"]


@pytest.mark.parametrize("language", ["xx-!!", "123", "und", "english"])
async def test_bad_language_tag_is_422(
    client: httpx.AsyncClient, editor_headers: Headers, language: str
) -> None:
    response = await client.post(
        URL,
        json={
            "name": "Ministry",
            "kind": "ministry",
            "aliases": [{"name": "Ministère", "language": language}],
        },
        headers=editor_headers,
    )
    body = assert_problem(response, 422)
    assert ["body", "aliases", 0, "language"] in error_locs(body)


async def test_name_length_limit(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    ok = await client.post(URL, json={"name": "n" * 300, "kind": "other"}, headers=editor_headers)
    assert ok.status_code == 201, ok.text

    too_long = await client.post(
        URL, json={"name": "m" * 301, "kind": "other"}, headers=editor_headers
    )
    body = assert_problem(too_long, 422)
    assert ["body", "name"] in error_locs(body)


@pytest.mark.parametrize(
    "body, loc",
    [
        ({"kind": "ministry"}, ["body", "name"]),
        ({"name": "Ministry"}, ["body", "kind"]),
        ({"name": "Ministry", "kind": "club"}, ["body", "kind"]),
        ({"name": "", "kind": "ministry"}, ["body", "name"]),
        ({"name": "Ministry", "kind": "ministry", "parent_id": 0}, ["body", "parent_id"]),
        ({"name": "Ministry", "kind": "ministry", "parent_id": "1"}, ["body", "parent_id"]),
        ({"name": "Ministry", "kind": "ministry", "website": "ftp://x"}, ["body", "website"]),
    ],
)
async def test_invalid_values_are_422_naming_the_field(
    client: httpx.AsyncClient, editor_headers: Headers, body: dict[str, object], loc: list[str]
) -> None:
    problem = assert_problem(await client.post(URL, json=body, headers=editor_headers), 422)
    assert loc in error_locs(problem), problem


async def test_reference_to_missing_parent_is_422_naming_it(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    response = await client.post(
        URL,
        json={"name": "Ministry", "kind": "ministry", "parent_id": 987_654},
        headers=editor_headers,
    )
    body = assert_problem(response, 422)
    assert ["body", "parent_id"] in error_locs(body)


async def test_body_over_one_mib_is_413(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    big = orjson.dumps({"name": "Ministry", "kind": "ministry", "city": "x" * (1024 * 1024)})
    response = await client.post(
        URL, content=big, headers={**editor_headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 413)


async def test_body_over_one_mib_without_content_length_is_413(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"name": "Ministry", "kind": "ministry", "city": "'
        for _ in range(17):
            yield b"x" * 65536
        yield b'"}'

    response = await client.post(
        URL, content=chunks(), headers={**editor_headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 413)


@pytest.mark.parametrize("raw", [b"{", b'{"name": "x",}', b"not json", b'{"name": "x"'])
async def test_malformed_json_is_400(
    client: httpx.AsyncClient, editor_headers: Headers, raw: bytes
) -> None:
    response = await client.post(
        URL, content=raw, headers={**editor_headers, "Content-Type": "application/json"}
    )
    assert_problem(response, 400)


# --- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, raw",
    [
        ("POST", URL, b'{"name": "Ministry", "kind": "ministry"}'),
        ("POST", URL, b"{ this is not json"),
        ("PATCH", f"{URL}/1", b'{"name": "Ministry"}'),
        ("PATCH", f"{URL}/1", b"{ nor this"),
        ("DELETE", f"{URL}/1", b""),
    ],
)
async def test_write_without_key_is_401_before_validation(
    client: httpx.AsyncClient, method: str, path: str, raw: bytes
) -> None:
    response = await client.request(
        method, path, content=raw, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer cq_not-a-real-key", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer ", "cq_x"],
)
async def test_invalid_key_is_401(
    client: httpx.AsyncClient, session: AsyncSession, authorization: str
) -> None:
    response = await client.post(
        URL,
        json={"name": "Ministry", "kind": "ministry"},
        headers={"Authorization": authorization},
    )
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert await session.scalar(select(func.count()).select_from(Organization)) == 0


async def test_revoked_key_is_401(
    client: httpx.AsyncClient, admin_headers: Headers, editor_headers: Headers
) -> None:
    keys = (await client.get("/api/v1/keys", headers=admin_headers)).json()
    editor = next(key for key in keys if key["name"] == "test editor")
    revoked = await client.delete(f"/api/v1/keys/{editor['id']}", headers=admin_headers)
    assert revoked.status_code == 204

    response = await client.post(
        URL, json={"name": "Ministry", "kind": "ministry"}, headers=editor_headers
    )
    assert_problem(response, 401)


async def test_admin_key_can_write_too(client: httpx.AsyncClient, admin_headers: Headers) -> None:
    await factories.organization(client, admin_headers)


# --- partial update ----------------------------------------------------------------------


async def test_patch_is_partial_and_versions_change(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    created_response = await client.post(
        URL,
        json={
            "name": "National Defense University",
            "acronym": "NDU",
            "kind": "university",
            "country_code": "PK",
            "city": "Islamabad",
            "aliases": [
                {"name": "Université de la Défense nationale", "language": "fr"},
                {"name": "NDU Islamabad"},
            ],
        },
        headers=editor_headers,
    )
    created = created_response.json()
    path = f"{URL}/{created['id']}"

    renamed = await client.patch(path, json={"acronym": "NDU-PK"}, headers=editor_headers)
    assert renamed.status_code == 200, renamed.text
    body = renamed.json()
    assert body["acronym"] == "NDU-PK"
    for field in ("name", "kind", "country_code", "city", "aliases", "created_at"):
        assert body[field] == created[field], field
    assert body["version"] == 2
    assert renamed.headers["etag"] != created_response.headers["etag"]

    cleared = await client.patch(path, json={"city": None}, headers=editor_headers)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["city"] is None
    assert cleared.json()["acronym"] == "NDU-PK"
    assert cleared.json()["version"] == 3

    replaced = await client.patch(
        path,
        json={"aliases": [{"name": "جامعة الدفاع الوطني", "language": "ar"}]},
        headers=editor_headers,
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["aliases"] == [
        {"name": "جامعة الدفاع الوطني", "language": "ar", "acronym": None}
    ]
    assert replaced.json()["version"] == 4
    assert replaced.json()["updated_at"] >= created["updated_at"]

    row = await stored(session, created["id"])
    assert row == {
        "name": "National Defense University",
        "city": None,
        "country_code": "PK",
        "version": 4,
        "parent_id": None,
    }
    assert await alias_names(session, created["id"]) == ["جامعة الدفاع الوطني"]

    fetched = await client.get(path)
    assert fetched.json() == replaced.json()
    assert fetched.headers["etag"] == replaced.headers["etag"]


async def test_patch_empty_aliases_clears_them(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    org = await factories.organization(client, editor_headers, aliases=[{"name": "Other"}])
    response = await client.patch(
        f"{URL}/{org['id']}", json={"aliases": []}, headers=editor_headers
    )
    assert response.status_code == 200
    assert response.json()["aliases"] == []
    assert await alias_names(session, org["id"]) == []


@pytest.mark.parametrize("field", ["name", "kind", "aliases"])
async def test_patch_null_on_required_field_is_422(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession, field: str
) -> None:
    org = await factories.organization(client, editor_headers)
    response = await client.patch(f"{URL}/{org['id']}", json={field: None}, headers=editor_headers)
    assert_problem(response, 422)
    assert (await stored(session, org["id"]))["version"] == 1  # type: ignore[index]


async def test_patch_unknown_is_404(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    response = await client.patch(f"{URL}/999999", json={"city": "x"}, headers=editor_headers)
    assert_problem(response, 404)


async def test_organization_cannot_be_its_own_parent(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    org = await factories.organization(client, editor_headers)
    response = await client.patch(
        f"{URL}/{org['id']}", json={"parent_id": org["id"]}, headers=editor_headers
    )
    body = assert_problem(response, 422)
    assert ["body", "parent_id"] in error_locs(body)


# --- conditional requests ----------------------------------------------------------------


async def test_stale_if_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    created = await client.post(
        URL,
        json={"name": "Ministry of Defence", "kind": "ministry", "city": "Kuala Lumpur"},
        headers=editor_headers,
    )
    org = created.json()
    stale = created.headers["etag"]
    path = f"{URL}/{org['id']}"
    first = await client.patch(
        path, json={"city": "Putrajaya"}, headers={**editor_headers, "If-Match": stale}
    )
    assert first.status_code == 200, first.text

    second = await client.patch(
        path, json={"city": "Johor Bahru"}, headers={**editor_headers, "If-Match": stale}
    )
    assert_problem(second, 412)
    row = await stored(session, org["id"])
    assert row is not None and row["city"] == "Putrajaya" and row["version"] == 2

    deleted = await client.delete(path, headers={**editor_headers, "If-Match": stale})
    assert_problem(deleted, 412)
    assert (await stored(session, org["id"])) is not None

    current = first.headers["etag"]
    deleted = await client.delete(path, headers={**editor_headers, "If-Match": current})
    assert deleted.status_code == 204
    assert (await stored(session, org["id"])) is None


async def test_if_match_current_or_star_proceeds(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    created = await client.post(
        URL, json={"name": "Ministry", "kind": "ministry"}, headers=editor_headers
    )
    path = f"{URL}/{created.json()['id']}"
    current = await client.patch(
        path,
        json={"city": "A"},
        headers={**editor_headers, "If-Match": created.headers["etag"]},
    )
    assert current.status_code == 200
    star = await client.patch(path, json={"city": "B"}, headers={**editor_headers, "If-Match": "*"})
    assert star.status_code == 200
    assert star.json()["version"] == 3


async def test_if_none_match_current_is_304_with_etag(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    org = await factories.organization(client, editor_headers)
    path = f"{URL}/{org['id']}"
    first = await client.get(path)
    etag = first.headers["etag"]

    cached = await client.get(path, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.headers["etag"] == etag
    assert cached.content == b""

    changed = await client.patch(path, json={"city": "Elsewhere"}, headers=editor_headers)
    assert changed.status_code == 200
    fresh = await client.get(path, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == changed.headers["etag"] != etag


# --- delete ------------------------------------------------------------------------------


async def test_delete_then_404(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    org = await factories.organization(client, editor_headers, aliases=[{"name": "Alias"}])
    path = f"{URL}/{org['id']}"

    response = await client.delete(path, headers=editor_headers)
    assert response.status_code == 204
    assert response.content == b""

    assert_problem(await client.get(path), 404)
    assert_problem(await client.delete(path, headers=editor_headers), 404)
    assert (await stored(session, org["id"])) is None
    assert await alias_names(session, org["id"]) == []


async def test_delete_parent_of_another_is_409_and_changes_nothing(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    parent = await factories.organization(
        client, editor_headers, name="Ministry of Defence", aliases=[{"name": "MoD"}]
    )
    child = await factories.organization(
        client, editor_headers, name="Army", kind="armed_forces", parent_id=parent["id"]
    )
    assert child["parent_id"] == parent["id"]

    response = await client.delete(f"{URL}/{parent['id']}", headers=editor_headers)

    assert_problem(response, 409)
    assert (await stored(session, parent["id"])) is not None
    assert (await stored(session, child["id"]))["parent_id"] == parent["id"]  # type: ignore[index]
    assert await alias_names(session, parent["id"]) == ["MoD"]
    assert (await client.get(f"{URL}/{parent['id']}")).status_code == 200
    assert (await client.get(f"{URL}/{child['id']}")).status_code == 200


async def test_delete_organization_hosting_a_visit_is_409(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    host = await factories.organization(client, editor_headers)
    await factories.visit(client, editor_headers, host_organization_id=host["id"])

    response = await client.delete(f"{URL}/{host['id']}", headers=editor_headers)

    assert_problem(response, 409)
    assert (await stored(session, host["id"])) is not None


# --- routing errors ----------------------------------------------------------------------


async def test_wrong_method_is_405_with_allow(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    for headers in ({}, editor_headers):
        response = await client.put(f"{URL}/1", json={"name": "x"}, headers=headers)
        assert_problem(response, 405)
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert {"GET", "PATCH", "DELETE"} <= allowed, allowed
        assert "PUT" not in allowed and "POST" not in allowed

    collection = await client.delete(URL, headers=editor_headers)
    assert_problem(collection, 405)
    allowed = {m.strip() for m in collection.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed and "DELETE" not in allowed


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/organizations", "/"])
async def test_unknown_route_is_404_problem(client: httpx.AsyncClient, path: str) -> None:
    assert_problem(await client.get(path), 404)


async def test_unknown_route_is_404_even_for_writes_without_key(
    client: httpx.AsyncClient,
) -> None:
    assert_problem(await client.post("/api/v1/nothing-here", json={}), 404)


async def test_every_error_is_problem_json(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    org = await factories.organization(client, editor_headers)
    json_headers = {**editor_headers, "Content-Type": "application/json"}
    cases = [
        (400, client.get(URL, params={"cursor": "garbage"})),
        (400, client.post(URL, content=b"{", headers=json_headers)),
        (401, client.post(URL, json={})),
        (404, client.get(f"{URL}/999999")),
        (404, client.get("/nope")),
        (405, client.put(f"{URL}/{org['id']}", json={})),
        (
            409,
            client.post(URL, json={"name": org["name"], "kind": "other"}, headers=editor_headers),
        ),
        (
            412,
            client.patch(
                f"{URL}/{org['id']}",
                json={"city": "x"},
                headers={**editor_headers, "If-Match": '"stale"'},
            ),
        ),
        (413, client.post(URL, content=b"x" * (1024 * 1024 + 1), headers=json_headers)),
        (422, client.get(URL, params={"limit": 0})),
        (422, client.post(URL, json={"name": "x"}, headers=editor_headers)),
    ]
    for status, request in cases:
        response = await request
        assert response.headers["content-type"].startswith(PROBLEM_JSON), (status, response)
        assert_problem(response, status)


# --- concurrency (committed data, separate connections) -----------------------------------


async def test_racing_patches_with_same_if_match_one_wins(
    committed_app: httpx.AsyncClient, committed_editor_headers: Headers
) -> None:
    client = committed_app
    created = await client.post(
        URL,
        json={"name": "Racing Ministry", "kind": "ministry"},
        headers=committed_editor_headers,
    )
    assert created.status_code == 201, created.text
    path = f"{URL}/{created.json()['id']}"
    etag = created.headers["etag"]

    async def patch(city: str) -> httpx.Response:
        return await client.patch(
            path, json={"city": city}, headers={**committed_editor_headers, "If-Match": etag}
        )

    responses = await asyncio.gather(patch("Left"), patch("Right"))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412], [(r.status_code, r.text) for r in responses]
    winner = next(r for r in responses if r.status_code == 200)
    loser = next(r for r in responses if r.status_code == 412)
    assert_problem(loser, 412)
    final = (await client.get(path)).json()
    assert final["version"] == 2
    assert final["city"] == winner.json()["city"]


async def test_committed_app_starts_empty(committed_app: httpx.AsyncClient) -> None:
    """The previous committed test's rows were deleted afterwards."""
    response = await committed_app.get(URL, params={"count": "true"})
    assert response.json()["total"] == 0
