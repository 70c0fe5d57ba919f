"""Authentication, API keys (HTTP and CLI), operational endpoints, the OpenAPI document and
request-size limits."""

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from app import cli, migrate
from app.config import PROJECT_ROOT, get_settings
from app.kit.db import create_engine
from app.kit.deps import Database
from app.main import create_app
from tests import factories
from tests.support import (
    PROBLEM_JSON,
    assert_problem,
    assert_unauthorized,
    bearer,
    error_locs,
    in_thread,
    is_postgres,
    secret_of,
)

API = "/api/v1"
KEYS = f"{API}/keys"
Headers = dict[str, str]

COLLECTIONS = ["organizations", "officials", "visits", "delegations", "press-releases"]
UNREACHABLE_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/x"


async def key_named(client: httpx.AsyncClient, admin: Headers, name: str) -> dict[str, Any]:
    response = await client.get(KEYS, headers=admin)
    assert response.status_code == 200, response.text
    [key] = [key for key in response.json() if key["name"] == name]
    return key


def newest_revision() -> str:
    head = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini"))).get_current_head()
    assert head
    return head


# --- writes need a key ------------------------------------------------------------------


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_create_without_key_is_401(client: httpx.AsyncClient, collection: str) -> None:
    response = await client.post(f"{API}/{collection}", json={"name": "x"})
    assert_unauthorized(response)


@pytest.mark.parametrize(
    "content",
    [b'{"name": "Ministry of Defence", "kind": ', b"not json at all", b"", b"[1, 2"],
)
async def test_malformed_body_without_key_is_401_not_400(
    client: httpx.AsyncClient, content: bytes
) -> None:
    response = await client.post(
        f"{API}/organizations", content=content, headers={"Content-Type": "application/json"}
    )
    assert_unauthorized(response)


async def test_malformed_body_with_a_key_is_400(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    response = await client.post(
        f"{API}/organizations",
        content=b'{"name": "Ministry of Defence", "kind": ',
        headers={**editor_headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400)


async def test_patch_and_delete_without_key_are_401_and_change_nothing(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    organization = await factories.organization(client, editor_headers, name="Ministry of Interior")
    url = f"{API}/organizations/{organization['id']}"
    assert_unauthorized(await client.patch(url, json={"name": "Renamed"}))
    assert_unauthorized(await client.patch(url, content=b"{oops"))
    assert_unauthorized(await client.delete(url))
    response = await client.get(url)
    assert response.status_code == 200
    assert response.json()["name"] == "Ministry of Interior"
    assert response.json()["version"] == 1


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer cq_thisKeyWasNeverIssued0000000000000000000000",
        "Bearer not-a-key",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNzd29yZA==",
        "cq_missingScheme",
        "Bearer " + "x" * 5000,
    ],
)
async def test_invalid_key_is_401(client: httpx.AsyncClient, authorization: str) -> None:
    headers = {"Authorization": authorization}
    response = await client.post(
        f"{API}/organizations", json={"name": "X", "kind": "other"}, headers=headers
    )
    assert_unauthorized(response)
    # Reads with an invalid key are refused too (README), rather than silently anonymous.
    assert_unauthorized(await client.get(f"{API}/visits", headers=headers))


async def test_unknown_route_and_wrong_method_without_key(client: httpx.AsyncClient) -> None:
    assert_problem(await client.post(f"{API}/nowhere", json={}), 404)
    response = await client.put(f"{API}/organizations", json={})
    assert_problem(response, 405)
    assert "POST" in response.headers["allow"] and "GET" in response.headers["allow"]


async def test_reads_are_anonymous(client: httpx.AsyncClient) -> None:
    for collection in COLLECTIONS:
        response = await client.get(f"{API}/{collection}")
        assert response.status_code == 200, (collection, response.text)


# --- key management over HTTP -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", KEYS, None),
        ("POST", KEYS, {"name": "Sneaky", "role": "admin"}),
        ("DELETE", f"{KEYS}/1", None),
    ],
)
async def test_keys_need_an_admin(
    client: httpx.AsyncClient,
    editor_headers: Headers,
    method: str,
    path: str,
    body: dict[str, str] | None,
) -> None:
    response = await client.request(method, path, json=body, headers=editor_headers)
    assert_problem(response, 403)
    assert_unauthorized(await client.request(method, path, json=body))


