"""The floor: the least a Python server must do to answer the service's benchmarked requests.

A bare ASGI app (no framework, no ORM, no validation library) on uvicorn, with an asyncpg
pool and orjson, answering anonymous readers (published rows only) with bodies byte-identical
to the service's (and the same ETag where the service sends one):

    GET /api/v1/press-releases/{id}                         (with visit_ids and an ETag)
    GET /api/v1/visits?host_organization_id=…&from=…&to=…&limit=…   (topics, participants,
        delegations with members, press_release_ids)
    GET /api/v1/press-releases?q=…&limit=…                   (first page, newest first)
    GET /api/v1/search?q=…&limit=…                            (all four types, ranked)
    GET /api/v1/stats/visits?group_by=month|year[&from=…][&to=…][&host_organization_id=…]

It is an honest floor: not a copy of the service's SQL but the fastest correct SQL and code
written by hand for the same answers, one statement (one round trip) per request:

- a release by id carries its visit ids as an ARRAY(…) subquery; a page of visits is one row
  holding the visits and, as arrays of rows read for the whole page at once, what they embed;
- "the newest k matches of a word" (release search, and the ranking candidates of /search)
  is a UNION ALL of date slices, newest first, under one LIMIT: PostgreSQL runs an Append's
  children in order and stops when the LIMIT is met, so rarer words go on to older slices.
  Within a slice the word index (GIN) and the date index are ANDed into one bitmap: only the
  slice's matches are read, never the 2.5 KB search vector of every recent row nor every
  match of a frequent word; a frequent word (a probe of the newest rows says so) reads the
  newest rows one by one instead. The slice boundaries are dates read once at startup: they
  decide what a word costs, never the answer (see Plan, newest_matches);
- /search ranks, merges and headlines in one statement; ts_headline runs only for the text
  hits that can be on the page (the service headlines every per-type candidate);
- /stats counts per day from an index alone and folds days into months in SQL (132 rows back
  instead of 4,000); a host's visits are all its visits minus its drafts, both from indexes.

Where the planner's estimates would mislead it (a text query it cannot see, small tables), a
fence (OFFSET 0), a CASE or a dummy filter steers it; each place says why.

    uvicorn bench.floor:app --workers 2 --port 8101   ($BENCH_DATABASE_URL picks the database)

What it leaves out is what the floor is a floor of: the ORM, statement building, pydantic,
FastAPI's routing, dependencies and validation, the middleware, the stats cache (the floor
computes every answer).
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import cache
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qsl

import asyncpg
import orjson

# The service's own name normalisation (pure functions: case, accents, transliteration).
from app.kit.text import fold, skeleton

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/communique_bench"
OPTIONS = orjson.OPT_UTC_Z
MAX_ID = 2**31 - 1
CANDIDATES = 100  # /search ranks the newest 100 matches of each text type (app.search.fulltext)
MARGIN = 2e-6  # scores are shown rounded to 6 decimals: farther apart than this, order is sure


@dataclass(frozen=True)
class Plan:
    """How to look for a table's k newest matches (see newest_matches), in rows counted from
    the newest published row (turned into dates at startup):

    - probe (n, m): the word is frequent when at least m of the n newest rows match; then the
      newest `walk` rows are read one by one (until k match);
    - slices: otherwise, or after those, the word index by date slices starting there.

    Reading a row costs ~20 µs for a release (its 2.5 KB search vector is stored out of line,
    compressed), ~3 µs for a visit; the word index ~0.1 µs per entry. So walking pays from a
    share of about sqrt(k × row cost / (rows × entry cost)) up. Tuned on the bench data (200k
    releases, 64k visits); any values give the same answers."""

    probe: tuple[int, int]
    walk: int
    slices: tuple[int, ...]


RELEASE_PLANS = {  # by k (other k: the nearest)
    21: Plan(probe=(32, 4), walk=500, slices=(2000, 8000)),  # release search, 20 a page
    100: Plan(probe=(32, 7), walk=1000, slices=(5000, 20000)),  # /search's candidates
}
VISIT_PLAN = Plan(probe=(32, 6), walk=1000, slices=(8000,))

RELEASE_COLUMNS = (
    "p.id, p.version, p.created_at, p.updated_at, p.title, p.body, p.language, p.status, "
    "p.published_on, p.dateline, p.source_url, p.issuer_organization_id, p.translation_of_id"
)
RELEASE_NAMES = (
    "id", "version", "created_at", "updated_at", "title", "body", "language", "status",
    "published_on", "dateline", "source_url", "issuer_organization_id", "translation_of_id",
)  # fmt: skip
# The visible (published) visits a release reports, in id order.
RELEASE_VISIT_IDS = (
    "ARRAY(SELECT rv.visit_id FROM release_visits rv JOIN visits v ON v.id = rv.visit_id "
    "AND v.status = 'published' WHERE rv.press_release_id = p.id ORDER BY rv.visit_id)"
)

SQL_RELEASE_BY_ID = (
    f"SELECT {RELEASE_COLUMNS}, {RELEASE_VISIT_IDS} AS visit_ids FROM press_releases p "
    "WHERE p.id = $1 AND p.status = 'published'"
)

VISIT_COLUMNS = (
    "id, version, created_at, updated_at, title, status, start_date, end_date, date_precision, "
    "city, country_code, venue, host_organization_id, summary"
)
DELEGATION_COLUMNS = (
    "id, version, created_at, updated_at, visit_id, organization_id, country_code, "
    "head_official_id, size, description"
)
DELEGATION_NAMES = tuple(DELEGATION_COLUMNS.split(", "))
VISIT_NAMES = (
    "id", "version", "created_at", "updated_at", "title", "status", "start_date", "end_date",
    "date_precision", "city", "country_code", "venue", "host_organization_id", "summary",
)  # fmt: skip


@cache
def sql_visits(limit: int) -> str:
    """A page of a host's visits overlapping [from, to] ($2, $3), newest first, and all they
    embed, as one row: whether there are more (the page is read with one row more), the
    visits, then their topics, participants, delegations, delegation members and visible
    releases, each an array of rows read for the whole page at once (`= ANY(ids)`) in the
    order the lists are shown in. (Per-visit subqueries cost PostgreSQL a third more.)"""
    ids = "(SELECT ids FROM ids)::int[]"  # an array, not a subquery (= ANY (SELECT …))
    return (
        # The host's visits newest first (its (host, start_date) index, walked backwards from
        # `to`) until limit + 1 overlap [from, to]. (CASE keeps the planner from reading and
        # sorting all the host's visits first, as it would for an average host.)
        f"WITH page AS MATERIALIZED (SELECT {VISIT_COLUMNS} FROM (SELECT {VISIT_COLUMNS} "
        "FROM visits WHERE host_organization_id = $1 AND start_date <= $3 "
        "ORDER BY start_date DESC, id DESC OFFSET 0) newest "
        "WHERE CASE WHEN end_date >= $2 AND status = 'published' THEN TRUE END "
        f"LIMIT {limit + 1}), "
        "ids AS MATERIALIZED (SELECT array_agg(id) AS ids FROM (SELECT id FROM page "
        f"ORDER BY start_date DESC, id DESC LIMIT {limit}) shown), "
        f"delegation AS MATERIALIZED (SELECT {DELEGATION_COLUMNS} FROM delegations "
        f"WHERE visit_id = ANY({ids})) "
        "SELECT (SELECT count(*) FROM page) AS n, "
        f"ARRAY(SELECT ROW({VISIT_COLUMNS}) FROM page ORDER BY start_date DESC, id DESC "
        f"LIMIT {limit}) AS visits, "
        "ARRAY(SELECT ROW(visit_id, topic) FROM visit_topics "
        f"WHERE visit_id = ANY({ids}) ORDER BY topic) AS topics, "
        "ARRAY(SELECT ROW(visit_id, official_id, side, role) FROM participants "
        f"WHERE visit_id = ANY({ids}) ORDER BY id) AS participants, "
        f"ARRAY(SELECT ROW({DELEGATION_COLUMNS}) FROM delegation ORDER BY id) AS delegations, "
        "ARRAY(SELECT ROW(delegation_id, official_id, role) FROM delegation_members "
        "WHERE delegation_id IN (SELECT id FROM delegation) ORDER BY id) AS members, "
        "ARRAY(SELECT ROW(rv.visit_id, rv.press_release_id) FROM release_visits rv "
        "JOIN press_releases p ON p.id = rv.press_release_id AND p.status = 'published' "
        f"WHERE rv.visit_id = ANY({ids}) ORDER BY rv.press_release_id) AS releases"
    )


# --- Newest matches --------------------------------------------------------------------------

TSQ = "(SELECT q FROM q)"  # the statement's tsquery, computed once (WITH q AS MATERIALIZED)


@dataclass(frozen=True)
class Slices:
    """How a table's newest matches are looked for: frequent words read the rows from `walk`
    on one by one; then (or for other words from the start) the word index by date slices
    starting at `bounds`, newest first: a Plan's row counts as dates, read at startup."""

    walk: date | None
    bounds: tuple[date, ...]


