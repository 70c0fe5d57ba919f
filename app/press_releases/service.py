"""Press releases: the texts, in any language, and the visits they report."""

from collections import defaultdict, namedtuple
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql.base import ExecutableOption

from app.kit.db import dialect_of, utcnow
from app.kit.enums import Status
from app.kit.errors import NotFound, Unprocessable
from app.kit.fastread import Prepared, Source, in_ids
from app.kit.pagination import (
    PageParams,
    Sort,
    count,
    date_key,
    id_key,
    paginate,
    paginate_ranked,
)
from app.kit.refs import check_references, get_or_404
from app.kit.schemas import MAX_ID
from app.kit.text import escape_like
from app.organizations.models import Organization
from app.press_releases.models import PressRelease
from app.press_releases.schemas import PressReleaseCreate, PressReleaseRead, PressReleaseUpdate
from app.search import fulltext
from app.visits.models import Visit, release_visits


def options() -> tuple[ExecutableOption, ...]:
    """Eager loads for everything the read schema shows (lazy loads raise)."""
    return (selectinload(PressRelease.visits).load_only(Visit.id),)


SORTS = {
    "-published_on": Sort(
        "-published_on",
        (
            date_key(
                PressRelease.published_on, lambda r: r.published_on, descending=True, nullable=True
            ),
            id_key(PressRelease.id, descending=True),
        ),
    ),
    "published_on": Sort(
        "published_on",
        (
            date_key(
                PressRelease.published_on, lambda r: r.published_on, descending=False, nullable=True
            ),
            id_key(PressRelease.id, descending=False),
        ),
    ),
}


# The hot read paths select these columns (no entity loading) and build PressReleaseRead
# directly; writes go through the ORM and `PressReleaseRead.model_validate(release)`. Both
# give byte-identical representations, so ETags agree.
def _column(name: str) -> Any:
    if name == "translation_of_id":
        # The release translated, only if the reader may see it: a published translation
        # of a draft must not show the draft's id to anonymous readers.
        original = aliased(PressRelease, name="original")
        return (
            select(original.id)
            .where(original.id == PressRelease.translation_of_id)
            .correlate(PressRelease)
            .scalar_subquery()
            .label(name)
        )
    return getattr(PressRelease, name)


COLUMNS = tuple(_column(name) for name in PressReleaseRead.model_fields if name != "visit_ids")


BY_ID = Prepared(
    lambda: select(*COLUMNS).where(PressRelease.id == bindparam("release_id")), bounded=True
)
# The visible visits each release reports, in id order.
VISIT_LINKS = Prepared(
    lambda: (
        select(release_visits.c.press_release_id, Visit.id)
        .join(Visit, Visit.id == release_visits.c.visit_id)
        .where(in_ids(release_visits.c.press_release_id, "ids"))
        .order_by(Visit.id)
    ),
    bounded=True,
)
BY_IDS = Prepared(lambda: select(*COLUMNS).where(in_ids(PressRelease.id, "ids")), bounded=True)
NAMES = tuple(column.key for column in COLUMNS)
ReleaseRow = namedtuple("ReleaseRow", NAMES)  # type: ignore[misc]  # (names known at import)


async def reads(session: Source, rows: Sequence[Any]) -> list[PressReleaseRead]:
    """Representations of release rows, with their (visible) visit ids: one more query."""
    ids = [row[0] for row in rows]
    visit_ids: dict[int, list[int]] = defaultdict(list)
    if ids:
        for release_id, visit_id in await VISIT_LINKS.rows(session, ids=ids):
            visit_ids[release_id].append(visit_id)
    return [
        PressReleaseRead.model_validate(
            {**dict(zip(NAMES, row, strict=True)), "visit_ids": visit_ids[row[0]]}
        )
        for row in rows
    ]


async def _row(session: Source, release_id: int) -> tuple[Any, ...]:
    """The release's row (COLUMNS), or 404 (drafts are invisible to anonymous readers)."""
    rows = await BY_ID.rows(session, release_id=release_id) if 1 <= release_id <= MAX_ID else []
    if not rows:
        raise NotFound(f"No press release {release_id}.")
    return rows[0]


async def get_json(session: Source, *, release_id: int) -> bytes:
    """The release's JSON exactly as PressReleaseRead writes it, built straight from the row
    (the busiest read: no model in between)."""
    row = await _row(session, release_id)
    links = await VISIT_LINKS.rows(session, ids=[row[0]])
    fields = dict(zip(NAMES, row, strict=True))
    fields["visit_ids"] = [visit_id for _, visit_id in links]
    return orjson.dumps(fields, option=orjson.OPT_UTC_Z)


async def get_read(session: Source, *, release_id: int) -> PressReleaseRead:
    """The representation of one release, or 404."""
    return (await reads(session, [await _row(session, release_id)]))[0]


