"""Full-text search over press releases and visits, on PostgreSQL and SQLite.

PostgreSQL: stored tsvectors stemmed by the release's language and unaccented, queried with
`cq_tsquery` (websearch syntax, every language at once), ranked by ts_rank, highlighted by
ts_headline. SQLite: FTS5 (porter stemming, diacritics removed), bm25, snippet().

Both answer the same question: which ids match and how well (higher is better).
"""

import html
import math
import re
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    cast,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import dialect_of
from app.kit.fastread import Prepared, in_ids
from app.kit.pagination import Sort, date_key, id_key
from app.kit.text import clean_text
from app.press_releases.models import PressRelease
from app.search import textscan
from app.search.frequency import REFRESH_SECONDS, estimate, statistics
from app.visibility import can_see_drafts
from app.visits.models import Visit, release_visits

# Markers that cannot occur in stored text (NUL-free, control characters are not words):
# the snippet is HTML-escaped first, then they become <mark> tags.
START, STOP = "\x02", "\x03"
# Private-use stand-ins for < and > while PostgreSQL builds a snippet.
HIDDEN_BRACKETS = "\ue000\ue001"
_SHOWN_BRACKETS = str.maketrans(HIDDEN_BRACKETS, "<>")
_TOKENS = re.compile(r'(-?)"([^"]*)"|(-?)([^\s"]+)')
_WORD = re.compile(r"\w+")

releases_fts = table(
    "press_releases_fts", column("rowid", Integer), column("press_releases_fts", String)
)
visits_fts = table("visits_fts", column("rowid", Integer), column("visits_fts", String))


def fts5_query(q: str) -> str | None:
    """A user's query in FTS5 syntax, every word quoted (so nothing in it is an operator):
    words and "phrases" must all match, `-word` excludes, `or` between terms offers a choice.
    None when nothing in it is searchable."""
    groups, excluded = _terms(q)
    positive = [
        group[0] if len(group) == 1 else "(" + " OR ".join(group) + ")" for group in groups if group
    ]
    if not positive:
        return None
    return " AND ".join(positive) + "".join(f" NOT {term}" for term in excluded)


def wanted_terms(q: str) -> list[str]:
    """The terms (quoted words or phrases) a match may have found: those not excluded."""
    groups, _ = _terms(q)
    return [term for group in groups for term in group]


def _terms(q: str) -> tuple[list[list[str]], list[str]]:
    """The query's quoted terms: groups of alternatives (all groups must match), and the
    excluded terms. Each term once, however often it is written."""
    groups: list[list[str]] = [[]]
    excluded: list[str] = []
    seen: set[str] = set()
    pending_or = False
    for neg_phrase, phrase, neg_word, word in _TOKENS.findall(clean_text(q)):
        text = phrase if phrase else word
        if not phrase and word.lower() == "or" and groups[-1]:
            pending_or = True
            continue
        words = _WORD.findall(text)
        if not words:
            continue
        term = '"' + " ".join(words) + '"'
        if term.lower() in seen:  # a word asked twice is looked up once
            pending_or = False
            continue
        seen.add(term.lower())
        if neg_phrase or neg_word:
            excluded.append(term)
        elif pending_or:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    return groups, excluded


def _pg_query(q: str) -> Any:
    """The query as a tsquery, computed once per statement (a scalar subquery: PostgreSQL
    evaluates it before the scan instead of once per row, and can use it in an index scan)."""
    return select(func.cq_tsquery(clean_text(q))).scalar_subquery()


# Ranking (/search, sort=relevance) looks at the most recent matches only: a word found in
# most of the archive would otherwise have every one of its documents ranked on every request.
CANDIDATES = 100
# PostgreSQL: a search walks the newest rows checking each one's words when its words are
# frequent (the walk ends early), and asks the GIN index when they are rarer (ANDed with a
# slice of the newest rows' dates where it can, so only that slice's matches are read).
# Checking a row costs about WALK_COST times what the index spends on one match of a word
# (measured on the bench data), so walking pays for a share of matching rows f when
# limit / f * WALK_COST < f * rows, i.e. f > sqrt(WALK_COST * limit / rows). A walk stops
# after the rows that should have held three times the matches wanted (at least WINDOW
# rows), then asks the index after all.
WALK_COST = 40.0
WINDOW = 1000


