"""The press releases endpoints over HTTP, against the contract (shared API.md) and the
README (language filter, ordering of undated drafts)."""

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.press_releases.models import PressRelease
from app.visits.models import release_visits
from tests import factories
from tests.helpers_resources import (
    RELEASES,
    VISITS,
    column_values,
    count_rows,
    get_json,
    ids,
    list_ids,
    page,
    patch_json,
    utc_today,
    walk,
)
from tests.support import assert_problem, error_locs

Headers = dict[str, str]


async def stored(session: AsyncSession, release_id: int) -> dict[str, Any] | None:
    row = (
        await session.execute(
            select(
                PressRelease.title,
                PressRelease.language,
                PressRelease.status,
                PressRelease.published_on,
                PressRelease.translation_of_id,
                PressRelease.version,
            ).where(PressRelease.id == release_id)
        )
    ).one_or_none()
    return None if row is None else dict(row._mapping)


async def linked_visits(session: AsyncSession, release_id: int) -> list[int]:
    return await column_values(
        session,
        release_visits.c.visit_id,
        release_visits.c.press_release_id == release_id,
        order_by=release_visits.c.visit_id,
    )


def today_or_tomorrow(before: date) -> set[str]:
    """The UTC date when the request was made (it may cross midnight)."""
    return {before.isoformat(), utc_today().isoformat()}


# --- create and read ---------------------------------------------------------------------


async def test_create_full_release(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    issuer = await factories.organization(client, editor_headers, name="IMCTC")
    first = await factories.visit(client, editor_headers, status="published")
    second = await factories.visit(client, editor_headers, status="published")
    body = {
        "title": "Visite d'une délégation de l'Université de la Défense nationale",
        "body": "Riyad, 08-5-2023 — Le secrétaire général a reçu une délégation.",
        "language": "FR-ca",
        "status": "published",
        "published_on": "2023-05-08",
        "dateline": "Riyad",
        "source_url": "https://www.imctc.org/fr/news/1",
        "issuer_organization_id": issuer["id"],
        "visit_ids": [second["id"], first["id"]],
    }
    response = await client.post(RELEASES, json=body, headers=editor_headers)

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{RELEASES}/{created['id']}"
    assert response.headers["etag"].startswith('"')
    for field in ("title", "body", "status", "published_on", "dateline", "source_url"):
        assert created[field] == body[field], field
    assert created["language"] == "fr-CA"
    assert created["issuer_organization_id"] == issuer["id"]
    assert created["translation_of_id"] is None
    assert sorted(created["visit_ids"]) == sorted([first["id"], second["id"]])
    assert created["version"] == 1

    assert await stored(session, created["id"]) == {
        "title": body["title"],
        "language": "fr-CA",
        "status": "published",
        "published_on": date(2023, 5, 8),
        "translation_of_id": None,
        "version": 1,
    }
    assert await linked_visits(session, created["id"]) == sorted([first["id"], second["id"]])

    fetched = await client.get(f"{RELEASES}/{created['id']}")  # anonymous
    assert fetched.status_code == 200
    assert fetched.json() == created
    assert fetched.headers["etag"] == response.headers["etag"]
    for visit in (first, second):
        shown = await get_json(client, f"{VISITS}/{visit['id']}")
        assert shown["press_release_ids"] == [created["id"]]


async def test_etag_of_a_write_is_the_etag_of_the_stored_representation(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    """Visit ids sent in any order: the answer to the write shows the release as a read
    will, so its ETag serves for If-None-Match and If-Match."""
    first = await factories.visit(client, editor_headers, status="published")
    second = await factories.visit(client, editor_headers, status="published")
    response = await client.post(
        RELEASES,
        json={
            "title": "T",
            "body": "B",
            "language": "en",
            "status": "published",
            "visit_ids": [second["id"], first["id"]],
        },
        headers=editor_headers,
    )
    assert response.status_code == 201, response.text
    url = response.headers["location"]
    etag = response.headers["etag"]

    not_modified = await client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    patched = await client.patch(
        url, json={"title": "T2"}, headers={**editor_headers, "If-Match": etag}
    )
    assert patched.status_code == 200, patched.text

    # The same after a PATCH that links visits out of order.
    relinked = await client.patch(
        url, json={"visit_ids": [second["id"], first["id"]]}, headers=editor_headers
    )
    assert relinked.status_code == 200, relinked.text
    fetched = await client.get(url)
    assert fetched.json() == relinked.json()
    assert fetched.headers["etag"] == relinked.headers["etag"]
    deleted = await client.delete(
        url, headers={**editor_headers, "If-Match": relinked.headers["etag"]}
    )
    assert deleted.status_code == 204, deleted.text


@pytest.mark.parametrize("missing", ["title", "body", "language"])
async def test_required_fields(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession, missing: str
) -> None:
    body = {"title": "T", "body": "B", "language": "en"}
    del body[missing]
    problem = assert_problem(await client.post(RELEASES, json=body, headers=editor_headers), 422)
    assert ["body", missing] in error_locs(problem)
    assert await count_rows(session, PressRelease.id) == 0


@pytest.mark.parametrize(
    ("sent", "canonical"),
    [
        ("FR-ca", "fr-CA"),
        ("fr-ca", "fr-CA"),
        ("AR", "ar"),
        ("en-us", "en-US"),
        ("EN", "en"),
        ("zh-hant-tw", "zh-Hant-TW"),
    ],
)
async def test_language_canonical_case(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    session: AsyncSession,
    sent: str,
    canonical: str,
) -> None:
    release = await factories.press_release(client, editor_headers, language=sent)
    assert release["language"] == canonical
    row = await stored(session, release["id"])
    assert row is not None and row["language"] == canonical


@pytest.mark.parametrize(
    "language", ["", "e", "fr_CA", "french", "12", "fr-", "fr--CA", "und", "zz", "fr CA"]
)
async def test_invalid_language_is_422(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession, language: str
) -> None:
    response = await client.post(
        RELEASES, json={"title": "T", "body": "B", "language": language}, headers=editor_headers
    )
    assert ["body", "language"] in error_locs(assert_problem(response, 422))
    assert await count_rows(session, PressRelease.id) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "archived"),
        ("published_on", "08-5-2023"),
        ("published_on", "2023-05-08T00:00:00"),
        ("published_on", 20230508),
        ("source_url", "not a url"),
        ("source_url", "ftp://example.org/x"),
        ("visit_ids", "1"),
        ("id", 1),
        ("version", 1),
        ("created_at", "2023-05-08T00:00:00Z"),
        ("visits", []),
    ],
)
async def test_invalid_or_unknown_fields_are_422(
    client: httpx.AsyncClient, editor_headers: Headers, field: str, value: object
) -> None:
    body = {"title": "T", "body": "B", "language": "en", field: value}
    response = await client.post(RELEASES, json=body, headers=editor_headers)
    assert ["body", field] in error_locs(assert_problem(response, 422))


