"""Closed vocabularies shared by models (CHECK constraints) and schemas (validation)."""

from enum import StrEnum


class OrganizationKind(StrEnum):
    government = "government"
    ministry = "ministry"
    armed_forces = "armed_forces"
    military_alliance = "military_alliance"
    international_organization = "international_organization"
    university = "university"
    embassy = "embassy"
    ngo = "ngo"
    media = "media"
    company = "company"
    other = "other"


class Status(StrEnum):
    draft = "draft"
    published = "published"


# The SQL condition of partial indexes over published rows.
PUBLISHED = "status = 'published'"


class DatePrecision(StrEnum):
    day = "day"
    month = "month"
    year = "year"


class Side(StrEnum):
    host = "host"
    guest = "guest"


class Role(StrEnum):
    editor = "editor"
    admin = "admin"


def check_in(column: str, enum: type[StrEnum]) -> str:
    """SQL for a CHECK constraint limiting `column` to the enum's values."""
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"
