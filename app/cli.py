"""`communique`: serve the API, migrate the database, load demo data, manage API keys."""

import argparse
import asyncio
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from app.config import get_settings

if TYPE_CHECKING:
    from datetime import datetime, timedelta

    from app.auth.models import ApiKey

T = TypeVar("T")


def _with_session(work: Callable[..., Awaitable[T]]) -> T:
    from app.kit.db import create_engine, sessionmaker

    async def run() -> T:
        engine = create_engine(get_settings().async_database_url)
        try:
            async with sessionmaker(engine, write=True)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(run())


# How `serve` runs uvicorn, whatever the address and number of workers.
SERVER_OPTIONS: dict[str, Any] = {
    "proxy_headers": True,
    "access_log": False,
    # No `server: uvicorn` on every response: it tells an attacker what to aim at.
    "server_header": False,
}


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        **SERVER_OPTIONS,
    )
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from app import migrate

    if args.revision.startswith("-") or args.downgrade:
        migrate.downgrade(revision=args.revision if args.revision != "head" else "base")
    else:
        migrate.upgrade(revision=args.revision)
    return 0


def _seed(_: argparse.Namespace) -> int:
    from app.seed import load

    created = _with_session(load)
    print("demo data loaded" if created else "demo data already present")
    return 0


# --- keys ------------------------------------------------------------------------------
# Values are checked while the arguments are parsed (argparse's usage error, exit status 2),
# with the same rules as the HTTP API's; a key name is printed only through
# `service.printable`, so no name can write terminal escapes or forge a row.

_DURATION = re.compile(r"(?:(\d{1,9})([smhdw]))+")
_DURATION_PART = re.compile(r"(\d{1,9})([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _duration(text: str) -> "timedelta":
    """`30d`, `24h`, `1d12h`, `90m`, `2w` (or `0`) as a timedelta."""
    from datetime import timedelta

    if text == "0":
        return timedelta(0)
    if not _DURATION.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration such as 30d, 24h, 1d12h, 90m or 2w"
        )
    try:
        return sum(
            (
                timedelta(**{_UNITS[unit]: int(count)})
                for count, unit in _DURATION_PART.findall(text)
            ),
            timedelta(0),
        )
    except OverflowError:
        raise argparse.ArgumentTypeError(f"{text!r} is too long") from None


def _expires_in(text: str) -> "datetime":
    from app.auth import service
    from app.kit.db import utcnow

    now, duration = utcnow(), _duration(text)
    try:
        return service.check_expiry(now + duration, now=now)
    except OverflowError:
        message = f"must be within {service.MAX_LIFETIME.days} days from now"
    except ValueError as error:
        message = str(error)
    raise argparse.ArgumentTypeError(f"{text!r}: the expiry {message}")


def _expires(text: str) -> "datetime":
    """A date (the key stops at 00:00 UTC that day) or an RFC 3339 time with an offset."""
    from datetime import UTC, date, datetime

    from app.auth import service

    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a date (2027-01-01) nor a time with an offset "
            "(2027-01-01T12:00:00Z)"
        ) from None
    try:
        return service.check_expiry(moment)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: the expiry {error}") from None


def _grace(text: str) -> "timedelta":
    from app.auth import service

    try:
        return service.check_grace(_duration(text))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: the grace period {error}") from None


def _key_name(text: str) -> str:
    """The name as the HTTP API would store it (trimmed, NFC), or a usage error."""
    from pydantic import TypeAdapter, ValidationError

    from app.auth import service
    from app.auth.schemas import KeyName

    try:
        name: str = TypeAdapter(KeyName).validate_python(text)
    except ValidationError as error:
        message = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise argparse.ArgumentTypeError(
            f"'{service.printable(text)}': {message[:1].lower()}{message[1:]}"
        ) from None
    return name


def _when(moment: "datetime | None", *, none: str = "never") -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else none


def _keys_create(args: argparse.Namespace) -> int:
    from app.auth import service
    from app.kit.enums import Role

    async def work(session):  # type: ignore[no-untyped-def]
        return await service.create(
            session, name=args.name, role=Role(args.role), expires_at=args.expires
        )

    key, secret = _with_session(work)
    print(
        f"created {key.role} key {key.id} ({service.printable(key.name)}), "
        f"expires {_when(key.expires_at)}; it is shown only once:"
    )
    print(secret)
    return 0


