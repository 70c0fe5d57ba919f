"""HTTP manners (issue 7, items 10–12 and 14): who is refused before the body is read, one
Authorization header, no Host in redirects, nosniff everywhere and no server banner."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.cli import SERVER_OPTIONS
from app.config import Settings
from app.kit.deps import Database
from app.main import create_app
from tests.raw import call, exchange, head_lines, header_names, serving
from tests.support import assert_problem

API = "/api/v1"
ORGANIZATIONS = f"{API}/organizations"
Headers = dict[str, str]
# Over the 1 MiB limit, as the audit sent it.
BIG = 1_200_000


def big_json() -> bytes:
    return b'{"name": "' + b"x" * BIG + b'", "kind": "other"}'


def assert_unauthorized(response: httpx.Response) -> None:
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].split()[0].lower() == "bearer"


# --- authentication before the body (item 10) -------------------------------------------


async def test_anonymous_oversized_write_is_401_not_413(client: httpx.AsyncClient) -> None:
    response = await client.post(
        ORGANIZATIONS, content=big_json(), headers={"Content-Type": "application/json"}
    )
    assert_unauthorized(response)


async def test_anonymous_chunked_oversized_write_is_401(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * (64 * 1024)

    response = await client.post(
        ORGANIZATIONS, content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_unauthorized(response)


async def test_unknown_key_oversized_write_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post(
        ORGANIZATIONS,
        content=big_json(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer cq_" + "a" * 43},
    )
    assert_unauthorized(response)


async def test_authenticated_oversized_write_is_still_413(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    response = await client.post(
        ORGANIZATIONS,
        content=big_json(),
        headers={**editor_headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer cq_" + "a" * 43, "Basic dXNlcjpwYXNz"],
    ids=["anonymous", "unknown-key", "other-scheme"],
)
async def test_refused_writer_is_answered_before_its_body_is_read(
    app: FastAPI, authorization: str | None
) -> None:
    # A server sends `100 Continue` when the application first asks for the body: the 401
    # must come before anything asks.
    headers = [("content-type", "application/json"), ("content-length", "40")]
    if authorization:
        headers.append(("authorization", authorization))
    done = await call(app, "POST", ORGANIZATIONS, headers, b'{"name": "X", "kind": "other"}')
    assert done.status == 401
    assert not done.body_read
    # The body was not read: the connection cannot carry another request.
    assert done.headers.get("connection") == "close"


async def test_authenticated_writer_gets_its_body_read(
    app: FastAPI, editor_headers: Headers
) -> None:
    body = b'{"name": "Ministry of Culture", "kind": "ministry"}'
    headers = [
        ("content-type", "application/json"),
        ("content-length", str(len(body))),
        ("authorization", editor_headers["Authorization"]),
    ]
    done = await call(app, "POST", ORGANIZATIONS, headers, body)
    assert done.status == 201
    assert done.body_read


def _expect_continue(length: int) -> bytes:
    return (
        f"POST {ORGANIZATIONS} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\nExpect: 100-continue\r\n\r\n"
    ).encode()


@pytest.mark.parametrize("length", [40, BIG], ids=["small", "over-the-limit"])
def test_no_100_continue_for_an_anonymous_writer(length: int) -> None:
    # A real server: the status line the client sees first must be the 401 (no body needed).
    app = create_app(Settings(rate_limit_enabled=False))
    with serving(app, **SERVER_OPTIONS) as port:
        response = exchange(port, _expect_continue(length))
    assert head_lines(response)[0].startswith("HTTP/1.1 401"), response[:300]
    assert "connection: close" in [line.lower() for line in head_lines(response)]


# --- one Authorization header (item 11) -------------------------------------------------


@pytest.mark.parametrize("order", ["invalid-last", "invalid-first"])
async def test_two_authorization_headers_are_refused(
    client: httpx.AsyncClient, editor_headers: Headers, order: str
) -> None:
    pair = [("Authorization", editor_headers["Authorization"]), ("Authorization", "Bearer nope")]
    if order == "invalid-first":
        pair.reverse()
    response = await client.post(
        ORGANIZATIONS, json={"name": "Ministry of Culture", "kind": "ministry"}, headers=pair
    )
    assert_unauthorized(response)
    assert "one Authorization header" in response.json()["detail"]
    listed = await client.get(ORGANIZATIONS)
    assert listed.json()["items"] == []


async def test_two_valid_authorization_headers_are_refused_on_reads_too(
    client: httpx.AsyncClient, editor_headers: Headers, admin_headers: Headers
) -> None:
    headers = [
        ("Authorization", editor_headers["Authorization"]),
        ("Authorization", admin_headers["Authorization"]),
    ]
    assert_unauthorized(await client.get(f"{API}/visits", headers=headers))
    assert_unauthorized(await client.get(f"{API}/keys", headers=headers))


async def test_one_authorization_header_still_works(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    response = await client.post(
        ORGANIZATIONS,
        json={"name": "Ministry of Culture", "kind": "ministry"},
        headers=editor_headers,
    )
    assert response.status_code == 201, response.text


# --- no Host in redirects (item 12) -----------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("path", [f"{API}/visits/", f"{API}/visits/1/", f"{API}/search/"])
async def test_trailing_slash_is_404_without_location(
    client: httpx.AsyncClient, editor_headers: Headers, method: str, path: str
) -> None:
    response = await client.request(
        method, path, headers={**editor_headers, "Host": "evil.example"}
    )
    assert "location" not in response.headers, response.headers
    assert_problem(response, 404)
    assert "evil.example" not in response.text


async def test_no_response_reflects_the_host_header(client: httpx.AsyncClient) -> None:
    for path in ("/health/", "/docs/", f"{API}/organizations/", f"{API}/stats/visits/"):
        response = await client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 404, (path, response.status_code)
        assert "evil.example" not in str(response.headers) + response.text, path


# --- nosniff on every response, no server banner (item 14) ------------------------------


async def test_nosniff_on_every_kind_of_response(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    responses = [
        await client.get("/health"),
        await client.get(f"{API}/visits"),
        await client.get(f"{API}/press-releases/99999"),  # answered before routing
        await client.get(f"{API}/nothing-here"),
        await client.post(ORGANIZATIONS, json={}),  # 401 from the authentication
        await client.post(ORGANIZATIONS, json={}, headers=editor_headers),  # 422
        await client.post(  # 413 from the body limit
            ORGANIZATIONS,
            content=big_json(),
            headers={**editor_headers, "Content-Type": "application/json"},
        ),
        await client.get("/openapi.json"),
        await client.get("/docs"),
    ]
    assert {r.status_code for r in responses} >= {200, 401, 404, 413, 422}
    for response in responses:
        assert response.headers.get("x-content-type-options") == "nosniff", (
            response.request.url,
            response.status_code,
        )
        assert len(response.headers.get_list("x-content-type-options")) == 1


async def test_nosniff_on_an_unexpected_500(database: Database) -> None:
    app = create_app(database=database)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")
    assert_problem(response, 500)
    assert response.headers.get("x-content-type-options") == "nosniff"


def test_served_responses_have_no_server_header_and_nosniff() -> None:
    app = create_app(Settings(rate_limit_enabled=False))
    with serving(app, **SERVER_OPTIONS) as port:
        response = exchange(port, b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
    assert head_lines(response)[0].startswith("HTTP/1.1 200"), response[:300]
    names = header_names(response)
    assert "server" not in names, head_lines(response)
    assert "x-content-type-options" in names
