"""Request paths for wrk: valid, varied, and the same on every run (seeded).

Ids come from the loaded database (published rows only, so anonymous reads answer 200);
search words come from the generator's own vocabularies.
"""

from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import asyncpg

from app.kit.text import fold
from bench import words as W
from bench.generate import SEED, search_words
from bench.load import plain_url

N_PATHS = 2000


def _absent(rng: random.Random) -> str:
    """A made-up word no release holds (consonant-vowel syllables, nine letters)."""
    return "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(4)) + "x"


def _queries(rng: random.Random, n: int) -> list[str]:
    """One or two words of one language (the vocabulary runs from very frequent to rare);
    French words sometimes typed without accents; one query in ten a word found nowhere."""
    vocab = search_words(SEED)
    out = []
    for _ in range(n):
        if rng.random() < 0.1:
            out.append(_absent(rng))
            continue
        words = vocab[rng.choice(("en", "fr"))]
        picked = rng.sample(words, 2 if rng.random() < 0.25 else 1)
        if rng.random() < 0.3:
            picked = [fold(w) for w in picked]
        out.append(" ".join(picked))
    return out


def _names(rng: random.Random, n: int) -> list[str]:
    """Name-ish queries for /search: family names (with transliteration variants), cities,
    organization words and acronyms."""
    pool = (
        W.FAMILY_NAMES
        + [v for variants in W.VARIANTS.values() for v in variants]
        + [city for country in W.COUNTRIES for city in country[4]]
        + [i[3] for i in W.INTERNATIONAL if i[3]]
        + ["National Defense University", "Ministry of Defense", "Naval Academy"]
    )
    return [rng.choice(pool) for _ in range(n)]


async def _collect(url: str) -> dict[str, list[str]]:
    rng = random.Random(SEED + 100)
    conn = await asyncpg.connect(plain_url(url), timeout=10)
    try:
        releases = [
            r[0]
            for r in await conn.fetch(
                "SELECT id FROM press_releases WHERE status = 'published' ORDER BY id"
            )
        ]
        hosts = [
            r[0]
            for r in await conn.fetch(
                "SELECT DISTINCT host_organization_id FROM visits WHERE status = 'published' "
                "ORDER BY 1"
            )
        ]
        busiest = [
            r[0]
            for r in await conn.fetch(
                "SELECT host_organization_id FROM visits WHERE status = 'published' "
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 20"
            )
        ]
    finally:
        await conn.close()

    by_id = [f"/api/v1/press-releases/{i}" for i in rng.sample(releases, N_PATHS)]

    visits = []
    for _ in range(N_PATHS):
        start = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 365 * 10))
        end = start + timedelta(days=rng.randint(365, 4 * 365))
        params = {
            "host_organization_id": rng.choice(hosts),
            "from": start.isoformat(),
            "to": end.isoformat(),
            "limit": 20,
        }
        visits.append("/api/v1/visits?" + urlencode(params))

    release_search = [f"/api/v1/press-releases?q={quote(q)}" for q in _queries(rng, N_PATHS)]

    texts = _queries(rng, N_PATHS * 7 // 10)
    names = _names(rng, N_PATHS - len(texts))
    mixed = texts + names
    rng.shuffle(mixed)
    search = [f"/api/v1/search?q={quote(q)}" for q in mixed]

    # A dashboard asks the same few questions again and again: the whole history by month
    # (40%), one calendar year (30%, 11 variants) or one of the 20 busiest hosts (30%).
    stats = []
    for _ in range(N_PATHS // 4):
        roll = rng.random()
        if roll < 0.4:
            stats.append("/api/v1/stats/visits?group_by=month")
        elif roll < 0.7:
            year = rng.randint(2015, 2025)
            stats.append(f"/api/v1/stats/visits?group_by=month&from={year}-01-01&to={year}-12-31")
        else:
            host = rng.choice(busiest)
            stats.append(f"/api/v1/stats/visits?group_by=month&host_organization_id={host}")
    return {
        "release_by_id": by_id,
        "visits": visits,
        "release_search": release_search,
        "search": search,
        "stats": stats,
    }


def write_paths(url: str, out: Path) -> dict[str, Path]:
    """Write one file of paths per endpoint into `out`; returns the files by endpoint key."""
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for key, paths in asyncio.run(_collect(url)).items():
        file = out / f"paths-{key}.txt"
        file.write_text("\n".join(paths) + "\n")
        files[key] = file
    return files
