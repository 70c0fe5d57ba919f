"""A database that cannot serve now (too many clients, shutting down, connection lost) makes
a 503 with Retry-After, never a 500: app.kit.errors.is_unavailable decides."""

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.kit.errors import is_unavailable
from tests.support import assert_problem, in_thread, is_postgres


class DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "unavailable"),
    [
        ("53300", True),  # too many clients
        ("57P01", True),  # administrator shutdown
        ("57P03", True),  # cannot connect now (starting up)
        ("08006", True),  # connection failure
        ("23505", False),  # a unique violation is the client's doing
        ("42P01", False),  # a missing table is a bug, not an outage
    ],
)
def test_sqlstates_of_a_database_that_cannot_serve(sqlstate: str, unavailable: bool) -> None:
    wrapped = sa_exc.DBAPIError("SELECT 1", {}, DriverError(sqlstate))
    assert is_unavailable(wrapped) is unavailable
    assert is_unavailable(DriverError(sqlstate)) is unavailable
    # asyncpg's errors reach SQLAlchemy as the cause of its adapter's error.
    adapted = Exception("adapter")
    adapted.__cause__ = DriverError(sqlstate)
    assert is_unavailable(sa_exc.DBAPIError("SELECT 1", {}, adapted)) is unavailable


# --- which errors break the connection ------------------------------------------------------


def test_a_driver_stuck_mid_operation_is_unavailable_and_breaks_its_connection() -> None:
    from app.kit.errors import breaks_connection

    stuck = asyncpg.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress"
    )
    wrapped = sa_exc.InternalError("SELECT 1", {}, Exception("adapter"))
    wrapped.orig.__cause__ = stuck  # type: ignore[union-attr]
    for error in (stuck, wrapped):
        assert is_unavailable(error)
        assert breaks_connection(error)
    # Raised on from a 503 by the compiled reads: still found.
    outer = RuntimeError("503")
    outer.__cause__ = stuck
    assert breaks_connection(outer)


def test_a_value_out_of_range_is_a_bug_not_an_outage() -> None:
    from app.kit.errors import breaks_connection

    out_of_range = asyncpg.DataError("invalid input for query argument $1 (out of int32 range)")
    assert not breaks_connection(out_of_range)
    assert not is_unavailable(out_of_range)
    closed = asyncpg.InterfaceError("connection is closed")
    assert breaks_connection(closed) and is_unavailable(closed)


def _driver_errors() -> dict[str, Exception]:
    """Errors of a killed connection as they escape SQLAlchemy's wrapping, each raised from
    what the driver said."""
    from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

    killed = asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
    adapted = PGDialect_asyncpg.import_dbapi().Error(str(killed))
    adapted.__cause__ = killed
    return {
        # Setting a read session's isolation level on a pooled connection rolls back first.
        "adapter error at checkout": adapted,
        # The compiled reads use asyncpg directly.
        "asyncpg stuck mid-operation": asyncpg.InternalClientError(
            "cannot switch to state 12; another operation (2) is in progress"
        ),
    }


@pytest.mark.parametrize("name", list(_driver_errors()))
async def test_driver_errors_of_a_killed_connection_answer_503_wherever_raised(
    app: Any, name: str
) -> None:
    async def fail() -> None:
        raise _driver_errors()[name]

    app.add_api_route("/test/unavailable", fail)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/test/unavailable")
    assert_problem(response, 503)
    assert response.headers["retry-after"].isdigit()


# --- connections killed for real (PostgreSQL) ------------------------------------------------
#
# When PostgreSQL shuts down or an operator runs pg_terminate_backend, every backend sends a
# farewell (FATAL, SQLSTATE 57P01) and closes its connection. For a moment asyncpg has read the
# farewell but not the end of the connection: it still says the connection is open, and the
# next statement fails with "cannot switch to state …; another operation is in progress". A
# request that meets such a connection must answer 503 with Retry-After, and the connection
# must not go back to the pool. The tests hold a connection in that state for as long as they
# like: its reading is paused while its backend is terminated, then the farewell is handed to
# the driver by hand, and the end of the connection never is.


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _terminate(dsn: str, pid: int) -> None:
    admin = await asyncpg.connect(dsn)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        for _ in range(500):  # until the backend is gone: its farewell is then in our socket
            gone = await admin.fetchval(
                "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $1", pid
            )
            if gone:
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"backend {pid} survived pg_terminate_backend")
    finally:
        await admin.close()


