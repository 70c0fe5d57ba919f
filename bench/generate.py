"""Seeded synthetic data for the benchmark: the same rows on every run for a given seed.

Shape (defaults): ~500 organizations (aliases in French/Arabic, acronyms, a few names shared
across countries), 5,000 officials (transliteration aliases, positions), 66,000 visits
(2015–2025, ~3% drafts, topics, participants, 1–3 delegations each with members) and
200,000 press releases in French and English (~5% drafts), each linked to one visit.
Other sizes (`Sizes.for_label("2m")`: 2,000,000 releases, 660,000 visits, the same
organizations and officials) are generated the same way and are deterministic per size.

Rows are tuples in the column order of `COLUMNS[table]`, ready for COPY; the derived columns
the ORM fills on write (name_key, name_skeleton, acronym_key, identity_key, city_key) are
computed here with the app's own functions, exactly as the models' validators do.
`batches()` yields them table by table in bounded batches (what the loader COPYs, so 2M
releases are never all in memory); `generate()` collects them into lists.

    .venv/bin/python -m bench.generate [--size 20k]   # generate once, print the counts
"""

from __future__ import annotations

import argparse
import calendar
import itertools
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from app.kit.text import fold, skeleton
from bench import words as W

SEED = 20261129
# Bump when the generated data changes, so an old bench database is reloaded.
DATA_VERSION = 1


