"""The ASGI application: routers, middleware, error handling and operational endpoints."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp

import app.visibility  # noqa: F401  (installs the draft filter on every session)
from app.auth.middleware import AuthenticationMiddleware
from app.auth.router import router as keys_router
from app.config import Settings, get_settings
from app.delegations.router import router as delegations_router
from app.kit import errors
from app.kit.cache import ResultCache
from app.kit.db import create_engine
from app.kit.deadline import limit_statements
from app.kit.deps import Database
from app.kit.fastread import Source
from app.kit.headers import SecurityHeaders
from app.kit.hotpath import HotReads
from app.kit.limits import BodyLimitMiddleware
from app.kit.ratelimit import RateLimiter, RateLimits, declare_in_openapi
from app.officials.router import router as officials_router
from app.ops import router as ops_router
from app.organizations.router import router as organizations_router
from app.press_releases import service as press_releases
from app.press_releases.router import PATH as press_releases_path
from app.press_releases.router import router as press_releases_router
from app.search.router import router as search_router
from app.stats.router import router as stats_router
from app.visits import service as visits
from app.visits.router import PATH as visits_path
from app.visits.router import router as visits_router

DESCRIPTION = """
Press releases and the official visits, delegations and officials they report.

Reads are anonymous and see published content only; writes need
`Authorization: Bearer <key>` (keys come from `communique keys create`).
Errors are RFC 9457 problem details.
"""


async def _visit_json(source: Source, visit_id: int) -> bytes:
    visit = await visits.get_read(source, visit_id=visit_id)
    return visit.__pydantic_serializer__.to_json(visit)


class Communique(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Around the framework's own error middleware too, so that its 500s carry them.
        return SecurityHeaders(super().build_middleware_stack())


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    limiter = RateLimiter.from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = database is None
        if owned:
            engine = create_engine(
                settings.async_database_url,
                timeout=settings.db_timeout,
                pool_size=settings.pool_size,
            )
            limit_statements(engine, settings.statement_timeout)
            app.state.db = Database.for_engine(engine)
        # What exists once the app is built lives as long as the process: out of the
        # collector's way, so its full collections stay short (no stalls of tens of ms).
        gc.collect()
        gc.freeze()
        yield
        if limiter is not None:
            await limiter.aclose()
        if owned:
            await app.state.db.engine.dispose()

    app = Communique(
        title="Communiqué",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # `/api/v1/visits/` is no URL of the API (404), rather than a redirect whose
        # Location Starlette builds from the request's Host header.
        redirect_slashes=False,
    )
    if database is not None:
        app.state.db = database
    app.state.stats_cache = ResultCache(ttl=settings.stats_cache_seconds)
    app.state.rate_limiter = limiter
    if limiter is not None:
        declare_in_openapi(app)
    errors.install(app)
    for router in (
        ops_router,
        organizations_router,
        officials_router,
        visits_router,
        delegations_router,
        press_releases_router,
        search_router,
        stats_router,
        keys_router,
    ):
        app.include_router(router)
    # Outermost last: authenticate, count the request against its key's (or address's)
    # limits, refuse oversized bodies, then answer the busiest reads without routing. Nothing
    # reads the body before a writer is known to hold a valid key and be within its limits.
    app.add_middleware(
        HotReads,
        reads={
            press_releases_path: lambda source, id_: press_releases.get_json(
                source, release_id=id_
            ),
            visits_path: _visit_json,
        },
    )
    app.add_middleware(BodyLimitMiddleware)
    if limiter is not None:
        app.add_middleware(RateLimits, limiter=limiter)
    app.add_middleware(AuthenticationMiddleware)
    return app
