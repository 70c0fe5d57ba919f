"""Rate limits per API key (anonymous: per client address), as the contract's Limits say.

A fixed window per client and budget: the first request opens a window of
`rate_limit_window_seconds`, each request counts one, and past the budget the answer is `429`
until the window ends. Every limited response says where the client stands with
`RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window ends;
draft-ietf-httpapi-ratelimit-headers), and a `429` carries `Retry-After` as well.

Three budgets: reads (`GET`, `HEAD`), writes (every other method) and `POST /api/v1/extract`,
whose work is the heaviest and which has its own. `/health`, `/ready` and `/metrics` are not
counted (probes and scrapers must always get through), nor `OPTIONS` (CORS preflights,
answered without the database).

A fourth budget counts, per client address, the requests whose credentials were refused
(app.auth.middleware): an unknown key costs a database lookup and is no one's key, so without
it a bogus `Authorization` header would escape every limit. Past it, the address gets `429`
for any request with credentials until its window ends, without a lookup, as sign-in pages
do after too many failed attempts; its anonymous requests keep their own budgets.

The middleware sits after authentication, so that a key's requests count against the key
whichever address they come from, and before the reads answered ahead of routing
(app.kit.hotpath) and before anything reads the body: an over-limit writer is refused without
its body being read (nor `100 Continue` sent).

Counts live in the process (`MemoryCounter`) unless `REDIS_URL` is set, then in Redis
(`RedisCounter`: one atomic script per request), shared by every worker and instance. When
Redis cannot be reached the counts fall back to the process for a few seconds at a time, with
a warning in the log: limits still hold, per worker, and neither reads nor writes go down with
Redis.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.kit.errors import PROBLEM_JSON, ProblemError
from app.kit.limits import closing
from app.kit.openapi import PROBLEM_SCHEMA

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.config import Settings

log = logging.getLogger("communique")

UNCOUNTED_PATHS = frozenset({"/health", "/ready", "/metrics"})
EXTRACT_PATH = "/api/v1/extract"
READ_METHODS = frozenset({"GET", "HEAD"})
READS, WRITES, EXTRACT = "reads", "writes", "extract"
REFUSED = "refused-credentials"
# Addresses shut out after refused credentials are kept at most this many at once.
MAX_SHUT_OUT = 10_000


@dataclass(frozen=True, slots=True)
class Usage:
    """Where one client stands in its current window."""

    limit: int
    count: int  # this request included
    reset: float  # seconds until the window ends

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    @property
    def reset_seconds(self) -> int:
        """Whole seconds, rounded up: a client that waits that long finds a new window."""
        return max(1, math.ceil(self.reset))


class Counter(Protocol):
    async def hit(self, key: str, window: float) -> tuple[int, float]:
        """Count one request under `key`: (requests in its window so far, seconds left)."""
        ...

    async def aclose(self) -> None: ...


class MemoryCounter:
    """Fixed windows in a dict, for one process. Expired windows are dropped once per window
    length, and past `max_keys` the oldest windows go first, so memory stays bounded however
    many addresses call."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self.clock = clock
        self.max_keys = max_keys
        # key → (count, end of window); oldest window first (a new window is re-inserted).
        self._windows: dict[str, tuple[int, float]] = {}
        self._next_sweep = 0.0

    async def hit(self, key: str, window: float) -> tuple[int, float]:
        now = self.clock()
        if now >= self._next_sweep:
            self._sweep(now)
            self._next_sweep = now + window
        count, ends = self._windows.get(key, (0, 0.0))
        if ends <= now:
            self._windows.pop(key, None)
            count, ends = 0, now + window
        self._windows[key] = (count + 1, ends)
        if len(self._windows) > self.max_keys:
            del self._windows[next(iter(self._windows))]
        return count + 1, ends - now

    def _sweep(self, now: float) -> None:
        for key in [key for key, (_, ends) in self._windows.items() if ends <= now]:
            del self._windows[key]

    async def aclose(self) -> None:
        self._windows.clear()


