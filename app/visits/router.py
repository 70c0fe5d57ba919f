from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from app.kit import openapi
from app.kit.crud import Resource, add_item_routes
from app.kit.deps import SessionDep
from app.kit.enums import Status
from app.kit.pagination import PageDep
from app.kit.query import CountryQuery, DateQuery, IdQuery, TextQuery, WordsQuery
from app.kit.schemas import Page
from app.visits import service
from app.visits.models import Visit
from app.visits.schemas import VisitCreate, VisitRead, VisitUpdate

PATH = "/api/v1/visits"
router = APIRouter(prefix=PATH, tags=["visits"])


def read(visit: Visit) -> VisitRead:
    return VisitRead.model_validate(visit)


async def visit_filters(
    from_: Annotated[
        DateQuery | None, Query(alias="from", description="Visits overlapping [from, to].")
    ] = None,
    to: Annotated[DateQuery | None, Query(description="Visits overlapping [from, to].")] = None,
    organization_id: Annotated[
        IdQuery | None, Query(description="Host or a delegation's sending organization.")
    ] = None,
    host_organization_id: Annotated[IdQuery | None, Query()] = None,
    guest_organization_id: Annotated[
        IdQuery | None, Query(description="A delegation's sending organization.")
    ] = None,
    organization: Annotated[
        TextQuery | None,
        Query(
            description="Like organization_id, by exact name, acronym or alias "
            "(case and accents ignored); every organization that matches counts."
        ),
    ] = None,
    country: Annotated[CountryQuery | None, Query(description="Where it took place.")] = None,
    city: Annotated[TextQuery | None, Query(description="Case and accents ignored.")] = None,
    guest_country: Annotated[
        CountryQuery | None, Query(description="A delegation's country.")
    ] = None,
    official_id: Annotated[
        IdQuery | None, Query(description="Participant, delegation member or head.")
    ] = None,
    topic: Annotated[TextQuery | None, Query()] = None,
    q: Annotated[
        WordsQuery | None,
        Query(description="Full text over title, summary and linked visible releases."),
    ] = None,
    status: Annotated[Status | None, Query(description="Editors only see drafts.")] = None,
) -> service.VisitFilters:
    return service.VisitFilters(
        from_=from_,
        to=to,
        organization_id=organization_id,
        host_organization_id=host_organization_id,
        guest_organization_id=guest_organization_id,
        organization=organization,
        country=country,
        city=city,
        guest_country=guest_country,
        official_id=official_id,
        topic=topic,
        q=q,
        status=status,
    )


VisitFiltersDep = Annotated[service.VisitFilters, Depends(visit_filters)]


@router.get("", response_model=Page[VisitRead], responses=openapi.responses(*openapi.LIST))
async def list_visits(
    session: SessionDep,
    page: PageDep,
    filters: VisitFiltersDep,
    sort: Literal["-start_date", "start_date"] = "-start_date",
) -> Page[VisitRead]:
    """Visits, latest first by default; every filter given must hold."""
    items, next_cursor, total = await service.list_(session, page=page, filters=filters, sort=sort)
    return Page(items=items, next_cursor=next_cursor, total=total)


add_item_routes(
    router,
    Resource[Visit](
        name="visit",
        path=PATH,
        read=read,
        read_schema=VisitRead,
        create_schema=VisitCreate,
        update_schema=VisitUpdate,
        get=lambda session, item_id: service.get(session, visit_id=item_id),
        get_read=lambda session, item_id: service.get_read(session, visit_id=item_id),
        create=lambda session, body: service.create(session, data=body),
        update=lambda session, item, body: service.update(session, visit=item, data=body),
    ),
)
