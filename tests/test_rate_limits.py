"""Rate limits (contract: Limits): per API key, per client address for anonymous clients,
`RateLimit-*` headers on every counted response, 429 problem+json with `Retry-After` past the
budget; counts in the process, or shared through Redis when `REDIS_URL` is set.

The Redis tests need the Redis server of this machine (and of CI) at `TEST_REDIS_URL`
(default: database 15 of 127.0.0.1:6379); each test keeps its counts under a prefix of its
own and deletes them afterwards.
"""

import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import redis.asyncio as redis
from fastapi import FastAPI

from app.config import Settings
from app.kit.deps import Database
from app.kit.ratelimit import MemoryCounter, RateLimiter
from app.main import create_app
from tests.raw import call
from tests.support import assert_problem

API = "/api/v1"
ORGANIZATIONS = f"{API}/organizations"
Headers = dict[str, str]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WINDOW = 60
HERE = ("127.0.0.1", 50000)
ELSEWHERE = ("192.0.2.7", 50000)


class Clock:
    """A clock the test moves by hand: windows end when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limited_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "rate_limit_enabled": True,
        "rate_limit_window_seconds": WINDOW,
        "rate_limit_reads": 3,
        "rate_limit_writes": 2,
        "rate_limit_extract": 1,
        "rate_limit_refused_credentials": 2,
        "redis_url": None,
    }
    return Settings(**{**values, **overrides})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limited_app(database: Database, clock: Clock) -> FastAPI:
    """The app with small budgets, counting in memory on the test's clock."""
    app = create_app(limited_settings(), database=database)
    limiter: RateLimiter = app.state.rate_limiter
    limiter.counter = MemoryCounter(clock=clock)
    limiter.clock = clock
    return app


Connect = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def connect(limited_app: FastAPI) -> AsyncIterator[Connect]:
    """Clients of `limited_app` (or another app), each from the address it is given."""
    clients: list[httpx.AsyncClient] = []

    def make(address: tuple[str, int] = HERE, app: FastAPI = limited_app) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=address)
        client = httpx.AsyncClient(transport=transport, base_url="http://test")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def usage(response: httpx.Response) -> tuple[int, int, int]:
    """(RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset) of a counted response."""
    headers = response.headers
    for name in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"):
        assert headers.get(name, "").isdigit(), (name, dict(headers))
    return (
        int(headers["ratelimit-limit"]),
        int(headers["ratelimit-remaining"]),
        int(headers["ratelimit-reset"]),
    )


def assert_limited(response: httpx.Response, limit: int) -> dict[str, Any]:
    """A 429 problem with Retry-After and the headers of an exhausted budget."""
    body = assert_problem(response, 429)
    assert body["type"] == "urn:communique:problem:rate-limited", body
    assert body["title"] == "Too Many Requests", body
    retry_after = response.headers.get("retry-after", "")
    assert retry_after.isdigit() and 1 <= int(retry_after) <= WINDOW, response.headers
    got_limit, remaining, reset = usage(response)
    assert (got_limit, remaining) == (limit, 0)
    assert reset == int(retry_after)
    return body


def organization(name: str) -> dict[str, str]:
    return {"name": name, "kind": "other"}


# --- headers and 429 --------------------------------------------------------------------


async def test_reads_carry_where_the_client_stands(connect: Connect) -> None:
    client = connect()
    seen = [usage(await client.get(f"{API}/visits")) for _ in range(3)]
    assert [(limit, remaining) for limit, remaining, _ in seen] == [(3, 2), (3, 1), (3, 0)]
    assert all(1 <= reset <= WINDOW for _, _, reset in seen)
    response = await client.get(f"{API}/visits")
    assert response.headers["ratelimit-policy"] == f"3;w={WINDOW}"


