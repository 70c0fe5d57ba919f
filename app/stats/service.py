"""Visit counts for dashboards, computed in one grouped query."""

from collections import defaultdict
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import pycountry
from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    String,
    bindparam,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.delegations.models import Delegation
from app.kit.db import dialect_of
from app.kit.enums import Status
from app.kit.fastread import Prepared
from app.organizations.models import Organization
from app.visibility import published_only
from app.visits.models import Visit, VisitMonthCount, VisitTopic
from app.visits.service import FILTER_NAMES, VisitFilters


class GroupBy(StrEnum):
    month = "month"
    year = "year"
    host_organization = "host_organization"
    guest_organization = "guest_organization"
    guest_country = "guest_country"
    country = "country"
    topic = "topic"


TIME_GROUPS = {GroupBy.month, GroupBy.year}


# Groupings under which a visit counts once at most: count(*) suffices (and lets PostgreSQL
# answer from an index alone), and the buckets add up to the total when every visit has a key.
SINGLE_VALUED = {GroupBy.month, GroupBy.year, GroupBy.host_organization, GroupBy.country}


def _grouped(dialect: str, group_by: GroupBy) -> Select[Any, Any, Any]:
    """SELECT key, label, count … GROUP BY key, label (filters added later)."""
    if group_by in SINGLE_VALUED:
        visits = func.count().label("count")
    else:
        visits = func.count(Visit.id.distinct()).label("count")
    if group_by in TIME_GROUPS:
        # Counted per first day of the month or year (read from an index alone), formatted
        # here: cheaper than formatting every visit's date in SQL.
        period = _period_start(dialect, "month" if group_by == GroupBy.month else "year")
        return select(period.label("key"), period.label("label"), visits).group_by(period)
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


def _period_start(dialect: str, unit: str) -> ColumnElement[date]:
    """The first day of the visit's start month or year, as a date."""
    if dialect == "postgresql":
        return cast(func.date_trunc(unit, Visit.start_date), Date)
    pattern = "%Y-%m-01" if unit == "month" else "%Y-01-01"
    return type_coerce(func.strftime(pattern, Visit.start_date), Date)


def _by_months(filters: VisitFilters) -> bool:
    """Whether the month counts answer exactly: no filter but `from` on a first day of a
    month and `to` on a last day of a month (the month counts know no finer dates)."""
    given = {name for name in FILTER_NAMES if getattr(filters, name) is not None}
    if not given <= {"from_", "to"}:
        return False
    if filters.from_ is not None and filters.from_.day != 1:
        return False
    return filters.to is None or (filters.to + timedelta(days=1)).day == 1


# (start month, start month, visits) of the published visits overlapping [start, end]: the
# visits that end in or after start's month and start in or before end's month.
MONTHS = Prepared(
    lambda: (
        select(
            VisitMonthCount.start_month,
            VisitMonthCount.start_month,
            func.sum(VisitMonthCount.count),
        )
        .where(
            VisitMonthCount.end_month >= bindparam("start", type_=Date),
            VisitMonthCount.start_month <= bindparam("end", type_=Date),
            VisitMonthCount.count > 0,
        )
        .group_by(VisitMonthCount.start_month)
    ),
    bounded=True,
)


def _by_period(days: Any, pattern: str) -> list[tuple[str, str, int]]:
    """(key, label, count) per month or year from (day, day, count) rows."""
    counts: dict[str, int] = defaultdict(int)
    for day, _, count in days:
        counts[day.strftime(pattern)] += count
    return [(key, key, count) for key, count in counts.items()]


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
    rows: Any
    if group_by in TIME_GROUPS and _by_months(filters):
        rows = await MONTHS.rows(
            session,
            start=filters.from_ or date.min,
            end=filters.to.replace(day=1) if filters.to else date.max,
        )
    else:
        grouped = _grouped(dialect, group_by).where(*clauses).options(*published_only())
        rows = (await session.execute(grouped)).all()
    if group_by in TIME_GROUPS:
        rows = _by_period(rows, "%Y-%m" if group_by == GroupBy.month else "%Y")
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
    if group_by in TIME_GROUPS:
        # Every visit has a start date: the buckets count each visit exactly once.
        return buckets, sum(b["count"] for b in buckets)
    total: int | None = await session.scalar(
        select(func.count()).select_from(Visit).where(*clauses).options(*published_only())
    )
    return buckets, total or 0
