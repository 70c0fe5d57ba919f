"""Operational endpoints: liveness and readiness."""

from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text
from starlette.responses import Response

from app.config import PROJECT_ROOT
from app.kit import openapi
from app.kit.deps import Database
from app.kit.errors import ServiceUnavailable, is_unavailable

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    schema_revision: str


@lru_cache
def newest_revision() -> str:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    head = ScriptDirectory.from_config(config).get_current_head()
    return head or ""


@router.get("/health", response_model=Health)
async def health() -> Health:
    """The process is up (it does not look at the database)."""
    return Health(status="ok")


@router.get("/ready", response_model=Readiness, responses=openapi.responses())
async def ready(request: Request) -> Readiness | Response:
    """The database answers and its schema is at the newest migration; else 503."""
    db: Database = request.app.state.db
    try:
        async with db.read() as session:
            revision = await session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception as error:
        if is_unavailable(error):
            raise ServiceUnavailable() from error
        raise ServiceUnavailable("The database schema has not been migrated.") from error
    if revision != newest_revision():
        raise ServiceUnavailable(
            f"The database schema is at {revision}, not {newest_revision()}; run migrations."
        )
    return Readiness(status="ok", database=db.engine.dialect.name, schema_revision=revision)
