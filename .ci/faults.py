"""Fault tests against a running Communiqué server: what an outage, a crowd of writers or a
hostile client does to it. Run by .ci/attack.py (which starts the server); usable alone:

    .venv/bin/python .ci/faults.py --base-url http://127.0.0.1:8000 --key KEY --db sqlite
    .venv/bin/python .ci/faults.py --base-url … --key KEY --db postgresql --pg-database ci_attack

Tests (each prints what it saw and every violation; the exit code is 1 on any violation):

- writers:    16 concurrent writers (create, then change, organizations): every answer 201/200,
              no "database is locked", no 500, every acknowledged write readable afterwards.
- hostile:    bodies at and past the size limits (1 MiB, 200 000 characters, deep nesting, many
              fields, huge numbers, no Content-Length) and hostile reads (forged cursors, many
              words, many ids), sent concurrently, each answered with its expected status,
              while /health keeps answering in under a second each time.
- terminate:  (PostgreSQL) the server's database connections killed again and again with
              pg_terminate_backend while writers and readers run: 2xx or 503 with Retry-After.
- outage:     (PostgreSQL) the cluster stopped for a few seconds under 8 concurrent writers:
              only 201 or 503 with Retry-After, no 500 and no hang, every 201 readable after,
              /ready back to 200 without restarting the server. The cluster is started again
              whatever happens (finally), since whatever runs next needs it.

Every request loop is bounded in time and count and talks only to the given local server.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

API = "/api/v1"
MIB = 1024 * 1024
UNAVAILABLE = 503
# A rate limit is a valid answer (the attack server runs with limits off when it can).
TOO_MANY = 429
PG_HOST = os.environ.get("PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PG_PORT", "5432"))


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


@dataclass
class Target:
    base_url: str
    key: str
    db: str  # "sqlite" or "postgresql"
    pg_database: str | None = None

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class Result:
    name: str
    violations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, message: str) -> None:
        # A flood of the same violation says no more than its first few and a count.
        if len(self.violations) < 25:
            self.violations.append(message)
        elif len(self.violations) == 25:
            self.violations.append("… (more violations left out)")

    def note(self, message: str) -> None:
        self.notes.append(message)


def client(target: Target, timeout: float = 30.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=target.base_url,
        timeout=httpx.Timeout(timeout, connect=10.0),
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
    )


def describe(response: httpx.Response) -> str:
    text = response.text[:300].replace("\n", " ")
    return f"{response.request.method} {response.request.url.path} → {response.status_code} {text}"


def unavailable_ok(response: httpx.Response) -> bool:
    """A 503 or 429 that says when to retry, as the contract asks."""
    return (
        response.status_code in (UNAVAILABLE, TOO_MANY)
        and response.headers.get("retry-after", "").isdigit()
        and response.headers.get("content-type", "").startswith("application/problem+json")
    )


# --- acknowledged writes must be readable -------------------------------------------------


async def check_readable(
    http: httpx.AsyncClient, target: Target, written: dict[int, str], result: Result
) -> None:
    """Every organization answered 201 (id → name) reads back with that name. One by one:
    the contract's batch read (`?id=`) would do, where the service has it."""
    gate = asyncio.Semaphore(16)
    missing: list[str] = []

    async def check(item_id: int) -> None:
        async with gate:
            response = await http.get(f"{API}/organizations/{item_id}", headers=target.auth)
        name = response.json().get("name") if response.status_code == 200 else None
        if name != written[item_id]:
            missing.append(
                f"organization {item_id} was acknowledged as {written[item_id]!r} but reads "
                f"back as {response.status_code} {response.text[:200]}"
            )

    await asyncio.gather(*(check(item_id) for item_id in sorted(written)))
    for message in missing[:5]:
        result.fail(message)
    if missing:
        result.fail(f"{len(missing)} of {len(written)} acknowledged writes are not readable")
    else:
        result.note(f"all {len(written)} acknowledged writes read back")


async def wait_ready(http: httpx.AsyncClient, within: float) -> float | None:
    """Seconds until /ready answers 200 (None: not within `within`)."""
    start = time.monotonic()
    while time.monotonic() - start < within:
        try:
            response = await http.get("/ready", timeout=5)
            if response.status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.25)
    return None


# --- concurrent writers --------------------------------------------------------------------


