"""Authentication before anything else: a write without a valid key is refused (401) before
its body is read, let alone validated (nor `100 Continue` sent: app.kit.limits).

A request with more than one `Authorization` header is refused (401) rather than reading one
of them: proxies and other frameworks read the first, Starlette's header lookup the last, and a
request that two parts of a chain would attribute to two different keys must not get through.
"""

from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth import service
from app.kit.deps import SAFE_METHODS, Database, Principal
from app.kit.enums import Role
from app.kit.errors import ProblemError, ServiceUnavailable, Unauthorized, is_unavailable
from app.kit.limits import closing


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
        if len(headers) > 1:
            raise Unauthorized("Send one Authorization header, not several.")
        header = headers[0] if headers else None
        if header is None:
            if scope["method"] not in SAFE_METHODS and self._is_route(scope):
                raise Unauthorized()
            return None
        scheme, _, secret = header.decode("latin-1").partition(" ")
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
            raise Unauthorized("The API key is unknown or revoked.")
        return Principal(key_id=key.id, name=key.name, role=Role(key.role))

    def _is_route(self, scope: Scope) -> bool:
        # Unknown URLs and wrong methods still get their 404 and 405.
        return any(route.matches(scope)[0] == Match.FULL for route in scope["app"].router.routes)
