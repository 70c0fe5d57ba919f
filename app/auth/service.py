"""API keys: made by the CLI (or an admin), stored as digests, checked on every write.

A key is live while it is neither revoked nor expired. Its current secret works while the
key is live; after a rotation the secret it replaced works too until the grace period ends.
Every function that depends on the time takes `now`, so the tests move the clock instead of
waiting.
"""

import hashlib
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import ApiKey
from app.kit.db import utcnow
from app.kit.enums import Role
from app.kit.errors import Conflict, NotFound
from app.kit.schemas import MAX_ID

KEY_PREFIX = "cq_"

# How long the replaced secret keeps working after `keys rotate`: a day lets a deployment
# pick up the new secret on its next daily restart or config push.
DEFAULT_GRACE = timedelta(hours=24)
MAX_GRACE = timedelta(days=30)
# Expiry is bounded so every computed time stays far inside what both databases store.
MAX_LIFETIME = timedelta(days=3660)
# `last_used_at` is written at most this often per key: a busy key costs one UPDATE a minute,
# not one per request.
LAST_USED_EVERY = timedelta(minutes=1)

# Characters a key name may not hold: they move the terminal's cursor, start escape
# sequences or reorder the text around them, so a name could forge rows of `keys list`.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Joiners shape Arabic and Persian script and emoji; they cannot move anything.
_JOINERS = frozenset("\u200c\u200d")


def forbidden_in_name(text: str) -> str | None:
    """The first character a key name must not contain, or None: controls (C0, DEL, C1,
    which include ESC, CR, LF, BEL and TAB), bidirectional overrides and isolates, and line
    or paragraph separators."""
    for char in text:
        if char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return char
    return None


def check_name(text: str) -> str:
    """`text` if it may name a key, else ValueError saying which character is refused."""
    char = forbidden_in_name(text)
    if char is not None:
        raise ValueError(
            f"must not contain control or bidirectional formatting characters "
            f"(found U+{ord(char):04X})"
        )
    return text


def printable(text: str) -> str:
    """`text` safe to print on a terminal: every character that is not printable (controls,
    format characters but the joiners, separators other than the space) and the backslash
    are written as Python escapes, so one key's name cannot look like another row or
    another name."""
    out: list[str] = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char.isprintable() or char in _JOINERS:
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
    return "".join(out)


def check_expiry(expires_at: datetime, *, now: datetime | None = None) -> datetime:
    """`expires_at` in UTC if it is a future time within MAX_LIFETIME, else ValueError."""
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ValueError("must carry a UTC offset (e.g. 2027-01-01T00:00:00Z)")
    now = now or utcnow()
    # Compared before converting: year 1 or 9999 in another offset has no UTC equivalent.
    if expires_at <= now:
        raise ValueError("must be in the future")
    if expires_at - now > MAX_LIFETIME:
        raise ValueError(f"must be within {MAX_LIFETIME.days} days from now")
    return expires_at.astimezone(now.tzinfo)


def check_grace(grace: timedelta) -> timedelta:
    if not timedelta(0) <= grace <= MAX_GRACE:
        raise ValueError(f"must be between 0 and {MAX_GRACE.days} days")
    return grace


def digest(secret: str) -> str:
    # Keys are 256-bit random tokens, so a plain SHA-256 is as good as a slow hash here.
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _prefix(secret: str) -> str:
    return secret[:10]


def previous_works(key: ApiKey, now: datetime) -> bool:
    """Whether the secret replaced by the last rotation still works (grace not over)."""
    return key.previous_expires_at is not None and now < key.previous_expires_at


KeyState = Literal["active", "expired", "revoked"]


