"""`communique`: serve the API, migrate the database, load demo data, manage API keys."""

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from app.config import get_settings

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


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
        proxy_headers=True,
        access_log=False,
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


def _keys_create(args: argparse.Namespace) -> int:
    from app.auth import service
    from app.kit.enums import Role

    async def work(session):  # type: ignore[no-untyped-def]
        return await service.create(session, name=args.name, role=Role(args.role))

    key, secret = _with_session(work)
    print(f"created {key.role} key {key.id} ({key.name}); it is shown only once:")
    print(secret)
    return 0


def _keys_list(_: argparse.Namespace) -> int:
    from app.auth import service

    keys = _with_session(service.list_)
    for key in keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        print(f"{key.id}\t{key.role}\t{key.prefix}…\t{state}\t{key.name}")
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
    print(f"revoked key {key.id} ({key.name})")
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
    create.add_argument("--name", required=True)
    create.set_defaults(func=_keys_create)
    list_ = keys_sub.add_parser("list", help="list keys (never their secrets)")
    list_.set_defaults(func=_keys_list)
    revoke = keys_sub.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id", type=int)
    revoke.set_defaults(func=_keys_revoke)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