@dataclass(frozen=True)
class Sizes:
    """How many rows of each kind. The defaults are the data set `make bench` uses."""

    organizations: int = 500
    officials: int = 5_000
    visits: int = 66_000
    releases: int = 200_000

    @classmethod
    def for_releases(cls, releases: int) -> Sizes:
        """`releases` press releases and 0.33 visits per release (66,000 per 200,000);
        organizations and officials stay as they are."""
        return cls(visits=(releases * 33 + 50) // 100, releases=releases)

    @classmethod
    def for_label(cls, label: str) -> Sizes:
        """ "20k", "200k", "2m", "1.5m" or a plain number of releases."""
        text = label.strip().lower().replace("_", "").replace(",", "")
        factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
        try:
            releases = round(float(text[:-1] if factor > 1 else text) * factor)
        except ValueError:
            raise ValueError(f"not a size: {label!r} (e.g. 20k, 200k, 2m)") from None
        if releases < 1_000:
            raise ValueError(f"size {label!r}: at least 1,000 releases")
        return cls.for_releases(releases)

    @property
    def label(self) -> str:
        n = self.releases
        if n % 1_000_000 == 0:
            return f"{n // 1_000_000}m"
        if n % 1_000 == 0:
            return f"{n // 1_000}k"
        return str(n)


DEFAULT_SIZES = Sizes()
N_ORGANIZATIONS = DEFAULT_SIZES.organizations
N_OFFICIALS = DEFAULT_SIZES.officials
N_VISITS = DEFAULT_SIZES.visits
N_RELEASES = DEFAULT_SIZES.releases
BATCH = 20_000  # rows of press releases (visits: a tenth of it, with their children) per batch

FIRST_DAY = date(2015, 1, 1)
LAST_DAY = date(2025, 12, 31)
ARABIC_COUNTRIES = {
    "SA",
    "EG",
    "MA",
    "DZ",
    "TN",
    "AE",
    "QA",
    "JO",
    "OM",
    "KW",
    "BH",
    "SD",
    "MR",
    "TD",
}
FRENCH_COUNTRIES = {"FR", "BE", "CH", "CA", "SN", "CI", "MA", "DZ", "TN", "NE", "ML", "TD", "MR"}

COLUMNS: dict[str, tuple[str, ...]] = {
    "organizations": (
        "id",
        "name",
        "acronym",
        "kind",
        "country_code",
        "city",
        "website",
        "parent_id",
        "name_key",
        "name_skeleton",
        "acronym_key",
        "identity_key",
        "version",
        "created_at",
        "updated_at",
    ),
    "organization_aliases": (
        "id",
        "organization_id",
        "name",
        "language",
        "acronym",
        "name_key",
        "name_skeleton",
        "acronym_key",
    ),
    "officials": (
        "id",
        "name",
        "honorific",
        "country_code",
        "name_key",
        "name_skeleton",
        "version",
        "created_at",
        "updated_at",
    ),
    "official_aliases": ("id", "official_id", "name", "language", "name_key", "name_skeleton"),
    "positions": (
        "id",
        "official_id",
        "organization_id",
        "title",
        "acting",
        "start_date",
        "end_date",
    ),
    "visits": (
        "id",
        "title",
        "status",
        "start_date",
        "end_date",
        "date_precision",
        "city",
        "city_key",
        "country_code",
        "venue",
        "host_organization_id",
        "summary",
        "version",
        "created_at",
        "updated_at",
    ),
    "visit_topics": ("visit_id", "topic"),
    "participants": ("id", "visit_id", "official_id", "side", "role"),
    "delegations": (
        "id",
        "visit_id",
        "organization_id",
        "country_code",
        "head_official_id",
        "size",
        "description",
        "version",
        "created_at",
        "updated_at",
    ),
    "delegation_members": ("id", "delegation_id", "official_id", "role"),
    "press_releases": (
        "id",
        "title",
        "body",
        "language",
        "status",
        "published_on",
        "dateline",
        "source_url",
        "issuer_organization_id",
        "translation_of_id",
        "version",
        "created_at",
        "updated_at",
    ),
    "release_visits": ("press_release_id", "visit_id"),
}
# Parents before children (foreign keys are checked during COPY).
LOAD_ORDER = tuple(COLUMNS)


Row = tuple[Any, ...]


@dataclass
class Dataset:
    seed: int
    sizes: Sizes = DEFAULT_SIZES
    tables: dict[str, list[Row]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items()}


class Text:
    """Words drawn with Zipf-like weights: common words often, the long tail rarely."""

    def __init__(self, rng: random.Random, function: list[str], content: list[str]) -> None:
        self.rng = rng
        content = list(dict.fromkeys(content))
        rng.shuffle(content)  # rank is not alphabetical or thematic
        self.vocab = function + content
        self.content = content
        weights = [1.0 / (rank + 2) ** 1.0 for rank in range(len(self.vocab))]
        self.cum = list(itertools.accumulate(weights))

    def words(self, n: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum, k=n)

    def sentences(self, n_words: int) -> str:
        words = self.words(n_words)
        rng = self.rng
        out: list[str] = []
        i = 0
        sentence_no = 0
        while i < len(words):
            size = rng.randint(7, 18)
            chunk = words[i : i + size]
            i += size
            sentence = " ".join(chunk)
            sentence = sentence[0].upper() + sentence[1:] + "."
            sentence_no += 1
            if sentence_no % 4 == 0 and i < len(words):
                sentence += "\n\n"
            else:
                sentence += " "
            out.append(sentence)
        return "".join(out).strip()


def _org_row(
    oid: int,
    name: str,
    acronym: str | None,
    kind: str,
    country: str | None,
    city: str | None,
    website: str | None,
    parent: int | None,
    now: datetime,
) -> tuple[Any, ...]:
    name_key = fold(name)
    return (
        oid,
        name,
        acronym,
        kind,
        country,
        city,
        website,
        parent,
        name_key,
        skeleton(name),
        fold(acronym) if acronym else None,
        f"{country or '-'}:{name_key}",
        1,
        now,
        now,
    )


def _alias_row(
    aid: int, oid: int, name: str, language: str | None, acronym: str | None
) -> tuple[Any, ...]:
    return (
        aid,
        oid,
        name,
        language,
        acronym,
        fold(name),
        skeleton(name),
        fold(acronym) if acronym else None,
    )


def _slug(name: str) -> str:
    return "-".join(fold(name).replace("'", " ").split())[:60]


def _organizations(
    rng: random.Random, now: datetime, data: Dataset, n_organizations: int
) -> list[dict[str, Any]]:
    """Organizations (dicts kept for later use) and their alias rows."""
    orgs: list[dict[str, Any]] = []
    aliases: list[tuple[Any, ...]] = []
    seen: set[str] = set()
    country_info = {c[0]: c for c in W.COUNTRIES}

    def add(
        name: str,
        kind: str,
        country: str | None,
        city: str | None,
        acronym: str | None = None,
        parent: int | None = None,
        alias_list: list[tuple[str, str | None, str | None]] = (),
    ) -> int | None:
        identity = f"{country or '-'}:{fold(name)}"
        if identity in seen or len(orgs) >= n_organizations:
            return None
        seen.add(identity)
        oid = len(orgs) + 1
        website = (
            f"https://www.{_slug(name)}.{(country or 'int').lower()}.example"
            if rng.random() < 0.5
            else None
        )
        orgs.append(
            {
                "id": oid,
                "name": name,
                "kind": kind,
                "country": country,
                "city": city,
                "fr": next((a[0] for a in alias_list if a[1] == "fr"), name),
                "row": _org_row(oid, name, acronym, kind, country, city, website, parent, now),
            }
        )
        for alias_name, language, alias_acronym in alias_list:
            aliases.append(_alias_row(len(aliases) + 1, oid, alias_name, language, alias_acronym))
        return oid

    for en, fr, ar, acr, fr_acr, country, city in W.INTERNATIONAL:
        kind = "military_alliance" if acr in ("IMCTC", "NATO") else "international_organization"
        alias_list = [(fr, "fr", fr_acr)] + ([(ar, "ar", None)] if ar else [])
        add(en, kind, country, city, acr, alias_list=alias_list)

    defense_ministry: dict[str, int] = {}
    for code, _en, _fr, _adj, cities in W.COUNTRIES:
        for index, (en, fr, ar, acr) in enumerate(W.MINISTRIES):
            if index >= 3 and rng.random() > 0.4:
                continue
            alias_list: list[tuple[str, str | None, str | None]] = []
            if code in FRENCH_COUNTRIES or rng.random() < 0.3:
                alias_list.append((fr, "fr", None))
            if code in ARABIC_COUNTRIES and ar:
                alias_list.append((ar, "ar", None))
            oid = add(
                en,
                "ministry",
                code,
                cities[0],
                acr if rng.random() < 0.5 else None,
                alias_list=alias_list,
            )
            if oid and index == 0:
                defense_ministry[code] = oid

    for en, fr, ar, acr, countries in W.SHARED_UNIVERSITIES:
        for code in countries:
            alias_list = [(fr, "fr", None)]
            if ar and code in ARABIC_COUNTRIES | {"PK"}:
                alias_list.append((ar, "ar", None))
            add(
                en,
                "university",
                code,
                country_info[code][4][0],
                acr,
                parent=defense_ministry.get(code),
                alias_list=alias_list,
            )

    for _ in range(30):
        a, b = rng.sample(W.COUNTRIES, 2)
        add(
            f"Embassy of {a[1]} in {b[1]}",
            "embassy",
            b[0],
            b[4][0],
            alias_list=[(f"Ambassade ({a[2]}) à {b[4][0]}", "fr", None)],
        )

    combos = [(c, p) for c in W.COUNTRIES for p in W.ORG_PATTERNS]
    rng.shuffle(combos)
    for (code, en_country, fr_country, adj, cities), (kind, en_pat, fr_pat) in combos:
        if len(orgs) >= n_organizations:
            break
        city = rng.choice(cities)
        fill = {
            "adj": adj,
            "city": city,
            "country": en_country,
            "country_fr": fr_country,
            "word": rng.choice(W.COMPANY_WORDS),
        }
        name = en_pat.format(**fill)
        alias_list = [(fr_pat.format(**fill), "fr", None)] if fr_pat and rng.random() < 0.6 else []
        parent = defense_ministry.get(code) if kind == "armed_forces" else None
        add(name, kind, code, city, parent=parent, alias_list=alias_list)

    data.tables["organizations"] = [o["row"] for o in orgs]
    data.tables["organization_aliases"] = aliases
    return orgs


def _person_name(rng: random.Random) -> tuple[str, str, str]:
    given = rng.choice(W.GIVEN_NAMES)
    family = rng.choice(W.FAMILY_NAMES)
    middle = ""
    if family.startswith(("Al-", "El-")) and rng.random() < 0.4:
        middle = f" bin {rng.choice(W.GIVEN_NAMES[:20])}"
    return given, middle, family


def _officials(
    rng: random.Random, now: datetime, data: Dataset, n_orgs: int, n_officials: int
) -> None:
    officials: list[tuple[Any, ...]] = []
    aliases: list[tuple[Any, ...]] = []
    positions: list[tuple[Any, ...]] = []
    for oid in range(1, n_officials + 1):
        given, middle, family = _person_name(rng)
        name = f"{given}{middle} {family}"
        honorific = rng.choice(W.HONORIFICS) if rng.random() < 0.6 else None
        country = rng.choice(W.COUNTRIES)[0] if rng.random() < 0.95 else None
        officials.append((oid, name, honorific, country, fold(name), skeleton(name), 1, now, now))
        variants = []
        for part in (given, family):
            for variant in W.VARIANTS.get(part, []):
                variants.append(name.replace(part, variant))
        rng.shuffle(variants)
        picked = variants[: rng.randint(1, 2)] if variants else []
        if not picked and rng.random() < 0.3:
            picked = [f"{family}, {given}"]
        for alias in picked:
            aliases.append(
                (
                    len(aliases) + 1,
                    oid,
                    alias,
                    rng.choice(["en", "fr", None]),
                    fold(alias),
                    skeleton(alias),
                )
            )
        for _ in range(rng.choice((1, 1, 1, 2))):
            start = (
                FIRST_DAY + timedelta(days=rng.randrange(0, 3000)) if rng.random() < 0.7 else None
            )
            end = (
                start + timedelta(days=rng.randrange(100, 2000))
                if start and rng.random() < 0.3
                else None
            )
            positions.append(
                (
                    len(positions) + 1,
                    oid,
                    rng.randint(1, n_orgs),
                    rng.choice(W.POSITION_TITLES),
                    rng.random() < 0.05,
                    start,
                    end,
                )
            )
    data.tables["officials"] = officials
    data.tables["official_aliases"] = aliases
    data.tables["positions"] = positions


def _visit_dates(rng: random.Random) -> tuple[date, date, str]:
    span = (LAST_DAY - FIRST_DAY).days
    start = FIRST_DAY + timedelta(days=rng.randrange(span + 1))
    roll = rng.random()
    if roll < 0.05:  # "in May": the whole month, as the app normalizes it
        last = calendar.monthrange(start.year, start.month)[1]
        return start.replace(day=1), start.replace(day=last), "month"
    if roll < 0.07:  # "recently": the whole year
        return start.replace(month=1, day=1), start.replace(month=12, day=31), "year"
    end = min(start + timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3, 4))), LAST_DAY)
    return start, end, "day"


