"""Drafts are invisible to anonymous readers, enforced once for every ORM query.

Request sessions carry `info["can_see_drafts"]` (see app.kit.deps). For anonymous ones, every
SELECT (top-level, subqueries, joins and eager loads alike) gets criteria that keep only
published visits and releases, and only the delegations of published visits.
"""

from functools import cache

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.base import ExecutableOption

from app.delegations.models import Delegation
from app.kit.enums import Status
from app.press_releases.models import PressRelease
from app.visits.models import Visit

PUBLISHED = Status.published.value


@cache
def published_only() -> tuple[ExecutableOption, ...]:
    """Loader criteria that hide drafts; also used where drafts are hidden for everyone."""
    # Built once: the options are immutable and their cache key is computed once.
    return (
        with_loader_criteria(Visit, Visit.status == PUBLISHED, include_aliases=True),
        with_loader_criteria(PressRelease, PressRelease.status == PUBLISHED, include_aliases=True),
        with_loader_criteria(
            Delegation,
            Delegation.visit_id.in_(select(Visit.id).where(Visit.status == PUBLISHED)),
            include_aliases=True,
        ),
    )


@event.listens_for(Session, "do_orm_execute")
def _hide_drafts(state: ORMExecuteState) -> None:
    if (
        state.is_select
        and not state.is_column_load
        and not state.is_relationship_load
        and not state.session.info.get("can_see_drafts", True)
    ):
        state.statement = state.statement.options(*published_only())
