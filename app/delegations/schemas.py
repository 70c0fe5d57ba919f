from typing import ClassVar

from pydantic import Field, model_validator

from app.kit.schemas import (
    Body,
    CountryCode,
    Id,
    InputSchema,
    ReadSchema,
    ResourceRead,
    ShortText,
    UpdateSchema,
)


class MemberIn(InputSchema):
    official_id: Id
    role: ShortText | None = None


class MemberRead(ReadSchema):
    official_id: int
    role: str | None


def _unique_members(members: list[MemberIn] | None) -> None:
    ids = [m.official_id for m in members or []]
    if len(ids) != len(set(ids)):
        raise ValueError("an official can be listed only once among members")


class DelegationCreate(InputSchema):
    visit_id: Id
    organization_id: Id | None = None
    country_code: CountryCode | None = None
    head_official_id: Id | None = None
    size: int | None = Field(default=None, ge=1, le=100_000, strict=True)
    description: Body | None = None
    members: list[MemberIn] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _has_sender(self) -> "DelegationCreate":
        if self.organization_id is None and self.country_code is None:
            raise ValueError("a delegation needs organization_id or country_code (or both)")
        _unique_members(self.members)
        return self


class DelegationUpdate(UpdateSchema):
    not_nullable: ClassVar[frozenset[str]] = frozenset({"visit_id", "members"})

    visit_id: Id | None = None
    organization_id: Id | None = None
    country_code: CountryCode | None = None
    head_official_id: Id | None = None
    size: int | None = Field(default=None, ge=1, le=100_000, strict=True)
    description: Body | None = None
    members: list[MemberIn] | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _unique(self) -> "DelegationUpdate":
        _unique_members(self.members)
        return self


class DelegationRead(ResourceRead):
    visit_id: int
    organization_id: int | None
    country_code: str | None
    head_official_id: int | None
    size: int | None
    description: str | None
    members: list[MemberRead]
