from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.kit import openapi
from app.kit.crud import Resource, add_item_routes
from app.kit.deps import SessionDep
from app.kit.enums import Status
from app.kit.pagination import PageDep
from app.kit.query import DateQuery, IdQuery, LanguageQuery, WordsQuery
from app.kit.schemas import Page
from app.press_releases import service
from app.press_releases.models import PressRelease
from app.press_releases.schemas import PressReleaseCreate, PressReleaseRead, PressReleaseUpdate

PATH = "/api/v1/press-releases"
router = APIRouter(prefix=PATH, tags=["press releases"])


def read(release: PressRelease) -> PressReleaseRead:
    return PressReleaseRead.model_validate(release)


@router.get("", response_model=Page[PressReleaseRead], responses=openapi.responses(*openapi.LIST))
async def list_press_releases(
    session: SessionDep,
    page: PageDep,
    q: Annotated[WordsQuery | None, Query(description="Full-text search.")] = None,
    language: Annotated[LanguageQuery | None, Query(description="`fr` also finds `fr-CA`.")] = None,
    from_: Annotated[DateQuery | None, Query(alias="from", description="published_on ≥")] = None,
    to: Annotated[DateQuery | None, Query(description="published_on ≤")] = None,
    issuer_organization_id: Annotated[IdQuery | None, Query()] = None,
    visit_id: Annotated[IdQuery | None, Query(description="Reports this visit.")] = None,
    status: Annotated[Status | None, Query(description="Editors only see drafts.")] = None,
    sort: Literal["-published_on", "published_on", "relevance"] = "-published_on",
) -> Page[PressReleaseRead]:
    """Press releases, newest first by default; `sort=relevance` ranks `q` matches."""
    filters = service.ReleaseFilters(
        q=q,
        language=language,
        from_=from_,
        to=to,
        issuer_organization_id=issuer_organization_id,
        visit_id=visit_id,
        status=status,
    )
    items, next_cursor, total = await service.list_(session, page=page, filters=filters, sort=sort)
    return Page(items=items, next_cursor=next_cursor, total=total)


add_item_routes(
    router,
    Resource[PressRelease](
        name="press release",
        path=PATH,
        read=read,
        read_schema=PressReleaseRead,
        create_schema=PressReleaseCreate,
        update_schema=PressReleaseUpdate,
        get=lambda session, item_id: service.get(session, release_id=item_id),
        get_read=lambda session, item_id: service.get_read(session, release_id=item_id),
        create=lambda session, body: service.create(session, data=body),
        update=lambda session, item, body: service.update(session, release=item, data=body),
    ),
)
