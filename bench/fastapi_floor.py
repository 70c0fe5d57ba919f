"""An experiment beside the floor: the floor's own asyncpg code behind FastAPI routes.

It separates what FastAPI itself costs from what the service's data layer costs: same SQL,
same bytes out as bench.floor, but requests go through FastAPI routing, query validation
and Response objects. Not part of `make bench`; run it by hand:

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/communique_bench \
        .venv/bin/uvicorn bench.fastapi_floor:app --workers 2 --port 8103 --no-access-log
    wrk -t2 -c32 -d10s --latency -s bench/paths.lua http://127.0.0.1:8103 \
        -- bench/out/paths-release_by_id.txt
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import Response

from bench import floor

data = floor.Floor()  # its pool ($BENCH_DATABASE_URL) and statements


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    await data.startup()
    yield
    assert data.pool is not None
    await data.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/api/v1/press-releases/{release_id}")
async def get_release(release_id: int) -> Response:
    body = await data.release_by_id(release_id)
    if body is None:
        raise HTTPException(404)
    return Response(body, media_type="application/json")


@app.get("/api/v1/visits")
async def list_visits(
    host_organization_id: Annotated[int, Query(ge=1)],
    from_: Annotated[date, Query(alias="from")],
    to: date,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    body = await data.visits(host_organization_id, from_, to, limit)
    return Response(body, media_type="application/json")


@app.get("/ready")
async def ready() -> dict[str, str]:
    return {"status": "ok"}
