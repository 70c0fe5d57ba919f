from typing import Annotated

from fastapi import APIRouter, Query

from app.kit import openapi
from app.kit.crud import Resource, add_item_routes
from app.kit.deps import SessionDep
from app.kit.enums import OrganizationKind
from app.kit.pagination import PageDep
from app.kit.query import CountryQuery, WordsQuery
from app.kit.schemas import Page
from app.organizations import service
from app.organizations.models import Organization
from app.organizations.schemas import OrganizationCreate, OrganizationRead, OrganizationUpdate

PATH = "/api/v1/organizations"
router = APIRouter(prefix=PATH, tags=["organizations"])


def read(organization: Organization) -> OrganizationRead:
    return OrganizationRead.model_validate(organization)


@router.get("", response_model=Page[OrganizationRead], responses=openapi.responses(*openapi.LIST))
async def list_organizations(
    session: SessionDep,
    page: PageDep,
    q: Annotated[
        WordsQuery | None,
        Query(
            description="Name, acronym or alias; tolerant of case, accents and spelling variants."
        ),
    ] = None,
    kind: OrganizationKind | None = None,
    country: CountryQuery | None = None,
) -> Page[OrganizationRead]:
    """Organizations by id, or by how well they match `q` when it is given."""
    items, next_cursor, total = await service.list_(
        session, page=page, q=q, kind=kind, country=country
    )
    return Page(items=[read(o) for o in items], next_cursor=next_cursor, total=total)


add_item_routes(
    router,
    Resource[Organization](
        name="organization",
        path=PATH,
        read=read,
        read_schema=OrganizationRead,
        create_schema=OrganizationCreate,
        update_schema=OrganizationUpdate,
        get=lambda session, item_id: service.get(session, organization_id=item_id),
        create=lambda session, body: service.create(session, data=body),
        update=lambda session, item, body: service.update(session, organization=item, data=body),
    ),
)