def newest_matches(
    name: str, table: str, column: str, slices: Slices, k: int, *, nullable: bool,
    probe: tuple[int, int],
) -> tuple[str, str]:  # fmt: skip
    """(CTE, SELECT) of the ids and dates of the k newest published rows of `table` matching
    TSQ, newest first (column DESC [NULLS FIRST], id DESC). The CTE `{name}_g` decides how to
    read the newest rows; the SELECT is meant for a CTE named `name`.

    A UNION ALL of disjoint date slices in that order under one LIMIT: an Append runs its
    children in order and stops at the LIMIT, so older slices are read only when newer ones
    hold fewer than k matches. (Each child ends in its own LIMIT, so no parallel plan can
    interleave them.) Rows without a date come first (NULLS FIRST; there are none: one index
    probe). In each slice the word index is ANDed with the date index: only the slice's
    matches are read, then sorted. The oldest slice is the word index alone.

    Frequent words are the exception: decoding every entry of a word found in half the rows
    costs more than reading the first k/share rows one by one, in date order, until k match.
    `probe` (n, m): when at least m of the n newest rows match, the rows from `slices.walk`
    on are read that way, then the slices older than that."""
    order = f"{column} DESC{' NULLS FIRST' if nullable else ''}, id DESC"
    gate = f"(SELECT walk FROM {name}_g)"

    def walked(condition: str, extra: str = "") -> str:
        # CASE hides the match from the planner's estimate (a tiny default share for a query
        # it cannot see) that would make it read and sort the whole slice first.
        return (
            f"(SELECT id, {column} FROM (SELECT id, {column}, search_vector FROM {table} "
            f"WHERE status = 'published' AND {condition} ORDER BY {order} OFFSET 0) newest "
            f"WHERE {extra}CASE WHEN search_vector @@ {TSQ} THEN TRUE END LIMIT {k})"
        )

    def indexed(condition: str, extra: str = "") -> str:
        # OFFSET 0: all the slice's matches, then sorted; never a walk of the date index
        # filtering every row (the planner's choice for a small k with a word it cannot see).
        return (
            f"(SELECT id, {column} FROM (SELECT id, {column} FROM {table} WHERE {extra}"
            f"status = 'published' AND search_vector @@ {TSQ} AND {condition} OFFSET 0) slice "
            f"ORDER BY {order} LIMIT {k})"
        )

    def between(older: date | None, newer: date | None) -> str:
        conditions = []
        if older is not None:
            conditions.append(f"{column} >= '{older.isoformat()}'::date")
        if newer is not None:
            conditions.append(f"{column} < '{newer.isoformat()}'::date")
        return " AND ".join(conditions) or f"{column} IS NOT NULL"

    n, m = probe
    cte = (
        f"{name}_g AS MATERIALIZED (SELECT count(*) >= {m} AS walk FROM (SELECT search_vector "
        f"FROM {table} WHERE status = 'published' ORDER BY {order} LIMIT {n}) newest "
        f"WHERE search_vector @@ {TSQ})"
    )
    parts = [walked(f"{column} IS NULL")] if nullable else []
    bounds = list(slices.bounds)
    if slices.walk is not None:
        bounds = [b for b in bounds if b < slices.walk]
        first = bounds.pop(0) if bounds else None
        parts.append(walked(between(slices.walk, None), f"{gate} AND "))
        parts.append(indexed(between(first, slices.walk), f"{gate} AND "))
        parts.append(indexed(between(first, None), f"NOT {gate} AND "))
        edges: list[date | None] = [first, *bounds, None] if first is not None else []
    else:
        edges = [None, *bounds, None]
    for newer, older in pairwise(edges):
        parts.append(indexed(between(older, newer)))
    return cte, f"SELECT id, {column} FROM ({' UNION ALL '.join(parts)}) s LIMIT {k}"


