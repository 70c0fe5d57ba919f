from typing import Annotated

from fastapi import APIRouter, Query

from app.delegations import service
from app.delegations.models import Delegation
from app.delegations.schemas import DelegationCreate, DelegationRead, DelegationUpdate
from app.kit import openapi
from app.kit.crud import Resource, add_item_routes
from app.kit.deps import SessionDep
from app.kit.pagination import PageDep
from app.kit.query import CountryQuery, IdQuery
from app.kit.schemas import Page

PATH = "/api/v1/delegations"
router = APIRouter(prefix=PATH, tags=["delegations"])


def read(delegation: Delegation) -> DelegationRead:
    return DelegationRead.model_validate(delegation)


@router.get("", response_model=Page[DelegationRead], responses=openapi.responses(*openapi.LIST))
async def list_delegations(
    session: SessionDep,
    page: PageDep,
    visit_id: Annotated[IdQuery | None, Query()] = None,
    organization_id: Annotated[
        IdQuery | None, Query(description="The sending organization.")
    ] = None,
    country: Annotated[CountryQuery | None, Query(description="The sending country.")] = None,
) -> Page[DelegationRead]:
    """Delegations by id (only those of published visits for anonymous readers)."""
    items, next_cursor, total = await service.list_(
        session, page=page, visit_id=visit_id, organization_id=organization_id, country=country
    )
    return Page(items=[read(d) for d in items], next_cursor=next_cursor, total=total)


add_item_routes(
    router,
    Resource[Delegation](
        name="delegation",
        path=PATH,
        read=read,
        read_schema=DelegationRead,
        create_schema=DelegationCreate,
        update_schema=DelegationUpdate,
        get=lambda session, item_id: service.get(session, delegation_id=item_id),
        create=lambda session, body: service.create(session, data=body),
        update=lambda session, item, body: service.update(session, delegation=item, data=body),
    ),
)
