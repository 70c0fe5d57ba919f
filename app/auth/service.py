"""API keys: made by the CLI (or an admin), stored as digests, checked on every write."""

import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey
from app.kit.db import utcnow
from app.kit.enums import Role
from app.kit.errors import NotFound
from app.kit.schemas import MAX_ID

KEY_PREFIX = "cq_"


def digest(secret: str) -> str:
    # Keys are 256-bit random tokens, so a plain SHA-256 is as good as a slow hash here.
    return hashlib.sha256(secret.encode()).hexdigest()


async def create(session: AsyncSession, *, name: str, role: Role) -> tuple[ApiKey, str]:
    """A new key and its plaintext secret, which is never stored or shown again."""
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, role=role.value, prefix=secret[:10], digest=digest(secret))
    session.add(key)
    await session.flush()
    return key, secret


async def list_(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.scalars(select(ApiKey).order_by(ApiKey.id))).all()


async def revoke(session: AsyncSession, *, key_id: int) -> ApiKey:
    key = await session.get(ApiKey, key_id) if 1 <= key_id <= MAX_ID else None
    if key is None:
        raise NotFound(f"No API key {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


async def authenticate(session: AsyncSession, *, secret: str) -> ApiKey | None:
    """The live key with this secret, or None."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    key = await session.scalar(select(ApiKey).where(ApiKey.digest == digest(secret)))
    if key is None or key.revoked_at is not None:
        return None
    return key
