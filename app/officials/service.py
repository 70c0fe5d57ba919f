"""Officials: people, their other spellings and the positions they hold."""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.base import ExecutableOption

from app.kit.db import replace_children, utcnow
from app.kit.names import NameQuery, greatest
from app.kit.pagination import PageParams, Sort, id_key, paginate, paginate_ranked
from app.kit.refs import check_references, get_or_404
from app.officials.models import Official, OfficialAlias, Position
from app.officials.schemas import AliasIn, OfficialCreate, OfficialUpdate, PositionIn
from app.organizations.models import Organization


def options() -> tuple[ExecutableOption, ...]:
    """Eager loads for everything the read schema shows (lazy loads raise)."""
    return (selectinload(Official.aliases), selectinload(Official.positions))


BY_ID = Sort("id", (id_key(Official.id, descending=False),))


async def get(session: AsyncSession, *, official_id: int) -> Official:
    return await get_or_404(session, Official, official_id, options=options())


def name_matches(query: NameQuery) -> ColumnElement[bool]:
    """Officials whose name or an alias matches a name query."""
    return query.matching(
        Official.id,
        (Official.name_key, Official.name_skeleton),
        OfficialAlias.official_id,
        (OfficialAlias.name_key, OfficialAlias.name_skeleton),
    )


def name_score(query: NameQuery) -> ColumnElement[float]:
    alias_score = (
        select(func.max(query.score(OfficialAlias.name_key, OfficialAlias.name_skeleton)))
        .where(OfficialAlias.official_id == Official.id)
        .scalar_subquery()
    )
    own = query.score(Official.name_key, Official.name_skeleton)
    return greatest(own, func.coalesce(alias_score, 0.0))


async def list_(
    session: AsyncSession,
    *,
    page: PageParams,
    q: str | None = None,
    organization_id: int | None = None,
) -> tuple[Sequence[Official], str | None, int | None]:
    filters: list[ColumnElement[bool]] = []
    if organization_id is not None:
        filters.append(
            exists().where(
                Position.official_id == Official.id, Position.organization_id == organization_id
            )
        )
    if q is None:
        return await paginate(
            session, Official, filters=filters, sort=BY_ID, page=page, options=options()
        )
    query = NameQuery(q)
    if not query.searchable:
        return [], None, 0 if page.count else None
    filters.append(name_matches(query))
    return await paginate_ranked(
        session,
        Official,
        filters=filters,
        order_by=[name_score(query).desc(), Official.id.asc()],
        page=page,
        options=options(),
    )


def _aliases(aliases: list[AliasIn]) -> list[OfficialAlias]:
    return [OfficialAlias(**alias.model_dump()) for alias in aliases]


def _positions(positions: list[PositionIn]) -> list[Position]:
    return [Position(**position.model_dump()) for position in positions]


async def _check(session: AsyncSession, positions: list[PositionIn]) -> None:
    await check_references(
        session,
        [
            (("positions", i, "organization_id"), Organization, p.organization_id)
            for i, p in enumerate(positions)
        ],
    )


async def create(session: AsyncSession, *, data: OfficialCreate) -> Official:
    await _check(session, data.positions)
    official = Official(
        **data.model_dump(exclude={"aliases", "positions"}),
        aliases=_aliases(data.aliases),
        positions=_positions(data.positions),
    )
    session.add(official)
    await session.flush()
    return official


async def update(session: AsyncSession, *, official: Official, data: OfficialUpdate) -> Official:
    changes = data.changes()
    if not changes:
        return official
    if "aliases" in changes:
        await replace_children(session, official, "aliases", _aliases(data.aliases or []))
    if "positions" in changes:
        await _check(session, data.positions or [])
        await replace_children(session, official, "positions", _positions(data.positions or []))
    for field in changes.keys() - {"aliases", "positions"}:
        setattr(official, field, changes[field])
    official.updated_at = utcnow()
    await session.flush()
    return official
