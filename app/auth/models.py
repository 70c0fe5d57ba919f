from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.db import Base, utcnow
from app.kit.enums import Role, check_in


class ApiKey(Base):
    """An editor's or admin's key; only a SHA-256 digest of the secret is stored.

    Rotation changes the secret, not the key: the id, name, role, expiry and the revisions
    attributed to the key stay. The secret it replaced is kept as `previous_digest` and keeps
    working until `previous_expires_at` (the grace period), so clients can switch over.
    """

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(check_in("role", Role), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    # None: the key never expires.
    expires_at: Mapped[datetime | None]
    # Approximate (written at most once a minute per key), so reads with a key stay reads.
    last_used_at: Mapped[datetime | None]
    rotated_at: Mapped[datetime | None]
    previous_prefix: Mapped[str | None] = mapped_column(String(16))
    previous_digest: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    previous_expires_at: Mapped[datetime | None]
