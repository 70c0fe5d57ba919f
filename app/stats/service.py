"""Visit counts for dashboards, computed in one grouped query."""

from enum import StrEnum
from typing import Any

import pycountry
from sqlalchemy import ColumnElement, Select, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.delegations.models import Delegation
from app.kit.db import dialect_of
from app.kit.enums import Status
from app.organizations.models import Organization
from app.visibility import published_only
from app.visits.models import Visit, VisitTopic
from app.visits.service import VisitFilters


class GroupBy(StrEnum):
    month = "month"
    year = "year"
    host_organization = "host_organization"
    guest_organization = "guest_organization"
    guest_country = "guest_country"
    country = "country"
    topic = "topic"


TIME_GROUPS = {GroupBy.month, GroupBy.year}


def _period(dialect: str, group_by: GroupBy) -> ColumnElement[str]:
    if dialect == "postgresql":
        pattern = "YYYY-MM" if group_by == GroupBy.month else "YYYY"
        return func.to_char(Visit.start_date, pattern)
    pattern = "%Y-%m" if group_by == GroupBy.month else "%Y"
    return func.strftime(pattern, Visit.start_date)


def _grouped(dialect: str, group_by: GroupBy) -> Select[Any, Any, Any]:
    """SELECT key, label, count(DISTINCT visit) … GROUP BY key, label (filters added later)."""
    visits = func.count(Visit.id.distinct()).label("count")
    if group_by in TIME_GROUPS:
        key = _period(dialect, group_by).label("key")
        return select(key, key.label("label"), visits).group_by(key)
    if group_by == GroupBy.country:
        country: Any = Visit.country_code
        return (
            select(country.label("key"), country.label("label"), visits)
            .where(country.is_not(None))
            .group_by(country)
        )
    if group_by == GroupBy.topic:
        return (
            select(VisitTopic.topic.label("key"), VisitTopic.topic.label("label"), visits)
            .join(VisitTopic, VisitTopic.visit_id == Visit.id)
            .group_by(VisitTopic.topic)
        )
    if group_by == GroupBy.guest_country:
        return (
            select(
                Delegation.country_code.label("key"), Delegation.country_code.label("label"), visits
            )
            .join(Delegation, Delegation.visit_id == Visit.id)
            .where(Delegation.country_code.is_not(None))
            .group_by(Delegation.country_code)
        )
    if group_by == GroupBy.host_organization:
        organization_id: Any = Visit.host_organization_id
        stmt = select(Visit)
    else:  # guest_organization
        organization_id = Delegation.organization_id
        stmt = select(Visit).join(Delegation, Delegation.visit_id == Visit.id)
    return (
        stmt.with_only_columns(
            organization_id.cast(String).label("key"), Organization.name.label("label"), visits
        )
        .join(Organization, Organization.id == organization_id)
        .group_by(organization_id, Organization.name)
    )


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "name", code) if country else code


async def visit_counts(
    session: AsyncSession, *, group_by: GroupBy, filters: VisitFilters
) -> tuple[list[dict[str, Any]], int]:
    """Buckets (key, label, count) and the number of distinct visits counted.

    Published visits only, for every reader, editors included.
    """
    dialect = dialect_of(session)
    clauses = [Visit.status == Status.published.value, *filters.clauses(dialect)]
    grouped = _grouped(dialect, group_by).where(*clauses).options(*published_only())
    rows = (await session.execute(grouped)).all()
    buckets = [
        {
            "key": key,
            "label": _country_name(key)
            if group_by == GroupBy.guest_country or group_by == GroupBy.country
            else label,
            "count": count,
        }
        for key, label, count in rows
    ]
    if group_by in TIME_GROUPS:
        buckets.sort(key=lambda b: b["key"])
    else:
        buckets.sort(key=lambda b: (-b["count"], b["key"]))
    total: int | None = await session.scalar(
        select(func.count(Visit.id)).where(*clauses).options(*published_only())
    )
    return buckets, total or 0