async def test_length_limits(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    base = {"title": "T", "body": "B", "language": "en"}
    too_long_body = await client.post(
        RELEASES, json={**base, "body": "x" * 200_001}, headers=editor_headers
    )
    assert ["body", "body"] in error_locs(assert_problem(too_long_body, 422))
    too_long_title = await client.post(
        RELEASES, json={**base, "title": "t" * 501}, headers=editor_headers
    )
    assert ["body", "title"] in error_locs(assert_problem(too_long_title, 422))
    assert await count_rows(session, PressRelease.id) == 0

    at_limit = await factories.press_release(
        client, editor_headers, title="t" * 500, body="x" * 200_000
    )
    assert len(at_limit["title"]) == 500
    assert len(at_limit["body"]) == 200_000

    patched = await client.patch(
        f"{RELEASES}/{at_limit['id']}", json={"body": "y" * 200_001}, headers=editor_headers
    )
    assert ["body", "body"] in error_locs(assert_problem(patched, 422))
    row = await stored(session, at_limit["id"])
    assert row is not None and row["version"] == 1


async def test_get_unknown_is_404(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    assert_problem(await client.get(f"{RELEASES}/987654", headers=editor_headers), 404)


# --- publication date --------------------------------------------------------------------


async def test_published_without_date_gets_today_utc(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    before = utc_today()
    release = await factories.press_release(client, editor_headers, status="published")
    assert release["published_on"] in today_or_tomorrow(before)
    row = await stored(session, release["id"])
    assert row is not None and row["published_on"].isoformat() in today_or_tomorrow(before)


async def test_published_with_date_keeps_it(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    release = await factories.press_release(
        client, editor_headers, status="published", published_on="2023-05-08"
    )
    assert release["published_on"] == "2023-05-08"


async def test_draft_keeps_published_on_null(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    release = await factories.press_release(client, editor_headers)
    assert release["status"] == "draft"
    assert release["published_on"] is None
    row = await stored(session, release["id"])
    assert row is not None and row["published_on"] is None

    explicit = await factories.press_release(client, editor_headers, status="draft")
    assert explicit["published_on"] is None

    # Edits that do not publish it leave the date empty.
    edited = await patch_json(
        client, f"{RELEASES}/{release['id']}", {"title": "Still a draft"}, editor_headers
    )
    assert edited["published_on"] is None
    assert edited["status"] == "draft"


async def test_patch_to_published_sets_today(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    release = await factories.press_release(client, editor_headers)
    before = utc_today()
    published = await patch_json(
        client, f"{RELEASES}/{release['id']}", {"status": "published"}, editor_headers
    )
    assert published["status"] == "published"
    assert published["published_on"] in today_or_tomorrow(before)
    assert published["version"] == 2
    row = await stored(session, release["id"])
    assert row is not None and row["status"] == "published"
    assert row["published_on"].isoformat() in today_or_tomorrow(before)

    # Published with a date given: that date.
    other = await factories.press_release(client, editor_headers)
    dated = await patch_json(
        client,
        f"{RELEASES}/{other['id']}",
        {"status": "published", "published_on": "2023-05-08"},
        editor_headers,
    )
    assert dated["published_on"] == "2023-05-08"


# --- visits ------------------------------------------------------------------------------


async def test_visit_ids_link_and_replace(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    v1 = await factories.visit(client, editor_headers, status="published")
    v2 = await factories.visit(client, editor_headers, status="published")
    v3 = await factories.visit(client, editor_headers, status="published")
    release = await factories.press_release(
        client, editor_headers, status="published", visit_ids=[v1["id"], v2["id"]]
    )
    url = f"{RELEASES}/{release['id']}"
    assert sorted(release["visit_ids"]) == [v1["id"], v2["id"]]

    replaced = await patch_json(client, url, {"visit_ids": [v3["id"], v2["id"]]}, editor_headers)
    assert sorted(replaced["visit_ids"]) == [v2["id"], v3["id"]]
    assert replaced["version"] == 2
    assert await linked_visits(session, release["id"]) == [v2["id"], v3["id"]]
    assert (await get_json(client, f"{VISITS}/{v1['id']}"))["press_release_ids"] == []
    assert (await get_json(client, f"{VISITS}/{v2['id']}"))["press_release_ids"] == [release["id"]]
    assert (await get_json(client, f"{VISITS}/{v3['id']}"))["press_release_ids"] == [release["id"]]

    # Other fields leave the links alone.
    retitled = await patch_json(client, url, {"title": "New title"}, editor_headers)
    assert sorted(retitled["visit_ids"]) == [v2["id"], v3["id"]]

    cleared = await patch_json(client, url, {"visit_ids": []}, editor_headers)
    assert cleared["visit_ids"] == []
    assert await linked_visits(session, release["id"]) == []
    assert (await get_json(client, f"{VISITS}/{v3['id']}"))["press_release_ids"] == []


async def test_unknown_visit_id_is_422_naming_it(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    visit = await factories.visit(client, editor_headers)
    response = await client.post(
        RELEASES,
        json={"title": "T", "body": "B", "language": "en", "visit_ids": [visit["id"], 987654]},
        headers=editor_headers,
    )
    locs = error_locs(assert_problem(response, 422))
    assert ["body", "visit_ids", 1] in locs
    assert ["body", "visit_ids", 0] not in locs
    assert await count_rows(session, PressRelease.id) == 0

    release = await factories.press_release(client, editor_headers, visit_ids=[visit["id"]])
    patched = await client.patch(
        f"{RELEASES}/{release['id']}", json={"visit_ids": [987654]}, headers=editor_headers
    )
    assert ["body", "visit_ids", 0] in error_locs(assert_problem(patched, 422))
    assert await linked_visits(session, release["id"]) == [visit["id"]]
    null = await client.patch(
        f"{RELEASES}/{release['id']}", json={"visit_ids": None}, headers=editor_headers
    )
    assert_problem(null, 422)
    assert await linked_visits(session, release["id"]) == [visit["id"]]


async def test_unknown_issuer_is_422_naming_it(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    response = await client.post(
        RELEASES,
        json={"title": "T", "body": "B", "language": "en", "issuer_organization_id": 987654},
        headers=editor_headers,
    )
    assert ["body", "issuer_organization_id"] in error_locs(assert_problem(response, 422))
    assert await count_rows(session, PressRelease.id) == 0


# --- translations ------------------------------------------------------------------------


async def test_translation_references(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    original = await factories.press_release(client, editor_headers, language="fr")
    translation = await factories.press_release(
        client, editor_headers, language="en", translation_of_id=original["id"]
    )
    assert translation["translation_of_id"] == original["id"]

    unknown = await client.post(
        RELEASES,
        json={"title": "T", "body": "B", "language": "ar", "translation_of_id": 987654},
        headers=editor_headers,
    )
    assert ["body", "translation_of_id"] in error_locs(assert_problem(unknown, 422))

    url = f"{RELEASES}/{original['id']}"
    itself = await client.patch(
        url, json={"translation_of_id": original["id"]}, headers=editor_headers
    )
    assert ["body", "translation_of_id"] in error_locs(assert_problem(itself, 422))
    unknown_patch = await client.patch(
        url, json={"translation_of_id": 987654}, headers=editor_headers
    )
    assert ["body", "translation_of_id"] in error_locs(assert_problem(unknown_patch, 422))
    row = await stored(session, original["id"])
    assert row is not None and row["translation_of_id"] is None and row["version"] == 1

    # Clearing the link works.
    cleared = await patch_json(
        client, f"{RELEASES}/{translation['id']}", {"translation_of_id": None}, editor_headers
    )
    assert cleared["translation_of_id"] is None


async def test_delete_release_that_another_translates_is_409(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    visit = await factories.visit(client, editor_headers)
    original = await factories.press_release(
        client, editor_headers, language="fr", visit_ids=[visit["id"]]
    )
    translation = await factories.press_release(
        client, editor_headers, language="ar", translation_of_id=original["id"]
    )

    response = await client.delete(f"{RELEASES}/{original['id']}", headers=editor_headers)

    assert_problem(response, 409)
    assert (await get_json(client, f"{RELEASES}/{original['id']}", editor_headers)) == original
    row = await stored(session, original["id"])
    assert row is not None and row["version"] == 1
    assert await linked_visits(session, original["id"]) == [visit["id"]]

    # The translation itself can go, and then the original too.
    deleted = await client.delete(f"{RELEASES}/{translation['id']}", headers=editor_headers)
    assert deleted.status_code == 204
    deleted = await client.delete(f"{RELEASES}/{original['id']}", headers=editor_headers)
    assert deleted.status_code == 204
    assert await stored(session, original["id"]) is None


async def test_delete_release_unlinks_visits_and_keeps_them(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    visit = await factories.visit(client, editor_headers, status="published")
    release = await factories.press_release(
        client, editor_headers, status="published", visit_ids=[visit["id"]]
    )
    response = await client.delete(f"{RELEASES}/{release['id']}", headers=editor_headers)
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get(f"{RELEASES}/{release['id']}", headers=editor_headers), 404)
    assert await stored(session, release["id"]) is None
    assert await linked_visits(session, release["id"]) == []
    assert (await get_json(client, f"{VISITS}/{visit['id']}"))["press_release_ids"] == []


# --- filters -----------------------------------------------------------------------------


async def test_filter_language_includes_regions(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    async def release(language: str) -> int:
        made = await factories.press_release(
            client, editor_headers, language=language, status="published"
        )
        return int(made["id"])

    fr = await release("fr")
    fr_ca = await release("fr-CA")
    en = await release("en")
    frr = await release("frr")  # North Frisian: not French
    ar = await release("ar")

    async def found(language: str) -> set[int]:
        return set(await list_ids(client, RELEASES, {"language": language}))

    assert await found("fr") == {fr, fr_ca}
    assert await found("FR") == {fr, fr_ca}
    assert await found("fr-CA") == {fr_ca}
    assert await found("fr-ca") == {fr_ca}
    assert await found("frr") == {frr}
    assert await found("en") == {en}
    assert await found("ar") == {ar}
    assert await found("de") == set()
    problem = assert_problem(await client.get(RELEASES, params={"language": "fr_CA"}), 422)
    assert ["query", "language"] in error_locs(problem)


async def test_filters_dates_issuer_visit(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    imctc = await factories.organization(client, editor_headers)
    ndu = await factories.organization(client, editor_headers)
    visit = await factories.visit(client, editor_headers, status="published")
    other_visit = await factories.visit(client, editor_headers, status="published")

    async def release(published_on: str | None, **fields: Any) -> int:
        if published_on is None:
            made = await factories.press_release(client, editor_headers, **fields)
        else:
            made = await factories.press_release(
                client, editor_headers, status="published", published_on=published_on, **fields
            )
        return int(made["id"])

    a = await release("2023-05-01", issuer_organization_id=imctc["id"])
    b = await release("2023-05-08", issuer_organization_id=imctc["id"], visit_ids=[visit["id"]])
    c = await release("2023-05-08", issuer_organization_id=ndu["id"], visit_ids=[visit["id"]])
    d = await release("2023-05-31", visit_ids=[other_visit["id"]])
    e = await release("2023-06-01", issuer_organization_id=ndu["id"])
    undated = await release(None, issuer_organization_id=imctc["id"], visit_ids=[visit["id"]])

    async def found(params: dict[str, Any], headers: Headers | None = None) -> set[int]:
        got = await list_ids(client, RELEASES, params, headers)
        assert len(got) == len(set(got)), got
        return set(got)

    assert await found({"from": "2023-05-08"}) == {b, c, d, e}
    assert await found({"to": "2023-05-08"}) == {a, b, c}
    assert await found({"from": "2023-05-02", "to": "2023-05-31"}) == {b, c, d}
    assert await found({"from": "2023-05-08", "to": "2023-05-08"}) == {b, c}
    assert await found({"from": "2023-06-02"}) == set()
    # An undated draft has no date in any range, even for editors.
    assert await found({"from": "2000-01-01"}, editor_headers) == {a, b, c, d, e}
    assert await found({}, editor_headers) == {a, b, c, d, e, undated}

    assert await found({"issuer_organization_id": imctc["id"]}) == {a, b}
    assert await found({"issuer_organization_id": imctc["id"]}, editor_headers) == {a, b, undated}
    assert await found({"issuer_organization_id": ndu["id"]}) == {c, e}
    assert await found({"visit_id": visit["id"]}) == {b, c}
    assert await found({"visit_id": visit["id"]}, editor_headers) == {b, c, undated}
    assert await found({"visit_id": other_visit["id"]}) == {d}
    assert await found({"visit_id": visit["id"], "issuer_organization_id": ndu["id"]}) == {c}
    assert await found({"issuer_organization_id": ndu["id"], "to": "2023-05-31"}) == {c}
    assert await found({"status": "draft"}, editor_headers) == {undated}
    assert await found({"status": "published"}, editor_headers) == {a, b, c, d, e}

    for parameter, value in (
        ("from", "08-5-2023"),
        ("to", "2023-05-08T00:00:00"),
        ("issuer_organization_id", "x"),
        ("visit_id", "0"),
        ("status", "archived"),
    ):
        problem = assert_problem(await client.get(RELEASES, params={parameter: value}), 422)
        assert ["query", parameter] in error_locs(problem), parameter


# --- sorting and pagination --------------------------------------------------------------


async def make_sorted_world(client: httpx.AsyncClient, h: Headers) -> list[dict[str, Any]]:
    """Published releases with ties on the date, undated drafts, one dated draft."""
    made = []
    for published_on in ("2023-05-08", None, "2023-04-01", "2023-05-08", None, "2023-06-01"):
        if published_on is None:
            made.append(await factories.press_release(client, h))
        else:
            made.append(
                await factories.press_release(
                    client, h, status="published", published_on=published_on
                )
            )
    made.append(await factories.press_release(client, h, published_on="2023-05-08"))  # draft
    made.append(
        await factories.press_release(client, h, status="published", published_on="2023-05-08")
    )
    return made


def ascending_order(items: list[dict[str, Any]]) -> list[int]:
    """published_on ascending, ties by id, undated last (README)."""
    dated = sorted((i["published_on"], i["id"]) for i in items if i["published_on"])
    undated = sorted(i["id"] for i in items if not i["published_on"])
    return [i for _, i in dated] + undated


def check_descending(items: list[dict[str, Any]]) -> None:
    """published_on descending, undated first (README), ties by id in one direction."""
    undated = [i["id"] for i in items if not i["published_on"]]
    dated_count = len(items) - len(undated)
    assert [i["id"] for i in items[: len(undated)]] == [
        i["id"] for i in items if not i["published_on"]
    ], "undated releases come first in -published_on order"
    keys = [(i["published_on"], i["id"]) for i in items[len(undated) :]]
    assert len(keys) == dated_count
    ids_down = sorted(keys, reverse=True)
    ids_up = sorted(keys, key=lambda k: (-date.fromisoformat(k[0]).toordinal(), k[1]))
    if keys == ids_down:
        assert undated == sorted(undated, reverse=True), undated
    else:
        assert keys == ids_up, keys
        assert undated == sorted(undated), undated


async def test_sort_published_on_with_nulls_and_ties(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    made = await make_sorted_world(client, editor_headers)

    ascending = await page(client, RELEASES, {"sort": "published_on", "limit": 100}, editor_headers)
    assert ids(ascending["items"]) == ascending_order(made)

    descending = await page(
        client, RELEASES, {"sort": "-published_on", "limit": 100}, editor_headers
    )
    assert sorted(ids(descending["items"])) == sorted(ids(made))
    check_descending(descending["items"])

    default = await page(client, RELEASES, {"limit": 100}, editor_headers)
    assert ids(default["items"]) == ids(descending["items"]), "the default is -published_on"

    # Anonymous readers: the same order without the drafts.
    published = [r for r in made if r["status"] == "published"]
    anonymous = await page(client, RELEASES, {"sort": "published_on", "limit": 100})
    assert ids(anonymous["items"]) == ascending_order(published)


@pytest.mark.parametrize("sort", ["published_on", "-published_on"])
async def test_keyset_walk_sees_each_release_once_in_order(
    client: httpx.AsyncClient, editor_headers: Headers, sort: str
) -> None:
    await make_sorted_world(client, editor_headers)
    whole = ids(
        (await page(client, RELEASES, {"sort": sort, "limit": 100}, editor_headers))["items"]
    )
    assert len(whole) == 8

    for limit in (1, 2, 3):
        walked = await walk(client, RELEASES, {"sort": sort}, editor_headers, limit=limit)
        assert ids(walked) == whole, limit

    anonymous_whole = ids((await page(client, RELEASES, {"sort": sort, "limit": 100}))["items"])
    assert ids(await walk(client, RELEASES, {"sort": sort}, limit=2)) == anonymous_whole


@pytest.mark.parametrize("sort", ["published_on", "-published_on"])
async def test_keyset_walk_with_inserts(
    client: httpx.AsyncClient, editor_headers: Headers, sort: str
) -> None:
    await make_sorted_world(client, editor_headers)
    originals = ids(
        (await page(client, RELEASES, {"sort": sort, "limit": 100}, editor_headers))["items"]
    )
    added: list[int] = []

    async def insert(number: int) -> None:
        if number == 2:
            # One far behind the walk, plus an undated draft and a dated release.
            for fields in (
                {"status": "published", "published_on": "2001-01-01"},
                {},
                {"status": "published", "published_on": "2099-01-01"},
            ):
                added.append(
                    (await factories.press_release(client, editor_headers, **fields))["id"]
                )

    walked = ids(
        await walk(client, RELEASES, {"sort": sort}, editor_headers, limit=2, between_pages=insert)
    )
    assert len(walked) == len(set(walked)), walked
    assert [i for i in walked if i in originals] == originals


async def test_relevance_needs_q(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    target = await factories.press_release(
        client, editor_headers, status="published", title="Délégation pakistanaise à Riyad"
    )
    await factories.press_release(client, editor_headers, status="published", title="Other news")

    problem = assert_problem(await client.get(RELEASES, params={"sort": "relevance"}), 422)
    assert any("sort" in loc or "q" in loc for loc in error_locs(problem)), problem

    ranked = await page(client, RELEASES, {"sort": "relevance", "q": "pakistanaise"})
    assert ids(ranked["items"]) == [target["id"]]

    assert_problem(await client.get(RELEASES, params={"sort": "title"}), 422)


async def test_limit_and_cursor_errors(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    for _ in range(3):
        await factories.press_release(client, editor_headers, status="published")
    for limit in ("0", "101"):
        assert ["query", "limit"] in error_locs(
            assert_problem(await client.get(RELEASES, params={"limit": limit}), 422)
        )
    assert_problem(await client.get(RELEASES, params={"cursor": "***"}), 400)
    cursor = (await page(client, RELEASES, {"limit": 1}))["next_cursor"]
    assert cursor
    assert_problem(
        await client.get(RELEASES, params={"cursor": cursor, "sort": "published_on"}), 400
    )
    counted = await page(client, RELEASES, {"limit": 1, "count": "true"})
    assert counted["total"] == 3