def _entity(kind: str) -> Any:
    return PressRelease if kind == "press_release" else Visit


def _vector(entity: Any) -> Any:
    return literal_column(f"{entity.__tablename__}.search_vector")


@cache
def recency(kind: str) -> Sort:
    """Newest first: the order candidates for ranking are picked in."""
    if kind == "press_release":
        return Sort(
            "-published_on",
            (
                date_key(PressRelease.published_on, _no_read, descending=True, nullable=True),
                id_key(PressRelease.id, descending=True),
            ),
        )
    return Sort(
        "-start_date",
        (date_key(Visit.start_date, _no_read, descending=True), id_key(Visit.id, descending=True)),
    )


def _no_read(_: Any) -> None:  # pragma: no cover - recency sorts make no cursors
    return None


def _match(dialect: str, q: str, kind: str) -> Any:
    """The predicate `this row matches q` (SQLite: the FTS5 query, or None if q has no word)."""
    entity = _entity(kind)
    if dialect == "postgresql":
        return _vector(entity).op("@@")(_pg_query(q))
    fts = fts5_query(q)
    if fts is None:
        return false()
    table = releases_fts if kind == "press_release" else visits_fts
    return entity.id.in_(select(table.c.rowid).where(table.c[table.name].match(fts)))


async def pg_tsquery(session: AsyncSession, q: str) -> str:
    """The text of `cq_tsquery(q)`, computed once per search and passed to each statement
    ("" when q has no searchable word: it matches nothing)."""
    rows = await _TSQUERY.rows(session, q=clean_text(q))
    return str(rows[0][0] or "")


_TSQUERY = Prepared(lambda: select(func.cq_tsquery(bindparam("q", type_=Text)).cast(Text)))


def _tsquery_param() -> Any:
    return cast(bindparam("tsquery", type_=Text), TSQUERY)