async def test_past_the_read_budget_is_429_problem_json(connect: Connect) -> None:
    client = connect()
    for _ in range(3):
        assert (await client.get(f"{API}/organizations")).status_code == 200
    response = await client.get(f"{API}/organizations")
    body = assert_limited(response, 3)
    assert "client address" in body["detail"]
    # Every kind of read draws on the same budget, and HEAD too (no body).
    assert_limited(await client.get(f"{API}/search?q=x"), 3)
    head = await client.head(f"{API}/visits")
    assert head.status_code == 429
    assert head.headers["retry-after"] == head.headers["ratelimit-reset"]
    assert usage(head)[:2] == (3, 0)


async def test_reads_answered_before_routing_are_counted(connect: Connect) -> None:
    client = connect()
    for path in (f"{API}/press-releases/12345", f"{API}/visits/12345", f"{API}/visits/7"):
        response = await client.get(path)
        assert response.status_code == 404
        assert usage(response)[0] == 3
    assert_limited(await client.get(f"{API}/press-releases/12345"), 3)


async def test_errors_are_counted_too(connect: Connect) -> None:
    client = connect()
    assert usage(await client.get(f"{API}/no-such-thing"))[:2] == (3, 2)
    assert usage(await client.get(f"{API}/visits?limit=0"))[:2] == (3, 1)


async def test_operational_endpoints_are_not_limited(connect: Connect) -> None:
    client = connect()
    for _ in range(4):
        await client.get(f"{API}/visits")
    for path in ("/health", "/ready", "/metrics"):
        for _ in range(5):
            response = await client.get(path)
            assert response.status_code != 429, path
            assert "ratelimit-limit" not in response.headers, path
    response = await client.options(f"{API}/visits")
    assert response.status_code != 429
    assert "ratelimit-limit" not in response.headers


async def test_the_window_ends(connect: Connect, clock: Clock) -> None:
    client = connect()
    for _ in range(3):
        await client.get(f"{API}/visits")
    limited = await client.get(f"{API}/visits")
    assert_limited(limited, 3)
    clock.now += int(limited.headers["retry-after"]) - 1
    assert_limited(await client.get(f"{API}/visits"), 3)
    clock.now += 1
    response = await client.get(f"{API}/visits")
    assert response.status_code == 200
    assert usage(response) == (3, 2, WINDOW)


# --- budgets: reads, writes, /extract ----------------------------------------------------


async def test_writes_have_their_own_budget(connect: Connect, editor_headers: Headers) -> None:
    client = connect()
    for _ in range(3):
        await client.get(f"{API}/visits", headers=editor_headers)
    assert_limited(await client.get(f"{API}/visits", headers=editor_headers), 3)

    first = await client.post(ORGANIZATIONS, json=organization("A"), headers=editor_headers)
    assert first.status_code == 201, first.text
    assert usage(first)[:2] == (2, 1)
    second = await client.post(ORGANIZATIONS, json=organization("B"), headers=editor_headers)
    assert second.status_code == 201
    third = await client.post(ORGANIZATIONS, json=organization("C"), headers=editor_headers)
    body = assert_limited(third, 2)
    assert "API key" in body["detail"]
    # PATCH and DELETE are writes as well.
    item = f"{ORGANIZATIONS}/{first.json()['id']}"
    assert_limited(await client.patch(item, json={"name": "D"}, headers=editor_headers), 2)
    assert_limited(await client.delete(item, headers=editor_headers), 2)


async def test_extract_has_its_own_budget(connect: Connect, editor_headers: Headers) -> None:
    client = connect()
    body = {"text": "Riyad, 08-5-2023 — ...", "language": "fr", "published_on": None}
    first = await client.post(f"{API}/extract", json=body, headers=editor_headers)
    assert first.status_code != 429
    assert usage(first)[:2] == (1, 0)
    assert_limited(await client.post(f"{API}/extract", json=body, headers=editor_headers), 1)
    # Ordinary writes are untouched.
    created = await client.post(ORGANIZATIONS, json=organization("A"), headers=editor_headers)
    assert created.status_code == 201
    assert usage(created)[:2] == (2, 1)


