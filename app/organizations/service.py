"""Organizations: ministries, universities, alliances, embassies… and their other names."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from app.kit.db import replace_children, utcnow
from app.kit.errors import Conflict, Unprocessable
from app.kit.names import NameQuery, greatest
from app.kit.pagination import PageParams, Sort, id_key, paginate, paginate_ranked
from app.kit.refs import check_references, get_or_404
from app.kit.text import fold
from app.organizations.models import Organization, OrganizationAlias
from app.organizations.schemas import AliasIn, OrganizationCreate, OrganizationUpdate


def options() -> tuple[ExecutableOption, ...]:
    """Eager loads for everything the read schema shows (lazy loads raise)."""
    return (selectinload(Organization.aliases),)


BY_ID = Sort("id", (id_key(Organization.id, descending=False),))


async def get(session: AsyncSession, *, organization_id: int) -> Organization:
    return await get_or_404(session, Organization, organization_id, options=options())


def name_matches(query: NameQuery) -> ColumnElement[bool]:
    """Organizations whose name, acronym or an alias matches a name query."""
    return query.matching(
        Organization.id,
        (Organization.name_key, Organization.name_skeleton, Organization.acronym_key),
        OrganizationAlias.organization_id,
        (
            OrganizationAlias.name_key,
            OrganizationAlias.name_skeleton,
            OrganizationAlias.acronym_key,
        ),
    )


def name_score(query: NameQuery) -> ColumnElement[float]:
    alias_score = (
        select(
            func.max(
                query.score(
                    OrganizationAlias.name_key,
                    OrganizationAlias.name_skeleton,
                    OrganizationAlias.acronym_key,
                )
            )
        )
        .where(OrganizationAlias.organization_id == Organization.id)
        .scalar_subquery()
    )
    own = query.score(Organization.name_key, Organization.name_skeleton, Organization.acronym_key)
    return greatest(own, func.coalesce(alias_score, 0.0))


def named(name: str) -> ColumnElement[bool]:
    """Organizations with this exact name, acronym or alias, ignoring case and accents."""
    key = fold(name)
    alias = select(OrganizationAlias.id).where(
        OrganizationAlias.organization_id == Organization.id,
        (OrganizationAlias.name_key == key) | (OrganizationAlias.acronym_key == key),
    )
    return (Organization.name_key == key) | (Organization.acronym_key == key) | exists(alias)


async def list_(
    session: AsyncSession,
    *,
    page: PageParams,
    q: str | None = None,
    kind: str | None = None,
    country: str | None = None,
) -> tuple[Sequence[Organization], str | None, int | None]:
    filters: list[ColumnElement[bool]] = []
    if kind is not None:
        filters.append(Organization.kind == kind)
    if country is not None:
        filters.append(Organization.country_code == country)
    if q is None:
        return await paginate(
            session, Organization, filters=filters, sort=BY_ID, page=page, options=options()
        )
    query = NameQuery(q)
    if not query.searchable:
        return [], None, 0 if page.count else None
    filters.append(name_matches(query))
    return await paginate_ranked(
        session,
        Organization,
        filters=filters,
        order_by=[name_score(query).desc(), Organization.id.asc()],
        page=page,
        options=options(),
    )


def _aliases(aliases: list[AliasIn]) -> list[OrganizationAlias]:
    return [OrganizationAlias(**alias.model_dump()) for alias in aliases]


async def _check_no_cycle(session: AsyncSession, organization: Organization) -> None:
    """An organization cannot be its own ancestor."""
    ancestor, seen = organization.parent_id, 0
    while ancestor is not None and organization.id is not None and seen < 1000:
        if ancestor == organization.id:
            raise Unprocessable(
                ("body", "parent_id"), "an organization cannot be its own parent or ancestor"
            )
        ancestor = await session.scalar(
            select(Organization.parent_id).where(Organization.id == ancestor)
        )
        seen += 1


async def _check(session: AsyncSession, organization: Organization) -> None:
    await check_references(session, [(("parent_id",), Organization, organization.parent_id)])
    await _check_no_cycle(session, organization)
    clash = await session.scalar(
        select(Organization.id).where(
            Organization.identity_key == organization.identity_key,
            Organization.id != (organization.id or 0),
        )
    )
    if clash is not None:
        raise Conflict(
            f"Organization {clash} already has this name in "
            f"{organization.country_code or 'no country'}."
        )


async def create(session: AsyncSession, *, data: OrganizationCreate) -> Organization:
    fields: dict[str, Any] = data.model_dump(exclude={"aliases"})
    organization = Organization(**fields, aliases=_aliases(data.aliases))
    await _check(session, organization)
    session.add(organization)
    await session.flush()
    return organization


async def update(
    session: AsyncSession, *, organization: Organization, data: OrganizationUpdate
) -> Organization:
    changes = data.changes()
    if not changes:
        return organization
    if "aliases" in changes:
        await replace_children(session, organization, "aliases", _aliases(data.aliases or []))
        del changes["aliases"]
    for field, value in changes.items():
        setattr(organization, field, value)
    organization.updated_at = utcnow()
    await _check(session, organization)
    await session.flush()
    return organization
