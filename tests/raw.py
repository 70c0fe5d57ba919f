"""Requests below httpx, for what a client library hides: whether the application asked for
the body (which is when a server answers `100 Continue`), and what a real server sends on the
wire (its own headers, interim responses)."""

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message


@dataclass
class Exchange:
    """What one ASGI call did: the messages it sent, and whether it called receive()."""

    messages: list[Message] = field(default_factory=list)
    body_read: bool = False

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def headers(self) -> dict[str, str]:
        return {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in self.messages[0].get("headers", ())
        }


async def call(
    app: ASGIApp,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    body: bytes = b"",
    client: tuple[str, int] = ("127.0.0.1", 50000),
) -> Exchange:
    """One request straight into the application, as a server would make it."""
    exchange = Exchange()

    async def receive() -> Message:
        exchange.body_read = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        exchange.messages.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": client,
        "server": ("test", 80),
    }
    await app(scope, receive, send)
    return exchange


@contextmanager
def serving(app: ASGIApp, **options: Any) -> Iterator[int]:
    """`app` served by uvicorn (with `options`) in a thread, on a free port of 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", log_level="warning", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="test-server"
    )
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


def exchange(port: int, request: bytes) -> bytes:
    """Send `request` as it is, and read what the server answers until it has sent an
    interim response, or a final one with the body it announced, or closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        received = b""
        while True:
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            received += chunk
            head, sep, rest = received.partition(b"\r\n\r\n")
            if not sep:
                continue
            if head.startswith(b"HTTP/1.1 1"):
                break  # an interim response (100 Continue): that is what the test looks at
            length = _content_length(head)
            if length is not None and len(rest) >= length:
                break
        return received


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value.strip())
    return None


def head_lines(response: bytes) -> list[str]:
    """The status line and header lines of the first response in `response`."""
    return response.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")


def header_names(response: bytes) -> list[str]:
    return [line.split(":", 1)[0].strip().lower() for line in head_lines(response)[1:]]
