"""Visits: who came, when, where, hosted by whom, and which releases report them."""

import calendar
from collections import defaultdict, namedtuple
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, String, bindparam, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from app.delegations.models import Delegation, DelegationMember
from app.delegations.schemas import DelegationRead
from app.kit.db import dialect_of, replace_children, utcnow
from app.kit.enums import DatePrecision
from app.kit.errors import NotFound, Unprocessable
from app.kit.fastread import Prepared, Source, in_ids
from app.kit.pagination import PageParams, Sort, date_key, id_key, paginate
from app.kit.refs import check_references, get_or_404
from app.kit.schemas import MAX_ID
from app.kit.text import fold
from app.officials.models import Official
from app.organizations.models import Organization
from app.organizations.service import named
from app.press_releases.models import PressRelease
from app.search import fulltext
from app.visits.models import Participant, Visit, VisitTopic, release_visits
from app.visits.schemas import ParticipantIn, VisitCreate, VisitRead, VisitUpdate


def options() -> tuple[ExecutableOption, ...]:
    """Eager loads for everything the read schema shows (lazy loads raise)."""
    return (
        selectinload(Visit.topic_rows),
        selectinload(Visit.participants),
        selectinload(Visit.delegations).selectinload(Delegation.members),
        selectinload(Visit.press_releases).load_only(PressRelease.id),
    )


SORTS = {
    "-start_date": Sort(
        "-start_date",
        (
            date_key(Visit.start_date, lambda v: v.start_date, descending=True),
            id_key(Visit.id, descending=True),
        ),
    ),
    "start_date": Sort(
        "start_date",
        (
            date_key(Visit.start_date, lambda v: v.start_date, descending=False),
            id_key(Visit.id, descending=False),
        ),
    ),
}


# Hot read paths select columns and build VisitRead directly (see `reads`); writes load
# entities with `options()`. Both give byte-identical representations, so ETags agree.
EMBEDDED = {"topics", "participants", "delegations", "press_release_ids"}
COLUMNS = tuple(getattr(Visit, name) for name in VisitRead.model_fields if name not in EMBEDDED)
DELEGATION_COLUMNS = tuple(
    getattr(Delegation, name) for name in DelegationRead.model_fields if name != "members"
)


