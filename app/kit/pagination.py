"""Keyset pagination: opaque cursors that survive ties on the sort key and concurrent inserts."""

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, TypeVar

import orjson
from fastapi import Depends, Query
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.base import ExecutableOption

from app.kit.errors import BadRequest
from app.kit.schemas import MAX_ID

T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    limit: int
    cursor: str | None
    count: bool


async def _page_params(
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page (1..100).")] = 20,
    cursor: Annotated[
        str | None,
        Query(max_length=1000, description="Opaque cursor from a previous page's next_cursor."),
    ] = None,
    count: Annotated[
        bool, Query(description="Also return `total`, the number of matches.")
    ] = False,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor, count=count)


PageDep = Annotated[PageParams, Depends(_page_params)]


def encode_cursor(values: Sequence[Any]) -> str:
    raw = orjson.dumps(list(values), default=lambda v: v.isoformat())
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise BadRequest("The cursor is malformed; use next_cursor as returned.") from None
    if not isinstance(values, list) or not values:
        raise BadRequest("The cursor is malformed; use next_cursor as returned.")
    return values


def _as_int(value: Any) -> int:
    """An integer of a cursor, within the range of the ids it stands for (a larger one could
    only have been forged, and would overflow the database's integers)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise ValueError
    return value


def _as_date(value: Any) -> date:
    if not isinstance(value, str):
        raise ValueError
    return date.fromisoformat(value)


@dataclass(frozen=True)
class Key:
    """One column of a sort order, with how its value goes in and out of a cursor.

    NULLs of a nullable key sort as if larger than any value, on both databases.
    """

    column: ColumnElement[Any] | InstrumentedAttribute[Any]
    descending: bool
    read: Callable[[Any], Any]
    parse: Callable[[Any], Any]
    nullable: bool = False

    def order(self) -> ColumnElement[Any]:
        if self.descending:
            return self.column.desc().nulls_first() if self.nullable else self.column.desc()
        return self.column.asc().nulls_last() if self.nullable else self.column.asc()

    def equal(self, value: Any) -> ColumnElement[bool]:
        return self.column.is_(None) if value is None else self.column == value

    def beyond(self, value: Any) -> ColumnElement[bool]:
        if self.descending:
            return self.column.is_not(None) if value is None else self.column < value
        if value is None:
            return false()
        after: ColumnElement[bool] = self.column > value
        return after | self.column.is_(None) if self.nullable else after


def id_key(column: InstrumentedAttribute[int], *, descending: bool) -> Key:
    return Key(column, descending, lambda item: item.id, _as_int)


def date_key(
    column: ColumnElement[Any] | InstrumentedAttribute[Any],
    read: Callable[[Any], date | None],
    *,
    descending: bool,
    nullable: bool = False,
) -> Key:
    def encode(item: Any) -> str | None:
        value = read(item)
        return None if value is None else value.isoformat()

    def parse(value: Any) -> date | None:
        return None if value is None and nullable else _as_date(value)

    return Key(column, descending, encode, parse, nullable)


@dataclass(frozen=True)
class Sort:
    """A named total order (the last key must be unique, e.g. the id)."""

    name: str
    keys: tuple[Key, ...]

    def order_by(self) -> list[ColumnElement[Any]]:
        return [key.order() for key in self.keys]

    def after(self, cursor: str) -> ColumnElement[bool]:
        values = decode_cursor(cursor)
        if values[0] != self.name or len(values) != len(self.keys) + 1:
            raise BadRequest("The cursor does not belong to this list or sort order.")
        try:
            parsed = [k.parse(v) for k, v in zip(self.keys, values[1:], strict=True)]
        except (ValueError, TypeError):
            raise BadRequest("The cursor is malformed; use next_cursor as returned.") from None
        # (k1, k2, …) strictly after (v1, v2, …) in this order, each key in its own direction.
        clauses: list[ColumnElement[bool]] = []
        for i, key in enumerate(self.keys):
            equal = [self.keys[j].equal(parsed[j]) for j in range(i)]
            clauses.append(and_(*equal, key.beyond(parsed[i])))
        return or_(false(), *clauses)

    def cursor_for(self, item: Any) -> str:
        return encode_cursor([self.name, *(k.read(item) for k in self.keys)])


async def _fetch(session: AsyncSession, stmt: Select[Any], rows: bool) -> list[Any]:
    if rows:
        return list((await session.execute(stmt)).all())
    return list((await session.scalars(stmt)).all())


def _base(entity: type[T], columns: Sequence[Any] | None) -> Select[Any]:
    """Whole entities, or just `columns` of them (rows: faster on hot read paths)."""
    return select(*columns).select_from(entity) if columns else select(entity)


async def paginate(
    session: AsyncSession,
    entity: type[T],
    *,
    filters: Sequence[ColumnElement[bool]],
    sort: Sort,
    page: PageParams,
    options: Sequence[ExecutableOption] = (),
    columns: Sequence[Any] | None = None,
) -> tuple[list[Any], str | None, int | None]:
    """One page of `entity` (or of rows of `columns`) matching `filters`: the items, the next
    cursor and, on demand, the total. A constant number of statements whatever the page size."""
    stmt = _base(entity, columns).where(*filters)
    if page.cursor:
        stmt = stmt.where(sort.after(page.cursor))
    stmt = stmt.order_by(*sort.order_by()).limit(page.limit + 1).options(*options)
    items = await _fetch(session, stmt, rows=bool(columns))
    next_cursor = None
    if len(items) > page.limit:
        items = items[: page.limit]
        next_cursor = sort.cursor_for(items[-1])
    total = await count(session, entity, filters) if page.count else None
    return items, next_cursor, total


async def count(session: AsyncSession, entity: Any, filters: Sequence[ColumnElement[bool]]) -> int:
    """How many rows of `entity` pass `filters` (a list's `total`)."""
    return (await session.scalar(select(func.count(entity.id)).where(*filters))) or 0


# A list ranked by relevance pages by position, and a page's cost grows with its position:
# such a list ends after MAX_RANKED items (cursors beyond are refused).
MAX_RANKED = 1000


def ranked_offset(page: PageParams) -> int:
    """Where a page of a relevance-ranked list starts (ranked lists page by position)."""
    if not page.cursor:
        return 0
    values = decode_cursor(page.cursor)
    if len(values) != 2 or values[0] != "rank":
        raise BadRequest("The cursor does not belong to this list or sort order.")
    try:
        offset = _as_int(values[1])
    except ValueError:
        raise BadRequest("The cursor is malformed; use next_cursor as returned.") from None
    if not 0 <= offset < MAX_RANKED:
        raise BadRequest(
            f"Lists ranked by relevance end after {MAX_RANKED} items; "
            "use next_cursor as returned, or narrow the query."
        )
    return offset


def ranked_cursor(offset: int) -> str | None:
    """The cursor of the page at `offset`, or None past the end of a ranked list."""
    return encode_cursor(["rank", offset]) if offset < MAX_RANKED else None


async def paginate_ranked(
    session: AsyncSession,
    entity: type[T],
    *,
    filters: Sequence[ColumnElement[bool]],
    order_by: Sequence[ColumnElement[Any]],
    page: PageParams,
    options: Sequence[ExecutableOption] = (),
    join: tuple[Any, Any] | None = None,
    columns: Sequence[Any] | None = None,
) -> tuple[list[Any], str | None, int | None]:
    """One page of a list ranked by relevance (`order_by`), paged by position."""
    offset = ranked_offset(page)
    stmt = _base(entity, columns)
    if join is not None:
        stmt = stmt.join(*join)
    stmt = (
        stmt.where(*filters)
        .order_by(*order_by)
        .offset(offset)
        .limit(page.limit + 1)
        .options(*options)
    )
    items = await _fetch(session, stmt, rows=bool(columns))
    next_cursor = ranked_cursor(offset + page.limit) if len(items) > page.limit else None
    total = await count(session, entity, filters) if page.count else None
    return items[: page.limit], next_cursor, total