# --- /search ---------------------------------------------------------------------------------

HEADLINE_OPTIONS = "E'StartSel=\\x02, StopSel=\\x03, MaxWords=24, MinWords=10, MaxFragments=2'"
HIDE_BRACKETS = "'<>', E'\\uE000\\uE001'"  # ts_headline drops what looks like HTML tags
SIMPLE = "'cq_simple'::regconfig"  # visits are headlined word for word
SHOW_BRACKETS = str.maketrans("\ue000\ue001", "<>")


def _names(table: str, aliases: str, owner: str, acronyms: bool) -> tuple[str, str]:
    """The CTEs of a name search: (ids of the rows whose name or an alias matches, the top
    rows by score). Score: 2 for an exact (folded) name, acronym or alias, else the best
    strict word similarity of the skeletons (pg_trgm)."""

    def exact(alias: str) -> str:
        key = f"{alias}.name_key = $2"
        return f"({key} OR {alias}.acronym_key = $2)" if acronyms else key

    def score(alias: str) -> str:
        return (
            f"CASE WHEN {exact(alias)} THEN 2.0::float8 "
            f"ELSE strict_word_similarity($3, {alias}.name_skeleton) END"
        )

    def similar(alias: str) -> str:
        # The trigram index answers `<<%` in ~0.1 ms; a scan of 500 organizations and their
        # 370 aliases computes the similarity of every name, ~2 ms. The planner, costing the
        # operator like an equality, scans the small tables. The always-true to_tsvector test
        # (a function it costs 100×) makes the scan look as dear as it is; it is then only
        # computed for the rows the index returns.
        return (
            f"({exact(alias)} OR $3 <<% {alias}.name_skeleton) "
            f"AND to_tsvector('simple'::regconfig, {alias}.name_skeleton) IS NOT NULL"
        )

    matches = (
        f"SELECT id FROM {table} x WHERE $3 <> '' AND {similar('x')} "
        f"UNION SELECT {owner} FROM {aliases} a WHERE $3 <> '' AND {similar('a')}"
    )
    # Each match by its primary key (LATERAL … OFFSET 0: not a hash of the whole table).
    top = (
        f"SELECT o.* FROM {table}_m m CROSS JOIN LATERAL (SELECT o.id, o.name AS title, "
        f"greatest({score('o')}, coalesce((SELECT max({score('a')}) FROM {aliases} a "
        f"WHERE a.{owner} = o.id), 0.0::float8)) AS score FROM {table} o WHERE o.id = m.id "
        "OFFSET 0) o ORDER BY o.score DESC, o.id LIMIT $4"
    )
    return matches, top