@dataclass(frozen=True)
class ReleaseFilters:
    q: str | None = None
    language: str | None = None
    from_: date | None = None
    to: date | None = None
    issuer_organization_id: int | None = None
    visit_id: int | None = None
    status: str | None = None

    def clauses(self, dialect: str) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.q is not None:
            out.append(fulltext.release_matches(dialect, self.q))
        if self.language is not None:
            # `fr` also finds `fr-CA`: a language filter means the language, any region.
            out.append(
                or_(
                    PressRelease.language == self.language,
                    PressRelease.language.like(escape_like(self.language) + "-%", escape="\\"),
                )
            )
        if self.from_ is not None:
            out.append(PressRelease.published_on >= self.from_)
        if self.to is not None:
            out.append(PressRelease.published_on <= self.to)
        if self.issuer_organization_id is not None:
            out.append(PressRelease.issuer_organization_id == self.issuer_organization_id)
        if self.visit_id is not None:
            # Through the Visit entity, so a visit the reader may not see matches nothing.
            out.append(PressRelease.visits.any(Visit.id == self.visit_id))
        if self.status is not None:
            out.append(PressRelease.status == self.status)
        return out


async def get(session: AsyncSession, *, release_id: int) -> PressRelease:
    return await get_or_404(session, PressRelease, release_id, options=options())


async def list_(
    session: AsyncSession, *, page: PageParams, filters: ReleaseFilters, sort: str
) -> tuple[list[PressReleaseRead], str | None, int | None]:
    dialect = dialect_of(session)
    if sort == "relevance":
        return await _list_ranked(session, page=page, filters=filters)
    if filters.q is None:
        rows, next_cursor, total = await paginate(
            session,
            PressRelease,
            filters=filters.clauses(dialect),
            sort=SORTS[sort],
            page=page,
            columns=COLUMNS,
        )
        return await reads(session, rows), next_cursor, total
    # A word search walks the newest releases first (bounded work, see newest_matches).
    order = SORTS[sort]
    others = replace(filters, q=None).clauses(dialect)
    after = [order.after(page.cursor)] if page.cursor else []
    ids = await fulltext.newest_matches(
        session, "press_release", filters.q, filters=[*others, *after], sort=order,
        limit=page.limit + 1,
    )  # fmt: skip
    found = {row[0]: row for row in await BY_IDS.rows(session, ids=ids)} if ids else {}
    rows = [ReleaseRow(*found[i]) for i in ids if i in found]
    next_cursor = order.cursor_for(rows[page.limit - 1]) if len(rows) > page.limit else None
    total = None
    if page.count:
        total = await count(session, PressRelease, filters.clauses(dialect))
    return await reads(session, rows[: page.limit]), next_cursor, total


async def _list_ranked(
    session: AsyncSession, *, page: PageParams, filters: ReleaseFilters
) -> tuple[list[PressReleaseRead], str | None, int | None]:
    if filters.q is None:
        raise Unprocessable(("query", "sort"), "sort=relevance needs q")
    dialect = dialect_of(session)
    others = replace(filters, q=None).clauses(dialect)
    hits = (await fulltext.ranked(session, "press_release", filters.q, filters=others)).subquery()
    rows, next_cursor, total = await paginate_ranked(
        session,
        PressRelease,
        filters=filters.clauses(dialect),
        order_by=[hits.c.score.desc(), PressRelease.id.desc()],
        page=page,
        join=(hits, hits.c.id == PressRelease.id),
        columns=COLUMNS,
    )
    return await reads(session, rows), next_cursor, total


def _publish_date(release: PressRelease) -> None:
    """A release that becomes published without a date is published today."""
    if release.status == Status.published and release.published_on is None:
        release.published_on = datetime.now(UTC).date()


async def _visits(session: AsyncSession, visit_ids: list[int]) -> list[Visit]:
    await check_references(
        session, [(("visit_ids", i), Visit, visit_id) for i, visit_id in enumerate(visit_ids)]
    )
    # Stored and shown in id order, whatever order they were sent in.
    wanted = sorted(set(visit_ids))
    found = {v.id: v for v in (await session.scalars(select(Visit).where(Visit.id.in_(wanted))))}
    return [found[i] for i in wanted]


async def _check(
    session: AsyncSession, release_id: int | None, issuer: int | None, translation_of: int | None
) -> None:
    await check_references(
        session,
        [
            (("issuer_organization_id",), Organization, issuer),
            (("translation_of_id",), PressRelease, translation_of),
        ],
    )
    if translation_of is not None and translation_of == release_id:
        raise Unprocessable(("body", "translation_of_id"), "a release cannot translate itself")


async def create(session: AsyncSession, *, data: PressReleaseCreate) -> PressRelease:
    await _check(session, None, data.issuer_organization_id, data.translation_of_id)
    release = PressRelease(
        **data.model_dump(exclude={"visit_ids"}), visits=await _visits(session, data.visit_ids)
    )
    _publish_date(release)
    session.add(release)
    await session.flush()
    return release


async def update(
    session: AsyncSession, *, release: PressRelease, data: PressReleaseUpdate
) -> PressRelease:
    changes = data.changes()
    if not changes:
        return release
    await _check(
        session,
        release.id,
        changes.get("issuer_organization_id"),
        changes.get("translation_of_id"),
    )
    if "visit_ids" in changes:
        release.visits = await _visits(session, data.visit_ids or [])
    for field in changes.keys() - {"visit_ids"}:
        setattr(release, field, changes[field])
    _publish_date(release)
    release.updated_at = utcnow()
    await session.flush()
    return release
