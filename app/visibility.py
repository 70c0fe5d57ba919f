"""Drafts are invisible to anonymous readers, enforced once for every query.

Request sessions carry `info["can_see_drafts"]` (see app.kit.deps). For anonymous ones, every
SELECT (top-level, subqueries, joins and eager loads alike) gets criteria that keep only
published visits and releases, and only the delegations of published visits: through the ORM
by the hook below, for the precompiled hot reads (app.kit.fastread) by `visible`.
"""

from functools import cache
from typing import Any, Protocol, TypeVar

from sqlalchemy import Executable, event, exists
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.base import ExecutableOption

from app.delegations.models import Delegation
from app.kit.enums import Status
from app.press_releases.models import PressRelease
from app.visits.models import Visit

PUBLISHED = Status.published.value
S = TypeVar("S", bound=Executable)


@cache
def published_only() -> tuple[ExecutableOption, ...]:
    """Loader criteria that hide drafts; also used where drafts are hidden for everyone."""
    # Built once: the options are immutable and their cache key is computed once.
    # The delegations' condition reads the visits table itself (not the Visit entity, which
    # would get its own criterion again), as a correlated EXISTS: a primary-key probe per
    # delegation, not a list of every published visit.
    visits: Any = Visit.__table__.alias("visible_visit")
    return (
        with_loader_criteria(Visit, Visit.status == PUBLISHED, include_aliases=True),
        with_loader_criteria(PressRelease, PressRelease.status == PUBLISHED, include_aliases=True),
        with_loader_criteria(
            Delegation,
            exists()
            .where(visits.c.id == Delegation.visit_id, visits.c.status == PUBLISHED)
            .correlate_except(visits),
            include_aliases=True,
        ),
    )


class _WithInfo(Protocol):
    @property
    def info(self) -> dict[Any, Any]: ...


def can_see_drafts(session: _WithInfo) -> bool:
    """Whether a session (or a fastread.Reading: anything with a session's `info`) may see
    drafts; sessions outside a request (CLI, seed) see everything."""
    return bool(session.info.get("can_see_drafts", True))


def visible(statement: S, *, drafts: bool) -> S:
    """The statement as a reader who may (or may not) see drafts is allowed to run it."""
    return statement if drafts else statement.options(*published_only())


@event.listens_for(Session, "do_orm_execute")
def _hide_drafts(state: ORMExecuteState) -> None:
    if state.is_select and not state.is_column_load and not state.is_relationship_load:
        state.statement = visible(state.statement, drafts=can_see_drafts(state.session))
