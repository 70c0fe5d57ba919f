"""Alembic environment: runs migrations through the same async engine the service uses."""

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from app.config import get_settings, normalize_database_url
from app.kit.db import UTCDateTime, create_engine
from app.models import Base

config = context.config
target_metadata = Base.metadata

# Search structures are database-specific (a tsvector column on PostgreSQL, FTS5 tables on
# SQLite) and live only in migrations; the models don't describe them.
SEARCH_ONLY = ("search_vector", "_fts", "_trgm")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (name and any(marker in name for marker in SEARCH_ONLY))


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _url() -> str:
    return normalize_database_url(
        config.attributes.get("database_url") or get_settings().database_url
    )


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
        render_item=render_item,
    )


def _run(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # handed over by app.migrate (already inside an event loop)
        _run(connection)
        return
    asyncio.run(_run_async())


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