async def test_over_the_limit_writer_is_refused_before_its_body_is_read(
    limited_app: FastAPI, editor_headers: Headers
) -> None:
    def request(name: str) -> tuple[list[tuple[str, str]], bytes]:
        body = b'{"name": "' + name.encode() + b'", "kind": "other"}'
        headers = [
            ("content-type", "application/json"),
            ("content-length", str(len(body))),
            ("authorization", editor_headers["Authorization"]),
        ]
        return headers, body

    for name in ("X", "Y"):
        assert (await call(limited_app, "POST", ORGANIZATIONS, *request(name))).status == 201
    refused = await call(limited_app, "POST", ORGANIZATIONS, *request("Z"))
    assert refused.status == 429
    assert not refused.body_read
    assert refused.headers["connection"] == "close"
    assert refused.headers["content-type"] == "application/problem+json"


# --- who is counted: keys, addresses ----------------------------------------------------


async def test_each_key_has_its_own_budget(
    connect: Connect, editor_headers: Headers, admin_headers: Headers
) -> None:
    client = connect()
    for _ in range(3):
        await client.get(f"{API}/visits", headers=editor_headers)
    assert_limited(await client.get(f"{API}/visits", headers=editor_headers), 3)
    # Another key, and anonymous readers at the same address, are not affected.
    assert usage(await client.get(f"{API}/visits", headers=admin_headers))[:2] == (3, 2)
    assert usage(await client.get(f"{API}/visits"))[:2] == (3, 2)


async def test_a_key_counts_the_same_from_every_address(
    connect: Connect, editor_headers: Headers
) -> None:
    here, elsewhere = connect(HERE), connect(ELSEWHERE)
    await here.get(f"{API}/visits", headers=editor_headers)
    await elsewhere.get(f"{API}/visits", headers=editor_headers)
    await here.get(f"{API}/visits", headers=editor_headers)
    assert_limited(await elsewhere.get(f"{API}/visits", headers=editor_headers), 3)


async def test_anonymous_clients_count_per_address(connect: Connect) -> None:
    here, elsewhere = connect(HERE), connect(ELSEWHERE)
    for _ in range(3):
        await here.get(f"{API}/visits")
    assert_limited(await here.get(f"{API}/visits"), 3)
    response = await elsewhere.get(f"{API}/visits")
    assert response.status_code == 200
    assert usage(response)[:2] == (3, 2)


async def test_ipv6_clients_count_per_64(connect: Connect) -> None:
    one, same_64, other_64 = (
        connect(("2001:db8:1:1::1", 1)),
        connect(("2001:db8:1:1:ffff::2", 1)),
        connect(("2001:db8:1:2::1", 1)),
    )
    await one.get(f"{API}/visits")
    await same_64.get(f"{API}/visits")
    await one.get(f"{API}/visits")
    assert_limited(await same_64.get(f"{API}/visits"), 3)
    assert usage(await other_64.get(f"{API}/visits"))[:2] == (3, 2)


# --- refused credentials ------------------------------------------------------------------

BOGUS = {"Authorization": "Bearer cq_" + "b" * 43}


async def test_refused_credentials_count_against_the_address(
    connect: Connect, editor_headers: Headers, clock: Clock
) -> None:
    here, elsewhere = connect(HERE), connect(ELSEWHERE)
    for remaining in (1, 0):
        refused = await here.get(f"{API}/visits", headers=BOGUS)
        assert_problem(refused, 401)
        assert usage(refused)[:2] == (2, remaining)
    shut_out = await here.get(f"{API}/visits", headers=BOGUS)
    body = assert_limited(shut_out, 2)
    assert "refused credentials" in body["detail"]
    # Until the window ends, nothing presented from that address is looked up, a valid key
    # included (as sign-in pages do after failed attempts) ...
    assert_limited(await here.get(f"{API}/visits", headers=editor_headers), 2)
    assert_limited(await here.post(ORGANIZATIONS, json={}, headers=editor_headers), 2)
    # ... while its anonymous reads, and the key from elsewhere, go on.
    assert (await here.get(f"{API}/visits")).status_code == 200
    assert (await elsewhere.get(f"{API}/visits", headers=editor_headers)).status_code == 200
    clock.now += WINDOW
    assert (await here.get(f"{API}/visits", headers=editor_headers)).status_code == 200


