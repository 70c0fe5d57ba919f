from typing import Annotated

from fastapi import APIRouter, Query

from app.kit import openapi
from app.kit.crud import Resource, add_item_routes
from app.kit.deps import SessionDep
from app.kit.pagination import PageDep
from app.kit.query import IdQuery, WordsQuery
from app.kit.schemas import Page
from app.officials import service
from app.officials.models import Official
from app.officials.schemas import OfficialCreate, OfficialRead, OfficialUpdate

PATH = "/api/v1/officials"
router = APIRouter(prefix=PATH, tags=["officials"])


def read(official: Official) -> OfficialRead:
    return OfficialRead.model_validate(official)


@router.get("", response_model=Page[OfficialRead], responses=openapi.responses(*openapi.LIST))
async def list_officials(
    session: SessionDep,
    page: PageDep,
    q: Annotated[
        WordsQuery | None,
        Query(description="Name or alias; tolerant of transliteration (Moghedi finds Al-Moghidi)."),
    ] = None,
    organization_id: Annotated[IdQuery | None, Query(description="Holds a position there.")] = None,
) -> Page[OfficialRead]:
    """Officials by id, or by how well they match `q` when it is given."""
    items, next_cursor, total = await service.list_(
        session, page=page, q=q, organization_id=organization_id
    )
    return Page(items=[read(o) for o in items], next_cursor=next_cursor, total=total)


add_item_routes(
    router,
    Resource[Official](
        name="official",
        path=PATH,
        read=read,
        read_schema=OfficialRead,
        create_schema=OfficialCreate,
        update_schema=OfficialUpdate,
        get=lambda session, item_id: service.get(session, official_id=item_id),
        create=lambda session, body: service.create(session, data=body),
        update=lambda session, item, body: service.update(session, official=item, data=body),
    ),
)