async def writers(target: Target, *, tasks: int = 16, per_task: int = 30) -> Result:
    """`tasks` writers at once, each creating organizations and changing each one once."""
    result = Result(f"{tasks} concurrent writers")
    statuses: Counter[str] = Counter()
    written: dict[int, str] = {}
    run = f"w{int(time.time())}"

    async def writer(http: httpx.AsyncClient, number: int) -> None:
        for i in range(per_task):
            name = f"Concurrent writer {run} {number} {i}"
            response = await http.post(
                f"{API}/organizations",
                json={"name": name, "kind": "ngo", "country_code": "FR"},
                headers=target.auth,
            )
            statuses[f"POST {response.status_code}"] += 1
            if response.status_code == TOO_MANY and unavailable_ok(response):
                continue
            if response.status_code != 201:
                result.fail(describe(response))
                continue
            body = response.json()
            written[body["id"]] = name
            name = f"{name} (changed)"
            changed = await http.patch(
                f"{API}/organizations/{body['id']}",
                json={"name": name, "city": "Lyon"},
                headers={**target.auth, "If-Match": response.headers.get("etag", "*")},
            )
            statuses[f"PATCH {changed.status_code}"] += 1
            if changed.status_code == 200:
                written[body["id"]] = name
            elif not (changed.status_code == TOO_MANY and unavailable_ok(changed)):
                result.fail(describe(changed))
            if "locked" in response.text or "locked" in changed.text:
                result.fail(f"'database is locked' in an answer: {describe(changed)}")

    started = time.monotonic()
    async with client(target) as http:
        outcomes = await asyncio.gather(
            *(writer(http, n) for n in range(tasks)), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                result.fail(f"a writer got no answer: {outcome!r}")
        result.seconds = time.monotonic() - started
        result.note(f"answers: {dict(sorted(statuses.items()))} in {result.seconds:.1f}s")
        await check_readable(http, target, written, result)
    return result


# --- hostile bodies while /health answers ---------------------------------------------------


@dataclass
class Case:
    label: str
    method: str
    path: str
    body: Callable[[int], bytes] | bytes
    allowed: frozenset[int]
    authenticated: bool = True
    content_type: str = "application/json"
    chunked: bool = False  # sent without Content-Length
    # Refused before its body is read (too large, or anonymous): the server may close the
    # connection while the client is still sending, and the client then sees a reset instead
    # of the answer. No server can owe a full read of a body it refuses.
    may_close: bool = False


def _padded(document: bytes, size: int) -> bytes:
    """A JSON object padded with insignificant whitespace to exactly `size` bytes."""
    assert document.endswith(b"}") and len(document) <= size
    return document[:-1] + b" " * (size - len(document)) + b"}"


def _org(n: int, suffix: str = "") -> bytes:
    return f'{{"name": "Hostile {n}{suffix}", "kind": "ngo"}}'.encode()


def _release(body: str, n: int) -> bytes:
    import json

    return json.dumps(
        {"title": f"Hostile release {n}", "body": body, "language": "fr"}, ensure_ascii=False
    ).encode()


# 200 000 characters of prose with accents, two- and four-byte characters.
_WORDS = "Délégation reçue à Riyad, coopération militaire, الأمن, 𝔇é𝔣𝔢𝔫𝔰𝔢 "
_LONG_TEXT = (_WORDS * (200_000 // len(_WORDS) + 1))[:200_000]


def hostile_cases(run: str) -> list[Case]:
    ok_created = frozenset({201})
    refused = frozenset({400, 413, 422})
    anonymous = frozenset({401, 413})  # 413 while the body limit still runs before auth
    depth = 100_000
    many_fields = b"{" + b",".join(b'"f%d":0' % i for i in range(80_000)) + b"}"
    return [
        Case("1 MiB exactly (whitespace)", "POST", f"{API}/organizations",
             lambda n: _padded(_org(n, f" {run} exact"), MIB), ok_created),
        Case("1 MiB + 1 byte", "POST", f"{API}/organizations",
             lambda n: _padded(_org(n, f" {run} over"), MIB + 1), frozenset({413}),
             may_close=True),
        Case("2 MiB without Content-Length", "POST", f"{API}/organizations",
             lambda n: _padded(_org(n, f" {run} chunked"), 2 * MIB), frozenset({413}),
             chunked=True, may_close=True),
        Case("body of 200 000 characters (the maximum)", "POST", f"{API}/press-releases",
             lambda n: _release(_LONG_TEXT, n), ok_created),
        Case("body of 200 001 characters", "POST", f"{API}/press-releases",
             lambda n: _release(_LONG_TEXT + "x", n), frozenset({422})),
        Case("body of 170 000 \\u escapes (just under 1 MiB)", "POST", f"{API}/press-releases",
             lambda n: _release("", n).replace(b'"body": ""', b'"body": "' +
                                               b"\\u00e9" * 170_000 + b'"'), ok_created),
        Case(f"array nested {depth} deep", "POST", f"{API}/organizations",
             b'{"name": ' + b"[" * depth + b"]" * depth + b', "kind": "ngo"}', refused),
        Case(f"object nested {depth} deep", "POST", f"{API}/visits",
             b'{"title": ' + b'{"a":' * depth + b"1" + b"}" * depth + b"}", refused),
        Case("80 000 unknown fields", "POST", f"{API}/organizations", many_fields, refused),
        Case("100 000 topics", "POST", f"{API}/visits",
             b'{"title": "t", "start_date": "2024-01-01", "host_organization_id": 1, '
             b'"topics": [' + b",".join(b'"t%d"' % i for i in range(100_000)) + b"]}",
             refused),
        Case("20 000 aliases", "POST", f"{API}/organizations",
             b'{"name": "n", "kind": "ngo", "aliases": ['
             + b",".join(b'{"name": "a%d"}' % i for i in range(20_000)) + b"]}", refused),
        Case("an integer of 500 000 digits", "POST", f"{API}/organizations",
             b'{"name": "n", "kind": "ngo", "parent_id": ' + b"9" * 500_000 + b"}", refused),
        Case("a float of 500 000 digits", "POST", f"{API}/organizations",
             b'{"name": "n", "kind": "ngo", "parent_id": 1.' + b"9" * 500_000 + b"}", refused),
        Case("a string of 1 000 000 backslash escapes", "POST", f"{API}/organizations",
             b'{"name": "' + b"\\n" * 500_000 + b'", "kind": "ngo"}', refused),
        *hostile_queries(),
        Case("anonymous 1 MiB", "POST", f"{API}/organizations",
             lambda n: _padded(_org(n, f" {run} anon"), MIB), anonymous, authenticated=False,
             may_close=True),
        Case("anonymous 1 MiB + 1 byte", "POST", f"{API}/organizations",
             lambda n: _padded(_org(n, f" {run} anon over"), MIB + 1), anonymous,
             authenticated=False, may_close=True),
    ]  # fmt: skip


def _cursor(value: Any) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def hostile_queries() -> list[Case]:
    """Anonymous reads with forged cursors (integers past 32 and 64 bits, a relevance offset
    of a million), many words, many ids: 200, 400 or 422, never a 500 or a long stall."""
    answered = frozenset({200, 400, 422})
    words = "+or+".join(["the", "of", "and", "to", "in", "défense", "الأمن"] * 70)
    forged = {
        "organizations": ["id", 2**31],
        "officials": ["id", 2**63],
        "delegations": ["id", -(2**63) - 1],
        "visits": ["-start_date", "2023-05-08", 2**31],
        "press-releases": ["-published_on", "2023-05-08", 10**30],
    }
    cases = [
        Case(f"query: forged cursor on /{name}", "GET",
             f"{API}/{name}?cursor={_cursor(value)}", b"", answered, authenticated=False)
        for name, value in forged.items()
    ]  # fmt: skip
    return [
        *cases,
        Case("query: /search with a relevance offset of a million", "GET",
             f"{API}/search?q=defense+or+visit&cursor={_cursor(['rank', 1_000_000])}", b"",
             answered, authenticated=False),
        Case("query: /search with 490 words", "GET", f"{API}/search?q={words}", b"",
             answered, authenticated=False),
        Case("query: 101 ids and a limit of 10^30", "GET",
             f"{API}/visits?limit={10**30}&" + "&".join(f"id={i}" for i in range(101)), b"",
             answered, authenticated=False),
    ]  # fmt: skip


async def _chunks(data: bytes, size: int = 64 * 1024) -> Any:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def hostile(target: Target, *, rounds: int = 4, concurrency: int = 6) -> Result:
    result = Result("hostile bodies while /health answers")
    run = f"h{int(time.time())}"
    cases = hostile_cases(run)
    statuses: dict[str, Counter[int]] = {case.label: Counter() for case in cases}
    slowest: dict[str, float] = {case.label: 0.0 for case in cases}
    health_times: list[float] = []
    done = asyncio.Event()
    counter = itertools.count()
    gate = asyncio.Semaphore(concurrency)

    async def send(http: httpx.AsyncClient, case: Case) -> None:
        n = next(counter)
        body = case.body(n) if callable(case.body) else case.body
        headers = {"Content-Type": case.content_type}
        if case.authenticated:
            headers.update(target.auth)
        content: Any = _chunks(body) if case.chunked else (body or None)
        async with gate:
            started = time.monotonic()
            try:
                response = await http.request(
                    case.method, case.path, content=content, headers=headers
                )
            except httpx.HTTPError as error:
                if case.may_close and isinstance(
                    error, httpx.ReadError | httpx.WriteError | httpx.RemoteProtocolError
                ):
                    statuses[case.label][-1] += 1
                    return
                result.fail(f"{case.label}: no answer ({error!r})")
                return
            took = time.monotonic() - started
        slowest[case.label] = max(slowest[case.label], took)
        statuses[case.label][response.status_code] += 1
        if response.status_code not in case.allowed and not unavailable_ok(response):
            result.fail(f"{case.label}: {describe(response)}")

    async def probe(http: httpx.AsyncClient) -> None:
        while not done.is_set():
            started = time.monotonic()
            try:
                response = await http.get("/health", timeout=10)
                took = time.monotonic() - started
                health_times.append(took)
                if response.status_code != 200:
                    result.fail(f"/health answered {response.status_code}")
                elif took >= 1.0:
                    result.fail(f"/health took {took:.2f}s (limit 1s)")
            except httpx.HTTPError as error:
                result.fail(f"/health gave no answer: {error!r}")
            await asyncio.sleep(0.1)

    started = time.monotonic()
    # The probe has a connection of its own: it never queues behind a hostile body.
    async with client(target, timeout=60) as http, client(target, timeout=10) as health:
        prober = asyncio.create_task(probe(health))
        await asyncio.sleep(0.3)
        for _ in range(rounds):
            await asyncio.gather(*(send(http, case) for case in cases))
        done.set()
        await prober
    result.seconds = time.monotonic() - started
    for case in cases:
        counts = ", ".join(
            f"{'closed' if status == -1 else status}×{count}"
            for status, count in sorted(statuses[case.label].items())
        )
        result.note(f"{case.label}: {counts} (slowest {slowest[case.label]:.2f}s)")
    if health_times:
        ordered = sorted(health_times)
        result.note(
            f"/health answered {len(ordered)} times: median {ordered[len(ordered) // 2]:.3f}s, "
            f"slowest {ordered[-1]:.3f}s"
        )
    else:
        result.fail("/health was never asked")
    return result


# --- PostgreSQL faults ---------------------------------------------------------------------


def pg_cluster() -> tuple[str, str]:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])
    return versions[-1], "main"


def pg_ctl(action: str) -> None:
    version, name = pg_cluster()
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action]
    if action == "stop":
        command += ["-m", "fast"]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


