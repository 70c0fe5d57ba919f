"""Word searches walk the newest rows first and fall back to the word index for rare words
(app.search.fulltext.newest_matches). Whichever way an answer is found, it must be the same:
here the walk's window is shrunk so that both ways are taken on a small data set."""

from typing import Any

import httpx
import pytest

from app.search import fulltext
from app.search.frequency import Frequencies, estimate
from tests import factories

Headers = dict[str, str]
RELEASES = "/api/v1/press-releases"

# (published_on, words in the body): "harbour" is frequent, "lighthouse" rare and old.
DAYS = [f"2024-03-{day:02d}" for day in range(1, 21)]


async def _releases(client: httpx.AsyncClient, headers: Headers) -> dict[str, list[int]]:
    """Creates the releases; returns, per word, the ids expected newest first."""
    expected: dict[str, list[tuple[str, int]]] = {"harbour": [], "lighthouse": [], "quay": []}
    for i, day in enumerate(DAYS):
        words = ["harbour"] if i % 4 else ["harbour", "lighthouse"] if i < 8 else ["quay"]
        created = await factories.press_release(
            client,
            headers,
            body="A visit to the " + " and the ".join(words) + ".",
            status="published",
            published_on=day,
        )
        for word in words:
            expected[word].append((day, created["id"]))
    # A draft with both words: never found by anonymous readers.
    await factories.press_release(client, headers, body="harbour lighthouse", status="draft")
    return {word: [i for _, i in sorted(found, reverse=True)] for word, found in expected.items()}


async def _walk(client: httpx.AsyncClient, q: str, limit: int, sort: str) -> list[int]:
    ids: list[int] = []
    cursor = None
    for _ in range(50):
        params: dict[str, Any] = {"q": q, "limit": limit, "sort": sort}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(RELEASES, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("the walk did not end")


async def _no_statistics(*_: object) -> None:
    return None


@pytest.mark.parametrize("window", [1, 3, 1000])
async def test_walks_find_the_same_releases_whatever_the_window(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    monkeypatch: pytest.MonkeyPatch,
    window: int,
) -> None:
    expected = await _releases(client, editor_headers)
    monkeypatch.setattr(fulltext, "WINDOW", window)
    monkeypatch.setattr(fulltext, "statistics", _no_statistics)  # always walk first
    for word, ids in expected.items():
        for limit in (1, 2, 5):
            assert await _walk(client, word, limit, "-published_on") == ids, (word, limit)
            assert await _walk(client, word, limit, "published_on") == ids[::-1], (word, limit)
    assert await _walk(client, "nowhere-to-be-found", 2, "-published_on") == []


@pytest.mark.parametrize("window", [1, 1000])
async def test_relevance_ranks_the_same_candidates_whatever_the_window(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    monkeypatch: pytest.MonkeyPatch,
    window: int,
) -> None:
    expected = await _releases(client, editor_headers)
    monkeypatch.setattr(fulltext, "WINDOW", window)
    monkeypatch.setattr(fulltext, "statistics", _no_statistics)
    monkeypatch.setattr(fulltext, "CANDIDATES", 4)
    # Ranking looks at the CANDIDATES newest matches only.
    found = await _walk(client, "harbour", 3, "relevance")
    assert sorted(found) == sorted(expected["harbour"][:4])
    response = await client.get(
        "/api/v1/search", params={"q": "lighthouse", "types": "press_release"}
    )
    assert response.status_code == 200
    assert sorted(hit["id"] for hit in response.json()["items"]) == sorted(expected["lighthouse"])


def test_frequency_estimates_follow_the_query_structure() -> None:
    known = Frequencies(
        {"cooper": 0.4, "defens": 0.1, "it's": 0.2}, unlisted=0.05, rows=100, loaded=0.0
    )
    assert estimate("'cooper'", known) == 0.4
    assert estimate("'frigat'", known) == 0.05  # not listed: at most the smallest listed
    assert estimate("'cooper' & 'defens'", known) == 0.1  # both: the rarer
    assert estimate("'cooper' <-> 'defens'", known) == 0.1
    assert estimate("'defens' | 'frigat'", known) == pytest.approx(0.15)  # either: the sum
    assert estimate("( 'cooper' & 'defens' ) | 'frigat'", known) == pytest.approx(0.15)
    assert estimate("'defens' & !'cooper'", known) == 0.1  # a NOT narrows nothing
    assert estimate("'it''s':*", known) == 0.2
    assert estimate("", known) == 0.0


async def test_statistics_choose_the_walk_or_the_index(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
) -> None:
    """Whatever the statistics claim (right or wrong), the answers are the same."""
    expected = await _releases(client, editor_headers)
    monkeypatch.setattr(fulltext, "WINDOW", 2)
    # Slices of the newest 1 to 16 rows, read afresh for this data (with a table said to
    # hold 20 rows, every share below 1 asks the index, by slices where one is large enough).
    monkeypatch.setattr(fulltext, "SLICE_ROWS", (1, 2, 4, 8, 16))
    monkeypatch.setattr(fulltext, "_slice_starts", {})
    sliced: list[object] = []
    original = fulltext._slice

    def counting(kind: str, since: object) -> object:
        sliced.append(since)
        return original(kind, since)

    monkeypatch.setattr(fulltext, "_slice", counting)
    for claimed in (None, 0.0, 0.3, 0.5, 1.0):
        stats = None if claimed is None else Frequencies({}, claimed, rows=20, loaded=0.0)

        async def claim(*_: object) -> Frequencies | None:
            return stats  # noqa: B023

        monkeypatch.setattr(fulltext, "statistics", claim)
        for word, ids in expected.items():
            assert await _walk(client, word, 2, "-published_on") == ids, (claimed, word)
    # PostgreSQL took every way: the walk, the slices and the whole index.
    assert bool(sliced) == database_url.startswith("postgresql")
