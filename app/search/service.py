"""One ranked list across press releases, visits, officials and organizations."""

import html
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import dialect_of
from app.kit.names import EXACT, NameQuery
from app.kit.text import skeleton
from app.officials import service as officials
from app.officials.models import Official
from app.organizations import service as organizations
from app.organizations.models import Organization
from app.press_releases.models import PressRelease
from app.search import fulltext
from app.visits.models import Visit


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


async def _texts(session: AsyncSession, kind: SearchType, q: str, top: int) -> list[Hit]:
    dialect = dialect_of(session)
    entity: Any = PressRelease if kind == SearchType.press_release else Visit
    hits = (await fulltext.ranked(session, kind.value, q)).subquery()
    rows = (
        await session.execute(
            select(entity.id, entity.title, hits.c.score)
            .join(hits, hits.c.id == entity.id)
            .order_by(hits.c.score.desc(), entity.id)
            .limit(top)
        )
    ).all()
    if not rows:
        return []
    found = await session.execute(fulltext.snippets(dialect, q, kind.value, [r.id for r in rows]))
    snippets = {id_: snippet for id_, snippet in found}
    return [
        Hit(kind, id_, title, fulltext.render_snippet(snippets.get(id_)), round(float(score), 6))
        for id_, title, score in rows
    ]


def _mark_name(name: str, q: str) -> str:
    """The name, escaped, with the words the query matched marked."""
    wanted = set(skeleton(q).split())
    out = []
    for word in name.split(" "):
        key = skeleton(word)
        marked = bool(key) and key in wanted
        out.append(f"<mark>{html.escape(word)}</mark>" if marked else html.escape(word))
    return " ".join(out)


async def _names(session: AsyncSession, kind: SearchType, q: str, top: int) -> list[Hit]:
    query = NameQuery(q)
    if not query.searchable:
        return []
    feature: Any = officials if kind == SearchType.official else organizations
    entity: Any = Official if kind == SearchType.official else Organization
    score = feature.name_score(query)
    rows = await session.execute(
        select(entity.id, entity.name, score)
        .where(feature.name_matches(query))
        .order_by(score.desc(), entity.id)
        .limit(top)
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
    hits: list[Hit] = []
    for kind in SearchType:  # fixed order: deterministic ties
        if kind not in types:
            continue
        if kind in (SearchType.press_release, SearchType.visit):
            hits += await _texts(session, kind, q, top)
        else:
            hits += await _names(session, kind, q, top)
    order = list(SearchType)
    hits.sort(key=lambda h: (-h.score, order.index(h.type), h.id))
    return hits[offset : offset + limit], len(hits) > offset + limit