def _visits(
    rng: random.Random,
    now: datetime,
    sizes: Sizes,
    orgs: list[dict[str, Any]],
    en: Text,
    fr: Text,
    visits: list[dict[str, Any]],
    batch: int,
) -> Iterator[tuple[str, list[Row]]]:
    """Visit rows and their children's, `batch` visits at a time (a batch's children follow
    its visits); what the releases need of each visit is appended to `visits`."""
    # Hosting popularity: a few organizations host a lot, most host a little.
    order = list(range(len(orgs)))
    rng.shuffle(order)
    host_weights = [0.0] * len(orgs)
    for rank, index in enumerate(order):
        host_weights[index] = 1.0 / (rank + 1) ** 0.8
    host_cum = list(itertools.accumulate(host_weights))
    hosts = rng.choices(orgs, cum_weights=host_cum, k=sizes.visits)

    rows: list[Row] = []
    topics: list[Row] = []
    participants: list[Row] = []
    delegations: list[Row] = []
    members: list[Row] = []
    last_participant = last_delegation = last_member = 0  # ids so far

    def flush() -> Iterator[tuple[str, list[Row]]]:
        yield "visits", rows
        yield "visit_topics", topics
        yield "participants", participants
        yield "delegations", delegations
        yield "delegation_members", members

    n_officials = sizes.officials
    country_codes = [c[0] for c in W.COUNTRIES]
    for vid in range(1, sizes.visits + 1):
        host = hosts[vid - 1]
        guest = orgs[rng.randrange(len(orgs))]
        if guest is host:
            guest = orgs[(guest["id"]) % len(orgs)]
        start, end, precision = _visit_dates(rng)
        status = "draft" if rng.random() < 0.03 else "published"
        city = (
            host["city"]
            if host["city"] and rng.random() < 0.85
            else rng.choice(rng.choice(W.COUNTRIES)[4])
        )
        country = host["country"] or rng.choice(country_codes)
        if rng.random() < 0.5:
            title = f"Visit of a delegation from {guest['name']} to {host['name']}"
            summary = en.sentences(rng.randint(20, 60)) if rng.random() < 0.6 else None
        else:
            title = f"Visite d'une délégation de {guest['fr']} à {host['fr']}"
            summary = fr.sentences(rng.randint(20, 60)) if rng.random() < 0.6 else None
        venue = rng.choice(W.VENUES) if rng.random() < 0.3 else None
        rows.append(
            (
                vid,
                title,
                status,
                start,
                end,
                precision,
                city,
                fold(city) if city else None,
                country,
                venue,
                host["id"],
                summary,
                1,
                now,
                now,
            )
        )
        for topic in sorted(rng.sample(W.TOPICS, rng.randint(1, 4))):
            topics.append((vid, topic))
        people = rng.sample(range(1, n_officials + 1), 8)
        for official in people[: rng.choice((0, 1, 1, 2, 2, 3))]:
            last_participant += 1
            participants.append(
                (
                    last_participant,
                    vid,
                    official,
                    "host" if rng.random() < 0.8 else "guest",
                    rng.choice(W.PARTICIPANT_ROLES),
                )
            )
        n_delegations = rng.choices((1, 2, 3), weights=(60, 35, 5))[0]
        for d in range(n_delegations):
            sender = guest if d == 0 else orgs[rng.randrange(len(orgs))]
            organization_id = sender["id"] if rng.random() < 0.9 else None
            country_code = sender["country"] if sender["country"] and rng.random() < 0.8 else None
            if organization_id is None and country_code is None:
                country_code = rng.choice(country_codes)
            last_delegation += 1
            delegation_id = last_delegation
            crew = rng.sample(range(1, n_officials + 1), 5)[: rng.randint(1, 5)]
            head = crew[0] if rng.random() < 0.7 else None
            size = rng.randint(2, 40) if rng.random() < 0.6 else None
            description = en.sentences(rng.randint(6, 14)) if rng.random() < 0.2 else None
            delegations.append(
                (
                    delegation_id,
                    vid,
                    organization_id,
                    country_code,
                    head,
                    size,
                    description,
                    1,
                    now,
                    now,
                )
            )
            for official in crew:
                last_member += 1
                members.append((last_member, delegation_id, official, rng.choice(W.MEMBER_ROLES)))
        visits.append(
            {
                "id": vid,
                "host": host,
                "guest": guest,
                "start": start,
                "city": city,
                "status": status,
            }
        )
        if len(rows) >= batch:
            yield from flush()
            rows, topics, participants, delegations, members = [], [], [], [], []
    if rows:
        yield from flush()