def pg_is_up() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", PG_HOST, "-p", str(PG_PORT)], check=False, timeout=10
        ).returncode
        == 0
    )


def ensure_pg_up(timeout: float = 60) -> bool:
    """Start the cluster if it is down; True once it accepts connections."""
    if pg_is_up():
        return True
    log("PostgreSQL is down; starting it")
    try:
        pg_ctl("start")
    except subprocess.CalledProcessError as error:
        log(f"pg_ctlcluster start failed: {error.stderr.decode(errors='replace')}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pg_is_up():
            return True
        time.sleep(0.5)
    return False


async def _terminate_backends(database: str) -> int:
    import asyncpg

    connection = await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user="postgres", database="postgres", timeout=5
    )
    try:
        rows = await connection.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
        return sum(1 for row in rows if row[0])
    finally:
        await connection.close()


@dataclass
class Load:
    """Writers and readers running until told to stop, with every answer judged."""

    target: Target
    result: Result
    writers: int = 8
    readers: int = 4
    statuses: Counter[str] = field(default_factory=Counter)
    written: dict[int, str] = field(default_factory=dict)
    acknowledged_after: dict[int, float] = field(default_factory=dict)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    ok_after_start: float | None = None

    def judge(self, response: httpx.Response, ok: int) -> bool:
        kind = f"{response.request.method} {response.status_code}"
        self.statuses[kind] += 1
        if response.status_code == ok:
            return True
        if not unavailable_ok(response):
            self.result.fail(describe(response) + f" (retry-after: "
                             f"{response.headers.get('retry-after')!r})")  # fmt: skip
        return False

    async def write(self, http: httpx.AsyncClient, number: int) -> None:
        run = f"{self.result.name[:8]} {int(time.time())}"
        for i in itertools.count():
            if self.stop.is_set():
                return
            name = f"Fault writer {run} {number} {i}"
            try:
                response = await http.post(
                    f"{API}/organizations",
                    json={"name": name, "kind": "university", "country_code": "PK"},
                    headers=self.target.auth,
                )
            except httpx.HTTPError as error:
                self.result.fail(f"a write got no answer (hang or dropped): {error!r}")
                continue
            if self.judge(response, 201):
                self.written[response.json()["id"]] = name
                self.acknowledged_after[response.json()["id"]] = time.monotonic()
            else:
                await asyncio.sleep(0.05)

    async def read(self, http: httpx.AsyncClient, number: int) -> None:
        paths = [f"{API}/organizations?limit=5", f"{API}/visits?limit=5", "/ready"]
        for i in itertools.count():
            if self.stop.is_set():
                return
            path = paths[(number + i) % len(paths)]
            try:
                response = await http.get(path)
            except httpx.HTTPError as error:
                self.result.fail(f"a read got no answer (hang or dropped): {error!r}")
                continue
            if path == "/ready":
                self.statuses[f"ready {response.status_code}"] += 1
                if response.status_code not in (200, UNAVAILABLE):
                    self.result.fail(describe(response))
            elif not self.judge(response, 200):
                await asyncio.sleep(0.05)

    async def run(self, http: httpx.AsyncClient, during: Callable[[], Awaitable[None]]) -> None:
        tasks = [asyncio.create_task(self.write(http, n)) for n in range(self.writers)]
        tasks += [asyncio.create_task(self.read(http, n)) for n in range(self.readers)]
        try:
            await during()
        finally:
            self.stop.set()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                self.result.fail(f"a load task failed: {outcome!r}")


