"""Authentication before anything else: a write without a valid key is refused (401) before
its body is read, let alone validated (nor `100 Continue` sent: app.kit.limits).

A request with more than one `Authorization` header is refused (401) rather than reading one
of them: proxies and other frameworks read the first, Starlette's header lookup the last, and a
request that two parts of a chain would attribute to two different keys must not get through.

Refused credentials count against the client's address (app.kit.ratelimit), so that a bogus
key is no way around the rate limits, nor a cheap way to keep the database busy.
"""

from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth import service
from app.kit.deps import SAFE_METHODS, Database, Principal
from app.kit.enums import Role
from app.kit.errors import ProblemError, ServiceUnavailable, Unauthorized, is_unavailable
from app.kit.limits import closing
from app.kit.ratelimit import RateLimited, RateLimiter, address_of, usage_headers

REFUSED_DETAIL = "Too many requests with refused credentials came from this client address."


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            principal = await self._authenticate(scope)
        except ProblemError as error:
            await closing(error.response(), scope)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)

    async def _authenticate(self, scope: Scope) -> Principal | None:
        headers = [value for name, value in scope["headers"] if name == b"authorization"]
        if not headers:
            if scope["method"] not in SAFE_METHODS and self._is_route(scope):
                raise Unauthorized()
            return None
        # Credentials refused count against the client's address (app.kit.ratelimit): past
        # its budget, nothing it presents is even looked up until the window ends.
        limiter: RateLimiter | None = getattr(scope["app"].state, "rate_limiter", None)
        if limiter is None:
            return await self._check(scope, headers)
        address = address_of(scope)
        usage = limiter.shut_out(address)
        if usage is not None:
            raise RateLimited(usage, limiter.window, REFUSED_DETAIL)
        try:
            return await self._check(scope, headers)
        except Unauthorized as error:
            usage = await limiter.refused(address)
            if usage.exceeded:
                raise RateLimited(usage, limiter.window, REFUSED_DETAIL) from error
            error.headers = {**(error.headers or {}), **usage_headers(usage, limiter.window)}
            raise

    async def _check(self, scope: Scope, headers: list[bytes]) -> Principal:
        """The key the one `Authorization` header holds; else 401."""
        if len(headers) > 1:
            raise Unauthorized("Send one Authorization header, not several.")
        scheme, _, secret = headers[0].decode("latin-1").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("The Authorization header must be 'Bearer <key>'.")
        db: Database = scope["app"].state.db
        try:
            async with db.read() as session:
                key = await service.authenticate(session, secret=secret.strip())
        except Exception as error:
            if is_unavailable(error):
                raise ServiceUnavailable() from error
            raise
        if key is None:
            raise Unauthorized("The API key is unknown, revoked or expired.")
        return Principal(key_id=key.id, name=key.name, role=Role(key.role))

    def _is_route(self, scope: Scope) -> bool:
        # Unknown URLs and wrong methods still get their 404 and 405.
        return any(route.matches(scope)[0] == Match.FULL for route in scope["app"].router.routes)
