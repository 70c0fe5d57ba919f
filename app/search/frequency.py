"""How often a PostgreSQL text query's words occur, from the statistics ANALYZE keeps.

`ANALYZE` records the most common lexemes of a tsvector column with the share of rows holding
each (`pg_stats.most_common_elems`), and the smallest share listed: a lexeme not listed is
rarer than that. From these, `estimate` gives the part of the rows a tsquery matches (AND:
the rarest side; OR: the sum; NOT and phrases: as loose as their words), which is all a search
needs to choose between walking the newest rows and asking the word index.
"""

import re
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

REFRESH_SECONDS = 300.0

_TOKEN = re.compile(r"'((?:[^']|'')*)'(?::[*A-D]+)?|<\d*-?>|[&|!()]")


@dataclass(frozen=True)
class Frequencies:
    shares: dict[str, float]
    unlisted: float  # the share assumed for a lexeme the statistics do not list
    rows: float  # how many rows the table had when analyzed
    loaded: float


_cache: dict[str, Frequencies] = {}


async def _load(session: AsyncSession, table: str) -> Frequencies | None:
    row = (
        await session.execute(
            text(
                "SELECT s.most_common_elems::text::text[], s.most_common_elem_freqs, "
                "c.reltuples FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
                "AND c.relnamespace = to_regnamespace(s.schemaname) "
                "WHERE s.schemaname = current_schema() AND s.tablename = :table "
                "AND s.attname = 'search_vector'"
            ),
            {"table": table},
        )
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    lexemes, freqs, rows = row
    # The frequencies list ends with the minimum and maximum of those before them. A lexeme
    # not listed is rarer than the rarest listed: taken as half of it, as PostgreSQL does.
    return Frequencies(
        dict(zip(lexemes, freqs, strict=False)),
        float(freqs[len(lexemes)]) / 2,
        max(float(rows), 1.0),
        time.monotonic(),
    )


async def statistics(session: AsyncSession, table: str) -> Frequencies | None:
    """The lexeme frequencies of `table`'s search vectors (None before its first ANALYZE),
    read again every REFRESH_SECONDS."""
    found = _cache.get(table)
    if found is None or time.monotonic() - found.loaded > REFRESH_SECONDS:
        loaded = await _load(session, table)
        if loaded is None:
            return None
        _cache[table] = found = loaded
    return found


def estimate(tsquery: str, frequencies: Frequencies) -> float:
    tokens = [
        match.group(1).replace("''", "'") if match.group(1) is not None else match.group(0)
        for match in _TOKEN.finditer(tsquery)
    ]
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def either() -> float:  # a | b
        nonlocal position
        value = both()
        while peek() == "|":
            position += 1
            value = min(1.0, value + both())
        return value

    def both() -> float:  # a & b, a <-> b
        nonlocal position
        value = single()
        while (token := peek()) is not None and (token == "&" or token.startswith("<")):
            position += 1
            value = min(value, single())
        return value

    def single() -> float:
        nonlocal position
        token = peek()
        position += 1
        if token == "!":
            single()
            return 1.0
        if token == "(":
            value = either()
            position += 1  # ")"
            return value
        if token is None:
            return 0.0
        return frequencies.shares.get(token, frequencies.unlisted)

    return either() if tokens else 0.0