def _releases(
    rng: random.Random,
    now: datetime,
    sizes: Sizes,
    visits: list[dict[str, Any]],
    en: Text,
    fr: Text,
    batch: int,
) -> Iterator[tuple[str, list[Row]]]:
    """Release rows, then their release_visits links, `batch` releases at a time."""
    rows: list[Row] = []
    links: list[Row] = []
    first_language: dict[int, str] = {}
    for rid in range(1, sizes.releases + 1):
        # Every visit gets one release, the rest go to visits at random.
        visit = visits[rid - 1] if rid <= len(visits) else visits[rng.randrange(len(visits))]
        vid = visit["id"]
        language = "fr" if rng.random() < 0.55 else "en"
        host, guest, city = visit["host"], visit["guest"], visit["city"]
        status = "draft" if rng.random() < 0.05 else "published"
        if status == "published" or rng.random() < 0.5:
            published_on: date | None = visit["start"] + timedelta(days=rng.randint(0, 3))
        else:
            published_on = None
        text = fr if language == "fr" else en
        n_words = rng.randint(60, 260)
        if language == "fr":
            title = (
                rng.choice(
                    (
                        f"{host['fr']} reçoit une délégation de {guest['fr']}",
                        f"Visite de {guest['fr']} à {city}",
                        f"{host['fr']} et {guest['fr']} renforcent leur coopération",
                    )
                )
                + " : "
                + " ".join(text.words(rng.randint(2, 5)))
            )
            body = f"{city}, {published_on or visit['start']:%d/%m/%Y} — " + text.sentences(n_words)
        else:
            title = (
                rng.choice(
                    (
                        f"{host['name']} receives a delegation from {guest['name']}",
                        f"{guest['name']} visits {city}",
                        f"{host['name']} and {guest['name']} strengthen cooperation",
                    )
                )
                + ": "
                + " ".join(text.words(rng.randint(2, 5)))
            )
            day = published_on or visit["start"]
            body = f"{city}, {day:%B %d, %Y} — " + text.sentences(n_words)
        translation_of = None
        if rid <= len(visits):
            first_language[vid] = language
        elif first_language[vid] != language and rng.random() < 0.5:
            translation_of = vid  # the visit's first release has the visit's id
        rows.append(
            (
                rid,
                title[:500],
                body,
                language,
                status,
                published_on,
                city,
                f"https://press.example/{language}/{rid}",
                host["id"],
                translation_of,
                1,
                now,
                now,
            )
        )
        links.append((rid, vid))
        if len(rows) >= batch:
            yield "press_releases", rows
            yield "release_visits", links
            rows, links = [], []
    if rows:
        yield "press_releases", rows
        yield "release_visits", links


