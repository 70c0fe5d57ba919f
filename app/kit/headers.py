"""Headers every response carries, whoever answers it.

`X-Content-Type-Options: nosniff`: a browser must take a response for the type it says it
is (JSON, problem+json), never guess HTML or script from text a client stored in it.

app.main puts this outside the framework's own error handling, so that even an unexpected
500 carries it. (The server's own `server: uvicorn` header is turned off where uvicorn is
started, app.cli: nothing inside the application can remove it.)
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVERY_RESPONSE = ((b"x-content-type-options", b"nosniff"),)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *EVERY_RESPONSE]
            await send(message)

        await self.app(scope, receive, send_with_headers)