async def test_admin_lists_keys_without_their_secrets(
    client: httpx.AsyncClient, admin_headers: Headers, editor_headers: Headers
) -> None:
    response = await client.get(KEYS, headers=admin_headers)
    assert response.status_code == 200, response.text
    keys = response.json()
    assert {"test admin", "test editor"} <= {key["name"] for key in keys}
    for key in keys:
        assert set(key) == {
            "id",
            "name",
            "role",
            "prefix",
            "state",
            "created_at",
            "revoked_at",
            "expires_at",
            "last_used_at",
            "rotated_at",
            "previous_prefix",
            "previous_expires_at",
        }, key
        assert key["role"] in {"editor", "admin"}
    for secret in (secret_of(admin_headers), secret_of(editor_headers)):
        assert secret not in response.text
    editor = await key_named(client, admin_headers, "test editor")
    assert editor["role"] == "editor" and editor["revoked_at"] is None
    assert secret_of(editor_headers).startswith(editor["prefix"])


async def test_admin_creates_a_key_that_works_at_once(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    response = await client.post(
        KEYS, json={"name": "Press office", "role": "editor"}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["name"] == "Press office" and created["role"] == "editor"
    assert created["revoked_at"] is None
    secret = created["key"]
    assert isinstance(secret, str) and len(secret) >= 32
    assert secret.startswith(created["prefix"])
    # It writes content at once, but cannot manage keys.
    organization = await factories.organization(client, bearer(secret), name="Ministry of Hajj")
    assert organization["name"] == "Ministry of Hajj"
    assert_problem(await client.get(KEYS, headers=bearer(secret)), 403)
    # The secret was shown once: the list never shows it.
    listing = await client.get(KEYS, headers=admin_headers)
    assert secret not in listing.text
    assert "key" not in next(k for k in listing.json() if k["id"] == created["id"])


async def test_admin_creates_an_admin_key(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    response = await client.post(
        KEYS, json={"name": "Second admin", "role": "admin"}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    response = await client.get(KEYS, headers=bearer(response.json()["key"]))
    assert response.status_code == 200


async def test_key_role_defaults_to_editor(
    client: httpx.AsyncClient, admin_headers: Headers
) -> None:
    response = await client.post(KEYS, json={"name": "Default role"}, headers=admin_headers)
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "editor"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "X", "role": "superuser"}, ["body", "role"]),
        ({"role": "editor"}, ["body", "name"]),
        ({"name": "", "role": "editor"}, ["body", "name"]),
        ({"name": "X", "key": "cq_chosen_by_client"}, ["body", "key"]),
        ({"name": "X", "id": 7}, ["body", "id"]),
    ],
)
async def test_invalid_key_creation_is_422(
    client: httpx.AsyncClient, admin_headers: Headers, body: dict[str, Any], loc: list[str]
) -> None:
    response = await client.post(KEYS, json=body, headers=admin_headers)
    assert loc in error_locs(assert_problem(response, 422))


async def test_revoked_key_stops_working(
    client: httpx.AsyncClient, admin_headers: Headers, editor_headers: Headers
) -> None:
    await factories.organization(client, editor_headers)  # works before
    editor = await key_named(client, admin_headers, "test editor")
    response = await client.delete(f"{KEYS}/{editor['id']}", headers=admin_headers)
    assert response.status_code == 204, response.text
    assert response.content == b""
    response = await client.post(
        f"{API}/organizations", json={"name": "Too late", "kind": "other"}, headers=editor_headers
    )
    assert_unauthorized(response)
    assert_unauthorized(await client.get(f"{API}/organizations", headers=editor_headers))
    revoked = await key_named(client, admin_headers, "test editor")
    assert revoked["revoked_at"] is not None
    # Revoking again is harmless; the other keys still work.
    response = await client.delete(f"{KEYS}/{editor['id']}", headers=admin_headers)
    assert response.status_code == 204
    assert (await client.get(KEYS, headers=admin_headers)).status_code == 200


async def test_revoking_an_unknown_key(client: httpx.AsyncClient, admin_headers: Headers) -> None:
    assert_problem(await client.delete(f"{KEYS}/999999", headers=admin_headers), 404)
    assert_problem(await client.delete(f"{KEYS}/0", headers=admin_headers), 404)
    assert_problem(await client.delete(f"{KEYS}/abc", headers=admin_headers), 422)


# --- the command line -------------------------------------------------------------------


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated SQLite database of its own, which the CLI uses through DATABASE_URL."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    in_thread(migrate.upgrade, url)
    try:
        yield url
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.fixture
async def cli_client(cli_database: str) -> AsyncIterator[httpx.AsyncClient]:
    """An app on the CLI's database, to try the keys the CLI prints."""
    engine = create_engine(cli_database)
    app = create_app(database=Database.for_engine(engine))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await engine.dispose()


def run_cli(*argv: str) -> int:
    # In a thread: the CLI calls asyncio.run, which must not meet pytest's running loop.
    return in_thread(cli.main, list(argv))