def batches(
    seed: int = SEED,
    now: datetime | None = None,
    sizes: Sizes = DEFAULT_SIZES,
    batch: int = BATCH,
) -> Iterator[tuple[str, list[Row]]]:
    """The whole dataset as (table, rows) in an order the foreign keys accept: the small
    tables whole, then visits (with their children) and releases (with their links) in
    batches. Deterministic for a seed and sizes (timestamps aside) whatever the batch size."""
    if sizes.releases < sizes.visits:
        raise ValueError(f"{sizes}: every visit needs a release")
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    data = Dataset(seed=seed, sizes=sizes)
    en = Text(random.Random(seed + 1), list(W.EN_FUNCTION), list(W.EN_CONTENT))
    fr = Text(random.Random(seed + 2), list(W.FR_FUNCTION), list(W.FR_CONTENT))
    orgs = _organizations(rng, now, data, sizes.organizations)
    _officials(rng, now, data, len(orgs), sizes.officials)
    yield from data.tables.items()
    visits: list[dict[str, Any]] = []
    yield from _visits(rng, now, sizes, orgs, en, fr, visits, max(1, batch // 10))
    yield from _releases(rng, now, sizes, visits, en, fr, batch)


def generate(
    seed: int = SEED, now: datetime | None = None, sizes: Sizes = DEFAULT_SIZES
) -> Dataset:
    """The whole dataset in lists; deterministic for a seed and sizes (timestamps aside)."""
    data = Dataset(seed=seed, sizes=sizes)
    for table, rows in batches(seed, now, sizes):
        data.tables.setdefault(table, []).extend(rows)
    return data


def search_words(seed: int = SEED) -> dict[str, list[str]]:
    """Content words by language, in the generator's frequency order (most frequent first)."""
    en = Text(random.Random(seed + 1), list(W.EN_FUNCTION), list(W.EN_CONTENT))
    fr = Text(random.Random(seed + 2), list(W.FR_FUNCTION), list(W.FR_CONTENT))
    return {"en": en.content, "fr": fr.content}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--size", default=DEFAULT_SIZES.label, help="releases: 20k, 200k, 2m…")
    args = parser.parse_args()
    sizes = Sizes.for_label(args.size)
    started = time.perf_counter()
    counts: dict[str, int] = {}
    for table, rows in batches(args.seed, sizes=sizes):  # counted, not kept
        counts[table] = counts.get(table, 0) + len(rows)
    print(f"generated {sizes} in {time.perf_counter() - started:.1f}s")
    for name, count in counts.items():
        print(f"{name:22} {count:>10}")


if __name__ == "__main__":
    main()
