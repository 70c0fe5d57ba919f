"""No anonymous request can make the service work without bound: query words are capped,
ranked lists end, cursors are checked, snippets and scores read a bounded prefix of a text,
and every SQL statement has a time limit (app.kit.deadline)."""

import base64
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.kit.db import create_engine
from app.kit.deadline import limit_statements
from app.kit.errors import is_unavailable
from app.kit.pagination import MAX_RANKED, ranked_cursor
from app.kit.query import MAX_QUERY_WORDS
from app.search import textscan
from tests import factories
from tests.support import assert_problem

Headers = dict[str, str]
RELEASES = "/api/v1/press-releases"
SEARCH = "/api/v1/search"
MAX_BODY = 200_000
COMMON = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "a",
    "for",
    "on",
    "with",
    "by",
    "at",
    "from",
    "as",
    "is",
    "was",
    "that",
    "this",
    "it",
    "be",
    "are",
]


def cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# --- words ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SEARCH, RELEASES, "/api/v1/visits", "/api/v1/organizations"])
async def test_a_query_of_too_many_different_words_is_refused(
    client: httpx.AsyncClient, path: str
) -> None:
    words = [f"word{i}" for i in range(MAX_QUERY_WORDS + 1)]
    response = await client.get(path, params={"q": " ".join(words)})
    body = assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["query", "q"], body


async def test_repeated_words_and_or_are_not_counted(client: httpx.AsyncClient) -> None:
    words = [f"word{i}" for i in range(MAX_QUERY_WORDS)]
    q = " or ".join(words + words + words)
    response = await client.get(SEARCH, params={"q": q})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


# --- ranked lists and cursors -------------------------------------------------------------


async def test_a_forged_deep_rank_cursor_is_refused(client: httpx.AsyncClient) -> None:
    for offset in (MAX_RANKED, 1_000_000, -1):
        forged = cursor(["rank", offset])
        for path, params in ((SEARCH, {"q": "the"}), (RELEASES, {"q": "the", "sort": "relevance"})):
            response = await client.get(path, params={**params, "cursor": forged})
            assert_problem(response, 400)
    response = await client.get(SEARCH, params={"q": "the", "cursor": cursor(["rank", 40])})
    assert response.status_code == 200, response.text


def test_a_ranked_list_ends_at_its_depth() -> None:
    assert ranked_cursor(MAX_RANKED - 1) is not None
    assert ranked_cursor(MAX_RANKED) is None


@pytest.mark.parametrize(
    ("path", "values"),
    [
        ("/api/v1/visits", ["-start_date", "2023-05-08", 2**31]),
        ("/api/v1/visits", ["-start_date", "2023-05-08", 2**63]),
        ("/api/v1/organizations", ["id", 2**31]),
        ("/api/v1/organizations", ["id", 2**64]),
        ("/api/v1/officials", ["id", -(2**63) - 1]),
        (RELEASES, ["-published_on", "2023-05-08", 2**31]),
        (SEARCH, ["rank", 2**63]),
    ],
)
async def test_cursors_with_out_of_range_integers_are_400(
    client: httpx.AsyncClient, path: str, values: list[Any]
) -> None:
    params = {"cursor": cursor(values), **({"q": "x"} if path == SEARCH else {})}
    response = await client.get(path, params=params)
    assert_problem(response, 400)


# --- long texts ------------------------------------------------------------------------------