def nearest(k: int) -> int:
    return min(RELEASE_PLANS, key=lambda known: abs(known - k))


def sql_search(release_slices: Slices, visit_slices: Slices) -> str:
    """Everything /search shows, in one statement: per type the `top` ($4) best hits (type,
    id, title, raw score: ts_rank over the newest CANDIDATES matches for texts, the name score
    for names) and, for the text hits that can be on a page of $5 items, their headline.
    $1 q, $2 its folded key, $3 its skeleton (names are searched when it is not empty)."""
    release_ctes, releases = newest_matches(
        "rc", "press_releases", "published_on", release_slices, CANDIDATES, nullable=True,
        probe=RELEASE_PLANS[nearest(CANDIDATES)].probe,
    )  # fmt: skip
    visit_ctes, visits = newest_matches(
        "vc",
        "visits",
        "start_date",
        visit_slices,
        CANDIDATES,
        nullable=False,
        probe=VISIT_PLAN.probe,
    )
    official_matches, official_top = _names("officials", "official_aliases", "official_id", False)
    org_matches, org_top = _names("organizations", "organization_aliases", "organization_id", True)

    def ranked(table: str, candidates: str) -> str:
        return (
            f"SELECT x.id, x.title, ts_rank(x.search_vector, {TSQ}, 32)::float8 AS score "
            f"FROM {table} x WHERE x.id IN (SELECT id FROM {candidates}) "
            "AND x.status = 'published' ORDER BY score DESC, x.id LIMIT $4"
        )

    def headline(table: str, config: str, text: str) -> str:
        return (
            f"(SELECT ts_headline({config}, translate(concat_ws(' — ', x.title, x.{text}), "
            f"{HIDE_BRACKETS}), {TSQ}, {HEADLINE_OPTIONS}) FROM {table} x WHERE x.id = h.id)"
        )

    return (
        "WITH q AS MATERIALIZED (SELECT cq_tsquery($1) AS q), "
        f"{release_ctes}, rc AS ({releases}), rr AS ({ranked('press_releases', 'rc')}), "
        f"{visit_ctes}, vc AS ({visits}), vr AS ({ranked('visits', 'vc')}), "
        f"officials_m AS ({official_matches}), os AS ({official_top}), "
        f"organizations_m AS ({org_matches}), gs AS ({org_top}), "
        "h AS (SELECT 0 AS t, id, title, score, score AS shown FROM rr "
        "UNION ALL SELECT 1, id, title, score, score FROM vr "
        "UNION ALL SELECT 2, id, title, score, "
        "CASE WHEN score >= 2 THEN 1.0 ELSE 0.9 * score END FROM os "
        "UNION ALL SELECT 3, id, title, score, "
        "CASE WHEN score >= 2 THEN 1.0 ELSE 0.9 * score END FROM gs), "
        # How many hits are surely ahead of each (a score higher by more than the rounding).
        "w AS (SELECT h.*, count(*) OVER (ORDER BY shown DESC RANGE BETWEEN UNBOUNDED "
        f"PRECEDING AND {MARGIN}::float8 PRECEDING) AS ahead FROM h) "
        "SELECT t, id, title, score, CASE WHEN ahead >= $5 THEN NULL "
        f"WHEN t = 0 THEN {headline('press_releases', 'cq_regconfig(x.language)', 'body')} "
        f"WHEN t = 1 THEN {headline('visits', SIMPLE, 'summary')} "
        "END AS headline FROM w h"
    )


