from datetime import date
from typing import ClassVar

from pydantic import Field, model_validator

from app.kit.schemas import (
    CountryCode,
    Flag,
    Id,
    InputSchema,
    LanguageTag,
    Name,
    ReadSchema,
    ResourceRead,
    ShortText,
    StrictDate,
    Title,
    UpdateSchema,
)


class AliasIn(InputSchema):
    name: Name
    language: LanguageTag | None = None


class AliasRead(ReadSchema):
    name: str
    language: str | None


class PositionIn(InputSchema):
    organization_id: Id | None = None
    title: Title
    acting: Flag = False
    start_date: StrictDate | None = None
    end_date: StrictDate | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "PositionIn":
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class PositionRead(ReadSchema):
    organization_id: int | None
    title: str
    acting: bool
    start_date: date | None
    end_date: date | None


class OfficialCreate(InputSchema):
    name: Name
    honorific: ShortText | None = None
    country_code: CountryCode | None = None
    aliases: list[AliasIn] = Field(default_factory=list, max_length=100)
    positions: list[PositionIn] = Field(default_factory=list, max_length=100)


class OfficialUpdate(UpdateSchema):
    not_nullable: ClassVar[frozenset[str]] = frozenset({"name", "aliases", "positions"})

    name: Name | None = None
    honorific: ShortText | None = None
    country_code: CountryCode | None = None
    aliases: list[AliasIn] | None = Field(default=None, max_length=100)
    positions: list[PositionIn] | None = Field(default=None, max_length=100)


class OfficialRead(ResourceRead):
    name: str
    honorific: str | None
    country_code: str | None
    aliases: list[AliasRead]
    positions: list[PositionRead]
