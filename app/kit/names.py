"""SQL for transliteration-tolerant name matching, the same answers on both databases.

PostgreSQL uses pg_trgm (`<<%`, GIN-indexed); SQLite calls the Python twin of
`strict_word_similarity` registered on each connection (app.kit.db).
"""

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    String,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.functions import GenericFunction

from app.kit.text import MATCHING, fold, skeleton

EXACT = 2.0


class similar_words(FunctionElement[bool]):
    """`query <<% target`: some run of words in target is trigram-similar to query."""

    inherit_cache = True
    name = "similar_words"


@compiles(similar_words, "postgresql")
def _similar_words_pg(element: similar_words, compiler: Any, **kw: Any) -> str:
    query, target = list(element.clauses)
    return f"({compiler.process(query, **kw)} <<% {compiler.process(target, **kw)})"


@compiles(similar_words)
def _similar_words_default(element: similar_words, compiler: Any, **kw: Any) -> str:
    query, target = list(element.clauses)
    return (
        f"(strict_word_similarity({compiler.process(query, **kw)}, "
        f"{compiler.process(target, **kw)}) >= {MATCHING})"
    )


class costly_true(FunctionElement[bool]):
    """Always true, but priced high: on PostgreSQL `to_tsvector(...) IS NOT NULL`, which the
    planner costs a hundred times an operator. Name tables are small, and the planner,
    costing `<<%` like an equality, would compute the trigram similarity of every name in a
    scan (about 2 ms) rather than ask the trigram index (about 0.1 ms); with this condition
    beside it, the scan looks as dear as it is, and it is computed only for indexed hits."""

    inherit_cache = True
    name = "costly_true"


@compiles(costly_true, "postgresql")
def _costly_true_pg(element: costly_true, compiler: Any, **kw: Any) -> str:
    (column,) = list(element.clauses)
    text = compiler.process(column, **kw)
    return f"(to_tsvector('simple'::regconfig, coalesce({text}, '')) IS NOT NULL)"


@compiles(costly_true)
def _costly_true_default(element: costly_true, compiler: Any, **kw: Any) -> str:
    return "1 = 1"


class greatest(GenericFunction[float]):
    type = Float()
    inherit_cache = True


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clause_expr, **kw)[1:-1]})"


class NameQuery:
    """A user's name query in the forms it is matched on."""

    def __init__(self, q: str) -> None:
        self.key: Any = fold(q)
        self.skeleton: Any = skeleton(q)

    @classmethod
    def parameters(cls) -> "NameQuery":
        """A query whose key and skeleton are the bind parameters `name_key` and
        `name_skeleton`, for statements compiled once (app.kit.fastread)."""
        query = cls("")
        query.key = bindparam("name_key", type_=String)
        query.skeleton = bindparam("name_skeleton", type_=String)
        return query

    def _skeleton(self) -> Any:
        return literal(self.skeleton) if isinstance(self.skeleton, str) else self.skeleton

    @property
    def searchable(self) -> bool:
        return bool(self.skeleton)

    def matches(self, key: Any, skel: Any, *others: Any) -> ColumnElement[bool]:
        """Exact (folded) match on `key` or any of `others`, or similar words in `skel`."""
        exact = [column == self.key for column in (key, *others)]
        return or_(*exact, similar_words(self._skeleton(), skel))

    def matching(
        self, id_column: Any, own: tuple[Any, ...], alias_owner: Any, alias: tuple[Any, ...]
    ) -> ColumnElement[bool]:
        """`id_column` is of a row whose own name columns `own` (key, skeleton, others…) or
        one of whose aliases (`alias` columns, `alias_owner` pointing back) match.

        As a union of ids rather than an OR over a correlated subquery, so that each table's
        exact and trigram indexes answer (PostgreSQL) instead of a scan of every row."""
        matched: ColumnElement[bool] = id_column.in_(
            union(
                select(id_column).where(self.matches(*own), costly_true(own[1])),
                select(alias_owner).where(self.matches(*alias), costly_true(alias[1])),
            )
        )
        return matched

    def score(self, key: Any, skel: Any, *others: Any) -> ColumnElement[float]:
        """2 for an exact match, else the word similarity (0..1)."""
        exact = or_(*[column == self.key for column in (key, *others)])
        return case(
            (exact, literal(EXACT)),
            else_=func.strict_word_similarity(self._skeleton(), skel),
        )
