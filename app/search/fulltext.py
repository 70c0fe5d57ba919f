"""Full-text search over press releases and visits, on PostgreSQL and SQLite.

PostgreSQL: stored tsvectors stemmed by the release's language and unaccented, queried with
`cq_tsquery` (websearch syntax, every language at once), ranked by ts_rank, highlighted by
ts_headline. SQLite: FTS5 (porter stemming, diacritics removed), bm25, snippet().

Both answer the same `hits(q)` question: which ids match and how well (higher is better).
"""

import html
import re
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Select,
    String,
    column,
    false,
    func,
    literal_column,
    select,
    table,
)

from app.kit.text import clean_text
from app.press_releases.models import PressRelease
from app.visits.models import Visit, release_visits

# Markers that cannot occur in stored text (NUL-free, control characters are not words):
# the snippet is HTML-escaped first, then they become <mark> tags.
START, STOP = "\x02", "\x03"
# Private-use stand-ins for < and > while PostgreSQL builds a snippet.
HIDDEN_BRACKETS = "\ue000\ue001"
_SHOWN_BRACKETS = str.maketrans(HIDDEN_BRACKETS, "<>")
_TOKENS = re.compile(r'(-?)"([^"]*)"|(-?)([^\s"]+)')
_WORD = re.compile(r"\w+")
TITLE_WEIGHT = 10.0

releases_fts = table(
    "press_releases_fts", column("rowid", Integer), column("press_releases_fts", String)
)
visits_fts = table("visits_fts", column("rowid", Integer), column("visits_fts", String))


def fts5_query(q: str) -> str | None:
    """A user's query in FTS5 syntax, every word quoted (so nothing in it is an operator):
    words and "phrases" must all match, `-word` excludes, `or` between terms offers a choice.
    None when nothing in it is searchable."""
    groups: list[list[str]] = [[]]
    excluded: list[str] = []
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
        if neg_phrase or neg_word:
            excluded.append(term)
        elif pending_or:
            groups[-1].append(term)
        else:
            groups.append([term])
        pending_or = False
    positive = [
        group[0] if len(group) == 1 else "(" + " OR ".join(group) + ")" for group in groups if group
    ]
    if not positive:
        return None
    return " AND ".join(positive) + "".join(f" NOT {term}" for term in excluded)


def _pg_query(q: str) -> Any:
    return func.cq_tsquery(clean_text(q))


# Ranking looks at the most recent matches only: a word found in most of the archive would
# otherwise have every one of its documents ranked on every request.
CANDIDATES = 1000


def _recency(kind: str) -> list[Any]:
    if kind == "press_release":
        return [PressRelease.published_on.desc().nulls_last(), PressRelease.id.desc()]
    return [Visit.start_date.desc(), Visit.id.desc()]


def _match(dialect: str, q: str, kind: str) -> Any:
    """The predicate `this row matches q` (SQLite: the FTS5 query, or None if q has no word)."""
    entity: Any = PressRelease if kind == "press_release" else Visit
    if dialect == "postgresql":
        vector: Any = literal_column(f"{entity.__tablename__}.search_vector")
        return vector.op("@@")(_pg_query(q))
    fts = fts5_query(q)
    if fts is None:
        return false()
    table = releases_fts if kind == "press_release" else visits_fts
    return entity.id.in_(select(table.c.rowid).where(table.c[table.name].match(fts)))


def hits(dialect: str, q: str, kind: str) -> Select[Any]:
    """(id, score) of the most recent matches of `q` (at most CANDIDATES), score in 0..1
    with title words weighing more than body words."""
    entity: Any = PressRelease if kind == "press_release" else Visit
    if dialect == "postgresql":
        vector: Any = literal_column(f"{entity.__tablename__}.search_vector")
        # Normalization 32 maps the rank into 0..1 (rank / (rank + 1)).
        score: Any = func.ts_rank(vector, _pg_query(q), 32).cast(Float)
        return (
            select(entity.id.label("id"), score.label("score"))
            .where(_match(dialect, q, kind))
            .order_by(*_recency(kind))
            .limit(CANDIDATES)
        )
    table = releases_fts if kind == "press_release" else visits_fts
    fts = fts5_query(q)
    if fts is None:
        return select(entity.id.label("id"), literal_column("0.0").label("score")).where(false())
    bm25 = -func.bm25(literal_column(table.name), TITLE_WEIGHT, 1.0)
    return (
        select(table.c.rowid.label("id"), (bm25 / (bm25 + 1.0)).label("score"))
        .join(entity, entity.id == table.c.rowid)
        .where(table.c[table.name].match(fts))
        .order_by(*_recency(kind))
        .limit(CANDIDATES)
    )


def release_hits(dialect: str, q: str) -> Select[Any]:
    """(id, score) of the releases matching `q` (see `hits`)."""
    return hits(dialect, q, "press_release")


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


def snippets(dialect: str, q: str, kind: str, ids: list[int]) -> Select[Any]:
    """(id, snippet) for the given hits only: highlighting is costly, so it is done after
    ranking and paging."""
    if dialect == "postgresql":
        options = f"StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=10, MaxFragments=2"
        if kind == "press_release":
            config: Any = func.cq_regconfig(PressRelease.language)
            text = func.concat_ws(" — ", PressRelease.title, PressRelease.body)
            entity: Any = PressRelease
        else:
            config = literal_column("'cq_simple'::regconfig")
            text = func.concat_ws(" — ", Visit.title, Visit.summary)
            entity = Visit
        # ts_headline drops what looks like HTML tags; keep angle brackets out of its sight.
        hidden = func.translate(text, "<>", HIDDEN_BRACKETS)
        headline = func.ts_headline(config, hidden, _pg_query(q), options)
        return select(entity.id, headline).where(entity.id.in_(ids))
    table = releases_fts if kind == "press_release" else visits_fts
    fts = fts5_query(q) or '""'
    snippet = func.snippet(literal_column(table.name), -1, START, STOP, "…", 24)
    return select(table.c.rowid, snippet).where(
        table.c[table.name].match(fts), table.c.rowid.in_(ids)
    )


def render_snippet(raw: str | None) -> str:
    """HTML-escaped text in which only the <mark> tags are markup."""
    text = (raw or "").translate(_SHOWN_BRACKETS)
    escaped = html.escape(text, quote=False)
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")
