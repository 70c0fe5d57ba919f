"""Checks that ids a client sends refer to existing rows, naming the field when not (422)."""

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.db import Base
from app.kit.errors import ProblemError

Loc = tuple[str | int, ...]


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