async def test_malformed_and_doubled_credentials_are_refused_credentials(
    connect: Connect, editor_headers: Headers
) -> None:
    client = connect()
    assert_problem(await client.get(f"{API}/visits", headers={"Authorization": "Basic eDp5"}), 401)
    doubled = [("Authorization", editor_headers["Authorization"])] * 2
    assert_problem(await client.get(f"{API}/visits", headers=doubled), 401)
    assert_limited(await client.get(f"{API}/visits", headers=BOGUS), 2)


async def test_a_missing_key_is_not_a_refused_credential(connect: Connect) -> None:
    client = connect()
    for _ in range(4):
        refused = await client.post(ORGANIZATIONS, json=organization("A"))
        assert_problem(refused, 401)
        assert "ratelimit-limit" not in refused.headers


# --- settings -----------------------------------------------------------------------------


async def test_limits_can_be_turned_off(database: Database) -> None:
    app = create_app(limited_settings(rate_limit_enabled=False), database=database)
    assert app.state.rate_limiter is None
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for _ in range(5):
            response = await client.get(f"{API}/visits")
            assert response.status_code == 200
            assert "ratelimit-limit" not in response.headers
        document = (await client.get("/openapi.json")).json()
    assert "429" not in document["paths"][f"{API}/visits"]["get"]["responses"]


def test_default_budgets_are_generous() -> None:
    defaults = {name: field.default for name, field in Settings.model_fields.items()}
    assert defaults["rate_limit_enabled"] is True
    assert defaults["rate_limit_window_seconds"] == 60
    assert defaults["rate_limit_reads"] >= 600
    assert defaults["rate_limit_writes"] >= 120
    assert defaults["rate_limit_extract"] >= 10
    assert defaults["redis_url"] is None


async def test_openapi_declares_429_on_counted_operations(connect: Connect) -> None:
    document = (await connect(("198.51.100.1", 1)).get("/openapi.json")).json()
    for path, method in [
        (f"{API}/visits", "get"),
        (f"{API}/visits", "post"),
        (f"{API}/visits/{{id}}", "patch"),
        (f"{API}/search", "get"),
    ]:
        declared = document["paths"][path][method]["responses"]["429"]
        assert "Retry-After" in declared["headers"]
        assert "application/problem+json" in declared["content"]
    assert "429" not in document["paths"]["/health"]["get"]["responses"]


# --- shared through Redis ----------------------------------------------------------------


@pytest.fixture
async def redis_client() -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_URL)
    await client.ping()  # the Redis tests run against a real server, or fail
    yield client
    await client.aclose()


@pytest.fixture
async def redis_prefix(redis_client: redis.Redis) -> AsyncIterator[str]:
    """A key prefix of this test's own, its keys deleted afterwards."""
    prefix = f"test:ratelimit:{uuid.uuid4().hex}:"
    yield prefix
    keys = [key async for key in redis_client.scan_iter(match=prefix + "*")]
    if keys:
        await redis_client.delete(*keys)


def redis_app(database: Database, prefix: str, **overrides: Any) -> FastAPI:
    settings = limited_settings(redis_url=REDIS_URL, rate_limit_redis_prefix=prefix, **overrides)
    return create_app(settings, database=database)