async def terminate(target: Target, *, seconds: float = 8.0, every: float = 0.4) -> Result:
    """Connections killed mid-request, again and again, while requests run."""
    assert target.pg_database
    result = Result("connections killed mid-request (pg_terminate_backend)")
    killed = 0

    async def kill_repeatedly() -> None:
        nonlocal killed
        await asyncio.sleep(1.0)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            killed += await _terminate_backends(target.pg_database or "")
            await asyncio.sleep(every)
        await asyncio.sleep(1.5)  # requests after the last kill: the pool heals itself

    started = time.monotonic()
    async with client(target, timeout=20) as http:
        load = Load(target, result)
        await load.run(http, kill_repeatedly)
        result.seconds = time.monotonic() - started
        result.note(f"{killed} backend connections terminated over {seconds:g}s")
        if not killed:
            result.fail("no connection of the server was found to terminate")
        result.note(f"answers: {dict(sorted(load.statuses.items()))}")
        if load.statuses["POST 201"] == 0:
            result.fail("no write succeeded at all")
        recovered = await wait_ready(http, 20)
        if recovered is None:
            result.fail("/ready did not answer 200 within 20s after the last kill")
        else:
            result.note(f"/ready answered 200 {recovered:.1f}s after the load stopped")
        await check_readable(http, target, load.written, result)
    return result


