"""Declarative base, engine and sessions: one code path for SQLite and PostgreSQL."""

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.types import TypeDecorator

from app.kit import text
from app.kit.errors import breaks_connection

# Named constraints make SQLite batch migrations and autogenerate comparisons reliable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware, on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy reads it)


class Resource:
    """Columns every API resource carries; `version` doubles as the optimistic-lock column,
    so an UPDATE or DELETE only succeeds against the version that was read."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(nullable=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> Mapping[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def _sqlite_on_connect(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_on_begin), so SAVEPOINTs and
    # transactional DDL behave as on PostgreSQL.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "foreign_keys=ON",
        "journal_mode=WAL",
        "busy_timeout=5000",
        "synchronous=NORMAL",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()
    # The name-matching function PostgreSQL gets from pg_trgm.
    dbapi_connection.create_function(
        "strict_word_similarity", 2, text.strict_word_similarity, deterministic=True
    )


def _sqlite_on_begin(conn: Connection) -> None:
    # Writers take the write lock up front: two writers never deadlock on a lock upgrade,
    # the second one waits (busy_timeout) instead.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    if mode is not None:  # None: read sessions, one statement at a time (as on PostgreSQL)
        conn.exec_driver_sql(f"BEGIN {mode}")


def create_engine(url: str, *, timeout: float = 5.0, pool_size: int = 20) -> AsyncEngine:
    """An async engine for `url` with the per-database settings the service relies on."""
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1].split("?", 1)[0]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread off: the hot reads run their few-row statements on the event
        # loop's thread (app.kit.fastread); a pooled connection serves one request at a time.
        engine = create_async_engine(
            url, connect_args={"timeout": timeout, "check_same_thread": False}
        )
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        # A few extra connections for bursts; a steady load never opens and closes them.
        max_overflow=5,
        pool_timeout=timeout,
        # No pre-ping round trip per request: a pooled connection the driver knows to be
        # closed is replaced at checkout (_pg_on_checkout); one found dead during a request
        # raises a disconnect error (answered 503) and the pool replaces its connections.
        connect_args={
            "timeout": timeout,
            "command_timeout": 30,
            "server_settings": {"jit": "off"},
        },
    )
    event.listen(engine.sync_engine, "handle_error", _pg_on_error)
    event.listen(engine.sync_engine.pool, "checkout", _pg_on_checkout)
    return engine


def _pg_on_error(context: ExceptionContext) -> None:
    # SQLAlchemy asks asyncpg whether the connection is closed, which it does not know yet
    # for a moment after the server ended the session (see errors.breaks_connection): such a
    # connection would go back to the pool and fail the next request too.
    if not context.is_disconnect and breaks_connection(context.original_exception):
        context.is_disconnect = True


def _pg_on_checkout(
    dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry, __: PoolProxiedConnection
) -> None:
    # A pooled connection the server has closed since (PostgreSQL restarted, its backend
    # terminated) is replaced before a request gets it; this asks the driver, no round trip.
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise sa_exc.DisconnectionError("the server closed this pooled connection")


def dialect_of(session: AsyncSession) -> str:
    """ "postgresql" or "sqlite": the few queries that differ by database ask this."""
    return session.get_bind().dialect.name


def sessionmaker(engine: AsyncEngine, *, write: bool = False) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep objects usable after commit.

    Write sessions lock SQLite up front. Read sessions run in autocommit: each statement sees
    committed data as it would under READ COMMITTED, without the BEGIN and ROLLBACK round
    trips a transaction costs every request.
    """
    if write:
        bind = engine.execution_options(sqlite_begin="IMMEDIATE")
    elif engine.dialect.name == "postgresql":
        bind = engine.execution_options(isolation_level="AUTOCOMMIT")
    else:
        bind = engine.execution_options(sqlite_begin=None)
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)


async def replace_children(
    session: AsyncSession, owner: object, attribute: str, children: list[Any]
) -> None:
    """Replace a one-to-many list as a whole. The old rows are deleted (flushed) before the
    new ones are inserted, so an entry sent again does not collide with itself on a unique
    key."""
    setattr(owner, attribute, [])
    await session.flush()
    setattr(owner, attribute, children)