def _long_body(seed: int) -> str:
    words = [COMMON[(i * 7 + seed) % len(COMMON)] for i in range(MAX_BODY // 3)]
    return " ".join(words)[: MAX_BODY - 20] + " lighthouse"


async def test_searches_over_texts_at_the_maximum_size_answer(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    """Releases at the contract's maximum body, searched with the most words a query may
    have: every search answers (bounded by the statement limit, which would answer 503),
    with snippets of bounded length and balanced marks."""
    ids = []
    for seed in range(3):
        created = await factories.press_release(
            client,
            editor_headers,
            title=f"Harbour notice {seed}",
            body=_long_body(seed),
            status="published",
        )
        ids.append(created["id"])
    everything = " or ".join(COMMON[:MAX_QUERY_WORDS])
    for q in ("the", everything, "lighthouse", "harbour the"):
        for path, params in (
            (SEARCH, {"q": q, "limit": 100}),
            (RELEASES, {"q": q, "sort": "relevance"}),
            (RELEASES, {"q": q}),
        ):
            response = await client.get(path, params=params)
            assert response.status_code == 200, (q, path, response.text)
            items = response.json()["items"]
            if path == RELEASES:  # every word is in each long release
                assert set(ids) <= {item["id"] for item in items}, (q, path, items)
            else:
                assert items, (q, path)
            for item in items:
                snippet = item.get("snippet")
                if snippet is not None:
                    assert len(snippet) < 600, snippet
                    assert snippet.count("<mark>") == snippet.count("</mark>"), snippet
    # The word at the very end of a long body is found, though no snippet reaches it.
    response = await client.get(SEARCH, params={"q": "lighthouse", "types": "press_release"})
    assert {item["id"] for item in response.json()["items"]} == set(ids)


async def test_marker_characters_in_stored_text_cannot_unbalance_snippets(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    body = "Before \x02 the \x03 quay \ue000 opened \ue001 <b>quay</b> after \x03\x03 end."
    await factories.press_release(
        client, editor_headers, title="Quay works", body=body, status="published"
    )
    response = await client.get(SEARCH, params={"q": "quay", "types": "press_release"})
    assert response.status_code == 200, response.text
    (hit,) = response.json()["items"]
    snippet = hit["snippet"]
    assert "<mark>" in snippet, snippet
    bare = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare, snippet
    assert snippet.count("<mark>") == snippet.count("</mark>"), snippet


def test_python_snippets_mark_stemmed_and_folded_words_in_a_bounded_prefix() -> None:
    keys = textscan.query_keys(['"délégations"'])
    snippet = textscan.make_snippet("La Délégation & <co> arrive. " + "mot " * 100, keys)
    assert snippet.startswith("La <mark>Délégation</mark> &amp; &lt;co&gt; arrive"), snippet
    assert snippet.endswith("…"), snippet
    far = "mot " * (textscan.SCAN_CHARS // 4) + "délégation"
    assert "<mark>" not in textscan.make_snippet(far, keys)


def test_python_scores_put_a_title_match_above_a_body_match() -> None:
    keys = textscan.query_keys(['"harbour"'])
    in_title = textscan.score("Harbour works", "A notice.", keys)
    in_body = textscan.score("Works", "A notice about the harbour.", keys)
    assert 0 < in_body < in_title < 1
    assert textscan.score("Works", "Nothing here.", keys) == 0


# --- statement time limit ---------------------------------------------------------------------

# Counts to a hundred million: tens of seconds on either database, unless cancelled.
SLOW = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) "
    "SELECT count(*) FROM c"
)


@pytest.fixture
async def limited_engine(migrated_database: str) -> Any:
    engine: AsyncEngine = create_engine(migrated_database)
    limit_statements(engine, 0.3)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_a_statement_over_the_time_limit_is_cancelled_as_unavailable(
    limited_engine: AsyncEngine,
) -> None:
    async with limited_engine.connect() as connection:
        with pytest.raises(sa_exc.DBAPIError) as raised:
            await connection.execute(text(SLOW))
        assert is_unavailable(raised.value), raised.value
        await connection.rollback()
        # The connection serves the next statement, with a fresh limit.
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1


# --- what is stored stays within its limits -----------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("organizations", {"name": "\ufb2c" * 300, "kind": "ministry"}, "name"),
        ("officials", {"name": "\ufb2c" * 200}, "name"),
        (
            "press-releases",
            {"title": "t", "body": "b", "language": "en-" + "-".join(["abcdefgh"] * 5)},
            "language",
        ),
        ("visits", {"title": "v", "start_date": "2023-05-08", "topics": ["ß" * 100]}, "topics"),
    ],
)
async def test_lengths_hold_after_normalization(
    client: httpx.AsyncClient, editor_headers: Headers, path: str, body: dict[str, Any], field: str
) -> None:
    response = await client.post(f"/api/v1/{path}", json=body, headers=editor_headers)
    problem = assert_problem(response, 422)
    assert any(field in error["loc"] for error in problem["errors"]), problem
    listed = await client.get(f"/api/v1/{path}", headers=editor_headers)
    assert listed.json()["items"] == []


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/\x00",
        "https://example.org/\x1b[2J",
        "https://example.org/\x07",
        "https://example.org/a\r\nSet-Cookie: x=1",
        'https://example.org/"onmouseover="x',
        "https://example.org/<script>",
        "https://example.org/\u202egpj.exe",
        "https://example.org/a b",
    ],
)
async def test_urls_with_control_characters_or_quotes_are_refused(
    client: httpx.AsyncClient, editor_headers: Headers, url: str
) -> None:
    response = await client.post(
        "/api/v1/press-releases",
        json={"title": "t", "body": "b", "language": "en", "source_url": url},
        headers=editor_headers,
    )
    problem = assert_problem(response, 422)
    assert ["body", "source_url"] in [error["loc"] for error in problem["errors"]], problem
    ok = await client.post(
        "/api/v1/press-releases",
        json={
            "title": "t",
            "body": "b",
            "language": "en",
            "source_url": "https://exemple.fr/défense?a=1",
        },
        headers=editor_headers,
    )
    assert ok.status_code == 201, ok.text


async def test_a_published_translation_of_a_draft_does_not_show_the_draft(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    draft = await factories.press_release(client, editor_headers, status="draft")
    translation = await factories.press_release(
        client,
        editor_headers,
        status="published",
        language="fr",
        translation_of_id=draft["id"],
        body="Une délégation.",
    )
    url = f"{RELEASES}/{translation['id']}"
    anonymous = await client.get(url)
    assert anonymous.status_code == 200, anonymous.text
    assert anonymous.json()["translation_of_id"] is None
    listed = await client.get(RELEASES, params={"id": translation["id"]})
    assert listed.json()["items"][0]["translation_of_id"] is None
    found = await client.get(RELEASES, params={"q": "délégation"})
    assert [item["translation_of_id"] for item in found.json()["items"]] == [None]
    as_editor = await client.get(url, headers=editor_headers)
    assert as_editor.json()["translation_of_id"] == draft["id"]
    # Once the original is published, everyone sees the link.
    published = await client.patch(
        f"{RELEASES}/{draft['id']}", json={"status": "published"}, headers=editor_headers
    )
    assert published.status_code == 200, published.text
    assert (await client.get(url)).json()["translation_of_id"] == draft["id"]


async def test_a_body_of_thousands_of_unknown_fields_gets_a_short_422(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    body = {"name": "Harbour authority", "kind": "agency"} | {f"f{i}": 0 for i in range(5000)}
    response = await client.post("/api/v1/organizations", json=body, headers=editor_headers)
    problem = assert_problem(response, 422)
    assert len(problem["errors"]) == 50, len(problem["errors"])
    assert "errors lists the first 50" in problem["detail"], problem["detail"]
    assert len(response.content) < 10_000
