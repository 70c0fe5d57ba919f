"""The busiest reads, answered before routing: a release or a visit by id.

Routing, dependency solving and the framework's response handling cost more than the read
itself (a primary-key lookup and one or five small statements, app.kit.fastread). For
`GET /api/v1/<collection>/<id>` with a plain positive id, this middleware calls the same
service function the route would, with a session set up as the route's would be (drafts
hidden from anonymous readers), and answers through the same `resource_response` (ETag,
304), or the same problem details on error. Any other request, including ids in another
form, goes on to the routes unchanged.
"""

import logging
import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.kit.deps import Database
from app.kit.errors import ProblemError, ServiceUnavailable, is_unavailable
from app.kit.fastread import Source
from app.kit.http import json_response

log = logging.getLogger("communique")

Read = Callable[[Source, int], Awaitable[bytes]]


class HotReads:
    def __init__(self, app: ASGIApp, reads: dict[str, Read]) -> None:
        self.app = app
        # "/api/v1/visits" → "/api/v1/visits/123" (ids as the routes would accept them all).
        self.routes = [
            (re.compile(re.escape(prefix) + r"/([1-9][0-9]{0,9})"), read)
            for prefix, read in reads.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"]
            for pattern, read in self.routes:
                match = pattern.fullmatch(path)
                if match is not None:
                    response = await _answer(scope, read, int(match.group(1)))
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


async def _answer(scope: Scope, read: Read, item_id: int) -> Response:
    db: Database = scope["app"].state.db
    try:
        # As app.kit.deps._session: anonymous readers never see drafts.
        principal = scope.get("state", {}).get("principal")
        async with db.reading(can_see_drafts=principal is not None) as reading:
            body = await read(reading, item_id)
        return json_response(Request(scope), body)
    except ProblemError as error:
        return error.response()
    except Exception as error:
        if not is_unavailable(error):
            raise
        log.warning("database unavailable on GET %s: %s", scope["path"], error)
        return ServiceUnavailable().response()
