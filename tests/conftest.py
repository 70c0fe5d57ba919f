"""Test infrastructure: one migrated database per run, one transaction per test.

The backend under test is `TEST_DATABASE_URL` when set (e.g.
`postgresql+asyncpg://postgres@127.0.0.1:5432/test`), else a fresh SQLite file in pytest's
temporary directory. The schema is built only by the Alembic migrations, never `create_all`,
so the tests exercise exactly what production runs.

Each test that uses `client` or `session` runs inside one outer transaction on one connection;
the app's sessions and the test's own session join it through SAVEPOINTs, and the outer
transaction is rolled back afterwards, so nothing leaks from one test to the next. Tests that
need real concurrency (several connections, committed data) use `committed_app` instead, which
empties every table afterwards.

App modules are imported inside the fixtures, after `pytest_configure` has put the database
URL in the environment, so the app's settings agree with the tests.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from tests.support import in_thread, is_postgres

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.kit.deps import Database

DATABASE_URL = pytest.StashKey[str]()


@pytest.hookimpl(trylast=True)  # after pytest's own tmp_path_factory exists
def pytest_configure(config: pytest.Config) -> None:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        factory = getattr(config, "_tmp_path_factory", None)
        folder = (
            factory.mktemp("database")
            if factory is not None
            else Path(tempfile.mkdtemp(prefix="communique-tests-"))
        )
        url = f"sqlite+aiosqlite:///{folder / 'communique.db'}"
    # Before any app module reads its settings.
    os.environ["DATABASE_URL"] = url
    # A developer's shared rate-limit store or limits must not leak into the suite (the
    # rate-limit tests set their own).
    for name in list(os.environ):
        if name == "REDIS_URL" or name.startswith("RATE_LIMIT_"):
            del os.environ[name]

    from app.config import get_settings, normalize_database_url

    get_settings.cache_clear()
    config.stash[DATABASE_URL] = normalize_database_url(url)


def pytest_report_header(config: pytest.Config) -> str:
    url = config.stash.get(DATABASE_URL, "?")
    return f"communique database under test: {url}"


async def _reset_postgres(url: str) -> None:
    """Every run starts from an empty database: drop the public schema with all it holds
    (tables, extensions, text search configurations, functions) and make it anew."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("SET lock_timeout = '15s'")
            await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            await connection.exec_driver_sql("CREATE SCHEMA public")
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def database_url(pytestconfig: pytest.Config) -> str:
    """The async URL of the backend under test."""
    return pytestconfig.stash[DATABASE_URL]


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> str:
    """The database with its schema built by the migrations (synchronous on purpose: it runs
    before pytest-asyncio's loop is in use, and the work happens in a thread anyway)."""
    from app import migrate

    if is_postgres(database_url):
        in_thread(asyncio.run, _reset_postgres(database_url))
    in_thread(migrate.upgrade, database_url)
    return database_url


@pytest.fixture(scope="session")
async def engine(migrated_database: str) -> AsyncIterator[AsyncEngine]:
    """The one engine of the run, with the per-database settings the service relies on."""
    from app.kit.db import create_engine

    engine = create_engine(migrated_database)
    try:
        yield engine
    finally:
        await engine.dispose()


# --- one rolled-back transaction per test ------------------------------------------------


def bound_sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions that live in SAVEPOINTs of the test's outer transaction: their commit releases
    a savepoint, their rollback goes back to it, and the outer transaction decides."""
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        outer = await connection.begin()
        try:
            yield connection
        finally:
            if outer.is_active:
                await outer.rollback()


@pytest.fixture
def database(engine: AsyncEngine, connection: AsyncConnection) -> Database:
    from app.kit.deps import Database

    maker = bound_sessionmaker(connection)
    return Database(engine, read=maker, write=maker)


@pytest.fixture
def app(database: Database) -> FastAPI:
    from app.main import create_app

    return create_app(database=database)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session on the test's connection: it sees what the app wrote in this test. Query
    columns (or use populate_existing) when checking rows that may have changed since."""
    async with bound_sessionmaker(connection)() as session:
        yield session


async def _key_headers(session: AsyncSession, name: str, role_name: str) -> dict[str, str]:
    from app.auth import service
    from app.kit.enums import Role

    _, secret = await service.create(session, name=name, role=Role(role_name))
    await session.commit()  # releases the savepoint; the outer transaction still decides
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
async def editor_headers(session: AsyncSession) -> dict[str, str]:
    return await _key_headers(session, "test editor", "editor")


@pytest.fixture
async def admin_headers(session: AsyncSession) -> dict[str, str]:
    return await _key_headers(session, "test admin", "admin")


# --- committed data, real concurrency ----------------------------------------------------


async def empty_every_table(engine: AsyncEngine) -> None:
    """Delete every row the models know of (children first), so later tests start empty."""
    from sqlalchemy import update

    from app.models import Base

    tables = Base.metadata.sorted_tables
    async with engine.begin() as connection:
        # Rows referring to rows of their own table (parent organizations, translations)
        # would make a plain DELETE trip over ON DELETE RESTRICT on SQLite.
        for table in tables:
            for fk in table.foreign_keys:
                if fk.column.table is table and fk.parent.nullable:
                    await connection.execute(update(table).values({fk.parent.name: None}))
        for table in reversed(tables):
            await connection.execute(table.delete())


@pytest.fixture
async def committed_app(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app on the real engine: each request has its own connection and
    commits for real. Every table is emptied afterwards."""
    from app.kit.deps import Database
    from app.main import create_app

    app = create_app(database=Database.for_engine(engine))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await empty_every_table(engine)


@pytest.fixture
async def committed_editor_headers(
    engine: AsyncEngine, committed_app: httpx.AsyncClient
) -> dict[str, str]:
    """An editor key committed for real, for requests through `committed_app` (which
    deletes it again afterwards)."""
    from app.kit.db import sessionmaker

    async with sessionmaker(engine, write=True)() as session:
        return await _key_headers(session, "committed editor", "editor")
