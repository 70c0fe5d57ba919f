"""The visits endpoints over HTTP, against the contract (shared API.md) and the README's
documented choices (date precision, topics, version on embedded changes)."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.delegations.models import Delegation, DelegationMember
from app.officials.models import Official
from app.organizations.models import Organization
from app.press_releases.models import PressRelease
from app.visits.models import Participant, Visit, VisitTopic, release_visits
from tests import factories
from tests.helpers_resources import (
    DELEGATIONS,
    RELEASES,
    VISITS,
    column_values,
    count_rows,
    get_json,
    ids,
    list_ids,
    page,
    patch_json,
    walk,
)
from tests.support import assert_problem, error_locs

Headers = dict[str, str]


async def stored(session: AsyncSession, visit_id: int) -> dict[str, Any] | None:
    row = (
        await session.execute(
            select(
                Visit.title,
                Visit.status,
                Visit.start_date,
                Visit.end_date,
                Visit.date_precision,
                Visit.host_organization_id,
                Visit.version,
            ).where(Visit.id == visit_id)
        )
    ).one_or_none()
    return None if row is None else dict(row._mapping)


async def topics_of(session: AsyncSession, visit_id: int) -> list[str]:
    return await column_values(
        session, VisitTopic.topic, VisitTopic.visit_id == visit_id, order_by=VisitTopic.topic
    )


def loc_names(problem: dict[str, Any], field: str) -> bool:
    return any(field in loc for loc in error_locs(problem))


# --- create and read ---------------------------------------------------------------------


async def test_create_defaults(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    host = await factories.organization(client, editor_headers)
    response = await client.post(
        VISITS,
        json={
            "title": "Visit of the NDU delegation",
            "start_date": "2023-05-08",
            "host_organization_id": host["id"],
        },
        headers=editor_headers,
    )

    assert response.status_code == 201, response.text
    visit = response.json()
    assert response.headers["location"] == f"{VISITS}/{visit['id']}"
    assert response.headers["etag"].startswith('"')
    assert visit["status"] == "draft"
    assert visit["start_date"] == "2023-05-08"
    assert visit["end_date"] == "2023-05-08"
    assert visit["date_precision"] == "day"
    assert visit["topics"] == []
    assert visit["participants"] == []
    assert visit["delegations"] == []
    assert visit["press_release_ids"] == []
    for field in ("city", "country_code", "venue", "summary"):
        assert visit[field] is None, field
    assert visit["host_organization_id"] == host["id"]
    assert visit["version"] == 1

    assert await stored(session, visit["id"]) == {
        "title": "Visit of the NDU delegation",
        "status": "draft",
        "start_date": date(2023, 5, 8),
        "end_date": date(2023, 5, 8),
        "date_precision": "day",
        "host_organization_id": host["id"],
        "version": 1,
    }

    fetched = await client.get(f"{VISITS}/{visit['id']}", headers=editor_headers)
    assert fetched.status_code == 200
    assert fetched.json() == visit
    assert fetched.headers["etag"] == response.headers["etag"]


async def test_create_full_visit(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    host = await factories.organization(client, editor_headers, country_code="SA")
    moghidi = await factories.official(client, editor_headers)
    guest = await factories.official(client, editor_headers)
    visit = await factories.visit(
        client,
        editor_headers,
        title="Visite de la délégation",
        status="published",
        start_date="2023-05-08",
        end_date="2023-05-09",
        city="Riyad",
        country_code="sa",
        venue="IMCTC headquarters",
        host_organization_id=host["id"],
        summary="A delegation of the university visited the coalition.",
        topics=["Ideology", "communications"],
        participants=[
            {"official_id": moghidi["id"], "side": "host", "role": "Secretary-General"},
            {"official_id": guest["id"], "side": "guest"},
        ],
    )
    assert visit["status"] == "published"
    assert visit["end_date"] == "2023-05-09"
    assert visit["country_code"] == "SA"
    assert visit["city"] == "Riyad"
    assert visit["topics"] == ["communications", "ideology"]
    assert visit["participants"] == [
        {"official_id": moghidi["id"], "side": "host", "role": "Secretary-General"},
        {"official_id": guest["id"], "side": "guest", "role": None},
    ]
    rows = await session.execute(
        select(Participant.official_id, Participant.side)
        .where(Participant.visit_id == visit["id"])
        .order_by(Participant.id)
    )
    assert [tuple(r) for r in rows] == [(moghidi["id"], "host"), (guest["id"], "guest")]

    # Published: anonymous readers see it as the editor does.
    assert (await get_json(client, f"{VISITS}/{visit['id']}")) == visit


@pytest.mark.parametrize("missing", ["title", "start_date", "host_organization_id"])
async def test_required_fields(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession, missing: str
) -> None:
    host = await factories.organization(client, editor_headers)
    body = {"title": "T", "start_date": "2023-05-08", "host_organization_id": host["id"]}
    del body[missing]
    problem = assert_problem(await client.post(VISITS, json=body, headers=editor_headers), 422)
    assert ["body", missing] in error_locs(problem)
    assert await count_rows(session, Visit.id) == 0


async def test_get_unknown_is_404(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    assert_problem(await client.get(f"{VISITS}/987654", headers=editor_headers), 404)


# --- dates -------------------------------------------------------------------------------


async def test_end_before_start_on_create_is_422(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    host = await factories.organization(client, editor_headers)
    response = await client.post(
        VISITS,
        json={
            "title": "Backwards",
            "start_date": "2023-05-08",
            "end_date": "2023-05-07",
            "host_organization_id": host["id"],
        },
        headers=editor_headers,
    )
    problem = assert_problem(response, 422)
    assert loc_names(problem, "end_date"), problem
    assert await count_rows(session, Visit.id) == 0


async def test_end_before_start_on_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    visit = await factories.visit(
        client, editor_headers, start_date="2023-05-08", end_date="2023-05-12"
    )
    url = f"{VISITS}/{visit['id']}"

    problem = assert_problem(
        await client.patch(url, json={"end_date": "2023-05-01"}, headers=editor_headers), 422
    )
    assert loc_names(problem, "end_date"), problem
    # Moving the start past an explicit end is the same mistake.
    assert_problem(
        await client.patch(url, json={"start_date": "2023-05-13"}, headers=editor_headers), 422
    )
    assert_problem(
        await client.patch(
            url,
            json={"start_date": "2023-06-01", "end_date": "2023-05-31"},
            headers=editor_headers,
        ),
        422,
    )
    row = await stored(session, visit["id"])
    assert row is not None
    assert (row["start_date"], row["end_date"], row["version"]) == (
        date(2023, 5, 8),
        date(2023, 5, 12),
        1,
    )
    assert (await get_json(client, url, editor_headers)) == visit


async def test_patch_start_moves_default_end_along_but_keeps_explicit_end(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    one_day = await factories.visit(client, editor_headers, start_date="2023-05-08")
    moved = await patch_json(
        client, f"{VISITS}/{one_day['id']}", {"start_date": "2023-05-10"}, editor_headers
    )
    assert (moved["start_date"], moved["end_date"]) == ("2023-05-10", "2023-05-10")
    assert moved["version"] == 2

    ranged = await factories.visit(
        client, editor_headers, start_date="2023-05-08", end_date="2023-05-12"
    )
    moved = await patch_json(
        client, f"{VISITS}/{ranged['id']}", {"start_date": "2023-05-10"}, editor_headers
    )
    assert (moved["start_date"], moved["end_date"]) == ("2023-05-10", "2023-05-12")


@pytest.mark.parametrize(
    ("precision", "start", "end", "expected"),
    [
        ("month", "2023-05-17", None, ("2023-05-01", "2023-05-31")),
        ("month", "2023-05-31", None, ("2023-05-01", "2023-05-31")),
        ("month", "2024-02-10", None, ("2024-02-01", "2024-02-29")),
        ("month", "2023-02-10", None, ("2023-02-01", "2023-02-28")),
        ("month", "2023-05-17", "2023-07-03", ("2023-05-01", "2023-07-31")),
        ("year", "2023-05-17", None, ("2023-01-01", "2023-12-31")),
        ("year", "2023-05-17", "2024-03-02", ("2023-01-01", "2024-12-31")),
        ("day", "2023-05-17", None, ("2023-05-17", "2023-05-17")),
    ],
)
async def test_date_precision_normalizes_dates(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    session: AsyncSession,
    precision: str,
    start: str,
    end: str | None,
    expected: tuple[str, str],
) -> None:
    overrides: dict[str, Any] = {"start_date": start, "date_precision": precision}
    if end is not None:
        overrides["end_date"] = end
    visit = await factories.visit(client, editor_headers, **overrides)
    assert (visit["start_date"], visit["end_date"]) == expected
    assert visit["date_precision"] == precision
    row = await stored(session, visit["id"])
    assert row is not None
    assert (row["start_date"].isoformat(), row["end_date"].isoformat()) == expected
    assert row["date_precision"] == precision


async def test_month_precision_with_end_in_an_earlier_month_is_422(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    host = await factories.organization(client, editor_headers)
    response = await client.post(
        VISITS,
        json={
            "title": "T",
            "start_date": "2023-05-17",
            "end_date": "2023-04-20",
            "date_precision": "month",
            "host_organization_id": host["id"],
        },
        headers=editor_headers,
    )
    assert_problem(response, 422)


async def test_patch_precision_normalizes_and_keeps_precision(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    visit = await factories.visit(client, editor_headers, start_date="2023-05-17")
    url = f"{VISITS}/{visit['id']}"
    monthly = await patch_json(client, url, {"date_precision": "month"}, editor_headers)
    assert (monthly["start_date"], monthly["end_date"]) == ("2023-05-01", "2023-05-31")
    assert monthly["date_precision"] == "month"

    # A new day within a month-precision visit still covers the whole (new) month.
    moved = await patch_json(client, url, {"start_date": "2023-08-19"}, editor_headers)
    assert (moved["start_date"], moved["end_date"]) == ("2023-08-01", "2023-08-31")
    assert moved["date_precision"] == "month"
    row = await stored(session, visit["id"])
    assert row is not None and row["start_date"] == date(2023, 8, 1)
    assert row["end_date"] == date(2023, 8, 31)


@pytest.mark.parametrize(
    "value",
    ["08-5-2023", "2023-05-08T00:00:00", 20230508, "2023-5-8", "2023-02-30", "2023/05/08", ""],
)
async def test_dates_are_strict(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession, value: object
) -> None:
    host = await factories.organization(client, editor_headers)
    response = await client.post(
        VISITS,
        json={"title": "T", "start_date": value, "host_organization_id": host["id"]},
        headers=editor_headers,
    )
    problem = assert_problem(response, 422)
    assert ["body", "start_date"] in error_locs(problem)

    visit = await factories.visit(client, editor_headers)
    patched = await client.patch(
        f"{VISITS}/{visit['id']}", json={"end_date": value}, headers=editor_headers
    )
    assert ["body", "end_date"] in error_locs(assert_problem(patched, 422))
    assert await count_rows(session, Visit.id) == 1


@pytest.mark.parametrize("parameter", ["from", "to"])
@pytest.mark.parametrize("value", ["08-5-2023", "2023-05-08T00:00:00", "20230508"])
async def test_date_filters_are_strict(
    client: httpx.AsyncClient, parameter: str, value: str
) -> None:
    problem = assert_problem(await client.get(VISITS, params={parameter: value}), 422)
    assert ["query", parameter] in error_locs(problem)


# --- references and read-only fields -----------------------------------------------------


async def test_unknown_host_is_422_naming_it(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    response = await client.post(
        VISITS,
        json={"title": "T", "start_date": "2023-05-08", "host_organization_id": 987654},
        headers=editor_headers,
    )
    assert ["body", "host_organization_id"] in error_locs(assert_problem(response, 422))
    assert await count_rows(session, Visit.id) == 0

    visit = await factories.visit(client, editor_headers)
    patched = await client.patch(
        f"{VISITS}/{visit['id']}", json={"host_organization_id": 987654}, headers=editor_headers
    )
    assert ["body", "host_organization_id"] in error_locs(assert_problem(patched, 422))
    row = await stored(session, visit["id"])
    assert row is not None
    assert row["host_organization_id"] == visit["host_organization_id"]
    assert row["version"] == 1


async def test_unknown_participant_is_422_naming_it(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    known = await factories.official(client, editor_headers)
    host = await factories.organization(client, editor_headers)
    response = await client.post(
        VISITS,
        json={
            "title": "T",
            "start_date": "2023-05-08",
            "host_organization_id": host["id"],
            "participants": [
                {"official_id": known["id"], "side": "host"},
                {"official_id": 987654, "side": "guest"},
            ],
        },
        headers=editor_headers,
    )
    locs = error_locs(assert_problem(response, 422))
    assert ["body", "participants", 1, "official_id"] in locs
    assert ["body", "participants", 0, "official_id"] not in locs
    assert await count_rows(session, Visit.id) == 0


async def test_participant_twice_or_bad_side_is_422(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    official = await factories.official(client, editor_headers)
    host = await factories.organization(client, editor_headers)
    base = {"title": "T", "start_date": "2023-05-08", "host_organization_id": host["id"]}
    twice = [
        {"official_id": official["id"], "side": "host"},
        {"official_id": official["id"], "side": "guest"},
    ]
    assert_problem(
        await client.post(VISITS, json={**base, "participants": twice}, headers=editor_headers),
        422,
    )
    bad_side = [{"official_id": official["id"], "side": "visitor"}]
    problem = assert_problem(
        await client.post(VISITS, json={**base, "participants": bad_side}, headers=editor_headers),
        422,
    )
    assert ["body", "participants", 0, "side"] in error_locs(problem)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("delegations", []),
        ("delegations", [{"country_code": "PK"}]),
        ("press_release_ids", []),
        ("press_release_ids", [1]),
        ("id", 5),
        ("version", 3),
        ("created_at", "2023-05-08T00:00:00Z"),
    ],
)
async def test_read_only_fields_are_unknown_fields(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    session: AsyncSession,
    field: str,
    value: object,
) -> None:
    host = await factories.organization(client, editor_headers)
    body = {"title": "T", "start_date": "2023-05-08", "host_organization_id": host["id"]}
    response = await client.post(VISITS, json={**body, field: value}, headers=editor_headers)
    assert ["body", field] in error_locs(assert_problem(response, 422))
    assert await count_rows(session, Visit.id) == 0

    visit = await factories.visit(client, editor_headers)
    patched = await client.patch(
        f"{VISITS}/{visit['id']}", json={field: value}, headers=editor_headers
    )
    assert ["body", field] in error_locs(assert_problem(patched, 422))
    row = await stored(session, visit["id"])
    assert row is not None and row["version"] == 1


@pytest.mark.parametrize(
    "field",
    ["title", "status", "start_date", "end_date", "date_precision", "host_organization_id"],
)
async def test_patch_null_on_required_field_is_422(
    client: httpx.AsyncClient, editor_headers: Headers, field: str
) -> None:
    visit = await factories.visit(client, editor_headers)
    response = await client.patch(
        f"{VISITS}/{visit['id']}", json={field: None}, headers=editor_headers
    )
    assert_problem(response, 422)


async def test_invalid_enum_values_are_422(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    host = await factories.organization(client, editor_headers)
    base = {"title": "T", "start_date": "2023-05-08", "host_organization_id": host["id"]}
    for field, value in (
        ("status", "archived"),
        ("date_precision", "week"),
        ("country_code", "XX"),
    ):
        response = await client.post(VISITS, json={**base, field: value}, headers=editor_headers)
        assert ["body", field] in error_locs(assert_problem(response, 422)), field


# --- topics and participants -------------------------------------------------------------


async def test_topics_lower_cased_deduplicated_and_sorted(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    visit = await factories.visit(
        client,
        editor_headers,
        topics=["Military", "military", " IDEOLOGY ", "Counter-Terrorist Financing", "MILITARY"],
    )
    assert visit["topics"] == ["counter-terrorist financing", "ideology", "military"]
    assert await topics_of(session, visit["id"]) == [
        "counter-terrorist financing",
        "ideology",
        "military",
    ]

    patched = await patch_json(
        client, f"{VISITS}/{visit['id']}", {"topics": ["Training", "training"]}, editor_headers
    )
    assert patched["topics"] == ["training"]
    assert await topics_of(session, visit["id"]) == ["training"]

    untouched = await patch_json(client, f"{VISITS}/{visit['id']}", {"title": "X"}, editor_headers)
    assert untouched["topics"] == ["training"]


async def test_patch_replaces_participants(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    first = await factories.official(client, editor_headers)
    second = await factories.official(client, editor_headers)
    visit = await factories.visit(
        client,
        editor_headers,
        participants=[
            {"official_id": first["id"], "side": "host"},
            {"official_id": second["id"], "side": "guest"},
        ],
    )
    patched = await patch_json(
        client,
        f"{VISITS}/{visit['id']}",
        {"participants": [{"official_id": second["id"], "side": "host", "role": "Chair"}]},
        editor_headers,
    )
    assert patched["participants"] == [
        {"official_id": second["id"], "side": "host", "role": "Chair"}
    ]
    assert patched["version"] == 2
    assert await column_values(
        session, Participant.official_id, Participant.visit_id == visit["id"]
    ) == [second["id"]]


# --- filters -----------------------------------------------------------------------------


@dataclass
class World:
    imctc: int
    ndu_pk: int
    ndu_sa: int
    eaf: int
    other: int
    moghidi: int
    khan: int
    hassan: int
    bystander: int
    v1: int
    v2: int
    v3: int
    v4: int
    v5: int
    v6: int
    v7: int
    draft: int


async def build_world(client: httpx.AsyncClient, h: Headers) -> World:
    """Published visits v1..v7 and one draft, with hosts, delegations and participants:

    v1 2023-05-08 Riyad SA, host IMCTC, deleg NDU-PK (→PK, member Khan), participant Moghidi
    v2 2023-05-30..06-02 Riyâd SA, host IMCTC, deleg EAF (→EG, head Hassan)
    v3 2023-11-14 Islamabad PK, host NDU-PK, deleg IMCTC (→SA, member Moghidi)
    v4 2024-02-20..22 Riyadh SA, host NDU-SA, delegs NDU-PK (→PK), JO (head Moghidi)
    v5 2024-03 (month) no place, host other
    v6 2022-01-10 Montréal CA, host other
    v7 2022-06-01 Riyadh SA, host NDU-SA
    draft 2023-05-15 SA, host IMCTC
    """
    imctc = await factories.organization(
        client,
        h,
        name="Islamic Military Counter Terrorism Coalition",
        acronym="IMCTC",
        kind="military_alliance",
        country_code="SA",
        aliases=[
            {
                "name": "Coalition islamique militaire contre le terrorisme",
                "language": "fr",
                "acronym": "CIMCT",
            },
            {"name": "التحالف الإسلامي العسكري لمحاربة الإرهاب", "language": "ar"},
        ],
    )
    ndu_pk = await factories.organization(
        client,
        h,
        name="National Defense University",
        acronym="NDU",
        kind="university",
        country_code="PK",
        aliases=[{"name": "Université de la Défense nationale", "language": "fr"}],
    )
    ndu_sa = await factories.organization(
        client, h, name="National Defense University", kind="university", country_code="SA"
    )
    eaf = await factories.organization(
        client, h, name="Egyptian Armed Forces", kind="armed_forces", country_code="EG"
    )
    other = await factories.organization(client, h, name="Ministry of Defence", country_code="MY")
    moghidi = await factories.official(client, h, name="Mohammad bin Saeed Al-Moghidi")
    khan = await factories.official(client, h, name="Ahmed Khan")
    hassan = await factories.official(client, h, name="Omar Hassan")
    bystander = await factories.official(client, h, name="Nobody Special")

    async def visit(**fields: Any) -> int:
        return int((await factories.visit(client, h, status="published", **fields))["id"])

    v1 = await visit(
        start_date="2023-05-08",
        city="Riyad",
        country_code="SA",
        host_organization_id=imctc["id"],
        topics=["ideology", "military", "communications"],
        participants=[{"official_id": moghidi["id"], "side": "host"}],
    )
    await factories.delegation(
        client, h, visit_id=v1, organization_id=ndu_pk["id"], members=[{"official_id": khan["id"]}]
    )
    v2 = await visit(
        start_date="2023-05-30",
        end_date="2023-06-02",
        city="Riyâd",
        country_code="SA",
        host_organization_id=imctc["id"],
        topics=["Military", "training"],
    )
    await factories.delegation(
        client, h, visit_id=v2, organization_id=eaf["id"], head_official_id=hassan["id"]
    )
    v3 = await visit(
        start_date="2023-11-14",
        city="Islamabad",
        country_code="PK",
        host_organization_id=ndu_pk["id"],
        topics=["education", "ideology"],
    )
    await factories.delegation(
        client,
        h,
        visit_id=v3,
        organization_id=imctc["id"],
        members=[{"official_id": moghidi["id"], "role": "head of delegation"}],
    )
    v4 = await visit(
        start_date="2024-02-20",
        end_date="2024-02-22",
        city="Riyadh",
        country_code="SA",
        host_organization_id=ndu_sa["id"],
        topics=["education"],
    )
    await factories.delegation(client, h, visit_id=v4, organization_id=ndu_pk["id"])
    await factories.delegation(
        client, h, visit_id=v4, country_code="JO", head_official_id=moghidi["id"]
    )
    v5 = await visit(
        start_date="2024-03-10",
        date_precision="month",
        host_organization_id=other["id"],
        topics=["counter-terrorist financing"],
    )
    v6 = await visit(
        start_date="2022-01-10",
        city="Montréal",
        country_code="CA",
        host_organization_id=other["id"],
    )
    v7 = await visit(
        start_date="2022-06-01", city="Riyadh", country_code="SA", host_organization_id=ndu_sa["id"]
    )
    draft = await factories.visit(
        client,
        h,
        start_date="2023-05-15",
        city="Riyad",
        country_code="SA",
        host_organization_id=imctc["id"],
        topics=["military"],
        participants=[{"official_id": moghidi["id"], "side": "host"}],
    )
    await factories.delegation(
        client, h, visit_id=draft["id"], organization_id=ndu_pk["id"], head_official_id=khan["id"]
    )
    return World(
        imctc=imctc["id"],
        ndu_pk=ndu_pk["id"],
        ndu_sa=ndu_sa["id"],
        eaf=eaf["id"],
        other=other["id"],
        moghidi=moghidi["id"],
        khan=khan["id"],
        hassan=hassan["id"],
        bystander=bystander["id"],
        v1=v1,
        v2=v2,
        v3=v3,
        v4=v4,
        v5=v5,
        v6=v6,
        v7=v7,
        draft=draft["id"],
    )


async def matching(
    client: httpx.AsyncClient, params: dict[str, Any], headers: Headers | None = None
) -> set[int]:
    """The ids a filtered list gives, checking each comes once."""
    found = await list_ids(client, VISITS, params, headers)
    assert len(found) == len(set(found)), f"a visit came twice for {params}: {found}"
    return set(found)


async def test_filters_by_organization(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    w = await build_world(client, editor_headers)

    # Host or a delegation's sending organization.
    assert await matching(client, {"organization_id": w.imctc}) == {w.v1, w.v2, w.v3}
    assert await matching(client, {"organization_id": w.ndu_pk}) == {w.v1, w.v3, w.v4}
    assert await matching(client, {"organization_id": w.ndu_sa}) == {w.v4, w.v7}
    assert await matching(client, {"organization_id": w.eaf}) == {w.v2}
    assert await matching(client, {"host_organization_id": w.imctc}) == {w.v1, w.v2}
    assert await matching(client, {"host_organization_id": w.ndu_pk}) == {w.v3}
    assert await matching(client, {"host_organization_id": w.eaf}) == set()
    assert await matching(client, {"guest_organization_id": w.imctc}) == {w.v3}
    assert await matching(client, {"guest_organization_id": w.ndu_pk}) == {w.v1, w.v4}
    assert await matching(client, {"guest_organization_id": w.ndu_sa}) == set()
    # An organization the visits do not involve.
    unrelated = await factories.organization(client, editor_headers)
    assert await matching(client, {"organization_id": unrelated["id"]}) == set()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Both National Defense Universities (PK and SA) count.
        ("National Defense University", {"v1", "v3", "v4", "v7"}),
        ("national defense university", {"v1", "v3", "v4", "v7"}),
        ("NATIONAL DÉFENSE UNIVERSITY", {"v1", "v3", "v4", "v7"}),
        # Acronyms, of the organization and of an alias.
        ("IMCTC", {"v1", "v2", "v3"}),
        ("CIMCT", {"v1", "v2", "v3"}),
        ("cimct", {"v1", "v2", "v3"}),
        ("NDU", {"v1", "v3", "v4"}),
        # Aliases, ignoring case and accents.
        ("coalition islamique militaire contre le terrorisme", {"v1", "v2", "v3"}),
        ("universite de la defense nationale", {"v1", "v3", "v4"}),
        ("التحالف الإسلامي العسكري لمحاربة الإرهاب", {"v1", "v2", "v3"}),
        ("Egyptian Armed Forces", {"v2"}),
        # Exact names only, not parts of them.
        ("National Defense", set()),
        ("Nowhere Institute", set()),
    ],
)
async def test_filter_by_organization_name(
    client: httpx.AsyncClient, editor_headers: Headers, name: str, expected: set[str]
) -> None:
    w = await build_world(client, editor_headers)
    wanted = {getattr(w, key) for key in expected}
    assert await matching(client, {"organization": name}) == wanted


async def test_filters_by_place(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    w = await build_world(client, editor_headers)

    assert await matching(client, {"country": "SA"}) == {w.v1, w.v2, w.v4, w.v7}
    assert await matching(client, {"country": "sa"}) == {w.v1, w.v2, w.v4, w.v7}
    assert await matching(client, {"country": "PK"}) == {w.v3}
    assert await matching(client, {"country": "FR"}) == set()
    assert ["query", "country"] in error_locs(
        assert_problem(await client.get(VISITS, params={"country": "XX"}), 422)
    )

    # City: case and accents ignored ("Riyad" and "Riyâd" are one spelling, "Riyadh" another).
    for city in ("Riyad", "riyad", "RIYAD", "Riyâd", "riyâd"):
        assert await matching(client, {"city": city}) == {w.v1, w.v2}, city
    assert await matching(client, {"city": "riyadh"}) == {w.v4, w.v7}
    for city in ("montreal", "MONTRÉAL", "Montréal"):
        assert await matching(client, {"city": city}) == {w.v6}, city
    assert await matching(client, {"city": "islamabad"}) == {w.v3}
    assert await matching(client, {"city": "Paris"}) == set()

    # A delegation's country, including one taken from the sending organization.
    assert await matching(client, {"guest_country": "PK"}) == {w.v1, w.v4}
    assert await matching(client, {"guest_country": "eg"}) == {w.v2}
    assert await matching(client, {"guest_country": "SA"}) == {w.v3}
    assert await matching(client, {"guest_country": "JO"}) == {w.v4}
    assert await matching(client, {"guest_country": "MY"}) == set()
    assert_problem(await client.get(VISITS, params={"guest_country": "XX"}), 422)


async def test_filters_by_official_and_topic(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    w = await build_world(client, editor_headers)

    # Participant (v1), delegation member (v3), delegation head (v4).
    assert await matching(client, {"official_id": w.moghidi}) == {w.v1, w.v3, w.v4}
    assert await matching(client, {"official_id": w.khan}) == {w.v1}  # member
    assert await matching(client, {"official_id": w.hassan}) == {w.v2}  # head
    assert await matching(client, {"official_id": w.bystander}) == set()

    assert await matching(client, {"topic": "military"}) == {w.v1, w.v2}
    assert await matching(client, {"topic": "MILITARY"}) == {w.v1, w.v2}
    assert await matching(client, {"topic": "ideology"}) == {w.v1, w.v3}
    assert await matching(client, {"topic": "Counter-Terrorist Financing"}) == {w.v5}
    assert await matching(client, {"topic": "milit"}) == set()


async def test_filter_combinations_are_and(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    w = await build_world(client, editor_headers)

    assert await matching(client, {"country": "SA", "topic": "military"}) == {w.v1, w.v2}
    assert await matching(client, {"country": "SA", "topic": "education"}) == {w.v4}
    assert await matching(client, {"country": "PK", "topic": "military"}) == set()
    assert await matching(client, {"organization_id": w.imctc, "from": "2023-06-01"}) == {
        w.v2,
        w.v3,
    }
    assert await matching(client, {"guest_country": "PK", "country": "SA"}) == {w.v1, w.v4}
    assert await matching(client, {"guest_country": "PK", "country": "SA", "to": "2023-12-31"}) == {
        w.v1
    }
    assert await matching(client, {"city": "riyad", "topic": "training"}) == {w.v2}
    assert await matching(
        client, {"organization": "national defense university", "country": "PK"}
    ) == {w.v3}
    assert await matching(client, {"official_id": w.moghidi, "host_organization_id": w.ndu_sa}) == {
        w.v4
    }
    assert await matching(
        client, {"official_id": w.moghidi, "guest_organization_id": w.ndu_pk, "topic": "ideology"}
    ) == {w.v1}
    assert await matching(
        client, {"from": "2023-01-01", "to": "2023-12-31", "country": "SA", "guest_country": "EG"}
    ) == {w.v2}


async def test_status_filter_for_editors(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    w = await build_world(client, editor_headers)
    published = {w.v1, w.v2, w.v3, w.v4, w.v5, w.v6, w.v7}

    assert await matching(client, {"status": "draft"}, editor_headers) == {w.draft}
    assert await matching(client, {"status": "published"}, editor_headers) == published
    assert await matching(client, {}, editor_headers) == published | {w.draft}
    # Drafts match the other filters too, for editors.
    assert await matching(client, {"official_id": w.khan}, editor_headers) == {w.v1, w.draft}
    assert await matching(
        client, {"official_id": w.khan, "status": "published"}, editor_headers
    ) == {w.v1}
    assert_problem(await client.get(VISITS, params={"status": "archived"}), 422)


@pytest.mark.parametrize(
    "parameter",
    ["organization_id", "host_organization_id", "guest_organization_id", "official_id"],
)
async def test_malformed_id_filters_are_422(client: httpx.AsyncClient, parameter: str) -> None:
    for value in ("abc", "0", "-3"):
        problem = assert_problem(await client.get(VISITS, params={parameter: value}), 422)
        assert ["query", parameter] in error_locs(problem)


async def test_unknown_query_parameters_are_ignored(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    visit = await factories.visit(client, editor_headers, status="published")
    assert await list_ids(client, VISITS, {"colour": "blue"}) == [visit["id"]]


async def test_from_to_overlap_with_inclusive_edges(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    host = await factories.organization(client, editor_headers)

    async def visit(start: str, end: str | None = None, **fields: Any) -> int:
        body: dict[str, Any] = {"start_date": start, **fields}
        if end is not None:
            body["end_date"] = end
        created = await factories.visit(
            client, editor_headers, host_organization_id=host["id"], status="published", **body
        )
        return int(created["id"])

    a = await visit("2023-05-01", "2023-05-03")
    g = await visit("2023-05-01", "2023-05-05")  # ends on `from`
    b = await visit("2023-05-05", "2023-05-10")  # exactly the window
    c = await visit("2023-05-10")  # starts on `to`
    d = await visit("2023-05-11", "2023-05-20")  # the day after `to`
    e = await visit("2023-04-25", "2023-05-31")  # spans the window
    f = await visit("2023-06-01")
    m = await visit("2023-05-17", date_precision="month")  # all of May
    y = await visit("2022-12-31", "2023-01-02")  # across the new year

    assert await matching(client, {"from": "2023-05-05", "to": "2023-05-10"}) == {g, b, c, e, m}
    assert await matching(client, {"from": "2023-05-11"}) == {d, e, f, m}
    assert await matching(client, {"to": "2023-05-04"}) == {a, g, e, m, y}
    assert await matching(client, {"from": "2023-05-10", "to": "2023-05-10"}) == {b, c, e, m}
    assert await matching(client, {"from": "2023-05-04", "to": "2023-05-04"}) == {g, e, m}
    assert await matching(client, {"from": "2023-05-21", "to": "2023-05-31"}) == {e, m}
    assert await matching(client, {"from": "2023-01-01", "to": "2023-01-01"}) == {y}
    assert await matching(client, {"from": "2023-06-02", "to": "2023-12-31"}) == set()


# --- sorting and pagination --------------------------------------------------------------


async def make_dated_visits(
    client: httpx.AsyncClient, headers: Headers, dates: list[str]
) -> list[tuple[date, int]]:
    host = await factories.organization(client, headers)
    out = []
    for start in dates:
        created = await factories.visit(
            client, headers, start_date=start, host_organization_id=host["id"], status="published"
        )
        out.append((date.fromisoformat(start), int(created["id"])))
    return out


# Nine visits, created out of date order, several sharing a start date.
DATES = [
    "2023-03-01",
    "2023-01-01",
    "2023-03-01",
    "2022-12-31",
    "2023-02-01",
    "2023-01-01",
    "2023-03-01",
    "2023-02-01",
    "2023-01-01",
]


def check_descending(items: list[dict[str, Any]]) -> None:
    """Newest first; ties on the date broken by id, in one direction throughout."""
    keys = [(item["start_date"], item["id"]) for item in items]
    ascending_ids = sorted(keys, key=lambda k: (-date.fromisoformat(k[0]).toordinal(), k[1]))
    descending_ids = sorted(keys, reverse=True)
    assert keys in (descending_ids, ascending_ids), keys


async def test_sort_by_start_date_both_ways_with_ties_by_id(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    made = await make_dated_visits(client, editor_headers, DATES)

    ascending = (await page(client, VISITS, {"sort": "start_date", "limit": 100}))["items"]
    assert [(date.fromisoformat(v["start_date"]), v["id"]) for v in ascending] == sorted(made)

    descending = (await page(client, VISITS, {"sort": "-start_date", "limit": 100}))["items"]
    assert len(descending) == len(made)
    check_descending(descending)
    assert sorted(ids(descending)) == sorted(i for _, i in made)

    default = (await page(client, VISITS, {"limit": 100}))["items"]
    assert ids(default) == ids(descending), "the default sort is -start_date"

    assert ["query", "sort"] in error_locs(
        assert_problem(await client.get(VISITS, params={"sort": "title"}), 422)
    )


@pytest.mark.parametrize("sort", ["start_date", "-start_date"])
async def test_keyset_walk_sees_each_visit_once_in_order(
    client: httpx.AsyncClient, editor_headers: Headers, sort: str
) -> None:
    await make_dated_visits(client, editor_headers, DATES)
    whole = ids((await page(client, VISITS, {"sort": sort, "limit": 100}))["items"])
    assert len(whole) == len(DATES)

    walked = ids(await walk(client, VISITS, {"sort": sort}, limit=2))
    assert walked == whole

    # The walk also holds with filters and for editors.
    walked = ids(
        await walk(client, VISITS, {"sort": sort, "country": "SA"}, editor_headers, limit=2)
    )
    assert walked == []


@pytest.mark.parametrize("sort", ["start_date", "-start_date"])
async def test_keyset_walk_with_inserts_during_the_walk(
    client: httpx.AsyncClient, editor_headers: Headers, sort: str
) -> None:
    made = await make_dated_visits(client, editor_headers, DATES)
    originals = ids((await page(client, VISITS, {"sort": sort, "limit": 100}))["items"])
    host = await factories.organization(client, editor_headers)
    inserted: dict[str, int] = {}

    async def insert(number: int) -> None:
        if number != 2:
            return
        # One visit already passed (before the walk's position) and one still ahead, plus
        # one on a date shared with the items around the current position.
        # After two pages of two the walk stands in the 2023-01-01 ties going up, and
        # in the 2023-02-01 ties coming down.
        behind, ahead, tie = ("2020-01-01", "2030-01-01", "2023-01-01")
        if sort.startswith("-"):
            behind, ahead, tie = ahead, behind, "2023-02-01"
        for label, start in (("behind", behind), ("ahead", ahead), ("tie", tie)):
            created = await factories.visit(
                client,
                editor_headers,
                start_date=start,
                host_organization_id=host["id"],
                status="published",
            )
            inserted[label] = created["id"]

    items = await walk(client, VISITS, {"sort": sort}, limit=2, between_pages=insert)
    seen = ids(items)

    assert len(seen) == len(set(seen)), f"an item came twice: {seen}"
    assert [i for i in seen if i in originals] == originals, "every item once, in order"
    assert inserted["behind"] not in seen
    assert inserted["ahead"] in seen
    assert seen[-1] == inserted["ahead"]
    if sort == "start_date":
        # A tie with a larger id sorts after the walk's position: still ahead, so seen.
        assert inserted["tie"] in seen
        assert [(date.fromisoformat(v["start_date"]), v["id"]) for v in items] == sorted(
            (date.fromisoformat(v["start_date"]), v["id"]) for v in items
        )
    else:
        check_descending(items)
    assert len(made) == len(originals)


@pytest.mark.parametrize("limit", ["0", "101", "-1", "many"])
async def test_limit_out_of_range_is_422(client: httpx.AsyncClient, limit: str) -> None:
    assert ["query", "limit"] in error_locs(
        assert_problem(await client.get(VISITS, params={"limit": limit}), 422)
    )


async def test_malformed_or_foreign_cursor_is_400(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    await make_dated_visits(client, editor_headers, DATES[:3])
    cursor = (await page(client, VISITS, {"limit": 1}))["next_cursor"]
    assert cursor
    assert_problem(await client.get(VISITS, params={"cursor": "garbage!"}), 400)
    # A cursor of the -start_date list does not fit the start_date list.
    assert_problem(await client.get(VISITS, params={"cursor": cursor, "sort": "start_date"}), 400)
    # An organizations cursor does not fit here either.
    await factories.organization(client, editor_headers)
    await factories.organization(client, editor_headers)
    org_cursor = (await page(client, "/api/v1/organizations", {"limit": 1}))["next_cursor"]
    assert org_cursor
    assert_problem(await client.get(VISITS, params={"cursor": org_cursor}), 400)


async def test_count_true_gives_total(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    w = await build_world(client, editor_headers)

    body = await page(client, VISITS, {"count": "true", "limit": 2})
    assert body["total"] == 7  # published only for anonymous readers
    assert len(body["items"]) == 2 and body["next_cursor"]
    assert "total" not in await page(client, VISITS, {"limit": 2})

    filtered = await page(client, VISITS, {"count": "true", "country": "SA", "limit": 1})
    assert filtered["total"] == 4
    assert (await page(client, VISITS, {"count": "true"}, editor_headers))["total"] == 8
    assert (await page(client, VISITS, {"count": "true", "official_id": w.moghidi, "limit": 1}))[
        "total"
    ] == 3
    empty = await page(client, VISITS, {"count": "true", "topic": "none-such"})
    assert empty == {"items": [], "next_cursor": None, "total": 0}


# --- embedded lists and delete -----------------------------------------------------------


async def test_visit_shows_its_delegations_and_releases(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    member = await factories.official(client, editor_headers)
    visit = await factories.visit(client, editor_headers, status="published")
    url = f"{VISITS}/{visit['id']}"
    delegation = await factories.delegation(
        client, editor_headers, visit_id=visit["id"], members=[{"official_id": member["id"]}]
    )
    release = await factories.press_release(
        client, editor_headers, status="published", visit_ids=[visit["id"]]
    )

    shown = await get_json(client, url)
    assert shown["delegations"] == [delegation]
    assert shown["press_release_ids"] == [release["id"]]
    # Adding them does not bump the visit's own version (README), but the ETag changes.
    assert shown["version"] == 1
    listed = (await page(client, VISITS))["items"]
    assert listed == [shown]


async def test_delete_visit_deletes_delegations_and_unlinks_releases(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    member = await factories.official(client, editor_headers)
    head = await factories.official(client, editor_headers)
    visit = await factories.visit(
        client,
        editor_headers,
        status="published",
        topics=["military"],
        participants=[{"official_id": member["id"], "side": "host"}],
    )
    other_visit = await factories.visit(client, editor_headers, status="published")
    first = await factories.delegation(
        client,
        editor_headers,
        visit_id=visit["id"],
        head_official_id=head["id"],
        members=[{"official_id": member["id"]}],
    )
    second = await factories.delegation(client, editor_headers, visit_id=visit["id"])
    kept = await factories.delegation(client, editor_headers, visit_id=other_visit["id"])
    only = await factories.press_release(
        client, editor_headers, status="published", visit_ids=[visit["id"]]
    )
    shared = await factories.press_release(
        client, editor_headers, status="published", visit_ids=[visit["id"], other_visit["id"]]
    )
    delegation_ids = [first["id"], second["id"]]

    response = await client.delete(f"{VISITS}/{visit['id']}", headers=editor_headers)

    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_problem(await client.get(f"{VISITS}/{visit['id']}", headers=editor_headers), 404)
    assert await stored(session, visit["id"]) is None
    # Its delegations (and their members) are gone, others stay.
    assert await count_rows(session, Delegation.id, Delegation.visit_id == visit["id"]) == 0
    assert (
        await count_rows(
            session, DelegationMember.id, DelegationMember.delegation_id.in_(delegation_ids)
        )
        == 0
    )
    for delegation_id in delegation_ids:
        assert_problem(
            await client.get(f"{DELEGATIONS}/{delegation_id}", headers=editor_headers), 404
        )
    assert (await get_json(client, f"{DELEGATIONS}/{kept['id']}")) == kept
    assert await count_rows(session, Participant.id, Participant.visit_id == visit["id"]) == 0
    assert await topics_of(session, visit["id"]) == []
    # Its releases stay, unlinked.
    assert (
        await count_rows(
            session, release_visits.c.visit_id, release_visits.c.visit_id == visit["id"]
        )
        == 0
    )
    assert await count_rows(session, PressRelease.id, PressRelease.id == only["id"]) == 1
    assert (await get_json(client, f"{RELEASES}/{only['id']}"))["visit_ids"] == []
    assert (await get_json(client, f"{RELEASES}/{shared['id']}"))["visit_ids"] == [
        other_visit["id"]
    ]
    assert (await list_ids(client, RELEASES, {"visit_id": visit["id"]})) == []
    # The people are untouched.
    assert await count_rows(session, Official.id, Official.id.in_([member["id"], head["id"]])) == 2


async def test_delete_unknown_is_404(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    assert_problem(await client.delete(f"{VISITS}/987654", headers=editor_headers), 404)


async def test_delete_without_key_is_401(
    client: httpx.AsyncClient, editor_headers: Headers, session: AsyncSession
) -> None:
    visit = await factories.visit(client, editor_headers)
    assert_problem(await client.delete(f"{VISITS}/{visit['id']}"), 401)
    assert await stored(session, visit["id"]) is not None


# --- a constant number of statements per list page ---------------------------------------


async def insert_published_visits(session: AsyncSession, count: int) -> None:
    """`count` published visits, each with a delegation with members, participants, topics
    and a linked release, written with the ORM (much faster than over HTTP)."""
    host = Organization(name="Query Count Host", kind="ministry", country_code="SA")
    guest = Organization(name="Query Count Guest", kind="university", country_code="PK")
    session.add_all([host, guest])
    people = [Official(name=f"Query Count Official {i}") for i in range(4)]
    session.add_all(people)
    await session.flush()
    start = date(2023, 1, 1)
    for i in range(count):
        day = start + timedelta(days=i // 3)
        visit = Visit(
            title=f"Query count visit {i}",
            status="published",
            start_date=day,
            end_date=day + timedelta(days=1),
            host_organization_id=host.id,
            city="Riyadh",
            country_code="SA",
            topic_rows=[VisitTopic(topic="military"), VisitTopic(topic=f"topic {i % 5}")],
            participants=[
                Participant(official_id=people[0].id, side="host"),
                Participant(official_id=people[1].id, side="guest", role="guest"),
            ],
            delegations=[
                Delegation(
                    organization_id=guest.id,
                    country_code="PK",
                    head_official_id=people[2].id,
                    members=[
                        DelegationMember(official_id=people[2].id),
                        DelegationMember(official_id=people[3].id, role="member"),
                    ],
                )
            ],
            press_releases=[
                PressRelease(
                    title=f"Release {i}",
                    body="A delegation visited.",
                    language="en",
                    status="published",
                    published_on=day,
                )
            ],
        )
        session.add(visit)
    await session.commit()


async def test_list_visits_runs_a_constant_small_number_of_statements(
    client: httpx.AsyncClient, session: AsyncSession, connection: AsyncConnection
) -> None:
    await insert_published_visits(session, 120)

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # The test's SAVEPOINTs stand in for the BEGIN/ROLLBACK a real request has.
        if "SAVEPOINT" not in statement.upper():
            statements.append(statement)

    sync_connection = connection.sync_connection
    assert sync_connection is not None
    event.listen(sync_connection, "before_cursor_execute", count)
    try:
        counts: dict[int, int] = {}
        for limit in (20, 100, 20):
            statements.clear()
            body = await page(client, VISITS, {"limit": limit})
            counts[limit] = len(statements)
            assert len(body["items"]) == limit
            for item in body["items"]:
                assert len(item["delegations"]) == 1
                assert len(item["delegations"][0]["members"]) == 2
                assert len(item["participants"]) == 2
                assert len(item["topics"]) == 2
                assert len(item["press_release_ids"]) == 1
        small, large = counts[20], counts[100]
    finally:
        event.remove(sync_connection, "before_cursor_execute", count)

    assert statements, "the listener saw no statement: it is not counting"
    assert small == large, f"limit=20 ran {small} statements, limit=100 ran {large}"
    assert large <= 8, f"{large} statements for one page of visits"
