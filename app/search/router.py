from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.kit import openapi
from app.kit.deps import SessionDep
from app.kit.errors import Unprocessable
from app.kit.pagination import PageDep, ranked_cursor, ranked_offset
from app.kit.query import SearchQuery
from app.search import service
from app.search.service import SearchType

router = APIRouter(prefix="/api/v1/search", tags=["search"])


class SearchHit(BaseModel):
    type: SearchType
    id: int
    title: str
    snippet: str
    score: float


class SearchPage(BaseModel):
    items: list[SearchHit]
    next_cursor: str | None


def _types(raw: str | None) -> set[SearchType]:
    if raw is None:
        return set(SearchType)
    names = {name.strip() for name in raw.split(",") if name.strip()}
    unknown = names - {t.value for t in SearchType}
    if unknown or not names:
        raise Unprocessable(
            ("query", "types"),
            "types takes a comma-separated list of: " + ", ".join(t.value for t in SearchType),
        )
    return {SearchType(name) for name in names}


@router.get("", response_model=SearchPage, responses=openapi.responses(*openapi.LIST))
async def search(
    session: SessionDep,
    page: PageDep,
    q: Annotated[SearchQuery, Query(description="Words to find; case and accents ignored.")],
    types: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Comma-separated: press_release, visit, official, organization "
            "(default all).",
        ),
    ] = None,
) -> SearchPage:
    """One ranked list across types; snippets are HTML-escaped with `<mark>` around matches."""
    kinds = _types(types)
    offset = ranked_offset(page)
    hits, more = await service.search(session, q=q, types=kinds, offset=offset, limit=page.limit)
    return SearchPage(
        items=[SearchHit(**hit.__dict__) for hit in hits],
        next_cursor=ranked_cursor(offset + page.limit) if more else None,
    )
