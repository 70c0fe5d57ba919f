from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from app.kit import openapi
from app.kit.cache import ResultCache
from app.kit.deps import SessionDep
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
) -> VisitStats:
    """Published visits counted by month, year, organization, country or topic.

    Takes the /visits filters. `total` counts distinct visits; with topic and guest_*
    groupings a visit can be in several buckets. Time buckets are sorted by key, the
    others by count (descending). Answers may be reused for STATS_CACHE_SECONDS; a write
    through the same server process clears them at once.
    """
    cache: ResultCache = request.app.state.stats_cache
    key = (group_by, filters)

    async def compute() -> VisitStats:
        buckets, total = await service.visit_counts(session, group_by=group_by, filters=filters)
        return VisitStats(group_by=group_by, buckets=[Bucket(**b) for b in buckets], total=total)

    answer: VisitStats = await cache.get_or_compute(key, compute)
    return answer