@pytest.fixture
async def two_instances(
    database: Database, redis_prefix: str, connect: Connect
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two apps (as two workers or two machines would run) on one Redis."""
    apps = [redis_app(database, redis_prefix) for _ in range(2)]
    yield connect(app=apps[0]), connect(app=apps[1])
    for app in apps:
        await app.state.rate_limiter.aclose()


async def test_redis_counts_are_shared_by_every_instance(
    two_instances: tuple[httpx.AsyncClient, httpx.AsyncClient],
    redis_client: redis.Redis,
    redis_prefix: str,
) -> None:
    first, second = two_instances
    assert usage(await first.get(f"{API}/visits"))[:2] == (3, 2)
    assert usage(await second.get(f"{API}/visits"))[:2] == (3, 1)
    assert usage(await first.get(f"{API}/visits"))[:2] == (3, 0)
    assert_limited(await second.get(f"{API}/visits"), 3)
    assert_limited(await first.get(f"{API}/visits"), 3)
    # The count lives in Redis, and goes away with its window.
    keys = [key async for key in redis_client.scan_iter(match=redis_prefix + "*")]
    assert keys == [f"{redis_prefix}reads:address:127.0.0.1".encode()]
    ttl = await redis_client.pttl(keys[0])
    assert 0 < ttl <= WINDOW * 1000


async def test_redis_keeps_keys_and_addresses_apart(
    two_instances: tuple[httpx.AsyncClient, httpx.AsyncClient], editor_headers: Headers
) -> None:
    first, second = two_instances
    for _ in range(3):
        await first.get(f"{API}/visits", headers=editor_headers)
    assert_limited(await second.get(f"{API}/visits", headers=editor_headers), 3)
    assert usage(await second.get(f"{API}/visits"))[:2] == (3, 2)
    created = await second.post(ORGANIZATIONS, json=organization("A"), headers=editor_headers)
    assert created.status_code == 201
    assert usage(created)[:2] == (2, 1)


async def test_redis_counts_refused_credentials_across_instances(
    two_instances: tuple[httpx.AsyncClient, httpx.AsyncClient], editor_headers: Headers
) -> None:
    first, second = two_instances
    assert_problem(await first.get(f"{API}/visits", headers=BOGUS), 401)
    assert_problem(await second.get(f"{API}/visits", headers=BOGUS), 401)
    assert_limited(await first.get(f"{API}/visits", headers=BOGUS), 2)
    assert_limited(await first.get(f"{API}/visits", headers=editor_headers), 2)


async def test_redis_window_ends(
    two_instances: tuple[httpx.AsyncClient, httpx.AsyncClient],
    redis_client: redis.Redis,
    redis_prefix: str,
) -> None:
    first, second = two_instances
    for _ in range(3):
        await first.get(f"{API}/visits")
    assert_limited(await second.get(f"{API}/visits"), 3)
    # Redis ends the window (the key's expiry) for every instance at once.
    key = f"{redis_prefix}reads:address:127.0.0.1"
    assert await redis_client.pexpire(key, 1)
    for _ in range(10_000):  # a millisecond or two
        if not await redis_client.exists(key):
            break
    response = await second.get(f"{API}/visits")
    assert response.status_code == 200
    assert usage(response) == (3, 2, WINDOW)
    assert usage(await first.get(f"{API}/visits"))[:2] == (3, 1)


async def test_unreachable_redis_counts_in_the_process(
    database: Database, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on port 1: neither reads nor writes go down with Redis, the limits
    # still hold (per process), and the log says so once.
    app = create_app(
        limited_settings(redis_url="redis://127.0.0.1:1/0", rate_limit_reads=4),
        database=database,
    )
    client = connect(app=app)
    with caplog.at_level(logging.WARNING, logger="communique"):
        for remaining in (3, 2, 1, 0):
            response = await client.get(f"{API}/visits")
            assert response.status_code == 200
            assert usage(response)[:2] == (4, remaining)
        assert_limited(await client.get(f"{API}/visits"), 4)
    warnings = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    await app.state.rate_limiter.aclose()