def _grouped(rows: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(row)
    return out


BY_ID = Prepared(lambda: select(*COLUMNS).where(Visit.id == bindparam("visit_id")), bounded=True)
# What a page of visits embeds: one statement each, whatever the number of visits.
TOPICS = Prepared(
    lambda: (
        select(VisitTopic.visit_id, VisitTopic.topic)
        .where(in_ids(VisitTopic.visit_id, "ids"))
        .order_by(VisitTopic.topic)
    ),
    bounded=True,
)
PARTICIPANTS = Prepared(
    lambda: (
        select(Participant.visit_id, Participant.official_id, Participant.side, Participant.role)
        .where(in_ids(Participant.visit_id, "ids"))
        .order_by(Participant.id)
    ),
    bounded=True,
)
DELEGATIONS = Prepared(
    lambda: (
        select(Delegation.visit_id, *DELEGATION_COLUMNS)
        .where(in_ids(Delegation.visit_id, "ids"))
        .order_by(Delegation.id)
    ),
    bounded=True,
)
MEMBERS = Prepared(
    lambda: (
        select(DelegationMember.delegation_id, DelegationMember.official_id, DelegationMember.role)
        .where(in_ids(DelegationMember.delegation_id, "ids"))
        .order_by(DelegationMember.id)
    ),
    bounded=True,
)
RELEASES = Prepared(
    lambda: (
        select(release_visits.c.visit_id, PressRelease.id)
        .join(PressRelease, PressRelease.id == release_visits.c.press_release_id)
        .where(in_ids(release_visits.c.visit_id, "ids"))
        .order_by(PressRelease.id)
    ),
    bounded=True,
)
NAMES = tuple(column.key for column in COLUMNS)
DELEGATION_NAMES = tuple(column.key for column in DELEGATION_COLUMNS)


async def reads(session: Source, rows: Sequence[Any]) -> list[VisitRead]:
    """Representations of visit rows with everything they embed: five more queries, whatever
    the number of rows."""
    ids = [row[0] for row in rows]
    if not ids:
        return []
    topics = _grouped(await TOPICS.rows(session, ids=ids))
    participants = _grouped(await PARTICIPANTS.rows(session, ids=ids))
    delegation_rows = await DELEGATIONS.rows(session, ids=ids)
    members = _grouped(
        await MEMBERS.rows(session, ids=[d[1] for d in delegation_rows]) if delegation_rows else ()
    )
    delegations: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for visit_id, *values in delegation_rows:
        delegation = dict(zip(DELEGATION_NAMES, values, strict=True))
        delegation["members"] = [
            {"official_id": m[1], "role": m[2]} for m in members[delegation["id"]]
        ]
        delegations[visit_id].append(delegation)
    releases = _grouped(await RELEASES.rows(session, ids=ids))
    return [
        VisitRead.model_validate(
            {
                **dict(zip(NAMES, row, strict=True)),
                "topics": [t[1] for t in topics[row[0]]],
                "participants": [
                    {"official_id": p[1], "side": p[2], "role": p[3]} for p in participants[row[0]]
                ],
                "delegations": delegations[row[0]],
                "press_release_ids": [r[1] for r in releases[row[0]]],
            }
        )
        for row in rows
    ]


async def get_read(session: Source, *, visit_id: int) -> VisitRead:
    """The representation of one visit, or 404 (drafts are invisible to anonymous readers)."""
    rows = await BY_ID.rows(session, visit_id=visit_id) if 1 <= visit_id <= MAX_ID else []
    if not rows:
        raise NotFound(f"No visit {visit_id}.")
    return (await reads(session, rows))[0]


@dataclass(frozen=True)
class VisitFilters:
    """The /visits query parameters (also taken by /stats/visits); all combine with AND."""

    from_: date | None = None
    to: date | None = None
    organization_id: int | None = None
    host_organization_id: int | None = None
    guest_organization_id: int | None = None
    organization: str | None = None
    country: str | None = None
    city: str | None = None
    guest_country: str | None = None
    official_id: int | None = None
    topic: str | None = None
    q: str | None = None
    status: str | None = None

    def clauses(self, dialect: str, *, bound: bool = False) -> list[ColumnElement[bool]]:
        """The filters as SQL conditions; `bound`: the simple ones (SIMPLE_FILTERS) as bind
        parameters named after them (for statements compiled once), not as values."""

        def value(name: str, type_: Any) -> Any:
            return bindparam(name, type_=type_) if bound else getattr(self, name)

        # Correlated to the visit only: the grouped statistics join Delegation and
        # VisitTopic themselves, and these subqueries must keep their own.
        def delegation(*criteria: ColumnElement[bool]) -> ColumnElement[bool]:
            return exists().where(Delegation.visit_id == Visit.id, *criteria).correlate(Visit)

        out: list[ColumnElement[bool]] = []
        if self.from_ is not None:
            out.append(Visit.end_date >= value("from_", Date))
        if self.to is not None:
            out.append(Visit.start_date <= value("to", Date))
        if self.organization_id is not None:
            organization_id = value("organization_id", Integer)
            out.append(
                (Visit.host_organization_id == organization_id)
                | delegation(Delegation.organization_id == organization_id)
            )
        if self.host_organization_id is not None:
            out.append(Visit.host_organization_id == value("host_organization_id", Integer))
        if self.guest_organization_id is not None:
            guest = value("guest_organization_id", Integer)
            out.append(delegation(Delegation.organization_id == guest))
        if self.organization is not None:
            matching = select(Organization.id).where(named(self.organization))
            out.append(
                Visit.host_organization_id.in_(matching)
                | delegation(Delegation.organization_id.in_(matching))
            )
        if self.country is not None:
            out.append(Visit.country_code == value("country", String))
        if self.city is not None:
            out.append(Visit.city_key == fold(self.city))
        if self.guest_country is not None:
            out.append(delegation(Delegation.country_code == self.guest_country))
        if self.official_id is not None:
            official = value("official_id", Integer)
            out.append(
                or_(
                    exists()
                    .where(Participant.visit_id == Visit.id, Participant.official_id == official)
                    .correlate(Visit),
                    delegation(Delegation.head_official_id == official),
                    delegation(
                        exists().where(
                            DelegationMember.delegation_id == Delegation.id,
                            DelegationMember.official_id == official,
                        )
                    ),
                )
            )
        if self.topic is not None:
            out.append(
                exists()
                .where(VisitTopic.visit_id == Visit.id, VisitTopic.topic == self.topic.casefold())
                .correlate(Visit)
            )
        if self.q is not None:
            out.append(fulltext.visit_matches(dialect, self.q))
        if self.status is not None:
            out.append(Visit.status == value("status", String))
        return out

    def simple(self) -> frozenset[str] | None:
        """The names of the filters given, if all are SIMPLE_FILTERS (else None)."""
        given = frozenset(name for name in FILTER_NAMES if getattr(self, name) is not None)
        return given if given <= SIMPLE_FILTERS else None


# Filters compared to a value as given (no folding, no subquery built from the value).
SIMPLE_FILTERS = frozenset(
    {
        "from_",
        "to",
        "organization_id",
        "host_organization_id",
        "guest_organization_id",
        "country",
        "official_id",
        "status",
    }
)
FILTER_NAMES = tuple(field.name for field in fields(VisitFilters))


async def get(session: AsyncSession, *, visit_id: int) -> Visit:
    return await get_or_404(session, Visit, visit_id, options=options())


VisitRow = namedtuple("VisitRow", NAMES)  # type: ignore[misc]  # (names known at import)
_FIRST_PAGES: dict[tuple[str, frozenset[str]], Prepared] = {}


def _first_page(sort: str, given: frozenset[str]) -> Prepared:
    """The first page of a list filtered by these simple filters, compiled once."""
    key = (sort, given)
    if key not in _FIRST_PAGES:
        # Any non-None value marks a filter as given; the values are parameters.
        shape = VisitFilters(**dict.fromkeys(given, True))  # type: ignore[arg-type]
        _FIRST_PAGES[key] = Prepared(
            lambda: (
                select(*COLUMNS)
                .where(*shape.clauses("", bound=True))
                .order_by(*SORTS[sort].order_by())
                .limit(bindparam("limit"))
            )
        )
    return _FIRST_PAGES[key]


async def list_(
    session: AsyncSession, *, page: PageParams, filters: VisitFilters, sort: str = "-start_date"
) -> tuple[list[VisitRead], str | None, int | None]:
    given = filters.simple()
    if given is not None and page.cursor is None and not page.count:
        # The common case (a first page, filters compared to values): compiled once.
        params = {name: getattr(filters, name) for name in given}
        found = await _first_page(sort, given).rows(session, limit=page.limit + 1, **params)
        rows = [VisitRow(*row) for row in found]
        next_cursor = None
        if len(rows) > page.limit:
            rows = rows[: page.limit]
            next_cursor = SORTS[sort].cursor_for(rows[-1])
        return await reads(session, rows), next_cursor, None
    rows, next_cursor, total = await paginate(
        session,
        Visit,
        filters=filters.clauses(dialect_of(session)),
        sort=SORTS[sort],
        page=page,
        columns=COLUMNS,
    )
    return await reads(session, rows), next_cursor, total


def normalize_dates(start: date, end: date | None, precision: str) -> tuple[date, date]:
    """Loosely dated visits cover their whole month or year, whatever day was sent."""
    end = end or start
    if precision == DatePrecision.month:
        last = calendar.monthrange(end.year, end.month)[1]
        return start.replace(day=1), end.replace(day=last)
    if precision == DatePrecision.year:
        return start.replace(month=1, day=1), end.replace(month=12, day=31)
    return start, end


def _dates(start: date, end: date | None, precision: str) -> tuple[date, date]:
    start, end = normalize_dates(start, end, precision)
    if end < start:
        raise Unprocessable(("body", "end_date"), "end_date must not be before start_date")
    return start, end


def _participants(participants: list[ParticipantIn]) -> list[Participant]:
    return [Participant(**p.model_dump()) for p in participants]


async def _check(
    session: AsyncSession, host_organization_id: int | None, participants: list[ParticipantIn]
) -> None:
    await check_references(
        session,
        [
            (("host_organization_id",), Organization, host_organization_id),
            *(
                (("participants", i, "official_id"), Official, p.official_id)
                for i, p in enumerate(participants)
            ),
        ],
    )


async def create(session: AsyncSession, *, data: VisitCreate) -> Visit:
    await _check(session, data.host_organization_id, data.participants)
    start, end = _dates(data.start_date, data.end_date, data.date_precision)
    fields = data.model_dump(exclude={"topics", "participants", "start_date", "end_date"})
    visit = Visit(
        **fields,
        start_date=start,
        end_date=end,
        topic_rows=[VisitTopic(topic=t) for t in data.topics],
        participants=_participants(data.participants),
        delegations=[],
        press_releases=[],
    )
    session.add(visit)
    await session.flush()
    return visit


async def update(session: AsyncSession, *, visit: Visit, data: VisitUpdate) -> Visit:
    changes = data.changes()
    if not changes:
        return visit
    await _check(session, changes.get("host_organization_id"), data.participants or [])
    precision = changes.get("date_precision", visit.date_precision)
    start = changes.get("start_date", visit.start_date)
    if "end_date" in changes:
        end = changes["end_date"]
    else:
        # A one-day (one-month, one-year) visit that moves keeps its length.
        _, own_end = normalize_dates(visit.start_date, None, visit.date_precision)
        end = None if visit.end_date == own_end else visit.end_date
    visit.start_date, visit.end_date = _dates(start, end, precision)
    if "topics" in changes:
        topics = [VisitTopic(topic=t) for t in data.topics or []]
        await replace_children(session, visit, "topic_rows", topics)
    if "participants" in changes:
        await replace_children(
            session, visit, "participants", _participants(data.participants or [])
        )
    for field in changes.keys() - {"topics", "participants", "start_date", "end_date"}:
        setattr(visit, field, changes[field])
    visit.updated_at = utcnow()
    await session.flush()
    return visit