# One round trip, atomic: count, open the window on the first request, and report its end.
# (A key left without expiry by an interrupted script gets one, rather than counting forever.)
_HIT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


class RedisCounter:
    """Fixed windows in Redis (`INCR` and `PEXPIRE` in one script), shared by every process.

    Redis answers within `timeout` seconds or is taken as unreachable: the counts then go to
    `fallback` (this process) for `pause` seconds before Redis is tried again, so an outage
    costs each request nothing more, and a warning is logged once per outage."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str,
        fallback: Counter | None = None,
        timeout: float = 0.25,
        pause: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import redis.asyncio as redis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.client: Any = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            # One retry on a fresh connection (a pooled one may have died with a restart).
            retry=Retry(NoBackoff(), 1),
        )
        self.script = self.client.register_script(_HIT_SCRIPT)
        self.prefix = prefix
        self.fallback = fallback or MemoryCounter(clock=clock)
        self.pause = pause
        self.clock = clock
        self._down_until: float | None = None

    async def hit(self, key: str, window: float) -> tuple[int, float]:
        from redis.exceptions import RedisError

        if self._down_until is not None and self.clock() < self._down_until:
            return await self.fallback.hit(key, window)
        try:
            count, ttl_ms = await self.script(
                keys=[self.prefix + key], args=[max(1, round(window * 1000))]
            )
        except (RedisError, OSError) as error:
            if self._down_until is None:
                log.warning(
                    "rate limits: Redis is unreachable (%s); counting in this process until "
                    "it answers again",
                    error,
                )
            self._down_until = self.clock() + self.pause
            return await self.fallback.hit(key, window)
        if self._down_until is not None:
            log.warning("rate limits: Redis answers again; counts are shared once more")
            self._down_until = None
        return int(count), int(ttl_ms) / 1000

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.fallback.aclose()


class RateLimiter:
    """The budgets per window, and the counter that keeps track of them."""

    def __init__(
        self,
        budgets: dict[str, int],
        window: float,
        counter: Counter,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budgets = budgets
        self.window = window
        self.counter = counter
        self.clock = clock
        # Addresses past their budget of refused credentials: (end of window, usage then).
        # Kept in the process (each process learns it from the shared count on its own next
        # refusal), so that requests with a key pay no extra round trip to Redis.
        self._shut_out: dict[str, tuple[float, Usage]] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter | None:
        """None when limits are off."""
        if not settings.rate_limit_enabled:
            return None
        counter: Counter = (
            RedisCounter(settings.redis_url, prefix=settings.rate_limit_redis_prefix)
            if settings.redis_url
            else MemoryCounter()
        )
        budgets = {
            READS: settings.rate_limit_reads,
            WRITES: settings.rate_limit_writes,
            EXTRACT: settings.rate_limit_extract,
            REFUSED: settings.rate_limit_refused_credentials,
        }
        return cls(budgets, settings.rate_limit_window_seconds, counter)

    async def hit(self, budget: str, client: str) -> Usage:
        count, reset = await self.counter.hit(f"{budget}:{client}", self.window)
        return Usage(limit=self.budgets[budget], count=count, reset=reset)

    async def refused(self, address: str) -> Usage:
        """Count credentials refused to `address`; past the budget, shut it out."""
        usage = await self.hit(REFUSED, address)
        if usage.exceeded:
            now = self.clock()
            if len(self._shut_out) >= MAX_SHUT_OUT:
                for key in [key for key, (ends, _) in self._shut_out.items() if ends <= now]:
                    del self._shut_out[key]
                if len(self._shut_out) >= MAX_SHUT_OUT:
                    del self._shut_out[next(iter(self._shut_out))]
            self._shut_out[address] = (now + usage.reset, usage)
        return usage

    def shut_out(self, address: str) -> Usage | None:
        """Where `address` stands while it is shut out for refused credentials, else None."""
        entry = self._shut_out.get(address)
        if entry is None:
            return None
        ends, usage = entry
        left = ends - self.clock()
        if left <= 0:
            del self._shut_out[address]
            return None
        return Usage(limit=usage.limit, count=usage.count, reset=left)

    async def aclose(self) -> None:
        await self.counter.aclose()


def budget_of(scope: Scope) -> str | None:
    """Which budget a request draws on; None for requests that are not counted."""
    method, path = scope["method"], scope["path"]
    if path in UNCOUNTED_PATHS or method == "OPTIONS":
        return None
    if method in READ_METHODS:
        return READS
    if path == EXTRACT_PATH:
        return EXTRACT
    return WRITES


def client_of(scope: Scope) -> str:
    """The API key when the request has one, else the client's address."""
    principal = scope.get("state", {}).get("principal")
    if principal is not None:
        return f"key:{principal.key_id}"
    return address_of(scope)