TYPES = ("press_release", "visit", "official", "organization")


def render_snippet(raw: str | None) -> str:
    """HTML-escaped text in which only the <mark> tags are markup (as the service renders)."""
    text = html.escape((raw or "").translate(SHOW_BRACKETS), quote=False)
    return text.replace("\x02", "<mark>").replace("\x03", "</mark>")


def mark_name(name: str, q: str) -> str:
    """The name, escaped, with the words the query matched marked (as the service marks)."""
    wanted = set(skeleton(q).split())
    out = []
    for word in name.split(" "):
        key = skeleton(word)
        out.append(
            f"<mark>{html.escape(word)}</mark>" if key and key in wanted else html.escape(word)
        )
    return " ".join(out)


# --- /stats/visits ---------------------------------------------------------------------------

PERIODS = {"month": ("month", "YYYY-MM"), "year": ("year", "YYYY")}


@cache
def sql_stats(group_by: str, from_: bool, to: bool, host: bool) -> str:
    """(key, count) per month or year of the published visits passing the filters, in key
    order; the parameters are the filters given, in this order: from, to, host.

    Counted per day first (an index-only scan, already in date order), then folded: truncating
    a few thousand days, not every visit, and formatting only the buckets. A host's visits are
    all its visits (from the (host_organization_id, start_date) index alone) minus its drafts
    (a visit is a draft or published: a CHECK constraint), not a scan of every published
    visit filtered by host."""
    conditions = []
    for given, condition in (
        (from_, "end_date >= ${}"),
        (to, "start_date <= ${}"),
        (host, "host_organization_id = ${}"),
    ):
        if given:
            conditions.append(condition.format(len(conditions) + 1))
    where = "".join(f" AND {c}" for c in conditions)
    if host:
        days = (
            f"SELECT start_date AS day, count(*)::int4 AS n FROM visits WHERE TRUE{where} "
            "GROUP BY 1 UNION ALL SELECT start_date, -count(*)::int4 FROM visits "
            f"WHERE status = 'draft'{where} GROUP BY 1"
        )
    else:
        days = (
            "SELECT start_date AS day, count(*)::int4 AS n FROM visits "
            f"WHERE status = 'published'{where} GROUP BY 1"
        )
    unit, pattern = PERIODS[group_by]
    return (
        f"SELECT to_char(period, '{pattern}') AS key, n FROM (SELECT date_trunc('{unit}', "
        f"day::timestamp) AS period, sum(n) AS n FROM ({days}) d GROUP BY 1"
        f"{' HAVING sum(n) > 0' if host else ''}) p ORDER BY period"
    )