def kill_unnoticed(driver: Any, dsn: str) -> None:
    """Terminate the backend of `driver` (an asyncpg connection) and let the driver read the
    server's farewell but not the end of the connection (asyncpg internals, test only)."""
    transport = driver._transport
    transport.pause_reading()
    in_thread(asyncio.run, _terminate(dsn, driver.get_server_pid()))
    copy = socket.socket(fileno=os.dup(transport.get_extra_info("socket").fileno()))
    try:
        farewell = copy.recv(65536)
    finally:
        copy.close()  # the copy only: the driver's own socket stays open
    assert farewell.startswith(b"E"), farewell  # an ErrorResponse
    driver._protocol.data_received(farewell)
    assert not driver.is_closed()


@pytest.fixture
async def one_connection(
    database_url: str, committed_app: httpx.AsyncClient
) -> AsyncIterator[tuple[httpx.AsyncClient, AsyncEngine]]:
    """A client of an app whose pool keeps a single connection (so the next request gets the
    one a test broke); server errors come back as responses, not exceptions."""
    if not is_postgres(database_url):
        pytest.skip("PostgreSQL: terminates the server's connections")
    from app.kit.db import create_engine
    from app.kit.deps import Database
    from app.main import create_app

    engine = create_engine(database_url, pool_size=1)
    app = create_app(database=Database.for_engine(engine))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client, engine
    finally:
        await engine.dispose()


REQUESTS = {
    # name: (method, path, JSON body, status once the pool has healed); reads are anonymous,
    # so their first statement is the read's own (a key is looked up before a write's).
    "list through compiled reads": ("GET", "/api/v1/visits", None, 200),
    "read by id before routing": ("GET", "/api/v1/visits/1", None, 404),
    "list through the ORM": ("GET", "/api/v1/organizations", None, 200),
    "authenticated write": (
        "POST", "/api/v1/organizations", {"name": "Killed", "kind": "ngo"}, 201,
    ),
}  # fmt: skip


async def _send(client: httpx.AsyncClient, name: str, headers: dict[str, str]) -> httpx.Response:
    method, path, body, _ = REQUESTS[name]
    if method == "GET":
        return await client.get(path)
    return await client.request(method, path, json=body, headers=headers)


def _assert_unavailable(response: httpx.Response) -> None:
    assert_problem(response, 503)
    assert response.headers["retry-after"].isdigit()


@pytest.mark.parametrize("name", list(REQUESTS))
async def test_a_pooled_connection_killed_while_idle_gives_503_then_heals(
    one_connection: tuple[httpx.AsyncClient, AsyncEngine],
    committed_editor_headers: dict[str, str],
    database_url: str,
    name: str,
) -> None:
    client, engine = one_connection
    assert (await client.get("/api/v1/visits")).status_code == 200  # the pool has its one
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
    # Killed while it waits in the pool, as PostgreSQL's shutdown kills idle connections.
    kill_unnoticed(driver, _admin_dsn(database_url))

    _assert_unavailable(await _send(client, name, committed_editor_headers))
    # The broken connection was thrown away, not handed to the next request.
    healed = await _send(client, name, committed_editor_headers)
    assert healed.status_code == REQUESTS[name][3], healed.text


@pytest.mark.parametrize(
    ("name", "statement"),
    [("list through compiled reads", "FROM visits"), ("authenticated write", "INSERT INTO")],
)
async def test_a_connection_killed_mid_request_gives_503_then_heals(
    one_connection: tuple[httpx.AsyncClient, AsyncEngine],
    committed_editor_headers: dict[str, str],
    database_url: str,
    name: str,
    statement: str,
) -> None:
    client, engine = one_connection
    armed = [True]

    def kill_before(connection: Any, _: Any, sql: str, *__: Any) -> None:
        if armed[0] and statement in sql:
            armed[0] = False
            kill_unnoticed(connection.connection.driver_connection, _admin_dsn(database_url))

    event.listen(engine.sync_engine, "before_cursor_execute", kill_before)
    try:
        _assert_unavailable(await _send(client, name, committed_editor_headers))
        assert not armed[0], "the statement to kill the connection before never ran"
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", kill_before)
    healed = await _send(client, name, committed_editor_headers)
    assert healed.status_code == REQUESTS[name][3], healed.text
