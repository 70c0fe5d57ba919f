"""GET /api/v1/stats/visits on the multilingual world (see tests/fixtures_multilingual.py for
the table of published visits these counts come from)."""

from typing import Any

import httpx
import pytest

from tests.fixtures_multilingual import EAF_NAME, IMCTC_NAME, NDU_NAME, World, build
from tests.support import assert_problem, error_locs

STATS = "/api/v1/stats/visits"
Headers = dict[str, str]
Bucket = tuple[str, str, int]

GROUPS = [
    "month",
    "year",
    "host_organization",
    "guest_organization",
    "guest_country",
    "country",
    "topic",
]
TIME_GROUPS = {"month", "year"}


@pytest.fixture
async def world(client: httpx.AsyncClient, editor_headers: Headers) -> World:
    return await build(client, editor_headers)


async def stats(
    client: httpx.AsyncClient, group_by: str, headers: Headers | None = None, **filters: Any
) -> dict[str, Any]:
    response = await client.get(
        STATS, params={"group_by": group_by, **filters}, headers=headers or {}
    )
    assert response.status_code == 200, (group_by, filters, response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert set(body) == {"group_by", "buckets", "total"}, body
    assert body["group_by"] == group_by
    for bucket in body["buckets"]:
        assert set(bucket) == {"key", "label", "count"}, bucket
        assert isinstance(bucket["key"], str) and isinstance(bucket["label"], str), bucket
        assert isinstance(bucket["count"], int) and bucket["count"] >= 1, bucket
    keys = [bucket["key"] for bucket in body["buckets"]]
    assert len(keys) == len(set(keys)), body
    counts = [bucket["count"] for bucket in body["buckets"]]
    if group_by in TIME_GROUPS:
        assert keys == sorted(keys), body  # by key
    else:
        assert counts == sorted(counts, reverse=True), body  # by count, descending
    return body


def buckets(body: dict[str, Any]) -> list[Bucket]:
    return [(b["key"], b["label"], b["count"]) for b in body["buckets"]]


def as_set(body: dict[str, Any]) -> set[Bucket]:
    return set(buckets(body))


def expected(world: World, group_by: str) -> list[Bucket]:
    """Every bucket of a grouping over the whole world, in a canonical order."""
    org = str
    table: dict[str, list[Bucket]] = {
        "month": [
            ("2023-05", "2023-05", 2),  # v1, and v2 (which ends in June)
            ("2023-11", "2023-11", 1),
            ("2024-02", "2024-02", 1),
            ("2024-03", "2024-03", 1),  # v5, dated "March 2024"
        ],
        "year": [("2023", "2023", 3), ("2024", "2024", 2)],
        "host_organization": [
            (org(world.imctc), IMCTC_NAME, 3),
            (org(world.ndu_pk), NDU_NAME, 1),
            (org(world.ndu_sa), NDU_NAME, 1),
        ],
        "guest_organization": [
            (org(world.ndu_pk), NDU_NAME, 2),
            (org(world.egyptian_forces), EAF_NAME, 2),
            (org(world.imctc), IMCTC_NAME, 1),
        ],
        "guest_country": [
            ("PK", "Pakistan", 2),
            ("EG", "Egypt", 2),
            ("SA", "Saudi Arabia", 1),
            ("JO", "Jordan", 1),
        ],
        "country": [("SA", "Saudi Arabia", 3), ("PK", "Pakistan", 1)],
        "topic": [
            ("ideology", "ideology", 2),
            ("military", "military", 2),
            ("counter-terrorist financing", "counter-terrorist financing", 2),
            ("education", "education", 2),
            ("communications", "communications", 1),
            ("training", "training", 1),
        ],
    }
    return table[group_by]


# --- every grouping ---------------------------------------------------------------------


@pytest.mark.parametrize("group_by", GROUPS)
async def test_every_grouping_on_the_world(
    client: httpx.AsyncClient, world: World, group_by: str
) -> None:
    body = await stats(client, group_by)
    assert body["total"] == 5  # distinct published visits, whatever the grouping
    if group_by in TIME_GROUPS:
        assert buckets(body) == expected(world, group_by)
    else:
        assert as_set(body) == set(expected(world, group_by))


async def test_time_buckets_are_sorted_by_key_not_by_count(
    client: httpx.AsyncClient, world: World
) -> None:
    keys = [b["key"] for b in (await stats(client, "month"))["buckets"]]
    # 2023-05 has the most visits yet stays first only because it is the earliest.
    assert keys == ["2023-05", "2023-11", "2024-02", "2024-03"]
    assert [b["key"] for b in (await stats(client, "year"))["buckets"]] == ["2023", "2024"]


async def test_other_buckets_are_sorted_by_count(client: httpx.AsyncClient, world: World) -> None:
    body = await stats(client, "host_organization")
    assert buckets(body)[0] == (str(world.imctc), IMCTC_NAME, 3)
    body = await stats(client, "country")
    assert buckets(body) == [("SA", "Saudi Arabia", 3), ("PK", "Pakistan", 1)]


async def test_organizations_are_keyed_by_id_and_labelled_by_name(
    client: httpx.AsyncClient, world: World
) -> None:
    # The two National Defense Universities share a label but never a bucket.
    body = await stats(client, "host_organization")
    labels = {b["key"]: b["label"] for b in body["buckets"]}
    assert labels[str(world.ndu_pk)] == labels[str(world.ndu_sa)] == NDU_NAME
    assert all(key.isdigit() for key in labels)


async def test_multi_valued_groupings_can_add_up_to_more_than_total(
    client: httpx.AsyncClient, world: World
) -> None:
    topic = await stats(client, "topic")
    assert sum(b["count"] for b in topic["buckets"]) == 10 > topic["total"] == 5
    guests = await stats(client, "guest_country")
    # v4 had three delegations (PK, EG and one from Jordan): it counts in three buckets.
    assert sum(b["count"] for b in guests["buckets"]) == 6 > guests["total"] == 5
    # Visits without a country (v5) are in no bucket but count in total.
    country = await stats(client, "country")
    assert sum(b["count"] for b in country["buckets"]) == 4 < country["total"] == 5


async def test_a_visit_counts_once_per_bucket_however_many_delegations_or_releases(
    client: httpx.AsyncClient, world: World, editor_headers: Headers
) -> None:
    # v1 is reported by the French release and its English translation.
    v1 = (await client.get(f"/api/v1/visits/{world.v1}")).json()
    assert sorted(v1["press_release_ids"]) == sorted(
        [world.release_fr, world.release_en_translation]
    )
    # "Qureshi" appears in both releases, in no visit's own text.
    body = await stats(client, "month", q="Qureshi")
    assert buckets(body) == [("2023-05", "2023-05", 1)] and body["total"] == 1
    body = await stats(client, "topic", q="Qureshi")
    assert all(b["count"] == 1 for b in body["buckets"]) and body["total"] == 1
    # A second delegation from the same organization and country does not count v1 twice.
    response = await client.post(
        "/api/v1/delegations",
        json={"visit_id": world.v1, "organization_id": world.ndu_pk, "size": 2},
        headers=editor_headers,
    )
    assert response.status_code == 201, response.text
    body = await stats(client, "guest_organization")
    assert (str(world.ndu_pk), NDU_NAME, 2) in buckets(body)
    body = await stats(client, "guest_country")
    assert ("PK", "Pakistan", 2) in buckets(body)


async def test_visits_count_under_their_start_month(
    client: httpx.AsyncClient, world: World
) -> None:
    # v2 runs from 30 May to 2 June 2023: counted in May only.
    months = [b["key"] for b in (await stats(client, "month"))["buckets"]]
    assert "2023-06" not in months
    # Selected by a range that only overlaps its June days, it still counts under May.
    body = await stats(client, "month", **{"from": "2023-06-01", "to": "2023-12-31"})
    assert buckets(body) == [("2023-05", "2023-05", 1), ("2023-11", "2023-11", 1)]
    assert body["total"] == 2
    # A visit dated only "March 2024" starts on the first of the month.
    response = await client.get(f"/api/v1/visits/{world.v5}")
    assert response.json()["start_date"] == "2024-03-01"


async def test_visits_count_under_their_start_year(
    client: httpx.AsyncClient, world: World, editor_headers: Headers
) -> None:
    response = await client.post(
        "/api/v1/visits",
        json={
            "title": "New Year liaison visit",
            "status": "published",
            "start_date": "2023-12-30",
            "end_date": "2024-01-02",
            "host_organization_id": world.ndu_sa,
        },
        headers=editor_headers,
    )
    assert response.status_code == 201, response.text
    body = await stats(client, "year")
    assert buckets(body) == [("2023", "2023", 4), ("2024", "2024", 2)] and body["total"] == 6
    body = await stats(client, "month", **{"from": "2024-01-01", "to": "2024-01-31"})
    assert buckets(body) == [("2023-12", "2023-12", 1)] and body["total"] == 1


# --- filters ----------------------------------------------------------------------------


async def test_date_filters(client: httpx.AsyncClient, world: World) -> None:
    body = await stats(client, "year", **{"from": "2024-01-01"})
    assert buckets(body) == [("2024", "2024", 2)] and body["total"] == 2
    body = await stats(client, "month", to="2023-05-08")
    assert buckets(body) == [("2023-05", "2023-05", 1)] and body["total"] == 1
    # March 2024 (month precision) overlaps a range inside it.
    body = await stats(client, "month", **{"from": "2024-03-20", "to": "2024-03-21"})
    assert buckets(body) == [("2024-03", "2024-03", 1)]
    body = await stats(client, "month", **{"from": "2025-01-01"})
    assert body == {"group_by": "month", "buckets": [], "total": 0}


async def test_organization_filters(client: httpx.AsyncClient, world: World) -> None:
    # Host or delegation, by an alias's acronym: v1, v2 and v5 (host), v3 (delegation).
    for name in ["CIMCT", "cimct", "IMCTC", "Coalition islamique militaire contre le terrorisme"]:
        body = await stats(client, "month", organization=name)
        assert buckets(body) == [
            ("2023-05", "2023-05", 2),
            ("2023-11", "2023-11", 1),
            ("2024-03", "2024-03", 1),
        ], name
        assert body["total"] == 4
    # Both National Defense Universities match the name: v1, v3, v4.
    body = await stats(client, "year", organization="national defense university")
    assert buckets(body) == [("2023", "2023", 2), ("2024", "2024", 1)]
    body = await stats(client, "host_organization", host_organization_id=world.imctc)
    assert buckets(body) == [(str(world.imctc), IMCTC_NAME, 3)] and body["total"] == 3
    body = await stats(client, "country", guest_organization_id=world.egyptian_forces)
    assert buckets(body) == [("SA", "Saudi Arabia", 2)] and body["total"] == 2


async def test_place_topic_and_official_filters(client: httpx.AsyncClient, world: World) -> None:
    body = await stats(client, "year", guest_country="eg")
    assert buckets(body) == [("2023", "2023", 1), ("2024", "2024", 1)] and body["total"] == 2
    body = await stats(client, "host_organization", country="SA")
    assert as_set(body) == {
        (str(world.imctc), IMCTC_NAME, 2),
        (str(world.ndu_sa), NDU_NAME, 1),
    }
    assert body["total"] == 3
    body = await stats(client, "country", city="RIYADH")
    assert buckets(body) == [("SA", "Saudi Arabia", 3)]
    body = await stats(client, "month", topic="Education")
    assert buckets(body) == [("2023-11", "2023-11", 1), ("2024-02", "2024-02", 1)]
    body = await stats(client, "country", official_id=world.moghidi)
    assert as_set(body) == {("SA", "Saudi Arabia", 1), ("PK", "Pakistan", 1)}
    body = await stats(client, "guest_country", q="memorandum")
    assert as_set(body) == {("PK", "Pakistan", 1), ("EG", "Egypt", 1), ("JO", "Jordan", 1)}
    assert body["total"] == 1


async def test_filters_on_delegations_with_delegation_groupings(
    client: httpx.AsyncClient, world: World
) -> None:
    # The filter picks visits; the grouping then counts all of those visits' delegations.
    body = await stats(client, "guest_country", guest_country="EG")  # v2, v4
    assert as_set(body) == {("EG", "Egypt", 2), ("PK", "Pakistan", 1), ("JO", "Jordan", 1)}
    assert body["total"] == 2
    body = await stats(client, "guest_organization", organization="CIMCT")  # v1, v2, v3, v5
    assert as_set(body) == {
        (str(world.ndu_pk), NDU_NAME, 1),
        (str(world.egyptian_forces), EAF_NAME, 1),
        (str(world.imctc), IMCTC_NAME, 1),
    }
    assert body["total"] == 4
    body = await stats(client, "guest_organization", guest_organization_id=world.ndu_pk)
    assert as_set(body) == {
        (str(world.ndu_pk), NDU_NAME, 2),
        (str(world.egyptian_forces), EAF_NAME, 1),
    }
    body = await stats(client, "guest_country", organization_id=world.imctc)  # v1, v2, v3, v5
    assert as_set(body) == {("PK", "Pakistan", 1), ("EG", "Egypt", 1), ("SA", "Saudi Arabia", 1)}
    body = await stats(client, "guest_organization", official_id=world.moghidi)  # v1, v3
    assert as_set(body) == {(str(world.ndu_pk), NDU_NAME, 1), (str(world.imctc), IMCTC_NAME, 1)}
    assert body["total"] == 2


async def test_topic_filter_with_topic_grouping(client: httpx.AsyncClient, world: World) -> None:
    body = await stats(client, "topic", topic="education")  # v3, v4
    assert as_set(body) == {("education", "education", 2), ("ideology", "ideology", 1)}
    assert body["total"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"from": "08-05-2023"},
        {"to": "2023-02-30"},
        {"guest_country": "XX"},
        {"country": "Saudi"},
        {"organization_id": "abc"},
        {"status": "archived"},
    ],
)
async def test_invalid_filters_are_422(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    response = await client.get(STATS, params={"group_by": "month", **params})
    body = assert_problem(response, 422)
    [name] = params
    assert ["query", name] in error_locs(body), body


# --- drafts -----------------------------------------------------------------------------


async def test_drafts_are_never_counted_even_for_editors(
    client: httpx.AsyncClient, world: World, editor_headers: Headers
) -> None:
    for group_by in GROUPS:
        anonymous = await stats(client, group_by)
        editor = await stats(client, group_by, editor_headers)
        assert editor == anonymous, group_by
    body = await stats(client, "month", editor_headers, status="draft")
    assert body == {"group_by": "month", "buckets": [], "total": 0}
    body = await stats(client, "country", editor_headers, topic="planning")
    assert body == {"group_by": "country", "buckets": [], "total": 0}
    # The draft visit's delegation (from NDU-SA) is not counted either.
    body = await stats(client, "guest_organization", editor_headers)
    assert str(world.ndu_sa) not in {b["key"] for b in body["buckets"]}


async def test_publishing_a_draft_makes_it_count(
    client: httpx.AsyncClient, world: World, editor_headers: Headers
) -> None:
    response = await client.patch(
        f"/api/v1/visits/{world.draft_visit}", json={"status": "published"}, headers=editor_headers
    )
    assert response.status_code == 200, response.text
    body = await stats(client, "month")
    assert ("2023-05", "2023-05", 3) in buckets(body) and body["total"] == 6
    body = await stats(client, "guest_organization")
    assert (str(world.ndu_sa), NDU_NAME, 1) in buckets(body)


async def test_no_visits_gives_empty_buckets(client: httpx.AsyncClient) -> None:
    for group_by in GROUPS:
        body = await stats(client, group_by)
        assert body == {"group_by": group_by, "buckets": [], "total": 0}


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("group_by", ["week", "Month", "organization", "", "topics"])
async def test_unknown_group_by_is_422(client: httpx.AsyncClient, group_by: str) -> None:
    body = assert_problem(await client.get(STATS, params={"group_by": group_by}), 422)
    assert ["query", "group_by"] in error_locs(body), body


async def test_missing_group_by_is_422(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(STATS), 422)
    assert ["query", "group_by"] in error_locs(body), body


# --- answers reused between writes ----------------------------------------------------------


async def test_a_write_shows_in_the_next_answer_although_answers_are_reused(
    client: httpx.AsyncClient, world: World, editor_headers: dict[str, str]
) -> None:
    before = await stats(client, "year")
    assert before == await stats(client, "year")  # the second answer may come from the cache
    visit = await client.post(
        "/api/v1/visits",
        json={
            "title": "A late addition",
            "status": "published",
            "start_date": "2031-02-03",
            "host_organization_id": world.imctc,
        },
        headers=editor_headers,
    )
    assert visit.status_code == 201, visit.text
    after = await stats(client, "year")
    assert after["total"] == before["total"] + 1
    assert ("2031", "2031", 1) in buckets(after)
    await client.patch(
        f"/api/v1/visits/{visit.json()['id']}", json={"status": "draft"}, headers=editor_headers
    )
    assert await stats(client, "year") == before
