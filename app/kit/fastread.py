"""Hot read statements, compiled once and run on the database driver's own connection.

The busiest reads (a release or visit by id, the lists embedded in a page of visits) send the
same SQL every time with other values. Through the ORM each one pays for statement caching,
result construction and event hooks, several times what the database takes to answer. Here
each statement is compiled once per database and per audience (with or without drafts, the
rule applied by `app.visibility.visible`, the same one every ORM query gets) and then sent
as is, its rows converted with the column types' own result processors.

Lists of ids are one parameter, whatever their length: `= ANY($1::INTEGER[])` on PostgreSQL,
`IN (SELECT value FROM json_each(?))` on SQLite, so one SQL text serves every page size.
"""

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson
from sqlalchemy import ARRAY, ColumnElement, Integer, Select, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.sqltypes import NumericCommon

from app.kit.errors import ServiceUnavailable, is_unavailable
from app.visibility import can_see_drafts, visible


class _in_ids(FunctionElement[bool]):
    inherit_cache = True
    name = "in_ids"


@compiles(_in_ids, "postgresql")
def _in_ids_pg(element: _in_ids, compiler: Any, **kw: Any) -> str:
    column, ids = list(element.clauses)
    return f"{compiler.process(column, **kw)} = ANY({compiler.process(ids, **kw)})"


@compiles(_in_ids)
def _in_ids_default(element: _in_ids, compiler: Any, **kw: Any) -> str:
    column, ids = list(element.clauses)
    return (
        f"{compiler.process(column, **kw)} IN "
        f"(SELECT value FROM json_each({compiler.process(ids, **kw)}))"
    )


def in_ids(column: Any, name: str) -> ColumnElement[bool]:
    """`column` is one of the ids given as the list parameter `name`."""
    return _in_ids(column, bindparam(name, type_=ARRAY(Integer)))


def _processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """What turns the driver's value into the column type's Python value (None: as is).
    Numbers need none from either driver; some number types only know what to do when told
    the driver's type code, which is not known here."""
    impl = type_.dialect_impl(dialect)
    if isinstance(impl, NumericCommon) or isinstance(type_, NumericCommon):
        return None
    processor: Callable[[Any], Any] | None = impl.result_processor(dialect, None)
    return processor


@dataclass(frozen=True)
class Reading:
    """A pooled connection for compiled reads, without an ORM session (the busiest reads
    need none of its bookkeeping). `info` says, as a session's does, whether drafts show."""

    connection: AsyncConnection
    info: dict[str, Any]


Source = AsyncSession | Reading


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]
    processors: tuple[Callable[[Any], Any] | None, ...]
    lists: frozenset[str]


class Prepared:
    """A read statement (built by `build`, with named bind parameters) ready to run fast.

    `bounded`: the statement reads a few rows by key (a primary key, a list of at most a
    page of ids), so on SQLite it runs on the event loop's thread, which takes less time
    than handing it to the connection's own thread and waiting for the answer."""

    def __init__(self, build: Callable[[], Any], *, bounded: bool = False) -> None:
        self._build = build
        self._bounded = bounded
        self._compiled: dict[tuple[str, bool], _Compiled] = {}

    def _compile(self, dialect: Dialect, drafts: bool) -> _Compiled:
        key = (dialect.name, drafts)
        found = self._compiled.get(key)
        if found is not None:
            return found
        stmt: Select[Any] = visible(self._build(), drafts=drafts)
        compiled = stmt.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        processors = tuple(_processor(column.type, dialect) for column in stmt.selected_columns)
        lists = frozenset(
            name for name, param in compiled.binds.items() if isinstance(param.type, ARRAY)
        )
        found = _Compiled(compiled.string, names, dict(compiled.params), processors, lists)
        self._compiled[key] = found
        return found

    async def rows(self, session: Source, **params: Any) -> list[tuple[Any, ...]]:
        """The statement's rows for these parameter values, as tuples of Python values."""
        if isinstance(session, Reading):
            connection = session.connection
        else:
            connection = await session.connection()
        dialect = connection.dialect
        compiled = self._compile(dialect, can_see_drafts(session))
        postgresql = dialect.name == "postgresql"
        args = []
        for name in compiled.names:
            value = params[name] if name in params else compiled.constants[name]
            if name in compiled.lists and not postgresql:
                value = orjson.dumps(list(value)).decode()
            args.append(value)
        raw = (await connection.get_raw_connection()).driver_connection
        # Listeners of the engine's cursor events (statement logs, counts) still see them.
        events = connection.sync_connection.dispatch if connection.sync_connection else None
        if events is not None:
            for listener in events.before_cursor_execute:
                listener(connection.sync_connection, None, compiled.sql, args, None, False)
        try:
            if postgresql:
                records: Sequence[Any] = await raw.fetch(compiled.sql, *args)  # type: ignore[union-attr]
            elif self._bounded:
                # aiosqlite's underlying sqlite3 connection (opened with check_same_thread
                # off: a connection serves one request at a time, so never two threads).
                records = raw._conn.execute(compiled.sql, args).fetchall()  # type: ignore[union-attr]
            else:
                records = await raw.execute_fetchall(compiled.sql, args)  # type: ignore[union-attr]
        except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as error:
            await connection.invalidate()
            raise ServiceUnavailable() from error
        except asyncpg.PostgresError as error:
            if not is_unavailable(error):  # e.g. too many clients, shutting down: 503
                raise
            raise ServiceUnavailable() from error
        except sqlite3.OperationalError as error:  # locked for longer than the busy timeout
            raise ServiceUnavailable() from error
        if events is not None:
            for listener in events.after_cursor_execute:
                listener(connection.sync_connection, None, compiled.sql, args, None, False)
        processors = compiled.processors
        if not any(processors):
            return [tuple(record) for record in records]
        return [
            tuple(p(v) if p is not None else v for p, v in zip(processors, record, strict=True))
            for record in records
        ]