# --- Responses -------------------------------------------------------------------------------


def encode_cursor(values: list[Any]) -> str:
    raw = orjson.dumps(values)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def release_json(row: Any) -> dict[str, Any]:
    item = dict(zip(RELEASE_NAMES, row, strict=False))
    item["visit_ids"] = row[13]
    return item


class BadRequest(Exception):
    pass


def one(query: dict[str, str], name: str, default: str | None = None) -> str:
    value = query.get(name, default)
    if value is None:
        raise BadRequest(name)
    return value


def an_id(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_ID:
        raise BadRequest(text)
    return value


def a_limit(query: dict[str, str]) -> int:
    limit = int(query.get("limit", "20"))
    if not 1 <= limit <= 100:
        raise BadRequest("limit")
    return limit


def text_query(query: dict[str, str], required: bool) -> str:
    q = unicodedata.normalize("NFC", one(query, "q").strip())
    if "\x00" in q or len(q) > 500 or (required and not q):
        raise BadRequest("q")
    return q


class Floor:
    def __init__(self) -> None:
        self.pool: asyncpg.Pool | None = None
        self.release_slices: dict[int, Slices] = {}
        self.visit_slices = Slices(None, ())
        self.search_sql = ""
        self._release_search_sql: dict[int, str] = {}

    @staticmethod
    async def slices(conn: Any, table: str, column: str, plan: Plan) -> Slices:
        """The dates of the published rows `plan.walk` and `plan.slices` from the newest."""
        days: list[date] = []
        for offset in (plan.walk, *plan.slices):
            day = await conn.fetchval(
                f"SELECT {column} FROM {table} WHERE status = 'published' AND {column} IS NOT NULL "
                f"ORDER BY {column} DESC, id DESC OFFSET {offset} LIMIT 1"
            )
            days.append(day)
        bounds = sorted({day for day in days[1:] if day is not None}, reverse=True)
        return Slices(days[0], tuple(bounds))

    async def startup(self) -> None:
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
        url = url.replace("postgresql+asyncpg://", "postgresql://")
        self.pool = await asyncpg.create_pool(
            url,
            min_size=2,
            max_size=int(os.environ.get("FLOOR_POOL_SIZE", "20")),
            server_settings={"jit": "off"},
        )
        async with self.pool.acquire() as conn:
            for k, plan in RELEASE_PLANS.items():
                self.release_slices[k] = await self.slices(
                    conn, "press_releases", "published_on", plan
                )
            self.visit_slices = await self.slices(conn, "visits", "start_date", VISIT_PLAN)
        self.search_sql = sql_search(self.release_slices[nearest(CANDIDATES)], self.visit_slices)
        self._release_search_sql.clear()

    def release_search_sql(self, limit: int) -> str:
        """The first page of releases matching $1, newest first, read with one row more."""
        found = self._release_search_sql.get(limit)
        if found is None:
            found = self._release_search_sql[limit] = self._build_release_search(limit)
        return found

    def _build_release_search(self, limit: int) -> str:
        k = limit + 1
        ctes, matches = newest_matches(
            "c", "press_releases", "published_on", self.release_slices[nearest(k)], k,
            nullable=True, probe=RELEASE_PLANS[nearest(k)].probe,
        )  # fmt: skip
        return (
            f"WITH q AS MATERIALIZED (SELECT cq_tsquery($1) AS q), {ctes}, c AS ({matches}) "
            f"SELECT (SELECT count(*) FROM c) AS n, {RELEASE_COLUMNS}, {RELEASE_VISIT_IDS} "
            "FROM (SELECT * FROM c ORDER BY published_on DESC NULLS FIRST, id DESC "
            f"LIMIT {limit}) c "
            "JOIN press_releases p ON p.id = c.id "
            "ORDER BY p.published_on DESC NULLS FIRST, p.id DESC"
        )

    # --- endpoints ---------------------------------------------------------------------------

    async def release_by_id(self, release_id: int) -> bytes | None:
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(SQL_RELEASE_BY_ID, release_id)
        if row is None:
            return None
        return orjson.dumps(release_json(row), option=OPTIONS)

    async def release_search(self, q: str, limit: int) -> bytes:
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(self.release_search_sql(limit), q)
        next_cursor = None
        if rows and rows[0][0] > limit:
            last = rows[-1]
            day = last[9]
            next_cursor = encode_cursor(["-published_on", day and day.isoformat(), last[1]])
        items = [release_json(row[1:]) for row in rows]
        return orjson.dumps({"items": items, "next_cursor": next_cursor}, option=OPTIONS)

    async def visits(self, host: int, from_: date, to: date, limit: int) -> bytes:
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(sql_visits(limit), host, from_, to)
        n, visits, topics, participants, delegations, members, releases = row
        items: dict[int, dict[str, Any]] = {}
        for visit in visits:
            item = dict(zip(VISIT_NAMES, visit, strict=True))
            item["topics"], item["participants"] = [], []
            item["delegations"], item["press_release_ids"] = [], []
            items[visit[0]] = item
        for visit_id, topic in topics:
            items[visit_id]["topics"].append(topic)
        for visit_id, official_id, side, role in participants:
            items[visit_id]["participants"].append(
                {"official_id": official_id, "side": side, "role": role}
            )
        by_id: dict[int, dict[str, Any]] = {}
        for d in delegations:
            delegation = dict(zip(DELEGATION_NAMES, d, strict=True))
            delegation["members"] = []
            by_id[d[0]] = delegation
            items[d[4]]["delegations"].append(delegation)
        for delegation_id, official_id, role in members:
            by_id[delegation_id]["members"].append({"official_id": official_id, "role": role})
        for visit_id, release_id in releases:
            items[visit_id]["press_release_ids"].append(release_id)
        next_cursor = None
        if n > limit:
            last = visits[-1]
            next_cursor = encode_cursor(["-start_date", last[6].isoformat(), last[0]])
        page = {"items": list(items.values()), "next_cursor": next_cursor}
        return orjson.dumps(page, option=OPTIONS)

    async def search(self, q: str, limit: int) -> bytes:
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(self.search_sql, q, fold(q), skeleton(q), limit + 1, limit)
        hits = []
        for t, id_, title, score, headline in rows:
            # As the service shows scores: texts' ts_rank, exact names 1, similar ones 0.9 × s.
            shown = round(score, 6) if t < 2 else 1.0 if score >= 2.0 else round(0.9 * score, 6)
            hits.append((-shown, t, id_, title, headline))
        hits.sort(key=lambda h: h[:3])
        items = []
        for minus, t, id_, title, headline in hits[:limit]:
            if t < 2:
                if headline is None:  # cannot happen: every hit that can be shown has one
                    raise RuntimeError(f"no headline for {TYPES[t]} {id_}")
                snippet = render_snippet(headline)
            else:
                snippet = mark_name(title, q)
            items.append(
                {"type": TYPES[t], "id": id_, "title": title, "snippet": snippet, "score": -minus}
            )
        next_cursor = encode_cursor(["rank", limit]) if len(hits) > limit else None
        return orjson.dumps({"items": items, "next_cursor": next_cursor})

    async def stats(
        self, group_by: str, from_: date | None, to: date | None, host: int | None
    ) -> bytes:
        assert self.pool is not None
        sql = sql_stats(group_by, from_ is not None, to is not None, host is not None)
        args = [value for value in (from_, to, host) if value is not None]
        async with self.pool.acquire() as conn:
            rows = await conn.fetch(sql, *args)
        buckets = [{"key": key, "label": key, "count": n} for key, n in rows]
        total = sum(n for _, n in rows)
        return orjson.dumps({"group_by": group_by, "buckets": buckets, "total": total})

    # --- ASGI --------------------------------------------------------------------------------

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _route(self, path: str, query: dict[str, str]) -> tuple[int, bytes, list[Any]]:
        # Parameters the floor does not implement (filters, cursors…) are refused, not ignored.
        allowed = ALLOWED.get(BY_ID if path.startswith(BY_ID) else path)
        if allowed is not None and not query.keys() <= allowed:
            raise BadRequest(", ".join(sorted(query.keys() - allowed)))
        if path.startswith(BY_ID):
            release_id = int(path.rsplit("/", 1)[1])
            found = await self.release_by_id(release_id) if 1 <= release_id <= MAX_ID else None
            if found is None:
                return 404, NOT_FOUND, JSON_HEADERS
            etag = '"' + hashlib.blake2b(found, digest_size=16).hexdigest() + '"'
            return 200, found, [*JSON_HEADERS, (b"etag", etag.encode())]
        if path == "/api/v1/press-releases" and "q" in query:
            return (
                200,
                await self.release_search(text_query(query, False), a_limit(query)),
                JSON_HEADERS,
            )
        if path == "/api/v1/visits":
            body = await self.visits(
                an_id(one(query, "host_organization_id")),
                date.fromisoformat(one(query, "from")),
                date.fromisoformat(one(query, "to")),
                a_limit(query),
            )
            return 200, body, JSON_HEADERS
        if path == "/api/v1/search":
            return 200, await self.search(text_query(query, True), a_limit(query)), JSON_HEADERS
        if path == "/api/v1/stats/visits":
            group_by = one(query, "group_by")
            if group_by not in PERIODS:
                raise BadRequest(group_by)
            from_, to, host = query.get("from"), query.get("to"), query.get("host_organization_id")
            body = await self.stats(
                group_by,
                date.fromisoformat(from_) if from_ is not None else None,
                date.fromisoformat(to) if to is not None else None,
                an_id(host) if host is not None else None,
            )
            return 200, body, JSON_HEADERS
        if path in ("/ready", "/health"):
            assert self.pool is not None
            async with self.pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
            return 200, b'{"status":"ok"}', JSON_HEADERS
        return 404, NOT_FOUND, JSON_HEADERS

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        # Like the service (Starlette): the last value of a repeated parameter wins.
        query = dict(parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True))
        try:
            status, body, headers = await self._route(scope["path"], query)
        except (BadRequest, ValueError):
            status, body, headers = 422, BAD_REQUEST, JSON_HEADERS
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


BY_ID = "/api/v1/press-releases/"
ALLOWED: dict[str, set[str]] = {
    BY_ID: set(),
    "/api/v1/press-releases": {"q", "limit"},
    "/api/v1/visits": {"host_organization_id", "from", "to", "limit"},
    "/api/v1/search": {"q", "limit"},
    "/api/v1/stats/visits": {"group_by", "from", "to", "host_organization_id"},
}
JSON_HEADERS = [(b"content-type", b"application/json")]
NOT_FOUND = orjson.dumps(
    {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Not found."}
)
BAD_REQUEST = orjson.dumps(
    {"type": "about:blank", "title": "Bad Request", "status": 422, "detail": "Bad parameters."}
)

app = Floor()
