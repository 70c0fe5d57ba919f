"""Checks that ids a client sends refer to existing rows, naming the field when not (422)."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.base import ExecutableOption

from app.kit.db import Base
from app.kit.errors import NotFound, ProblemError
from app.kit.schemas import MAX_ID

Loc = tuple[str | int, ...]
M = TypeVar("M")


class MissingReferences(ProblemError):
    status = 422
    slug = "validation-error"


async def check_references(
    session: AsyncSession, refs: Iterable[tuple[Loc, type[Base], int | None]]
) -> None:
    """One query per referenced table; all missing references reported at once."""
    wanted: dict[type[Base], dict[int, list[Loc]]] = defaultdict(lambda: defaultdict(list))
    for loc, model, ref in refs:
        if ref is not None:
            wanted[model][ref].append(loc)
    errors = []
    for model, ids in wanted.items():
        id_column = model.__table__.c.id
        found = set((await session.scalars(select(id_column).where(id_column.in_(ids)))).all())
        for ref, locs in ids.items():
            if ref not in found:
                name = model.__tablename__.replace("_", " ").rstrip("s")
                errors += [
                    {"loc": ["body", *loc], "msg": f"no {name} with id {ref}"} for loc in locs
                ]
    if errors:
        raise MissingReferences("The request refers to resources that do not exist.", errors=errors)


async def get_or_404(
    session: AsyncSession,
    entity: type[M],
    item_id: int,
    *,
    options: Sequence[ExecutableOption] = (),
) -> M:
    """The row with this id (as the session may see it), or a 404 naming it."""
    item = None
    if 1 <= item_id <= MAX_ID:
        id_column = entity.id  # type: ignore[attr-defined]
        item = await session.scalar(select(entity).where(id_column == item_id).options(*options))
    if item is None:
        name = entity.__tablename__.replace("_", " ").rstrip("s")  # type: ignore[attr-defined]
        raise NotFound(f"No {name} {item_id}.")
    return item


async def get_row_or_404(
    session: AsyncSession, entity: type[Any], columns: Sequence[Any], item_id: int
) -> Row[Any]:
    """`columns` of the row with this id (as the session may see it), or a 404 naming it."""
    row = None
    if 1 <= item_id <= MAX_ID:
        row = (await session.execute(select(*columns).where(entity.id == item_id))).first()
    if row is None:
        raise NotFound(f"No {entity.__tablename__.replace('_', ' ').rstrip('s')} {item_id}.")
    return row