async def test_cli_keys_create_list_revoke(
    cli_client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("keys", "create", "--role", "editor", "--name", "x") == 0
    out = capsys.readouterr().out
    secret = out.rstrip("\n").splitlines()[-1]
    assert secret == secret.strip() and " " not in secret and len(secret) >= 32, out
    # The key works at once, with the editor role.
    response = await cli_client.post(
        f"{API}/organizations",
        json={"name": "Ministry of Defence", "kind": "ministry", "country_code": "SA"},
        headers=bearer(secret),
    )
    assert response.status_code == 201, response.text
    assert_problem(await cli_client.get(KEYS, headers=bearer(secret)), 403)

    assert run_cli("keys", "create", "--role", "admin", "--name", "ops") == 0
    admin_secret = capsys.readouterr().out.rstrip("\n").splitlines()[-1]
    response = await cli_client.get(KEYS, headers=bearer(admin_secret))
    assert response.status_code == 200, response.text
    [key] = [k for k in response.json() if k["name"] == "x"]
    assert key["role"] == "editor"

    assert run_cli("keys", "list") == 0
    listing = capsys.readouterr().out
    assert "x" in listing and "ops" in listing
    assert secret not in listing and admin_secret not in listing

    assert run_cli("keys", "revoke", str(key["id"])) == 0
    capsys.readouterr()
    response = await cli_client.post(
        f"{API}/organizations",
        json={"name": "Ministry of Health", "kind": "ministry"},
        headers=bearer(secret),
    )
    assert_unauthorized(response)

    assert run_cli("keys", "revoke", "999999") != 0
    assert capsys.readouterr().err.strip()


def test_cli_refuses_an_unknown_role(cli_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_cli("keys", "create", "--role", "root", "--name", "x")
    assert exit_info.value.code != 0
    assert "root" in capsys.readouterr().err


# --- health and readiness ---------------------------------------------------------------


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_reports_the_newest_schema(
    client: httpx.AsyncClient, database_url: str
) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["schema_revision"] == newest_revision()
    assert body["database"] == ("postgresql" if is_postgres(database_url) else "sqlite")


async def test_ready_is_503_on_an_unmigrated_or_outdated_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    engine = create_engine(url)
    try:
        app = create_app(database=Database.for_engine(engine))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/ready")
            assert_problem(response, 503)
            assert response.headers.get("retry-after", "").isdigit()
            scripts = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini")))
            first = next(s.revision for s in scripts.walk_revisions() if s.down_revision is None)
            if first != newest_revision():
                in_thread(migrate.upgrade, url, first)
                assert_problem(await client.get("/ready"), 503)
            in_thread(migrate.upgrade, url)
            response = await client.get("/ready")
            assert response.status_code == 200, response.text
            assert response.json()["schema_revision"] == newest_revision()
    finally:
        await engine.dispose()


@pytest.fixture
async def unreachable() -> AsyncIterator[httpx.AsyncClient]:
    """An app whose database does not answer (nothing listens on port 1)."""
    engine = create_engine(UNREACHABLE_URL, timeout=1)
    app = create_app(database=Database.for_engine(engine))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/ready", {}),
        ("GET", f"{API}/visits", {}),
        ("GET", f"{API}/visits/1", {}),
        ("GET", f"{API}/search?q=defense", {}),
        ("GET", f"{API}/stats/visits?group_by=month", {}),
        ("GET", f"{API}/organizations?q=CIMCT", {}),
        ("POST", f"{API}/organizations", bearer("cq_" + "a" * 43)),
        ("GET", f"{API}/visits", bearer("cq_" + "a" * 43)),
    ],
)
async def test_unreachable_database_is_503_quickly(
    unreachable: httpx.AsyncClient, method: str, path: str, headers: Headers
) -> None:
    started = time.monotonic()
    body = {"name": "X", "kind": "other"} if method == "POST" else None
    response = await unreachable.request(method, path, json=body, headers=headers)
    elapsed = time.monotonic() - started
    assert_problem(response, 503)
    assert response.headers.get("retry-after", "").isdigit(), response.headers
    assert int(response.headers["retry-after"]) > 0
    assert "Traceback" not in response.text
    assert elapsed < 5, elapsed


async def test_health_and_auth_do_not_need_the_database(
    unreachable: httpx.AsyncClient,
) -> None:
    response = await unreachable.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert_unauthorized(await unreachable.post(f"{API}/visits", json={}))


# --- OpenAPI ----------------------------------------------------------------------------

ITEM = "/{id}"
CREATE = {"201", "400", "401", "409", "413", "422", "503"}
UPDATE = {"200", "400", "401", "404", "409", "412", "413", "422", "503"}
DELETE = {"204", "401", "404", "409", "412", "503"}
READ_ONE = {"200", "304", "401", "404", "422", "503"}
LIST = {"200", "400", "401", "422", "503"}


@pytest.fixture
async def openapi_document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    document: dict[str, Any] = response.json()
    return document


