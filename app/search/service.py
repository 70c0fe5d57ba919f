"""One ranked list across press releases, visits, officials and organizations."""

import html
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import dialect_of
from app.kit.fastread import Prepared
from app.kit.names import EXACT, NameQuery
from app.kit.text import skeleton
from app.officials import service as officials
from app.officials.models import Official
from app.organizations import service as organizations
from app.organizations.models import Organization
from app.search import fulltext


class SearchType(StrEnum):
    press_release = "press_release"
    visit = "visit"
    official = "official"
    organization = "organization"


@dataclass(frozen=True)
class Hit:
    type: SearchType
    id: int
    title: str
    snippet: str
    score: float


async def _texts(
    session: AsyncSession, kind: SearchType, q: str, top: int, tsquery: str | None
) -> list[Hit]:
    """Text hits; their snippets are filled in once the page is known."""
    found = await fulltext.top_hits(session, kind.value, q, top, tsquery=tsquery)
    return [Hit(kind, id_, title, "", round(float(score), 6)) for id_, title, score in found]


def is_postgresql(session: AsyncSession) -> bool:
    return dialect_of(session) == "postgresql"


def _mark_name(name: str, q: str) -> str:
    """The name, escaped, with the words the query matched marked."""
    wanted = set(skeleton(q).split())
    out = []
    for word in name.split(" "):
        key = skeleton(word)
        marked = bool(key) and key in wanted
        out.append(f"<mark>{html.escape(word)}</mark>" if marked else html.escape(word))
    return " ".join(out)


def _name_statement(kind: SearchType) -> Prepared:
    feature: Any = officials if kind == SearchType.official else organizations
    entity: Any = Official if kind == SearchType.official else Organization

    def build() -> Any:
        query = NameQuery.parameters()
        score = feature.name_score(query)
        return (
            select(entity.id, entity.name, score)
            .where(feature.name_matches(query))
            .order_by(score.desc(), entity.id)
            .limit(bindparam("top"))
        )

    return Prepared(build)


NAME_STATEMENTS = {
    kind: _name_statement(kind) for kind in (SearchType.official, SearchType.organization)
}


async def _names(session: AsyncSession, kind: SearchType, q: str, top: int) -> list[Hit]:
    query = NameQuery(q)
    if not query.searchable:
        return []
    rows = await NAME_STATEMENTS[kind].rows(
        session, name_key=query.key, name_skeleton=query.skeleton, top=top
    )
    return [
        # Exact names score 1; spelling variants their word similarity (0.5..1) times 0.9.
        Hit(kind, id_, name, _mark_name(name, q), 1.0 if s >= EXACT else round(0.9 * s, 6))
        for id_, name, s in rows
    ]


async def search(
    session: AsyncSession, *, q: str, types: set[SearchType], offset: int, limit: int
) -> tuple[list[Hit], bool]:
    """The page of hits at `offset`, and whether more follow."""
    top = offset + limit + 1
    texts = {SearchType.press_release, SearchType.visit} & types
    # PostgreSQL: the text query is made once for both kinds of text.
    tsquery = await fulltext.pg_tsquery(session, q) if texts and is_postgresql(session) else None
    hits: list[Hit] = []
    for kind in SearchType:  # fixed order: deterministic ties
        if kind not in types:
            continue
        if kind in texts:
            hits += await _texts(session, kind, q, top, tsquery)
        else:
            hits += await _names(session, kind, q, top)
    order = list(SearchType)
    hits.sort(key=lambda h: (-h.score, order.index(h.type), h.id))
    page = hits[offset : offset + limit]
    for kind in texts:
        ids = [hit.id for hit in page if hit.type == kind]
        found = await fulltext.highlights(session, kind.value, q, ids, tsquery=tsquery)
        page = [replace(h, snippet=found.get(h.id, "")) if h.type == kind else h for h in page]
    return page, len(hits) > offset + limit