def _walk(kind: str, sort: Sort, filters: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """The newest `window` rows passing `filters`, then the first `limit` that match."""
    entity = _entity(kind)
    keys = [key.column.label(f"k{i}") for i, key in enumerate(sort.keys)]
    window = (
        select(entity.id.label("id"), *keys, _vector(entity).label("vector"))
        .where(*filters)
        .order_by(*sort.order_by())
        .limit(bindparam("window"))
        .subquery("newest")
    )
    return (
        select(window.c.id)
        .where(window.c.vector.op("@@")(_tsquery_param()))
        .order_by(*_order_on(sort, window))
        .limit(bindparam("limit"))
    )


def _lookup(kind: str, sort: Sort, filters: Sequence[ColumnElement[bool]]) -> Select[Any]:
    """Every match the GIN index lists, sorted, the first `limit`. (MATERIALIZED keeps the
    planner from walking the sort's index instead.)"""
    entity = _entity(kind)
    keys = [key.column.label(f"k{i}") for i, key in enumerate(sort.keys)]
    matches = (
        select(entity.id.label("id"), *keys)
        .where(_vector(entity).op("@@")(_tsquery_param()), *filters)
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    return select(matches.c.id).order_by(*_order_on(sort, matches)).limit(bindparam("limit"))


_PREPARED: dict[tuple[str, str, str], Prepared] = {}


def _prepared(way: str, kind: str, sort: Sort) -> Prepared:
    """The walk or lookup statement of a search with no filter but visibility."""
    key = (way, kind, sort.name)
    if key not in _PREPARED:
        build = _walk if way == "walk" else _lookup
        _PREPARED[key] = Prepared(lambda: build(kind, sort, ()))
    return _PREPARED[key]


async def newest_matches(
    session: AsyncSession,
    kind: str,
    q: str,
    *,
    filters: Sequence[ColumnElement[bool]],
    sort: Sort,
    limit: int,
    tsquery: str | None = None,
) -> list[int]:
    """Ids of the first `limit` rows in `sort` order that match `q` and `filters`.

    On PostgreSQL the work is bounded whatever the words' frequency. Words that the table's
    statistics say are frequent are looked for among the newest rows (walking the sort's
    index, at most a window of them), where their first matches are; rarer words, and
    frequent ones the window did not hold enough of, are looked up in the GIN index, which
    lists few enough matches to sort. `tsquery`: `pg_tsquery(q)` if the caller has it.
    """
    entity = _entity(kind)
    if dialect_of(session) != "postgresql":
        # SQLite: every match listed, then sorted. Listing a match costs about a
        # microsecond, checking one row of a walk fifty (a seek in each word's list), so
        # a walk would only pay for words in most of the archive; the statement time
        # limit (app.kit.db) bounds what a query's words can cost.
        stmt = (
            select(entity.id)
            .where(_match("sqlite", q, kind), *filters)
            .order_by(*sort.order_by())
            .limit(limit)
        )
        return list((await session.scalars(stmt)).all())
    if tsquery is None:
        tsquery = await pg_tsquery(session, q)
    if not tsquery:
        return []
    stats = await statistics(session, entity.__tablename__)
    threshold = math.sqrt(WALK_COST * limit / stats.rows) if stats else 0.0
    window = max(WINDOW, math.ceil(3 * limit / threshold)) if threshold else WINDOW
    params = {"tsquery": tsquery, "window": window, "limit": limit}

    async def run(way: str) -> list[int]:
        if not filters:  # the common case: statements compiled once
            return [row[0] for row in await _prepared(way, kind, sort).rows(session, **params)]
        build = _walk if way == "walk" else _lookup
        return list((await session.scalars(build(kind, sort, filters), params)).all())

    share = estimate(tsquery, stats) if stats else None
    if share is None or share >= threshold:
        # Frequent words: their first matches are among the newest rows.
        ids = await run("walk")
        if len(ids) >= limit:
            return ids
    elif share > 0 and not filters and sort.name == recency(kind).name:
        # Rarer words: first the matches among the newest rows that should hold enough of
        # them (the word index ANDed with the date index: only that slice's rows are read).
        since = await _slice_start(session, kind, 2 * limit / share)
        if since is not None:
            rows = await _slice(kind, since).rows(session, tsquery=tsquery, limit=limit)
            if len(rows) >= limit:
                return [row[0] for row in rows]
    return await run("lookup")


# Slices of the newest rows, by row count, whose first dates are read with the statistics.
SLICE_ROWS = (1_000, 4_000, 16_000, 64_000)
_slice_starts: dict[tuple[str, bool], tuple[float, dict[int, Any]]] = {}
_slices: dict[tuple[str, Any], Prepared] = {}


async def _slice_start(session: AsyncSession, kind: str, rows: float) -> Any:
    """The date from which the newest rows visible to this session number at least `rows`
    (the smallest of SLICE_ROWS that does), or None when no slice is that large."""
    wanted = next((n for n in SLICE_ROWS if n >= rows), None)
    if wanted is None:
        return None
    key = (kind, can_see_drafts(session))
    found = _slice_starts.get(key)
    if found is None or time.monotonic() - found[0] > REFRESH_SECONDS:
        found = (time.monotonic(), {})
        sort = recency(kind)
        for n in SLICE_ROWS:
            first = await session.scalar(
                select(sort.keys[0].column)
                .select_from(_entity(kind))
                .order_by(*sort.order_by())
                .offset(n)
                .limit(1)
            )
            found[1][n] = first
        _slice_starts[key] = found
    return found[1].get(wanted)


def _slice(kind: str, since: Any) -> Prepared:
    """Every match dated `since` or later (or undated: those come first), sorted, the first
    `limit`. The date is written into the statement, so that PostgreSQL plans for it."""
    key = (kind, since)
    if key not in _slices:
        if len(_slices) > 64:
            _slices.clear()
        sort = recency(kind)
        date_column = sort.keys[0].column
        day: Any = literal_column(f"'{since.isoformat()}'::date")
        recent = or_(date_column >= day, date_column.is_(None))
        _slices[key] = Prepared(lambda: _lookup(kind, sort, (recent,)))
    return _slices[key]


def _order_on(sort: Sort, selectable: Any) -> list[Any]:
    """The sort's ORDER BY, on the k0, k1, … columns of a subquery or CTE."""
    return [replace(key, column=selectable.c[f"k{i}"]).order() for i, key in enumerate(sort.keys)]


def pg_hits(q: str, kind: str, candidates: Sequence[int]) -> Select[Any]:
    """PostgreSQL: (id, score) of the `candidates` (ids from `newest_matches`), score in 0..1
    with title words weighing more than body words (their tsvector weight)."""
    entity = _entity(kind)
    # Normalization 32 maps the rank into 0..1 (rank / (rank + 1)).
    score: Any = func.ts_rank(_vector(entity), _pg_query(q), 32).cast(Float)
    return select(entity.id.label("id"), score.label("score")).where(entity.id.in_(candidates))


async def sqlite_scores(
    session: AsyncSession, kind: str, q: str, candidates: Sequence[int]
) -> list[tuple[int, str, float]]:
    """SQLite: (id, title, score) of the candidates, scored from their title and the start
    of their body (app.search.textscan)."""
    if not candidates:
        return []
    keys = textscan.query_keys(wanted_terms(q))
    rows = await SQLITE_RANK_TEXTS[kind].rows(session, ids=list(candidates))
    return [(id_, title, textscan.score(title, body or "", keys)) for id_, title, body in rows]


def _scored(scores: list[tuple[int, str, float]]) -> Select[Any]:
    """SQLite: (id, score) rows of Python-made scores (one JSON parameter), to join a list to."""
    pairs = func.json_each(orjson.dumps([[id_, score] for id_, _, score in scores]).decode())
    each = pairs.table_valued("value").alias("scores")
    return select(
        cast(func.json_extract(each.c.value, "$[0]"), Integer).label("id"),
        cast(func.json_extract(each.c.value, "$[1]"), Float).label("score"),
    )


async def ranked(
    session: AsyncSession,
    kind: str,
    q: str,
    *,
    filters: Sequence[ColumnElement[bool]] = (),
) -> Select[Any]:
    """(id, score) of the CANDIDATES most recent matches of `q` that pass `filters`."""
    candidates = await newest_matches(
        session, kind, q, filters=filters, sort=recency(kind), limit=CANDIDATES
    )
    if dialect_of(session) != "postgresql":
        return _scored(await sqlite_scores(session, kind, q, candidates))
    return pg_hits(q, kind, candidates)


def _pg_score(entity: Any) -> Any:
    # Normalization 32 maps the rank into 0..1 (rank / (rank + 1)).
    return func.ts_rank(_vector(entity), _tsquery_param(), 32).cast(Float)


def _pg_headline(kind: str) -> Any:
    options = f"StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=10, MaxFragments=2"
    if kind == "press_release":
        config: Any = func.cq_regconfig(PressRelease.language)
    else:
        config = literal_column("'cq_simple'::regconfig")
    # A bounded prefix: ts_headline's work grows with the text and its matches.
    text = func.left(_snippet_text(kind), textscan.SCAN_CHARS)
    # ts_headline drops what looks like HTML tags: angle brackets become private-use
    # stand-ins while it works. The markers and stand-ins, should the text hold them, are
    # dropped, so only the markers ts_headline adds become tags.
    hidden = func.translate(text, "<>" + START + STOP + HIDDEN_BRACKETS, HIDDEN_BRACKETS)
    return func.ts_headline(config, hidden, _tsquery_param(), options)


def _pg_top(kind: str) -> Prepared:
    entity = _entity(kind)
    return Prepared(
        lambda: (
            select(entity.id, entity.title, _pg_score(entity).label("score"))
            .where(in_ids(entity.id, "ids"))
            .order_by(literal_column("score").desc(), entity.id)
            .limit(bindparam("top"))
        )
    )


def _pg_snippets(kind: str) -> Prepared:
    entity = _entity(kind)
    return Prepared(lambda: select(entity.id, _pg_headline(kind)).where(in_ids(entity.id, "ids")))


PG_TOP = {kind: _pg_top(kind) for kind in ("press_release", "visit")}
PG_SNIPPETS = {kind: _pg_snippets(kind) for kind in ("press_release", "visit")}


async def top_hits(
    session: AsyncSession, kind: str, q: str, top: int, *, tsquery: str | None = None
) -> list[tuple[int, str, float]]:
    """(id, title, score) of the `top` best of the CANDIDATES newest matches of `q`, best
    first (ties: lowest id). `tsquery`: PostgreSQL's `pg_tsquery(q)` if the caller has it."""
    if dialect_of(session) == "postgresql":
        if tsquery is None:
            tsquery = await pg_tsquery(session, q)
        if not tsquery:
            return []
        candidates = await newest_matches(
            session, kind, q, filters=(), sort=recency(kind), limit=CANDIDATES, tsquery=tsquery
        )
        if not candidates:
            return []
        rows = await PG_TOP[kind].rows(session, tsquery=tsquery, ids=candidates, top=top)
        return [(id_, title, score) for id_, title, score in rows]
    candidates = await newest_matches(
        session, kind, q, filters=(), sort=recency(kind), limit=CANDIDATES
    )
    scored = await sqlite_scores(session, kind, q, candidates)
    scored.sort(key=lambda hit: (-hit[2], hit[0]))
    return scored[:top]


async def highlights(
    session: AsyncSession, kind: str, q: str, ids: list[int], *, tsquery: str | None = None
) -> dict[int, str]:
    """Snippets of these hits' texts (HTML-escaped, `<mark>` around what matched). Costly,
    so asked only for the hits a page shows."""
    if not ids:
        return {}
    if dialect_of(session) == "postgresql":
        if tsquery is None:
            tsquery = await pg_tsquery(session, q)
        found = await PG_SNIPPETS[kind].rows(session, tsquery=tsquery, ids=ids)
        return {id_: render_snippet(raw) for id_, raw in found}
    keys = textscan.query_keys(wanted_terms(q))
    texts = await SQLITE_TEXTS[kind].rows(session, ids=ids)
    return {id_: textscan.make_snippet(text or "", keys) for id_, text in texts}


def release_matches(dialect: str, q: str) -> Any:
    """Filter: the release matches `q`."""
    return _match(dialect, q, "press_release")


def visit_matches(dialect: str, q: str) -> Any:
    """Filter: the visit's title or summary, or a release reporting it, matches `q`.
    (Releases the reader may not see never count: visibility applies inside too.)"""
    releases = select(PressRelease.id).where(release_matches(dialect, q))
    reported = select(release_visits.c.visit_id).where(
        release_visits.c.press_release_id.in_(releases)
    )
    return _match(dialect, q, "visit") | Visit.id.in_(reported)


def _second_text(kind: str) -> Any:
    """What follows the title: a release's body, a visit's summary."""
    return PressRelease.body if kind == "press_release" else Visit.summary


def _snippet_text(kind: str) -> Any:
    """PostgreSQL: the text a snippet is taken from: title, then body (or summary)."""
    return func.concat_ws(" — ", _entity(kind).title, _second_text(kind))


def _sqlite_texts(kind: str) -> Prepared:
    """SQLite: (id, the first SCAN_CHARS characters of the text) of the page's hits, which
    app.search.textscan highlights (FTS5's snippet() costs the square of a word's
    occurrences in the whole text)."""
    entity = _entity(kind)
    both = entity.title + " — " + func.coalesce(_second_text(kind), "")
    text = func.substr(both, 1, textscan.SCAN_CHARS)
    return Prepared(lambda: select(entity.id, text).where(in_ids(entity.id, "ids")))


SQLITE_TEXTS = {kind: _sqlite_texts(kind) for kind in ("press_release", "visit")}


def _sqlite_rank_texts(kind: str) -> Prepared:
    """SQLite: (id, title, the first RANK_CHARS characters of the body or summary)."""
    entity = _entity(kind)
    body = func.substr(_second_text(kind), 1, textscan.RANK_CHARS)
    return Prepared(lambda: select(entity.id, entity.title, body).where(in_ids(entity.id, "ids")))


SQLITE_RANK_TEXTS = {kind: _sqlite_rank_texts(kind) for kind in ("press_release", "visit")}


def render_snippet(raw: str | None) -> str:
    """HTML-escaped text in which only the <mark> tags are markup."""
    text = (raw or "").translate(_SHOWN_BRACKETS)
    escaped = html.escape(text, quote=False)
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")