async def outage(target: Target, *, before: float = 4.0, down: float = 3.0,
                 after: float = 6.0) -> Result:  # fmt: skip
    """PostgreSQL stopped under 8 writers (and a few readers): `down` seconds plus the time
    it takes to start again (2-3 s here), about 5 s without a database in all."""
    result = Result("PostgreSQL stopped for a few seconds under 8 writers")
    times: dict[str, float] = {}

    async def stop_and_start() -> None:
        await asyncio.sleep(before)
        try:
            times["stop"] = time.monotonic()
            log("stopping PostgreSQL")
            await asyncio.to_thread(pg_ctl, "stop")
            times["stopped"] = time.monotonic()
            await asyncio.sleep(down)
        finally:
            log("starting PostgreSQL again")
            up = await asyncio.to_thread(ensure_pg_up)
            times["started"] = time.monotonic()
            if not up:
                result.fail("PostgreSQL did not come back up")
        await asyncio.sleep(after)

    started = time.monotonic()
    async with client(target, timeout=30) as http:
        load = Load(target, result, readers=2)
        try:
            await load.run(http, stop_and_start)
        finally:
            if not await asyncio.to_thread(ensure_pg_up):
                result.fail("PostgreSQL is not up after the outage test")
        result.seconds = time.monotonic() - started
        if "stopped" in times:
            result.note(
                f"PostgreSQL took {times['stopped'] - times['stop']:.1f}s to stop, was down "
                f"{times['started'] - times['stopped']:.1f}s until it accepted connections"
            )
        result.note(f"answers: {dict(sorted(load.statuses.items()))}")
        if not load.statuses[f"POST {UNAVAILABLE}"]:
            result.fail("no write was refused: was PostgreSQL stopped at all?")
        after_restart = [t for t in load.acknowledged_after.values() if t > times.get("started", 0)]
        if not after_restart:
            result.fail("no write succeeded after PostgreSQL came back (no recovery)")
        else:
            first = min(after_restart) - times["started"]
            result.note(f"first acknowledged write {first:.1f}s after PostgreSQL was back")
        recovered = await wait_ready(http, 20)
        if recovered is None:
            result.fail("/ready did not answer 200 within 20s of the restart")
        else:
            result.note("/ready answers 200 again, same server process")
        await check_readable(http, target, load.written, result)
    return result


