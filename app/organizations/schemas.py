from typing import ClassVar

from pydantic import Field

from app.kit.enums import OrganizationKind
from app.kit.schemas import (
    CountryCode,
    Id,
    InputSchema,
    LanguageTag,
    Name,
    ReadSchema,
    ResourceRead,
    ShortText,
    UpdateSchema,
    Url,
)


class AliasIn(InputSchema):
    name: Name
    language: LanguageTag | None = None
    acronym: ShortText | None = None


class AliasRead(ReadSchema):
    name: str
    language: str | None
    acronym: str | None


class OrganizationCreate(InputSchema):
    name: Name
    acronym: ShortText | None = None
    kind: OrganizationKind
    country_code: CountryCode | None = None
    city: ShortText | None = None
    website: Url | None = None
    parent_id: Id | None = None
    aliases: list[AliasIn] = Field(default_factory=list, max_length=100)


class OrganizationUpdate(UpdateSchema):
    not_nullable: ClassVar[frozenset[str]] = frozenset({"name", "kind", "aliases"})

    name: Name | None = None
    acronym: ShortText | None = None
    kind: OrganizationKind | None = None
    country_code: CountryCode | None = None
    city: ShortText | None = None
    website: Url | None = None
    parent_id: Id | None = None
    aliases: list[AliasIn] | None = Field(default=None, max_length=100)


class OrganizationRead(ResourceRead):
    name: str
    acronym: str | None
    kind: OrganizationKind
    country_code: str | None
    city: str | None
    website: str | None
    parent_id: int | None
    aliases: list[AliasRead]