def declared(document: dict[str, Any], path: str, method: str) -> set[str]:
    operation = document["paths"][path][method]
    return set(operation["responses"])


def test_openapi_lists_every_path_of_the_contract(openapi_document: dict[str, Any]) -> None:
    paths = openapi_document["paths"]
    for collection in COLLECTIONS:
        assert set(paths[f"{API}/{collection}"]) >= {"get", "post"}, collection
        assert set(paths[f"{API}/{collection}{ITEM}"]) >= {"get", "patch", "delete"}, collection
    assert "get" in paths[f"{API}/search"]
    assert "get" in paths[f"{API}/stats/visits"]
    assert "get" in paths["/health"] and "get" in paths["/ready"]
    assert set(paths[KEYS]) >= {"get", "post"}
    assert "delete" in paths[f"{KEYS}{ITEM}"]


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_openapi_declares_every_status_of_the_resource_routes(
    openapi_document: dict[str, Any], collection: str
) -> None:
    base = f"{API}/{collection}"
    assert declared(openapi_document, base, "post") >= CREATE
    assert declared(openapi_document, base, "get") >= LIST
    assert declared(openapi_document, base + ITEM, "get") >= READ_ONE
    assert declared(openapi_document, base + ITEM, "patch") >= UPDATE
    assert declared(openapi_document, base + ITEM, "delete") >= DELETE


def test_openapi_declares_every_status_of_the_other_routes(
    openapi_document: dict[str, Any],
) -> None:
    assert declared(openapi_document, f"{API}/search", "get") >= LIST
    assert declared(openapi_document, f"{API}/stats/visits", "get") >= {"200", "422", "503"}
    assert declared(openapi_document, "/ready", "get") >= {"200", "503"}
    assert declared(openapi_document, KEYS, "get") >= {"200", "401", "403", "503"}
    assert declared(openapi_document, KEYS, "post") >= {"201", "401", "403", "413", "422"}
    assert declared(openapi_document, f"{KEYS}{ITEM}", "delete") >= {"204", "401", "403", "404"}


def test_openapi_error_responses_are_problem_json(openapi_document: dict[str, Any]) -> None:
    for path, operations in openapi_document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert PROBLEM_JSON in response.get("content", {}), (path, method, status)


def test_openapi_declares_the_bearer_scheme(openapi_document: dict[str, Any]) -> None:
    schemes = openapi_document["components"]["securitySchemes"]
    assert any(s.get("scheme", "").lower() == "bearer" for s in schemes.values()), schemes
    post = openapi_document["paths"][f"{API}/organizations"]["post"]
    assert post.get("security"), post


async def test_openapi_and_docs_are_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"]
    response = await client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in response.text


# --- request size -----------------------------------------------------------------------

MIB = 1024 * 1024


def oversized_json() -> bytes:
    return b'{"name": "' + b"x" * MIB + b'", "kind": "other"}'


async def test_body_over_one_mib_is_413(client: httpx.AsyncClient, editor_headers: Headers) -> None:
    content = oversized_json()
    response = await client.post(
        f"{API}/organizations",
        content=content,
        headers={**editor_headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)
    # Nothing was created.
    assert (await client.get(f"{API}/organizations")).json()["items"] == []


async def test_chunked_body_over_one_mib_is_413(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "'
        for _ in range(20):  # 20 × 64 KiB: over the limit without announcing it
            yield b"x" * (64 * 1024)
        yield b'", "kind": "other"}'

    request = client.build_request(
        "POST",
        f"{API}/press-releases",
        content=chunks(),
        headers={**editor_headers, "Content-Type": "application/json"},
    )
    assert "content-length" not in request.headers
    assert request.headers.get("transfer-encoding") == "chunked"
    response = await client.send(request)
    assert_problem(response, 413)


async def test_large_body_under_the_limit_is_accepted(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    # 200,000 characters (the maximum) of two-byte Arabic letters: ~400 KB, under 1 MiB.
    text = ("محاضرة " * 30_000)[:200_000]
    response = await client.post(
        f"{API}/press-releases",
        json={"title": "محاضرة", "body": text, "language": "ar"},
        headers=editor_headers,
    )
    assert response.status_code == 201, response.text[:500]


async def test_invalid_content_length_is_400(
    client: httpx.AsyncClient, editor_headers: Headers
) -> None:
    # RFC 9112 §6.3: an invalid Content-Length makes the framing invalid; the server must
    # answer 400 (not 413: nothing says the body is large).
    response = await client.post(
        f"{API}/organizations",
        content=b'{"name": "Ministry of Culture", "kind": "ministry"}',
        headers={**editor_headers, "Content-Type": "application/json", "Content-Length": "abc"},
    )
    assert_problem(response, 400)
