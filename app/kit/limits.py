"""Refuse request bodies over 1 MiB (413) before the application reads them.

This runs after authentication and rate limits (app.main): a client without a valid key, or
over its limit, is refused before anything reads its body, so it gets its 401 or 429 (not a
413), and a client that sent `Expect: 100-continue` is not invited to send the body (the
server answers `100 Continue` only when the application first asks for the body).
"""

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.kit.errors import problem_response

MAX_BODY_BYTES = 1024 * 1024


def announces_body(scope: Scope) -> bool:
    """The request says a body follows (chunked, or a Content-Length other than 0)."""
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


def closing(response: Response, scope: Scope) -> Response:
    """`response`, marked `Connection: close` when it refuses a request whose body has not
    been read: the body (or, after `Expect: 100-continue`, its absence) would otherwise be
    taken for the next request on the connection (RFC 9110 §10.1.1)."""
    if announces_body(scope):
        response.headers["Connection"] = "close"
    return response


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and not declared.isdigit():
            await problem_response(400, "The Content-Length header is not a number.")(
                scope, receive, send
            )
            return
        if declared is not None and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        # No (or a lying) Content-Length: read at most the limit, then replay it.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413, f"The request body is larger than {self.max_bytes // 1024} KiB."
        )
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
