"""Delegations: who was sent to a visit, by which organization or country, with whom."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from app.delegations.models import Delegation, DelegationMember
from app.delegations.schemas import DelegationCreate, DelegationUpdate, MemberIn
from app.kit.db import replace_children, utcnow
from app.kit.errors import Unprocessable
from app.kit.pagination import PageParams, Sort, id_key, paginate
from app.kit.refs import check_references, get_or_404
from app.officials.models import Official
from app.organizations.models import Organization
from app.visits.models import Visit


def options() -> tuple[ExecutableOption, ...]:
    """Eager loads for everything the read schema shows (lazy loads raise)."""
    return (selectinload(Delegation.members),)


BY_ID = Sort("id", (id_key(Delegation.id, descending=False),))


async def get(session: AsyncSession, *, delegation_id: int) -> Delegation:
    return await get_or_404(session, Delegation, delegation_id, options=options())


async def list_(
    session: AsyncSession,
    *,
    page: PageParams,
    visit_id: int | None = None,
    organization_id: int | None = None,
    country: str | None = None,
) -> tuple[Sequence[Delegation], str | None, int | None]:
    filters: list[ColumnElement[bool]] = []
    if visit_id is not None:
        filters.append(Delegation.visit_id == visit_id)
    if organization_id is not None:
        filters.append(Delegation.organization_id == organization_id)
    if country is not None:
        filters.append(Delegation.country_code == country)
    return await paginate(
        session, Delegation, filters=filters, sort=BY_ID, page=page, options=options()
    )


def _members(members: list[MemberIn]) -> list[DelegationMember]:
    return [DelegationMember(**m.model_dump()) for m in members]


async def _check(
    session: AsyncSession,
    *,
    visit_id: int | None,
    organization_id: int | None,
    head_official_id: int | None,
    members: list[MemberIn],
) -> None:
    await check_references(
        session,
        [
            (("visit_id",), Visit, visit_id),
            (("organization_id",), Organization, organization_id),
            (("head_official_id",), Official, head_official_id),
            *(
                (("members", i, "official_id"), Official, m.official_id)
                for i, m in enumerate(members)
            ),
        ],
    )


async def _country_of(session: AsyncSession, organization_id: int | None) -> str | None:
    if organization_id is None:
        return None
    return await session.scalar(
        select(Organization.country_code).where(Organization.id == organization_id)
    )


async def create(session: AsyncSession, *, data: DelegationCreate) -> Delegation:
    await _check(
        session,
        visit_id=data.visit_id,
        organization_id=data.organization_id,
        head_official_id=data.head_official_id,
        members=data.members,
    )
    fields = data.model_dump(exclude={"members"})
    if fields["country_code"] is None:
        # A delegation sent by an organization comes from that organization's country.
        fields["country_code"] = await _country_of(session, data.organization_id)
    delegation = Delegation(**fields, members=_members(data.members))
    session.add(delegation)
    await session.flush()
    return delegation


async def update(
    session: AsyncSession, *, delegation: Delegation, data: DelegationUpdate
) -> Delegation:
    changes = data.changes()
    if not changes:
        return delegation
    await _check(
        session,
        visit_id=changes.get("visit_id"),
        organization_id=changes.get("organization_id"),
        head_official_id=changes.get("head_official_id"),
        members=data.members or [],
    )
    if "members" in changes:
        await replace_children(session, delegation, "members", _members(data.members or []))
    for field in changes.keys() - {"members"}:
        setattr(delegation, field, changes[field])
    if delegation.organization_id is None and delegation.country_code is None:
        raise Unprocessable(
            ("body",), "a delegation needs organization_id or country_code (or both)"
        )
    delegation.updated_at = utcnow()
    await session.flush()
    return delegation