def state(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> KeyState:
    """Whether a key works at `now`; revocation wins over expiry."""
    if revoked_at is not None:
        return "revoked"
    return "expired" if expires_at is not None and expires_at <= now else "active"


def is_expired(key: ApiKey, now: datetime) -> bool:
    return state(None, key.expires_at, now) == "expired"


async def create(
    session: AsyncSession,
    *,
    name: str,
    role: Role,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its plaintext secret, which is never stored or shown again."""
    now = now or utcnow()
    check_name(name)
    if expires_at is not None:
        expires_at = check_expiry(expires_at, now=now)
    secret = _new_secret()
    key = ApiKey(
        name=name,
        role=role.value,
        prefix=_prefix(secret),
        digest=digest(secret),
        created_at=now,
        expires_at=expires_at,
    )
    session.add(key)
    await session.flush()
    return key, secret


async def list_(session: AsyncSession) -> Sequence[ApiKey]:
    return (await session.scalars(select(ApiKey).order_by(ApiKey.id))).all()


async def _get(session: AsyncSession, key_id: int, *, for_update: bool = False) -> ApiKey:
    key = (
        await session.get(ApiKey, key_id, with_for_update=for_update, populate_existing=True)
        if 1 <= key_id <= MAX_ID
        else None
    )
    if key is None:
        raise NotFound(f"No API key {key_id}.")
    return key


async def revoke(session: AsyncSession, *, key_id: int) -> ApiKey:
    """Revoke a key: its current and previous secrets stop working at once."""
    key = await _get(session, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


async def rotate(
    session: AsyncSession,
    *,
    key_id: int,
    grace: timedelta = DEFAULT_GRACE,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Give the key a new secret and return it (shown once, like a new key's). The replaced
    secret works for `grace` more (never past the key's expiry); the secret an earlier
    rotation replaced stops at once, so at most two secrets work at any time."""
    check_grace(grace)
    now = now or utcnow()
    # Locked (PostgreSQL; SQLite write sessions lock the database): of two rotations at once,
    # the second sees the first's secret and keeps it working for the grace period.
    key = await _get(session, key_id, for_update=True)
    if key.revoked_at is not None:
        raise Conflict(f"API key {key_id} is revoked; create a new key instead.")
    if is_expired(key, now):
        raise Conflict(f"API key {key_id} has expired; create a new key instead.")
    secret = _new_secret()
    stops = now + grace
    if key.expires_at is not None:
        stops = min(stops, key.expires_at)
    key.previous_digest, key.previous_prefix, key.previous_expires_at = (
        key.digest,
        key.prefix,
        stops,
    )
    key.digest, key.prefix, key.rotated_at = digest(secret), _prefix(secret), now
    await session.flush()
    return key, secret


async def authenticate(
    session: AsyncSession, *, secret: str, now: datetime | None = None
) -> ApiKey | None:
    """The live key with this secret (its current one, or the one it replaced while the
    grace period lasts), or None: unknown, revoked and expired keys are all refused alike.

    Records the use in `last_used_at` (see `_record_use`), committing that one statement."""
    if not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    hashed = digest(secret)
    key = await session.scalar(
        select(ApiKey)
        .where(or_(ApiKey.digest == hashed, ApiKey.previous_digest == hashed))
        .limit(1)
    )
    now = now or utcnow()
    if key is None or key.revoked_at is not None or is_expired(key, now):
        return None
    if key.digest != hashed and not previous_works(key, now):
        return None
    await _record_use(session, key, now)
    return key


async def _record_use(session: AsyncSession, key: ApiKey, now: datetime) -> None:
    """Set `last_used_at` unless it was set less than LAST_USED_EVERY ago.

    The row read a moment ago says whether a write is due, so most requests write nothing.
    When one is due, the UPDATE repeats the condition and, on PostgreSQL, skips the row if
    another request holds its lock (FOR UPDATE SKIP LOCKED): of many requests at once, one
    writes and none waits on another. The write is committed at once, so the row lock lasts
    only as long as the statement. SQLite ignores the clause: there the statement waits for
    the database's write lock like any write (writers hold it for milliseconds).
    """
    due = now - LAST_USED_EVERY
    if key.last_used_at is not None and key.last_used_at > due:
        return
    locked = aliased(ApiKey, name="locked")
    target = (
        select(locked.id)
        .where(
            locked.id == key.id,
            or_(locked.last_used_at.is_(None), locked.last_used_at <= due),
        )
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    written = await session.scalar(
        update(ApiKey)
        .where(ApiKey.id == target)
        .values(last_used_at=now)
        .returning(ApiKey.id)
        .execution_options(synchronize_session=False)
    )
    await session.commit()
    if written is not None:
        set_committed_value(key, "last_used_at", now)
