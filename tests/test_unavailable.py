"""A database that cannot serve now (too many clients, shutting down, connection lost) makes
a 503 with Retry-After, never a 500: app.kit.errors.is_unavailable decides."""

import pytest
from sqlalchemy import exc as sa_exc

from app.kit.errors import is_unavailable


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
