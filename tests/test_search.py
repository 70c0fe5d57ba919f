"""Search over HTTP: /api/v1/search, and `q` on press releases, visits, organizations and
officials, on the multilingual world of tests/fixtures_multilingual.py.

Both databases must answer these cases the same way, so the assertions are about membership
and order (where the contract defines one), never about score values.
"""

import re
from typing import Any

import httpx
import pytest

from tests import factories
from tests.fixtures_multilingual import (
    DRAFT_WORD,
    IMCTC_ARABIC,
    IMCTC_FRENCH,
    MOGHIDI_ARABIC,
    World,
    build,
)
from tests.support import assert_problem, error_locs

SEARCH = "/api/v1/search"
Headers = dict[str, str]
Hit = tuple[str, int]

# Queries with no searchable word, or SQL/LIKE/FTS syntax that must not become an operator.
NOTHING_TO_FIND = [
    "%",
    "%%",
    "*",
    "_",
    "__",
    '"',
    '""',
    "'",
    "''",
    "\\",
    "\\%",
    "' OR 1=1 --",
    '" OR ""="',
    "%' OR '1'='1",
    "*:*",
    "-",
    "()",
    "NEAR(",
    "^",
    "&|!",
    ":*",
]


@pytest.fixture
async def world(client: httpx.AsyncClient, editor_headers: Headers) -> World:
    return await build(client, editor_headers)


