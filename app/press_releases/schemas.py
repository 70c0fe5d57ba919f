from datetime import date
from typing import ClassVar

from pydantic import Field

from app.kit.enums import Status
from app.kit.schemas import (
    Body,
    Id,
    InputSchema,
    LanguageTag,
    ResourceRead,
    ShortText,
    StrictDate,
    Title,
    UpdateSchema,
    Url,
)


class PressReleaseCreate(InputSchema):
    title: Title
    body: Body
    language: LanguageTag
    status: Status = Status.draft
    published_on: StrictDate | None = Field(
        default=None, description="Set to today when the release is published without one."
    )
    dateline: ShortText | None = None
    source_url: Url | None = None
    issuer_organization_id: Id | None = None
    translation_of_id: Id | None = None
    visit_ids: list[Id] = Field(default_factory=list, max_length=100)


class PressReleaseUpdate(UpdateSchema):
    not_nullable: ClassVar[frozenset[str]] = frozenset(
        {"title", "body", "language", "status", "visit_ids"}
    )

    title: Title | None = None
    body: Body | None = None
    language: LanguageTag | None = None
    status: Status | None = None
    published_on: StrictDate | None = None
    dateline: ShortText | None = None
    source_url: Url | None = None
    issuer_organization_id: Id | None = None
    translation_of_id: Id | None = None
    visit_ids: list[Id] | None = Field(default=None, max_length=100)


class PressReleaseRead(ResourceRead):
    title: str
    body: str
    language: str
    status: Status
    published_on: date | None
    dateline: str | None
    source_url: str | None
    issuer_organization_id: int | None
    translation_of_id: int | None
    visit_ids: list[int]
