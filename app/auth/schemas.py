import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, computed_field

from app.auth import service
from app.kit.db import utcnow
from app.kit.enums import Role
from app.kit.schemas import InputSchema, Name, ReadSchema

# RFC 3339: a full date, a time and an offset (Z or ±hh:mm); nothing looser.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})")


def _parse_timestamp(value: Any) -> Any:
    """Expiry times are RFC 3339 strings with an offset: no bare dates, no local times, no
    numbers (a Unix time is too easy to send in the wrong unit)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("must be an RFC 3339 timestamp with an offset, e.g. 2027-01-01T00:00:00Z")
    try:
        # RFC 3339 allows a lower-case "t" and "z"; Python's parser only upper case.
        return datetime.fromisoformat(value.upper())
    except ValueError:
        raise ValueError("is not a valid date and time") from None


def _future(value: datetime) -> datetime:
    return service.check_expiry(value)


KeyName = Annotated[Name, AfterValidator(service.check_name)]
ExpiresAt = Annotated[
    datetime,
    BeforeValidator(_parse_timestamp),
    AfterValidator(_future),
    Field(
        description="When the key stops working (RFC 3339, in the future, within "
        f"{service.MAX_LIFETIME.days} days); absent or null: never.",
        examples=["2027-01-01T00:00:00Z"],
    ),
]


class KeyCreate(InputSchema):
    name: KeyName
    role: Role = Role.editor
    expires_at: ExpiresAt | None = None


class KeyRotate(InputSchema):
    grace_seconds: StrictInt = Field(
        default=int(service.DEFAULT_GRACE.total_seconds()),
        ge=0,
        le=int(service.MAX_GRACE.total_seconds()),
        description="How long the replaced secret keeps working (never past the key's "
        "expiry); 0 stops it at once. Default: 24 hours.",
    )


class KeyRead(ReadSchema):
    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None = Field(
        description="When the key last authenticated, to within a minute."
    )
    rotated_at: datetime | None
    previous_prefix: str | None = Field(
        description="The start of the secret the last rotation replaced."
    )
    previous_expires_at: datetime | None = Field(
        description="When the secret the last rotation replaced stops (or stopped) working."
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def state(self) -> service.KeyState:
        """Whether the key works now: "active", "expired" or "revoked"."""
        return service.state(self.revoked_at, self.expires_at, utcnow())


class KeyCreated(KeyRead):
    key: str = Field(description="The secret, shown in this answer only.")
