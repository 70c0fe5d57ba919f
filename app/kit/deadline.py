"""A time limit on every SQL statement, on both databases.

No request may hold a connection (SQLite: the database file) for long, whatever it asks. A
statement running longer than the limit is cancelled and the request answered 503 with
`Retry-After` (app.kit.errors): PostgreSQL cancels it itself (`statement_timeout`, SQLSTATE
57014); SQLite has no time limit of its own, so a progress handler, called every few
thousand virtual-machine instructions, interrupts it ("interrupted") once the deadline the
statement set has passed.
"""

import math
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

# SQLite checks the deadline every this many instructions (tens of microseconds of work).
PROGRESS_STEPS = 10_000


def limit_statements(engine: AsyncEngine, seconds: float) -> None:
    """Cancel any statement of `engine`'s connections that runs longer than `seconds`
    (0: no limit). Applies to connections opened from now on."""
    if seconds <= 0:
        return
    if engine.dialect.name == "postgresql":
        _limit_postgresql(engine, seconds)
    else:
        _limit_sqlite(engine, seconds)


def _limit_postgresql(engine: AsyncEngine, seconds: float) -> None:
    milliseconds = max(1, round(seconds * 1000))

    def on_connect(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET statement_timeout = {milliseconds}")
        cursor.close()

    event.listen(engine.sync_engine, "connect", on_connect)


def _limit_sqlite(engine: AsyncEngine, seconds: float) -> None:
    def on_connect(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
        deadline = [math.inf]
        record.info["deadline"] = deadline
        # aiosqlite's sqlite3 connection (opened with check_same_thread off, app.kit.db).
        raw = dbapi_connection.driver_connection._conn
        raw.set_progress_handler(lambda: time.monotonic() > deadline[0], PROGRESS_STEPS)

    def before(conn: Connection, *_: Any) -> None:
        deadline = conn.connection.info.get("deadline")
        if deadline is not None:
            deadline[0] = time.monotonic() + seconds

    def after(conn: Connection, *_: Any) -> None:
        # Between statements (a COMMIT, the pool's ROLLBACK) nothing is interrupted.
        deadline = conn.connection.info.get("deadline")
        if deadline is not None:
            deadline[0] = math.inf

    def on_error(context: Any) -> None:
        if context.connection is not None:
            after(context.connection)

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    event.listen(engine.sync_engine, "handle_error", on_error)
