"""API key lifecycle: expiry, last use, rotation with a grace period, names that cannot forge
terminal output, and answers holding secrets that no cache keeps.

Time is moved, never waited for: the service takes `now`, and expired keys are made by
setting their stored expiry in the past. The command-line tests run the CLI against the
backend under test (DATABASE_URL, as conftest sets it) through `committed_app`, which empties
every table afterwards.
"""

import asyncio
import unicodedata
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import cli
from app.auth import service
from app.auth.models import ApiKey
from app.kit.db import sessionmaker, utcnow
from app.kit.enums import Role
from tests import factories
from tests.support import (
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

# Each forges a row of a tab-separated listing, or rewrites what the terminal shows.
HOSTILE_NAMES = [
    "evil\x1b[2K\r3\teditor\tcq_fake",  # ESC: erase the line; CR; TAB
    "bell\x07",
    "line\nbreak",
    "carriage\rreturn",
    "delete\x7f",
    "c1 \x85 next line",
    "c1 \x9b31m CSI",
    "override \u202eevil\u202c",
    "isolate \u2066x\u2069",
    "arabic mark \u061c",
    "separator \u2028 line",
]


def assert_not_stored(response: httpx.Response) -> None:
    assert response.headers.get("cache-control") == "no-store", response.headers


async def write_with(client: httpx.AsyncClient, secret: str) -> httpx.Response:
    """A write (the thing keys are for) with this secret; 201 when the key works."""
    return await client.post(
        f"{API}/organizations",
        json={"name": f"Ministry {uuid.uuid4().hex}", "kind": "ministry"},
        headers=bearer(secret),
    )


async def stored(session: AsyncSession, key_id: int) -> ApiKey:
    """The key's row as committed (or as written in this test's transaction)."""
    key = await session.scalar(
        select(ApiKey).where(ApiKey.id == key_id).execution_options(populate_existing=True)
    )
    assert key is not None
    return key


async def new_key(
    session: AsyncSession, name: str = "lifecycle", **kwargs: Any
) -> tuple[ApiKey, str]:
    key, secret = await service.create(session, name=name, role=Role.editor, **kwargs)
    await session.commit()
    return key, secret


async def expire(session: AsyncSession, key_id: int, *, ago: timedelta) -> None:
    await session.execute(
        update(ApiKey).where(ApiKey.id == key_id).values(expires_at=utcnow() - ago)
    )
    await session.commit()


def close_to(moment: str | datetime | None, expected: datetime, within: float = 60) -> bool:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment is not None and abs((moment - expected).total_seconds()) <= within


# --- expiry -----------------------------------------------------------------------------


async def test_a_key_with_an_expiry_works_until_then(
    client: httpx.AsyncClient, admin_headers: Headers, session: AsyncSession
) -> None:
    expires = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    response = await client.post(
        KEYS,
        json={"name": "Temporary", "expires_at": expires.isoformat().replace("+00:00", "Z")},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert datetime.fromisoformat(body["expires_at"]) == expires
    assert body["state"] == "active"
    assert (await write_with(client, body["key"])).status_code == 201

    await expire(session, body["id"], ago=timedelta(seconds=1))
    assert_unauthorized(await write_with(client, body["key"]))
    # Reads with an expired key are refused like reads with any invalid key.
    assert_unauthorized(await client.get(f"{API}/organizations", headers=bearer(body["key"])))
    [listed] = [
        k for k in (await client.get(KEYS, headers=admin_headers)).json() if k["id"] == body["id"]
    ]
    assert listed["state"] == "expired"


@pytest.mark.parametrize("separator", ["T", "t", " "])
async def test_an_offset_is_kept_as_the_same_instant(
    client: httpx.AsyncClient, admin_headers: Headers, separator: str
) -> None:
    instant = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    riyadh = instant.astimezone(timezone(timedelta(hours=3))).isoformat(separator)
    response = await client.post(
        KEYS, json={"name": "Riyadh office", "expires_at": riyadh}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    assert datetime.fromisoformat(response.json()["expires_at"]) == instant
    # RFC 3339 allows a lower-case z.
    utc = instant.isoformat(separator).replace("+00:00", "z")
    response = await client.post(
        KEYS, json={"name": "UTC office", "expires_at": utc}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    assert datetime.fromisoformat(response.json()["expires_at"]) == instant


@pytest.mark.parametrize(
    "expires_at",
    [
        "2001-01-01T00:00:00Z",  # past
        "2027-06-01T00:00:00",  # no offset: whose midnight?
        "2027-06-01",  # a date is not a time
        1893456000,  # a number: seconds or milliseconds?
        "9999-12-31T23:59:59-05:00",  # beyond what the databases store in UTC
        "0001-01-01T00:00:00+01:00",  # before the first instant UTC can hold
        "2027-06-01T00:00:00+24:00",
        "2027-06-01T24:00:00Z",
        "2200-01-01T00:00:00Z",  # past the longest lifetime
        "tomorrow",
        "2027-02-30T00:00:00Z",
    ],
)
async def test_invalid_expiry_is_422(
    client: httpx.AsyncClient, admin_headers: Headers, session: AsyncSession, expires_at: Any
) -> None:
    before = await session.scalar(select(func.count()).select_from(ApiKey))
    response = await client.post(
        KEYS, json={"name": "Bad expiry", "expires_at": expires_at}, headers=admin_headers
    )
    assert ["body", "expires_at"] in error_locs(assert_problem(response, 422))
    assert await session.scalar(select(func.count()).select_from(ApiKey)) == before


async def test_service_refuses_a_past_expiry(session: AsyncSession) -> None:
    with pytest.raises(ValueError, match="future"):
        await service.create(
            session, name="x", role=Role.editor, expires_at=utcnow() - timedelta(seconds=1)
        )


# --- last use ---------------------------------------------------------------------------


async def test_last_used_is_written_at_most_once_a_minute(session: AsyncSession) -> None:
    key, secret = await new_key(session)
    assert (await stored(session, key.id)).last_used_at is None
    start = utcnow()
    assert await service.authenticate(session, secret=secret, now=start) is not None
    assert (await stored(session, key.id)).last_used_at == start
    # Within the minute: nothing written.
    later = start + timedelta(seconds=59)
    assert await service.authenticate(session, secret=secret, now=later) is not None
    assert (await stored(session, key.id)).last_used_at == start
    # A minute on: written again.
    later = start + timedelta(seconds=61)
    assert await service.authenticate(session, secret=secret, now=later) is not None
    assert (await stored(session, key.id)).last_used_at == later
    # Refused secrets leave no trace.
    assert await service.authenticate(session, secret=secret + "x", now=later) is None


async def test_a_stale_read_of_the_key_writes_nothing(session: AsyncSession) -> None:
    """Two requests read the key before either writes: the second one's UPDATE finds the
    row already fresh and changes nothing (the condition is checked again in SQL)."""
    key, secret = await new_key(session)
    start = utcnow()
    stale = await stored(session, key.id)
    session.expunge(stale)  # a copy of the row as another request read it: never used
    assert stale.last_used_at is None
    assert await service.authenticate(session, secret=secret, now=start) is not None
    await service._record_use(session, stale, start + timedelta(seconds=1))
    assert (await stored(session, key.id)).last_used_at == start


async def test_requests_record_their_key_use(
    client: httpx.AsyncClient, admin_headers: Headers, editor_headers: Headers
) -> None:
    def listed(keys: list[dict[str, Any]], name: str) -> dict[str, Any]:
        [key] = [key for key in keys if key["name"] == name]
        return key

    keys = (await client.get(KEYS, headers=admin_headers)).json()
    assert listed(keys, "test editor")["last_used_at"] is None
    # The admin's own request was recorded before the list was read.
    assert close_to(listed(keys, "test admin")["last_used_at"], utcnow())
    await factories.organization(client, editor_headers)
    keys = (await client.get(KEYS, headers=admin_headers)).json()
    assert close_to(listed(keys, "test editor")["last_used_at"], utcnow())


@pytest.fixture
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs while the test does."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_concurrent_requests_with_one_key(
    committed_app: httpx.AsyncClient,
    committed_editor_headers: Headers,
    engine: AsyncEngine,
    statements: list[str],
) -> None:
    """Many requests with one key at once all get through; once the use is recorded, later
    requests within the minute write nothing at all."""

    def updates() -> int:
        return sum(s.lstrip().upper().startswith("UPDATE API_KEYS") for s in statements)

    async def wave(size: int) -> None:
        urls = [f"{API}/organizations", f"{API}/visits", f"{API}/press-releases"]
        responses = await asyncio.gather(
            *(
                committed_app.get(urls[i % len(urls)], headers=committed_editor_headers)
                for i in range(size)
            )
        )
        assert [r.status_code for r in responses] == [200] * size, [
            r.text for r in responses if r.status_code != 200
        ]

    async def last_used() -> datetime | None:
        async with sessionmaker(engine)() as session:
            return await session.scalar(
                select(ApiKey.last_used_at).where(
                    ApiKey.digest == service.digest(secret_of(committed_editor_headers))
                )
            )

    await wave(12)
    assert 1 <= updates() <= 12
    first = await last_used()
    assert first is not None and close_to(first, utcnow())
    statements.clear()
    await wave(12)
    assert updates() == 0, statements
    assert await last_used() == first


async def test_a_locked_key_row_does_not_hold_up_requests(
    committed_app: httpx.AsyncClient,
    committed_editor_headers: Headers,
    engine: AsyncEngine,
    database_url: str,
) -> None:
    """PostgreSQL: while another transaction holds the key's row (an admin rotating or
    revoking it, say), a request with the key is answered at once and skips the record."""
    if not is_postgres(database_url):
        pytest.skip("SQLite has no row locks: a writer holds the whole database")
    digest = service.digest(secret_of(committed_editor_headers))
    async with engine.connect() as holder:
        await holder.execute(
            text("SELECT id FROM api_keys WHERE digest = :d FOR UPDATE"), {"d": digest}
        )
        response = await asyncio.wait_for(
            committed_app.get(f"{API}/visits", headers=committed_editor_headers), timeout=3
        )
        assert response.status_code == 200, response.text
        await holder.rollback()
    async with sessionmaker(engine)() as session:
        used = await session.scalar(select(ApiKey.last_used_at).where(ApiKey.digest == digest))
    assert used is None
    response = await committed_app.get(f"{API}/visits", headers=committed_editor_headers)
    assert response.status_code == 200
    async with sessionmaker(engine)() as session:
        used = await session.scalar(select(ApiKey.last_used_at).where(ApiKey.digest == digest))
    assert used is not None


# --- rotation ---------------------------------------------------------------------------


async def rotate(
    client: httpx.AsyncClient, admin: Headers, key_id: int, **body: Any
) -> dict[str, Any]:
    response = await client.post(f"{KEYS}/{key_id}/rotate", json=body or None, headers=admin)
    assert response.status_code == 200, response.text
    assert_not_stored(response)
    result: dict[str, Any] = response.json()
    return result


async def test_rotation_keeps_the_old_secret_working_for_a_day(
    client: httpx.AsyncClient, admin_headers: Headers, session: AsyncSession
) -> None:
    key, old = await new_key(session, "Press office")
    rotated = await rotate(client, admin_headers, key.id)
    new = rotated["key"]
    assert new != old and new.startswith(rotated["prefix"])
    assert (rotated["id"], rotated["name"], rotated["role"]) == (key.id, "Press office", "editor")
    assert rotated["previous_prefix"] == key.prefix and old.startswith(key.prefix)
    assert close_to(rotated["rotated_at"], utcnow())
    assert close_to(rotated["previous_expires_at"], utcnow() + timedelta(hours=24))
    assert (await write_with(client, new)).status_code == 201
    assert (await write_with(client, old)).status_code == 201
    # Only digests are kept.
    row = await stored(session, key.id)
    assert row.digest == service.digest(new) and row.previous_digest == service.digest(old)


async def test_the_old_secret_stops_when_the_grace_period_ends(session: AsyncSession) -> None:
    key, old = await new_key(session)
    rotated_at = utcnow() - timedelta(hours=25)
    _, new = await service.rotate(session, key_id=key.id, now=rotated_at)
    await session.commit()
    assert await service.authenticate(session, secret=old) is None
    assert await service.authenticate(session, secret=new) is not None
    # Just inside the grace period it still worked.
    inside = rotated_at + service.DEFAULT_GRACE - timedelta(seconds=1)
    assert await service.authenticate(session, secret=old, now=inside) is not None


async def test_the_old_secret_is_refused_over_http_after_the_grace_period(
    client: httpx.AsyncClient, admin_headers: Headers, session: AsyncSession
) -> None:
    key, old = await new_key(session)
    _, new = await service.rotate(
        session, key_id=key.id, grace=timedelta(hours=1), now=utcnow() - timedelta(hours=2)
    )
    await session.commit()
    assert_unauthorized(await write_with(client, old))
    assert (await write_with(client, new)).status_code == 201


async def test_rotation_with_no_grace_and_rotating_twice(
    client: httpx.AsyncClient, admin_headers: Headers, session: AsyncSession
) -> None:
    key, first = await new_key(session)
    second = (await rotate(client, admin_headers, key.id, grace_seconds=3600))["key"]
    # A second rotation: the first secret stops at once, the second has its grace period.
    third = (await rotate(client, admin_headers, key.id))["key"]
    assert_unauthorized(await write_with(client, first))
    assert (await write_with(client, second)).status_code == 201
    assert (await write_with(client, third)).status_code == 201
    fourth = (await rotate(client, admin_headers, key.id, grace_seconds=0))["key"]
    assert_unauthorized(await write_with(client, third))
    assert (await write_with(client, fourth)).status_code == 201


async def test_the_grace_period_never_outlives_the_key(
    client: httpx.AsyncClient, admin_headers: Headers, session: AsyncSession
) -> None:
    expires = utcnow() + timedelta(hours=1)
    key, old = await new_key(session, expires_at=expires)
    rotated = await rotate(client, admin_headers, key.id)
    assert datetime.fromisoformat(rotated["previous_expires_at"]) == expires
    assert datetime.fromisoformat(rotated["expires_at"]) == expires
    # When the key expires, both of its secrets stop.
    await expire(session, key.id, ago=timedelta(seconds=1))
    assert_unauthorized(await write_with(client, old))
    assert_unauthorized(await write_with(client, rotated["key"]))


async def test_revoking_a_rotated_key_stops_both_secrets(
    client: httpx.AsyncClient, admin_headers: Headers, session: AsyncSession
) -> None:
    key, old = await new_key(session)
    new = (await rotate(client, admin_headers, key.id))["key"]
    response = await client.delete(f"{KEYS}/{key.id}", headers=admin_headers)
    assert response.status_code == 204
    assert_not_stored(response)
    assert_unauthorized(await write_with(client, old))
    assert_unauthorized(await write_with(client, new))


async def test_rotation_refusals(
    client: httpx.AsyncClient,
    admin_headers: Headers,
    editor_headers: Headers,
    session: AsyncSession,
) -> None:
    revoked, _ = await new_key(session, "revoked")
    await service.revoke(session, key_id=revoked.id)
    expired, _ = await new_key(session, "expired")
    await expire(session, expired.id, ago=timedelta(minutes=1))
    live, live_secret = await new_key(session, "live")
    url = f"{KEYS}/{live.id}/rotate"

    assert_problem(await client.post(f"{KEYS}/{revoked.id}/rotate", headers=admin_headers), 409)
    assert_problem(await client.post(f"{KEYS}/{expired.id}/rotate", headers=admin_headers), 409)
    assert_problem(await client.post(f"{KEYS}/999999/rotate", headers=admin_headers), 404)
    assert_problem(await client.post(f"{KEYS}/abc/rotate", headers=admin_headers), 422)
    for body in (
        {"grace_seconds": -1},
        {"grace_seconds": 31 * 86400},
        {"grace_seconds": "1"},
        {"grace": 5},
    ):
        response = await client.post(url, json=body, headers=admin_headers)
        assert_problem(response, 422)
    assert_problem(await client.post(url, headers=editor_headers), 403)
    assert_unauthorized(await client.post(url))
    # None of that changed the key.
    row = await stored(session, live.id)
    assert row.rotated_at is None and row.digest == service.digest(live_secret)


# --- names that cannot forge output -----------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE_NAMES)
async def test_names_with_control_characters_are_422(
    client: httpx.AsyncClient, admin_headers: Headers, session: AsyncSession, name: str
) -> None:
    before = await session.scalar(select(func.count()).select_from(ApiKey))
    response = await client.post(KEYS, json={"name": name}, headers=admin_headers)
    body = assert_problem(response, 422)
    assert ["body", "name"] in error_locs(body)
    assert "control" in response.text
    assert await session.scalar(select(func.count()).select_from(ApiKey)) == before


@pytest.mark.parametrize(
    "name",
    [
        "مكتب الإعلام",  # Arabic: right to left by itself, no override needed
        "دفتر مطبوعات\u200cوزارت",  # Persian, with a zero-width non-joiner
        "Bureau de presse – Défense",
        "👩\u200d💻 automation",  # an emoji sequence with a zero-width joiner
    ],
)
async def test_names_in_any_script_are_accepted(
    client: httpx.AsyncClient, admin_headers: Headers, name: str
) -> None:
    response = await client.post(KEYS, json={"name": name}, headers=admin_headers)
    assert response.status_code == 201, response.text
    assert response.json()["name"] == unicodedata.normalize("NFC", name)


def test_printable_escapes_what_could_move_the_cursor() -> None:
    for name in HOSTILE_NAMES:
        shown = service.printable(name)
        assert all(c.isprintable() for c in shown), shown
    assert service.printable("a\x1b[2Kb\rc\td") == "a\\x1b[2Kb\\x0dc\\x09d"
    assert service.printable("x\u202ey") == "x\\u202ey"
    # A backslash is doubled, so no name can look like another's escapes.
    assert service.printable("a\\x1b") == "a\\\\x1b"
    assert service.printable("دفتر\u200cوزارت") == "دفتر\u200cوزارت"


# --- answers with secrets are not stored ------------------------------------------------


async def test_key_answers_say_no_store(client: httpx.AsyncClient, admin_headers: Headers) -> None:
    response = await client.post(KEYS, json={"name": "Cached?"}, headers=admin_headers)
    assert response.status_code == 201
    assert "key" in response.json()
    assert_not_stored(response)
    assert_not_stored(await client.get(KEYS, headers=admin_headers))
    assert_not_stored(
        await client.post(f"{KEYS}/{response.json()['id']}/rotate", headers=admin_headers)
    )


async def test_openapi_declares_key_routes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    rotate_op = paths[f"{KEYS}/{{id}}/rotate"]["post"]
    assert {"200", "400", "401", "403", "404", "409", "422", "503"} <= set(rotate_op["responses"])
    assert "Cache-Control" in rotate_op["responses"]["200"]["headers"]
    create_op = paths[KEYS]["post"]
    assert {"201", "401", "403", "422"} <= set(create_op["responses"])
    assert "Cache-Control" in create_op["responses"]["201"]["headers"]
    schema = create_op["requestBody"]["content"]["application/json"]["schema"]
    assert "expires_at" in str(schema) or "KeyCreate" in str(schema)


# --- the command line, on the backend under test ----------------------------------------


def run_cli(*argv: str) -> int:
    # In a thread: the CLI calls asyncio.run, which must not meet pytest's running loop.
    return in_thread(cli.main, list(argv))


def run_cli_error(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit status and standard error of a command that argparse refuses (or that fails)."""
    try:
        status = run_cli(*argv)
    except SystemExit as exit_info:
        status = int(exit_info.code or 0)
    return status, capsys.readouterr().err


@pytest.fixture
async def cli_app(committed_app: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """An app on the database the CLI writes to (committed for real, emptied afterwards)."""
    yield committed_app


async def key_rows(engine: AsyncEngine) -> list[ApiKey]:
    async with sessionmaker(engine)() as session:
        return list((await session.scalars(select(ApiKey).order_by(ApiKey.id))).all())


async def test_cli_create_with_expiry(
    cli_app: httpx.AsyncClient, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("keys", "create", "--name", "Press office", "--expires-in", "30d") == 0
    out = capsys.readouterr().out
    secret = out.rstrip("\n").splitlines()[-1]
    [row] = await key_rows(engine)
    assert close_to(row.expires_at, utcnow() + timedelta(days=30))
    assert f"expires {row.expires_at:%Y-%m-%d %H:%M} UTC" in out
    assert (await write_with(cli_app, secret)).status_code == 201

    day = date.today() + timedelta(days=400)
    assert run_cli("keys", "create", "--name", "Ops", "--expires", day.isoformat()) == 0
    capsys.readouterr()
    assert (await key_rows(engine))[-1].expires_at == datetime(
        day.year, day.month, day.day, tzinfo=UTC
    )
    assert (
        run_cli(
            "keys", "create", "--name", "At noon", "--expires", f"{day.isoformat()}T12:00:00+02:00"
        )
        == 0
    )
    capsys.readouterr()
    assert (await key_rows(engine))[-1].expires_at == datetime(
        day.year, day.month, day.day, 10, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--expires-in", "30", "duration"),
        ("--expires-in", "5y", "duration"),
        ("--expires-in", "99999999w", "days"),
        ("--expires-in", "0", "future"),
        ("--expires", "2001-01-01", "future"),
        ("--expires", "2027-01-01T00:00:00", "offset"),
        ("--expires", "next week", "date"),
    ],
)
async def test_cli_refuses_a_bad_expiry(
    cli_app: httpx.AsyncClient,
    engine: AsyncEngine,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    message: str,
) -> None:
    status, err = run_cli_error(capsys, "keys", "create", "--name", "x", option, value)
    assert status == 2 and message in err, err
    assert await key_rows(engine) == []


async def test_cli_refuses_names_with_control_characters(
    cli_app: httpx.AsyncClient, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in HOSTILE_NAMES:
        status, err = run_cli_error(capsys, "keys", "create", "--name", name)
        assert status == 2 and "control" in err, err
        # The error message itself prints the name escaped.
        assert "\x1b" not in err and "\r" not in err and "\u202e" not in err, err
    assert await key_rows(engine) == []


async def test_cli_list_escapes_stored_names(
    cli_app: httpx.AsyncClient, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    """Names stored before they were checked (or written around the API) still cannot forge
    rows: every key is one line, and no control character reaches the terminal."""
    async with sessionmaker(engine, write=True)() as session:
        for index, name in enumerate(HOSTILE_NAMES):
            session.add(ApiKey(name=name, role="editor", prefix="cq_old", digest=f"{index:064d}"))
        await session.commit()
    assert run_cli("keys", "list") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 1 + len(HOSTILE_NAMES), out
    assert all(line.count("\t") == lines[0].count("\t") for line in lines), out
    assert all(c.isprintable() or c in "\t\n" for c in out), repr(out)
    assert "evil\\x1b[2K\\x0d3\\x09editor\\x09cq_fake" in out
    assert "override \\u202eevil\\u202c" in out


async def test_cli_rotate_list_and_revoke(
    cli_app: httpx.AsyncClient, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("keys", "create", "--name", "Press office") == 0
    old = capsys.readouterr().out.rstrip("\n").splitlines()[-1]
    [key] = await key_rows(engine)

    assert run_cli("keys", "rotate", str(key.id)) == 0
    out = capsys.readouterr().out
    new = out.rstrip("\n").splitlines()[-1]
    assert new.startswith("cq_") and new != old and " " not in new, out
    assert "works until" in out
    assert (await write_with(cli_app, new)).status_code == 201
    assert (await write_with(cli_app, old)).status_code == 201
    [row] = await key_rows(engine)
    assert close_to(row.previous_expires_at, utcnow() + timedelta(hours=24))

    assert run_cli("keys", "list") == 0
    listing = capsys.readouterr().out
    [line] = [line for line in listing.splitlines() if line.endswith("\tPress office")]
    assert "active" in line and "rotated" in line and f"old {key.prefix}… works until" in line
    assert "last used" in listing.splitlines()[0] and "never" not in line.split("\t")[5]
    assert old not in listing and new not in listing

    assert run_cli("keys", "rotate", str(key.id), "--grace", "0") == 0
    newest = capsys.readouterr().out.rstrip("\n").splitlines()[-1]
    assert_unauthorized(await write_with(cli_app, new))
    assert (await write_with(cli_app, newest)).status_code == 201
    assert run_cli("keys", "list") == 0
    assert "stopped" in capsys.readouterr().out

    status, err = run_cli_error(capsys, "keys", "rotate", str(key.id), "--grace", "31d")
    assert status == 2 and "30 days" in err
    assert run_cli("keys", "revoke", str(key.id)) == 0
    capsys.readouterr()
    status, err = run_cli_error(capsys, "keys", "rotate", str(key.id))
    assert status == 1 and "revoked" in err
    status, err = run_cli_error(capsys, "keys", "rotate", "999999")
    assert status == 1 and "999999" in err
    assert_unauthorized(await write_with(cli_app, newest))


async def test_cli_list_shows_expired_keys(
    cli_app: httpx.AsyncClient, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli("keys", "create", "--name", "Old", "--expires-in", "1h") == 0
    capsys.readouterr()
    [key] = await key_rows(engine)
    async with sessionmaker(engine, write=True)() as session:
        await expire(session, key.id, ago=timedelta(minutes=5))
    assert run_cli("keys", "list") == 0
    [line] = capsys.readouterr().out.splitlines()[1:]
    assert line.split("\t")[3] == "expired", line
