"""Request-scoped dependencies: the database session and who is asking."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.kit.db import sessionmaker
from app.kit.enums import Role
from app.kit.errors import Forbidden, Unauthorized, breaks_connection
from app.kit.fastread import Reading

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Database:
    """The engine and the two session factories the app uses (swapped by the tests)."""

    engine: AsyncEngine
    read: async_sessionmaker[AsyncSession]
    write: async_sessionmaker[AsyncSession]

    @classmethod
    def for_engine(cls, engine: AsyncEngine) -> "Database":
        return cls(engine, sessionmaker(engine), sessionmaker(engine, write=True))

    @asynccontextmanager
    async def reading(self, *, can_see_drafts: bool) -> AsyncIterator[Reading]:
        """A connection bound as read sessions are (autocommit), for compiled reads."""
        bind = self.read.kw["bind"]
        info = {"can_see_drafts": can_see_drafts}
        if isinstance(bind, AsyncConnection):  # sessions share one connection (the tests)
            yield Reading(bind, info)
            return
        async with bind.connect() as connection:
            try:
                yield Reading(connection, info)
            except Exception as error:
                # The compiled reads talk to the driver directly, so SQLAlchemy does not see
                # their errors: a connection they found broken must not go back to the pool.
                if breaks_connection(error) and not connection.invalidated:
                    await connection.invalidate(error)
                raise


@dataclass(frozen=True)
class Principal:
    key_id: int
    name: str
    role: Role


def principal_of(request: Request) -> Principal | None:
    """Set by the authentication middleware; None for anonymous readers."""
    return getattr(request.state, "principal", None)


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    db: Database = request.app.state.db
    maker = db.read if request.method in SAFE_METHODS else db.write
    async with maker() as session:
        # Read by app.kit.visibility: anonymous sessions never see drafts.
        session.info["can_see_drafts"] = principal_of(request) is not None
        try:
            yield session
        except Exception as error:
            # As in Database.reading: a connection broken under the compiled reads is thrown
            # away, not returned to the pool (SQLAlchemy handles those it saw break itself).
            if breaks_connection(error):
                await session.invalidate()
            raise


SessionDep = Annotated[AsyncSession, Depends(_session)]

# Declares the bearer scheme in OpenAPI; the middleware does the actual checking.
_bearer = HTTPBearer(auto_error=False, description="An API key made with `communique keys create`.")


async def _editor(request: Request, _: Annotated[object, Depends(_bearer)]) -> Principal:
    principal = principal_of(request)
    if principal is None:
        raise Unauthorized()
    return principal


async def _admin(principal: Annotated[Principal, Depends(_editor)]) -> Principal:
    if principal.role != Role.admin:
        raise Forbidden("This needs an admin key.")
    return principal


EditorDep = Annotated[Principal, Depends(_editor)]
AdminDep = Annotated[Principal, Depends(_admin)]
