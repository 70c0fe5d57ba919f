"""Drafts are invisible to anonymous readers everywhere (API.md "Drafts", README): their URLs,
lists, counts, embedded id lists, delegations of draft visits and what `q` matches. Editors see
everything and filter with `status=`."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests import factories
from tests.helpers_resources import (
    DELEGATIONS,
    RELEASES,
    VISITS,
    get_json,
    ids,
    list_ids,
    page,
    patch_json,
)
from tests.support import assert_problem

Headers = dict[str, str]

DRAFT_WORD = "Kilimanjaro"


@dataclass
class Drafts:
    host: int
    guest_org: int
    official: int
    published_visit: dict[str, Any]
    draft_visit: dict[str, Any]
    published_delegation: dict[str, Any]
    draft_delegation: dict[str, Any]
    published_release: dict[str, Any]
    draft_release: dict[str, Any]


async def build(client: httpx.AsyncClient, h: Headers) -> Drafts:
    """A published visit and a draft visit, each with a delegation; a published release
    reporting both visits, and a draft release (with a distinctive word) reporting both."""
    host = await factories.organization(client, h, country_code="SA")
    guest_org = await factories.organization(client, h, country_code="PK")
    official = await factories.official(client, h)
    published_visit = await factories.visit(
        client,
        h,
        status="published",
        title="Visit of the university",
        start_date="2023-05-08",
        host_organization_id=host["id"],
        country_code="SA",
        topics=["military"],
    )
    draft_visit = await factories.visit(
        client,
        h,
        title="Planned visit",
        start_date="2023-05-15",
        host_organization_id=host["id"],
        country_code="SA",
        topics=["military"],
        participants=[{"official_id": official["id"], "side": "host"}],
    )
    assert draft_visit["status"] == "draft"
    published_delegation = await factories.delegation(
        client, h, visit_id=published_visit["id"], organization_id=guest_org["id"]
    )
    draft_delegation = await factories.delegation(
        client,
        h,
        visit_id=draft_visit["id"],
        organization_id=guest_org["id"],
        head_official_id=official["id"],
    )
    published_release = await factories.press_release(
        client,
        h,
        status="published",
        published_on="2023-05-08",
        title="A delegation visited the coalition",
        issuer_organization_id=host["id"],
        visit_ids=[published_visit["id"], draft_visit["id"]],
    )
    draft_release = await factories.press_release(
        client,
        h,
        title="Draft about the coming visit",
        body=f"The delegation will also climb {DRAFT_WORD} next year.",
        issuer_organization_id=host["id"],
        visit_ids=[published_visit["id"], draft_visit["id"]],
    )
    assert draft_release["status"] == "draft"
    return Drafts(
        host=host["id"],
        guest_org=guest_org["id"],
        official=official["id"],
        published_visit=published_visit,
        draft_visit=draft_visit,
        published_delegation=published_delegation,
        draft_delegation=draft_delegation,
        published_release=published_release,
        draft_release=draft_release,
    )


# --- URLs --------------------------------------------------------------------------------


async def test_draft_urls_are_404_for_anonymous_and_200_for_editors(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    d = await build(client, editor_headers)
    for url in (
        f"{VISITS}/{d.draft_visit['id']}",
        f"{DELEGATIONS}/{d.draft_delegation['id']}",
        f"{RELEASES}/{d.draft_release['id']}",
    ):
        assert_problem(await client.get(url), 404)
        response = await client.get(url, headers=editor_headers)
        assert response.status_code == 200, (url, response.text)

    # The 404 looks like any other: nothing tells a draft from a missing id.
    missing = assert_problem(await client.get(f"{VISITS}/987654"), 404)
    hidden = assert_problem(await client.get(f"{VISITS}/{d.draft_visit['id']}"), 404)
    assert hidden["type"] == missing["type"] and hidden["title"] == missing["title"]

    # The published ones are there for everyone.
    for url in (
        f"{VISITS}/{d.published_visit['id']}",
        f"{DELEGATIONS}/{d.published_delegation['id']}",
        f"{RELEASES}/{d.published_release['id']}",
    ):
        assert (await client.get(url)).status_code == 200, url


async def test_draft_url_with_if_none_match_is_still_404(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    d = await build(client, editor_headers)
    url = f"{VISITS}/{d.draft_visit['id']}"
    etag = (await client.get(url, headers=editor_headers)).headers["etag"]
    assert_problem(await client.get(url, headers={"If-None-Match": etag}), 404)
    assert_problem(await client.get(url, headers={"If-None-Match": "*"}), 404)


# --- lists and counts --------------------------------------------------------------------


async def test_lists_and_counts_leave_drafts_out_for_anonymous(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    d = await build(client, editor_headers)
    pv, dv = d.published_visit["id"], d.draft_visit["id"]
    pr, dr = d.published_release["id"], d.draft_release["id"]
    pd, dd = d.published_delegation["id"], d.draft_delegation["id"]

    visits = await page(client, VISITS, {"count": "true"})
    assert ids(visits["items"]) == [pv]
    assert visits["total"] == 1
    releases = await page(client, RELEASES, {"count": "true"})
    assert ids(releases["items"]) == [pr]
    assert releases["total"] == 1
    delegations = await page(client, DELEGATIONS, {"count": "true"})
    assert ids(delegations["items"]) == [pd]
    assert delegations["total"] == 1

    # Filters that would single the drafts out find nothing.
    assert await list_ids(client, VISITS, {"official_id": d.official}) == []
    assert await list_ids(client, VISITS, {"from": "2023-05-15", "to": "2023-05-15"}) == []
    assert await list_ids(client, VISITS, {"guest_organization_id": d.guest_org}) == [pv]
    assert await list_ids(client, DELEGATIONS, {"visit_id": dv}) == []
    assert await list_ids(client, DELEGATIONS, {"organization_id": d.guest_org}) == [pd]
    assert await list_ids(client, RELEASES, {"issuer_organization_id": d.host}) == [pr]
    assert await list_ids(client, RELEASES, {"visit_id": pv}) == [pr]

    # Editors see everything.
    visits = await page(client, VISITS, {"count": "true"}, editor_headers)
    assert set(ids(visits["items"])) == {pv, dv} and visits["total"] == 2
    releases = await page(client, RELEASES, {"count": "true"}, editor_headers)
    assert set(ids(releases["items"])) == {pr, dr} and releases["total"] == 2
    delegations = await page(client, DELEGATIONS, {"count": "true"}, editor_headers)
    assert ids(delegations["items"]) == [pd, dd] and delegations["total"] == 2
    assert await list_ids(client, DELEGATIONS, {"visit_id": dv}, editor_headers) == [dd]
    assert await list_ids(client, VISITS, {"official_id": d.official}, editor_headers) == [dv]
    assert set(await list_ids(client, RELEASES, {"visit_id": dv}, editor_headers)) == {pr, dr}


async def test_release_filter_by_a_draft_visit_finds_nothing_for_anonymous(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    """A published release reporting a draft visit does not list it in visit_ids for
    anonymous readers, so `visit_id=<draft>` must not find it either (else the filter
    reveals the hidden visit and the link)."""
    d = await build(client, editor_headers)
    dv = d.draft_visit["id"]
    assert (
        dv not in (await get_json(client, f"{RELEASES}/{d.published_release['id']}"))["visit_ids"]
    )
    body = await page(client, RELEASES, {"visit_id": dv, "count": "true"})
    assert body == {"items": [], "next_cursor": None, "total": 0}
    assert set(await list_ids(client, RELEASES, {"visit_id": dv}, editor_headers)) == {
        d.published_release["id"],
        d.draft_release["id"],
    }


@pytest.mark.parametrize("collection", [VISITS, RELEASES])
async def test_status_draft_as_anonymous_returns_nothing(
    client: httpx.AsyncClient, editor_headers: Headers, collection: str
) -> None:
    await build(client, editor_headers)
    body = await page(client, collection, {"status": "draft", "count": "true"})
    assert body == {"items": [], "next_cursor": None, "total": 0}


async def test_editors_filter_by_status(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    d = await build(client, editor_headers)
    assert await list_ids(client, VISITS, {"status": "draft"}, editor_headers) == [
        d.draft_visit["id"]
    ]
    assert await list_ids(client, VISITS, {"status": "published"}, editor_headers) == [
        d.published_visit["id"]
    ]
    assert await list_ids(client, RELEASES, {"status": "draft"}, editor_headers) == [
        d.draft_release["id"]
    ]
    assert await list_ids(client, RELEASES, {"status": "published"}, editor_headers) == [
        d.published_release["id"]
    ]
    # Anonymous readers asking for published get what they always get.
    assert await list_ids(client, VISITS, {"status": "published"}) == [d.published_visit["id"]]


# --- embedded lists ----------------------------------------------------------------------


async def test_embedded_ids_leave_drafts_out_for_anonymous(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    d = await build(client, editor_headers)
    visit_url = f"{VISITS}/{d.published_visit['id']}"
    release_url = f"{RELEASES}/{d.published_release['id']}"

    anonymous_visit = await get_json(client, visit_url)
    assert anonymous_visit["press_release_ids"] == [d.published_release["id"]]
    editor_visit = await get_json(client, visit_url, editor_headers)
    assert sorted(editor_visit["press_release_ids"]) == sorted(
        [d.published_release["id"], d.draft_release["id"]]
    )

    anonymous_release = await get_json(client, release_url)
    assert anonymous_release["visit_ids"] == [d.published_visit["id"]]
    editor_release = await get_json(client, release_url, editor_headers)
    assert sorted(editor_release["visit_ids"]) == sorted(
        [d.published_visit["id"], d.draft_visit["id"]]
    )

    # The same in the lists.
    listed_visit = (await page(client, VISITS))["items"][0]
    assert listed_visit == anonymous_visit
    listed_release = (await page(client, RELEASES))["items"][0]
    assert listed_release == anonymous_release

    # The two views differ, so their ETags do: an editor's tag is no 304 for anonymous.
    anonymous = await client.get(visit_url)
    editor = await client.get(visit_url, headers=editor_headers)
    assert anonymous.headers["etag"] != editor.headers["etag"]
    again = await client.get(visit_url, headers={"If-None-Match": editor.headers["etag"]})
    assert again.status_code == 200
    assert again.json()["press_release_ids"] == [d.published_release["id"]]


async def test_draft_visit_delegations_are_not_embedded_anywhere_for_anonymous(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    d = await build(client, editor_headers)
    editor_view = await get_json(client, f"{VISITS}/{d.draft_visit['id']}", editor_headers)
    assert editor_view["delegations"] == [d.draft_delegation]
    published = await get_json(client, f"{VISITS}/{d.published_visit['id']}")
    assert published["delegations"] == [d.published_delegation]


# --- publishing --------------------------------------------------------------------------


async def test_publishing_a_draft_makes_it_visible(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    d = await build(client, editor_headers)
    dv, dr = d.draft_visit["id"], d.draft_release["id"]

    visit = await patch_json(client, f"{VISITS}/{dv}", {"status": "published"}, editor_headers)
    assert visit["status"] == "published"
    shown = await get_json(client, f"{VISITS}/{dv}")
    assert shown["delegations"] == [d.draft_delegation]
    assert shown["press_release_ids"] == [d.published_release["id"]]  # the release is a draft
    assert await list_ids(client, DELEGATIONS, {"visit_id": dv}) == [d.draft_delegation["id"]]
    assert (await get_json(client, f"{DELEGATIONS}/{d.draft_delegation['id']}")) == (
        d.draft_delegation
    )
    assert set(await list_ids(client, VISITS)) == {d.published_visit["id"], dv}
    assert sorted(
        (await get_json(client, f"{RELEASES}/{d.published_release['id']}"))["visit_ids"]
    ) == (sorted([d.published_visit["id"], dv]))

    release = await patch_json(client, f"{RELEASES}/{dr}", {"status": "published"}, editor_headers)
    assert release["status"] == "published"
    assert release["published_on"] is not None
    assert (await get_json(client, f"{RELEASES}/{dr}"))["status"] == "published"
    assert set(await list_ids(client, RELEASES)) == {d.published_release["id"], dr}
    assert sorted((await get_json(client, f"{VISITS}/{dv}"))["press_release_ids"]) == sorted(
        [d.published_release["id"], dr]
    )

    # And back to draft hides it again.
    await patch_json(client, f"{VISITS}/{dv}", {"status": "draft"}, editor_headers)
    assert_problem(await client.get(f"{VISITS}/{dv}"), 404)
    assert_problem(await client.get(f"{DELEGATIONS}/{d.draft_delegation['id']}"), 404)
    assert await list_ids(client, VISITS) == [d.published_visit["id"]]


# --- full text ---------------------------------------------------------------------------


async def test_anonymous_q_does_not_match_through_a_draft_release(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    d = await build(client, editor_headers)
    pv = d.published_visit["id"]

    # Only the draft release carries the word; the published visit is linked to it.
    assert await list_ids(client, VISITS, {"q": DRAFT_WORD}) == []
    assert (await page(client, VISITS, {"q": DRAFT_WORD, "count": "true"}))["total"] == 0
    assert await list_ids(client, RELEASES, {"q": DRAFT_WORD}) == []
    assert await list_ids(client, RELEASES, {"q": DRAFT_WORD, "sort": "relevance"}) == []

    # Editors see drafts, so for them the visit matches through the release.
    editor_found = set(await list_ids(client, VISITS, {"q": DRAFT_WORD}, editor_headers))
    assert pv in editor_found
    assert await list_ids(client, RELEASES, {"q": DRAFT_WORD}, editor_headers) == [
        d.draft_release["id"]
    ]

    # Once the release is published, everyone's q finds the visit through it.
    await patch_json(
        client, f"{RELEASES}/{d.draft_release['id']}", {"status": "published"}, editor_headers
    )
    assert await list_ids(client, VISITS, {"q": DRAFT_WORD}) == [pv]
    assert await list_ids(client, RELEASES, {"q": DRAFT_WORD}) == [d.draft_release["id"]]


async def test_anonymous_q_does_not_match_a_draft_visit_by_its_own_text(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    host = await factories.organization(client, editor_headers)
    draft = await factories.visit(
        client,
        editor_headers,
        host_organization_id=host["id"],
        title=f"Expedition to {DRAFT_WORD}",
        summary=f"{DRAFT_WORD} summit meeting",
    )
    assert await list_ids(client, VISITS, {"q": DRAFT_WORD}) == []
    assert await list_ids(client, VISITS, {"q": DRAFT_WORD}, editor_headers) == [draft["id"]]
