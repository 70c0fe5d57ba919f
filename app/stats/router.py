from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from app.kit import openapi
from app.kit.cache import ResultCache
from app.kit.deps import SessionDep
from app.kit.http import JSON
from app.stats import service
from app.stats.service import GroupBy
from app.visits.router import VisitFiltersDep

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])


class Bucket(BaseModel):
    key: str
    label: str
    count: int


class VisitStats(BaseModel):
    group_by: GroupBy
    buckets: list[Bucket]
    total: int


@router.get("/visits", response_model=VisitStats, responses=openapi.responses(401, 422))
async def visit_stats(
    request: Request,
    session: SessionDep,
    group_by: Annotated[GroupBy, Query(description="What to count visits by.")],
    filters: VisitFiltersDep,
) -> Response:
    """Published visits counted by month, year, organization, country or topic.

    Takes the /visits filters. `total` counts distinct visits; with topic and guest_*
    groupings a visit can be in several buckets. Time buckets are sorted by key, the
    others by count (descending). Answers may be reused for STATS_CACHE_SECONDS; a write
    through the same server process clears them at once.
    """
    cache: ResultCache = request.app.state.stats_cache
    key = (group_by, filters)

    async def compute() -> bytes:
        buckets, total = await service.visit_counts(session, group_by=group_by, filters=filters)
        answer = VisitStats(group_by=group_by, buckets=[Bucket(**b) for b in buckets], total=total)
        return answer.__pydantic_serializer__.to_json(answer)

    # The answer is kept serialized: a repeated question costs no model or JSON work.
    body: bytes = await cache.get_or_compute(key, compute)
    return Response(body, media_type=JSON)