def address_of(scope: Scope) -> str:
    """The client's address (as the server has it, after trusted proxies); an IPv6 client
    counts by its /64, the smallest block a single subscriber is usually given."""
    host = (scope.get("client") or ("unknown", 0))[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"address:{host}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"address:{address.ipv4_mapped}"
        return f"address:{ipaddress.IPv6Network((address, 64), strict=False)}"
    return f"address:{address}"


def usage_headers(usage: Usage, window: float) -> dict[str, str]:
    """The `RateLimit-*` headers of a counted response."""
    return {
        "RateLimit-Limit": str(usage.limit),
        "RateLimit-Remaining": str(usage.remaining),
        "RateLimit-Reset": str(usage.reset_seconds),
        "RateLimit-Policy": f"{usage.limit};w={math.ceil(window)}",
    }


class RateLimited(ProblemError):
    """429: problem details, `Retry-After` and where the client stands."""

    status = 429
    slug = "rate-limited"

    def __init__(self, usage: Usage, window: float, detail: str) -> None:
        super().__init__(
            f"{detail} Retry after {usage.reset_seconds} seconds.",
            headers={"Retry-After": str(usage.reset_seconds), **usage_headers(usage, window)},
        )


class RateLimits:
    """ASGI middleware: count the request against its client's budget, refuse it past the
    budget, and tell every counted response where the client stands."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        budget = budget_of(scope) if scope["type"] == "http" else None
        if budget is None:
            await self.app(scope, receive, send)
            return
        window = self.limiter.window
        usage = await self.limiter.hit(budget, client_of(scope))
        if usage.exceeded:
            who = "API key" if scope.get("state", {}).get("principal") else "client address"
            detail = f"Over the limit of {usage.limit} {budget} per {window:g} s for this {who}."
            response = RateLimited(usage, window, detail).response()
            await closing(response, scope)(scope, receive, send)
            return
        headers = [
            (name.lower().encode(), value.encode())
            for name, value in usage_headers(usage, window).items()
        ]

        async def send_with_usage(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await self.app(scope, receive, send_with_usage)


def declare_in_openapi(app: FastAPI) -> None:
    """List `429` (and the headers that come with it) on every counted operation, since
    the contract wants every status a route can return in the OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        for path, operations in document.get("paths", {}).items():
            for method, operation in operations.items():
                scope = {"method": method.upper(), "path": path}
                if not isinstance(operation, dict) or budget_of(scope) is None:
                    continue
                operation.setdefault("responses", {}).setdefault("429", TOO_MANY_REQUESTS)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "integer"}}


TOO_MANY_REQUESTS: dict[str, Any] = {
    "description": "Over the rate limit of this API key (anonymous: client address); retry "
    "after Retry-After seconds.",
    "headers": {
        "Retry-After": _header("Seconds until the window ends."),
        "RateLimit-Limit": _header("Requests allowed per window."),
        "RateLimit-Remaining": _header("Requests left in this window."),
        "RateLimit-Reset": _header("Seconds until the window ends."),
    },
    "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
}