# --- running them ---------------------------------------------------------------------------

TESTS: dict[str, Callable[[Target], Awaitable[Result]]] = {
    "writers": writers,
    "hostile": hostile,
    "terminate": terminate,
    "outage": outage,
}
POSTGRESQL_ONLY = frozenset({"terminate", "outage"})


def selected(target: Target, names: Iterable[str] | None) -> list[str]:
    chosen = list(names) if names else list(TESTS)
    return [n for n in chosen if target.db == "postgresql" or n not in POSTGRESQL_ONLY]


async def run_all(target: Target, names: Iterable[str] | None = None) -> list[Result]:
    results = []
    for name in selected(target, names):
        log(f"running {name} on {target.db}")
        try:
            result = await TESTS[name](target)
        except Exception as error:  # a broken test is a failed test, reported as such
            result = Result(name)
            result.fail(f"the test itself failed: {error!r}")
        results.append(result)
        print_result(result)
    return results


def print_result(result: Result) -> None:
    verdict = "FAILED" if result.violations else "ok"
    print(f"\n--- {result.name}: {verdict} ({result.seconds:.1f}s)", flush=True)
    for note in result.notes:
        print(f"    {note}")
    for violation in result.violations:
        print(f"    VIOLATION: {violation}")
    sys.stdout.flush()


def summary(results: list[Result], db: str) -> bool:
    print(f"\n==== fault tests on {db} ====")
    for result in results:
        verdict = f"FAILED ({len(result.violations)})" if result.violations else "ok"
        print(f"  {verdict:<12} {result.name}")
    return not any(result.violations for result in results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--key", required=True, help="an editor API key")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--pg-database", help="the server's PostgreSQL database")
    parser.add_argument("--only", action="append", choices=list(TESTS))
    args = parser.parse_args(argv)
    if args.db == "postgresql" and not args.pg_database:
        parser.error("--pg-database is needed with --db postgresql")
    target = Target(args.base_url.rstrip("/"), args.key, args.db, args.pg_database)
    try:
        results = asyncio.run(run_all(target, args.only))
    finally:
        if args.db == "postgresql" and not ensure_pg_up():
            print("PostgreSQL could not be started again", file=sys.stderr)
    return 0 if summary(results, args.db) else 1


if __name__ == "__main__":
    sys.exit(main())