async def search(
    client: httpx.AsyncClient, q: str, headers: Headers | None = None, **params: Any
) -> dict[str, Any]:
    response = await client.get(SEARCH, params={"q": q, **params}, headers=headers or {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"items", "next_cursor"}, body
    for item in body["items"]:
        assert set(item) == {"type", "id", "title", "snippet", "score"}, item
        assert item["type"] in {"press_release", "visit", "official", "organization"}, item
        assert isinstance(item["id"], int) and isinstance(item["title"], str), item
        assert isinstance(item["snippet"], str), item
        assert isinstance(item["score"], int | float) and 0 <= item["score"] <= 1, item
    return body


async def hits(
    client: httpx.AsyncClient, q: str, headers: Headers | None = None, **params: Any
) -> list[Hit]:
    body = await search(client, q, headers, limit=100, **params)
    return [(item["type"], item["id"]) for item in body["items"]]


async def listed(
    client: httpx.AsyncClient, path: str, headers: Headers | None = None, **params: Any
) -> list[int]:
    response = await client.get(
        f"/api/v1/{path}", params={"limit": 100, **params}, headers=headers or {}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None, body
    return [item["id"] for item in body["items"]]


# --- /search: languages, accents, stemming ----------------------------------------------


@pytest.mark.parametrize("q", ["defense", "DEFENSE", "Défense", "défense"])
async def test_accents_and_case_are_ignored(
    client: httpx.AsyncClient, world: World, q: str
) -> None:
    found = await hits(client, q)
    assert ("press_release", world.release_fr) in found, found


async def test_stemming_finds_the_singular_from_a_plural(
    client: httpx.AsyncClient, world: World
) -> None:
    # The French release says "délégation" (twice) and never "délégations".
    release = (await client.get(f"/api/v1/press-releases/{world.release_fr}")).json()
    text = release["title"] + " " + release["body"]
    assert "délégation" in text and "délégations" not in text
    found = await hits(client, "délégations", types="press_release")
    assert ("press_release", world.release_fr) in found, found


async def test_arabic_query_finds_the_arabic_release(
    client: httpx.AsyncClient, world: World
) -> None:
    # "محاضرة" (lecture) appears only in the Arabic release's body.
    assert await hits(client, "محاضرة") == [("press_release", world.release_ar)]
    found = await hits(client, "الفكر المتطرف", types="press_release")
    assert found == [("press_release", world.release_ar)]


@pytest.mark.parametrize(
    "q", ["Moghedi", "Mughaidi", "al moghidi", "Al-Moghidi", "AL MOGHEDI", "Al Mughaidi"]
)
async def test_transliterations_find_the_official(
    client: httpx.AsyncClient, world: World, q: str
) -> None:
    found = await hits(client, q)
    assert ("official", world.moghidi) in found, found
    assert await hits(client, q, types="official") == [("official", world.moghidi)]


async def test_defence_university_finds_both_national_defense_universities(
    client: httpx.AsyncClient, world: World
) -> None:
    found = await hits(client, "Defence University", types="organization")
    # Both universities called "National Defense University" (PK and SA), ahead of any
    # organization that only shares the word "University".
    assert set(found[:2]) == {
        ("organization", world.ndu_pk),
        ("organization", world.ndu_sa),
    }, found
    everything = await hits(client, "Defence University")
    assert ("organization", world.ndu_pk) in everything
    assert ("organization", world.ndu_sa) in everything


async def test_arabic_aliases_find_the_organization_and_the_official(
    client: httpx.AsyncClient, world: World
) -> None:
    found = await hits(client, IMCTC_ARABIC)
    assert found[0] == ("organization", world.imctc), found
    found = await hits(client, MOGHIDI_ARABIC)
    assert found[0] == ("official", world.moghidi), found
    # One word of the Arabic alias, with its definite article, is enough.
    assert ("official", world.moghidi) in await hits(client, "المغيدي", types="official")


@pytest.mark.parametrize("q", ["CIMCT", "cimct", "IMCTC", IMCTC_FRENCH, IMCTC_FRENCH.upper()])
async def test_acronyms_and_other_language_names_find_the_organization(
    client: httpx.AsyncClient, world: World, q: str
) -> None:
    found = await hits(client, q, types="organization")
    assert found[:1] == [("organization", world.imctc)], found


async def test_exact_name_ranks_above_a_spelling_variant(
    client: httpx.AsyncClient, world: World
) -> None:
    # "Khalid Al-Harbi" was created first, so an order by id alone would put it first.
    body = await search(client, "Khaled Al-Harbi", types="official")
    found = [(item["type"], item["id"]) for item in body["items"]]
    assert found == [("official", world.khaled_harbi), ("official", world.khalid_harbi)]
    exact, variant = body["items"]
    assert exact["score"] == 1.0  # README: exact names score 1
    assert variant["score"] < exact["score"]
    # And the other way round.
    found = await hits(client, "Khalid Al-Harbi", types="official")
    assert found == [("official", world.khalid_harbi), ("official", world.khaled_harbi)]
    # Same for organizations: the exact name first, then the one missing a word.
    found = await hits(client, "Al-Quds Open University", types="organization")
    assert found[:2] == [("organization", world.al_quds_open), ("organization", world.al_quds)]


async def test_a_title_match_ranks_above_a_body_only_match(
    client: httpx.AsyncClient, world: World
) -> None:
    # The body-only release is the older one: ties broken by id would put it first.
    assert await hits(client, "Sahel") == [
        ("press_release", world.sahel_title),
        ("press_release", world.sahel_body),
    ]
    assert await hits(client, "Mauritania", types="press_release") == [
        ("press_release", world.mauritania_title),
        ("press_release", world.mauritania_body),
    ]


# --- /search: snippets ------------------------------------------------------------------


def assert_only_mark_tags(snippet: str) -> None:
    """HTML-escaped text in which the only markup is <mark>…</mark>."""
    bare = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare, snippet
    # Every & left starts an entity.
    assert not re.search(r"&(?!(amp|lt|gt|quot|#x27|#39);)", bare), snippet
    assert snippet.count("<mark>") == snippet.count("</mark>"), snippet


async def test_snippets_are_escaped_with_only_mark_added(
    client: httpx.AsyncClient, world: World
) -> None:
    body = await search(client, "Tuareg")
    [hit] = body["items"]
    assert (hit["type"], hit["id"]) == ("press_release", world.release_snippet)
    snippet = hit["snippet"]
    assert "<mark>Tuareg</mark>" in snippet, snippet
    assert_only_mark_tags(snippet)
    assert "<script" not in snippet.lower(), snippet
    # The body's "<script>" and "&" come back as text, escaped, not dropped.
    assert "&lt;script&gt;" in snippet, snippet
    assert "&amp;" in snippet, snippet


async def test_name_snippets_are_escaped_too(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    college = await factories.organization(
        client, editor_headers, name="Command & Staff College <Quetta>", kind="university"
    )
    body = await search(client, "Staff College", types="organization")
    [hit] = [item for item in body["items"] if item["id"] == college["id"]]
    assert hit["title"] == "Command & Staff College <Quetta>"  # titles are JSON, not HTML
    assert "&amp;" in hit["snippet"] and "&lt;Quetta&gt;" in hit["snippet"], hit
    assert "<mark>College</mark>" in hit["snippet"], hit
    assert_only_mark_tags(hit["snippet"])


async def test_every_snippet_is_safe_html(client: httpx.AsyncClient, world: World) -> None:
    for q in ["defense", "délégation", "Moghedi", "coalition", "محمد بن سعيد المغيدي"]:
        for item in (await search(client, q, limit=100))["items"]:
            assert_only_mark_tags(item["snippet"])


# --- /search: parameters ----------------------------------------------------------------


async def test_types_restrict_the_results(client: httpx.AsyncClient, world: World) -> None:
    everything = await hits(client, "defense")
    assert {kind for kind, _ in everything} == {"organization", "press_release", "visit"}
    only = await hits(client, "defense", types="press_release,visit")
    assert only and {kind for kind, _ in only} == {"press_release", "visit"}
    assert only == [hit for hit in everything if hit[0] in {"press_release", "visit"}]
    assert {kind for kind, _ in await hits(client, "defense", types="organization")} == {
        "organization"
    }
    assert await hits(client, "defense", types="official") == []
    # Spaces around the names are tolerated.
    assert await hits(client, "defense", types=" visit , press_release ") == only


@pytest.mark.parametrize("types", ["bogus", "visit,bogus", "visits", "Visit", ","])
async def test_unknown_type_is_422(client: httpx.AsyncClient, world: World, types: str) -> None:
    response = await client.get(SEARCH, params={"q": "defense", "types": types})
    body = assert_problem(response, 422)
    assert ["query", "types"] in error_locs(body), body


@pytest.mark.parametrize("q", NOTHING_TO_FIND)
async def test_q_without_searchable_words_finds_nothing(
    client: httpx.AsyncClient, world: World, q: str
) -> None:
    body = await search(client, q)
    assert body == {"items": [], "next_cursor": None}


async def test_missing_q_is_422(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(SEARCH), 422)
    assert ["query", "q"] in error_locs(body), body


@pytest.mark.parametrize("q", ["", "   "])
async def test_empty_q_is_422(client: httpx.AsyncClient, world: World, q: str) -> None:
    body = assert_problem(await client.get(SEARCH, params={"q": q}), 422)
    assert ["query", "q"] in error_locs(body), body


@pytest.mark.parametrize("limit", ["0", "101", "-1", "ten"])
async def test_limit_out_of_range_is_422(client: httpx.AsyncClient, limit: str) -> None:
    response = await client.get(SEARCH, params={"q": "defense", "limit": limit})
    body = assert_problem(response, 422)
    assert ["query", "limit"] in error_locs(body), body


@pytest.mark.parametrize("cursor", ["not-a-cursor", "e30", "WyJpZCIsIDFd"])
async def test_malformed_cursor_is_400(client: httpx.AsyncClient, cursor: str) -> None:
    response = await client.get(SEARCH, params={"q": "defense", "cursor": cursor})
    assert_problem(response, 400)


async def test_drafts_are_found_by_editors_only(
    client: httpx.AsyncClient, world: World, editor_headers: Headers
) -> None:
    assert await hits(client, DRAFT_WORD) == []
    assert await hits(client, DRAFT_WORD, types="press_release,visit") == []
    found = await hits(client, DRAFT_WORD, editor_headers)
    assert set(found) == {("press_release", world.draft_release), ("visit", world.draft_visit)}
    # Publishing the release makes it findable by everyone; the draft visit stays hidden.
    response = await client.patch(
        f"/api/v1/press-releases/{world.draft_release}",
        json={"status": "published"},
        headers=editor_headers,
    )
    assert response.status_code == 200, response.text
    assert await hits(client, DRAFT_WORD) == [("press_release", world.draft_release)]


@pytest.mark.parametrize("q", ["coalition", "defense"])
async def test_paging_walks_every_hit_once(
    client: httpx.AsyncClient, world: World, editor_headers: Headers, q: str
) -> None:
    whole = await hits(client, q)
    assert len(whole) >= 5, whole
    walked: list[Hit] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = await search(client, q, **params)
        assert len(body["items"]) <= 2
        walked += [(item["type"], item["id"]) for item in body["items"]]
        cursor = body["next_cursor"]
        pages += 1
        if cursor is None:
            break
        assert body["items"], body
        assert pages < 20
    assert len(walked) == len(set(walked)), walked
    assert walked == whole
    assert pages == (len(whole) + 1) // 2


# --- q on the lists ---------------------------------------------------------------------


async def test_press_releases_q_is_accent_insensitive_and_stemmed(
    client: httpx.AsyncClient, world: World
) -> None:
    assert world.release_fr in await listed(client, "press-releases", q="defense")
    assert world.release_fr in await listed(client, "press-releases", q="délégations")
    assert await listed(client, "press-releases", q="محاضرة") == [world.release_ar]


async def test_press_releases_q_hides_drafts_from_anonymous(
    client: httpx.AsyncClient, world: World, editor_headers: Headers
) -> None:
    assert await listed(client, "press-releases", q=DRAFT_WORD) == []
    assert await listed(client, "press-releases", q=DRAFT_WORD, sort="relevance") == []
    assert await listed(client, "press-releases", editor_headers, q=DRAFT_WORD) == [
        world.draft_release
    ]


async def test_press_releases_sort_relevance_puts_title_matches_first(
    client: httpx.AsyncClient, world: World
) -> None:
    # Here the body-only release is the newer one (higher id), so neither -published_on nor
    # a tie broken by -id would put the title match first.
    assert await listed(client, "press-releases", q="Mauritania", sort="relevance") == [
        world.mauritania_title,
        world.mauritania_body,
    ]
    assert await listed(client, "press-releases", q="Sahel", sort="relevance") == [
        world.sahel_title,
        world.sahel_body,
    ]
    # The default order is by date, newest first.
    assert await listed(client, "press-releases", q="Mauritania") == [
        world.mauritania_body,
        world.mauritania_title,
    ]


async def test_press_releases_relevance_needs_q(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/press-releases", params={"sort": "relevance"})
    assert_problem(response, 422)


@pytest.mark.parametrize("q", ["%", "*", "_", "' OR 1=1 --", "\\"])
async def test_press_releases_and_visits_q_special_characters(
    client: httpx.AsyncClient, world: World, q: str
) -> None:
    assert await listed(client, "press-releases", q=q) == []
    assert await listed(client, "press-releases", q=q, sort="relevance") == []
    assert await listed(client, "visits", q=q) == []


async def test_visits_q_matches_title_summary_and_linked_releases(
    client: httpx.AsyncClient, world: World
) -> None:
    assert await listed(client, "visits", q="headquarters") == [world.v2]  # title only
    assert await listed(client, "visits", q="memorandum") == [world.v4]  # summary only
    assert await listed(client, "visits", q="Tuareg") == [world.v4]  # a linked release
    # "Qureshi" is in no visit's own text, only in the two releases reporting v1.
    assert await listed(client, "visits", q="Qureshi") == [world.v1]
    # Accents and stems as on releases: the French release reports v1.
    assert world.v1 in await listed(client, "visits", q="délégations")


async def test_visits_q_ignores_releases_the_reader_cannot_see(
    client: httpx.AsyncClient, world: World, editor_headers: Headers
) -> None:
    # The draft release mentioning the draft word reports v2 (published) and the draft visit.
    assert await listed(client, "visits", q=DRAFT_WORD) == []
    assert set(await listed(client, "visits", editor_headers, q=DRAFT_WORD)) == {
        world.v2,
        world.draft_visit,
    }


async def test_organizations_q(client: httpx.AsyncClient, world: World) -> None:
    for q in ["CIMCT", "imctc", IMCTC_ARABIC, IMCTC_FRENCH, "coalition islamique militaire"]:
        found = await listed(client, "organizations", q=q)
        assert found[:1] == [world.imctc], (q, found)
    found = await listed(client, "organizations", q="Defence University")
    assert set(found[:2]) == {world.ndu_pk, world.ndu_sa}, found
    found = await listed(client, "organizations", q="national defense university")
    assert set(found[:2]) == {world.ndu_pk, world.ndu_sa}, found
    # Exact first, though the variant has the lower id.
    found = await listed(client, "organizations", q="Al-Quds Open University")
    assert found[:2] == [world.al_quds_open, world.al_quds], found
    # Combined with the other filters.
    assert await listed(client, "organizations", q="Defence University", country="pk") == [
        world.ndu_pk
    ]


@pytest.mark.parametrize(
    "q", ["Moghedi", "Mughaidi", "al moghidi", "Al-Moghidi", "Mohammed Al-Moghedi", "المغيدي"]
)
async def test_officials_q_tolerates_transliteration(
    client: httpx.AsyncClient, world: World, q: str
) -> None:
    assert await listed(client, "officials", q=q) == [world.moghidi]


async def test_officials_q_puts_the_exact_name_first(
    client: httpx.AsyncClient, world: World
) -> None:
    assert await listed(client, "officials", q="Khaled Al-Harbi") == [
        world.khaled_harbi,
        world.khalid_harbi,
    ]
    assert await listed(client, "officials", q="Khalid Al-Harbi") == [
        world.khalid_harbi,
        world.khaled_harbi,
    ]
    assert await listed(client, "officials", q=MOGHIDI_ARABIC) == [world.moghidi]
    # Combined with organization_id.
    assert await listed(client, "officials", q="Harbi", organization_id=world.imctc) == [
        world.khaled_harbi
    ]


@pytest.mark.parametrize("q", NOTHING_TO_FIND)
async def test_names_q_special_characters_find_nothing(
    client: httpx.AsyncClient, world: World, q: str
) -> None:
    assert await listed(client, "organizations", q=q) == []
    assert await listed(client, "officials", q=q) == []