def _rotation(key: "ApiKey", now: "datetime") -> str:
    from app.auth import service

    if key.rotated_at is None:
        return "-"
    works = service.state(key.revoked_at, key.expires_at, now) == "active" and (
        service.previous_works(key, now)
    )
    old = f"old {key.previous_prefix}… " + (
        f"works until {_when(key.previous_expires_at)}"
        if works
        else f"stopped {_when(key.previous_expires_at)}"
    )
    return f"rotated {_when(key.rotated_at)}, {old}"


def _keys_list(_: argparse.Namespace) -> int:
    from app.auth import service
    from app.kit.db import utcnow

    keys = _with_session(service.list_)
    now = utcnow()
    print("id\trole\tprefix\tstate\texpires\tlast used\trotation\tname")
    for key in keys:
        state: str = service.state(key.revoked_at, key.expires_at, now)
        if key.revoked_at is not None:
            state = f"revoked {_when(key.revoked_at)}"
        print(
            f"{key.id}\t{key.role}\t{key.prefix}…\t{state}\t{_when(key.expires_at)}\t"
            f"{_when(key.last_used_at)}\t{_rotation(key, now)}\t{service.printable(key.name)}"
        )
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    from app.auth import service
    from app.kit.db import utcnow
    from app.kit.errors import Conflict, NotFound

    now = utcnow()

    async def work(session):  # type: ignore[no-untyped-def]
        return await service.rotate(session, key_id=args.id, grace=args.grace, now=now)

    try:
        key, secret = _with_session(work)
    except (NotFound, Conflict) as error:
        print(error.detail, file=sys.stderr)
        return 1
    old = f"the old secret {key.previous_prefix}… " + (
        f"works until {_when(key.previous_expires_at)}"
        if service.previous_works(key, now)
        else "stopped working"
    )
    print(
        f"rotated key {key.id} ({service.printable(key.name)}); {old}. "
        "The new secret is shown only once:"
    )
    print(secret)
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    from app.auth import service
    from app.kit.errors import NotFound

    async def work(session):  # type: ignore[no-untyped-def]
        return await service.revoke(session, key_id=args.id)

    try:
        key = _with_session(work)
    except NotFound as error:
        print(error.detail, file=sys.stderr)
        return 1
    print(f"revoked key {key.id} ({service.printable(key.name)})")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="communique", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", help="default: $HOST or 127.0.0.1")
    serve.add_argument("--port", type=int, help="default: $PORT or 8000")
    serve.add_argument("--workers", type=int, help="default: $WORKERS or 1")
    serve.set_defaults(func=_serve)

    migrate = sub.add_parser("migrate", help="bring the database schema to the newest revision")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.add_argument("--downgrade", action="store_true", help="go down to REVISION")
    migrate.set_defaults(func=_migrate)

    seed = sub.add_parser("seed", help="load the demo data (safe to run again)")
    seed.set_defaults(func=_seed)

    keys = sub.add_parser("keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key; prints it once, last line")
    create.add_argument("--role", choices=["editor", "admin"], default="editor")
    create.add_argument("--name", required=True, type=_key_name)
    expiry = create.add_mutually_exclusive_group()
    expiry.add_argument(
        "--expires-in",
        dest="expires",
        type=_expires_in,
        metavar="DURATION",
        help="the key stops working after this long: 30d, 12h, 2w, 1d12h (default: never)",
    )
    expiry.add_argument(
        "--expires",
        dest="expires",
        type=_expires,
        metavar="WHEN",
        help="the key stops working at this time: a date (00:00 UTC that day) or an "
        "RFC 3339 time with an offset",
    )
    create.set_defaults(func=_keys_create, expires=None)
    list_ = keys_sub.add_parser(
        "list", help="list keys with expiry, last use and rotation (never their secrets)"
    )
    list_.set_defaults(func=_keys_list)
    rotate = keys_sub.add_parser(
        "rotate", help="give a key a new secret; prints it once, last line"
    )
    rotate.add_argument("id", type=int)
    rotate.add_argument(
        "--grace",
        type=_grace,
        default="24h",
        metavar="DURATION",
        help="how long the old secret keeps working (default 24h, at most 30d; 0: stop now)",
    )
    rotate.set_defaults(func=_keys_rotate)
    revoke = keys_sub.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(func=_keys_revoke)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
