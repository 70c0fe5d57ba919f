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


def hits(dialect: str, q: str, kind: str, *, snippet: bool) -> Select[Any]:
    entity: Any = PressRelease if kind == "press_release" else Visit
    if dialect == "postgresql":
        vector: Any = literal_column(f"{entity.__tablename__}.search_vector")
        query = _pg_query(q)
        # Normalization 32 maps the rank into 0..1 (rank / (rank + 1)).
        columns = [
            entity.id.label("id"),
            func.ts_rank(vector, query, 32).cast(Float).label("score"),
        ]
        if snippet:
            columns.append(snippet_sql(dialect, q, kind).label("snippet"))
        return select(*columns).where(vector.op("@@")(query))
    fts_table = releases_fts if kind == "press_release" else visits_fts
    name = fts_table.name
    fts = fts5_query(q)
    if fts is None:
        columns = [entity.id.label("id"), literal_column("0.0").label("score")]
        if snippet:
            columns.append(literal_column("''").label("snippet"))
        return select(*columns).where(false())
    bm25 = -func.bm25(literal_column(name), TITLE_WEIGHT, 1.0)
    columns = [fts_table.c.rowid.label("id"), (bm25 / (bm25 + 1.0)).label("score")]
    if snippet:
        columns.append(snippet_sql(dialect, q, kind).label("snippet"))
    return select(*columns).where(fts_table.c[name].match(fts))


def release_hits(dialect: str, q: str, *, snippet: bool = False) -> Select[Any]:
    """(id, score[, snippet]) of the releases matching `q`, score in 0..1, titles weighing
    more than bodies."""
    return hits(dialect, q, "press_release", snippet=snippet)


def visit_hits(dialect: str, q: str, *, snippet: bool = False) -> Select[Any]:
    """(id, score[, snippet]) of the visits whose title or summary matches `q`."""
    return hits(dialect, q, "visit", snippet=snippet)


def release_matches(dialect: str, q: str) -> Any:
    """Filter: the release matches `q`."""
    return PressRelease.id.in_(select(release_hits(dialect, q).subquery().c.id))


def visit_matches(dialect: str, q: str) -> Any:
    """Filter: the visit's title or summary, or a release reporting it, matches `q`.
    (Releases the reader may not see never count: visibility applies inside too.)"""
    releases = select(PressRelease.id).where(release_matches(dialect, q))
    reported = select(release_visits.c.visit_id).where(
        release_visits.c.press_release_id.in_(releases)
    )
    own = select(visit_hits(dialect, q).subquery().c.id)
    return Visit.id.in_(own) | Visit.id.in_(reported)


def snippet_sql(dialect: str, q: str, kind: str) -> Any:
    """An expression for a highlighted excerpt of title and text, to select with a hit."""
    if dialect == "postgresql":
        options = f"StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=10, MaxFragments=2"
        if kind == "press_release":
            config: Any = func.cq_regconfig(PressRelease.language)
            text = func.concat_ws(" — ", PressRelease.title, PressRelease.body)
        else:
            config = literal_column("'cq_simple'::regconfig")
            text = func.concat_ws(" — ", Visit.title, Visit.summary)
        # ts_headline drops what looks like HTML tags; keep angle brackets out of its sight.
        hidden = func.translate(text, "<>", HIDDEN_BRACKETS)
        return func.ts_headline(config, hidden, _pg_query(q), options)
    name = "press_releases_fts" if kind == "press_release" else "visits_fts"
    return func.snippet(literal_column(name), -1, START, STOP, "…", 24)


def render_snippet(raw: str | None) -> str:
    """HTML-escaped text in which only the <mark> tags are markup."""
    text = (raw or "").translate(_SHOWN_BRACKETS)
    escaped = html.escape(text, quote=False)
    return escaped.replace(START, "<mark>").replace(STOP, "</mark>")
