from datetime import date
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, model_validator

from app.delegations.schemas import DelegationRead
from app.kit.enums import DatePrecision, Side, Status
from app.kit.schemas import (
    MAX_TAG,
    Body,
    CountryCode,
    Id,
    InputSchema,
    ReadSchema,
    ResourceRead,
    ShortText,
    StrictDate,
    Tag,
    Title,
    UpdateSchema,
)
from app.kit.text import clean_text


class ParticipantIn(InputSchema):
    official_id: Id
    side: Side
    role: ShortText | None = None


class ParticipantRead(ReadSchema):
    official_id: int
    side: Side
    role: str | None


def _normalize_topics(topics: list[str]) -> list[str]:
    """Topics are tags: lower case, each once (and still within a tag's length once lower
    case: "ß" becomes "ss")."""
    folded = {clean_text(topic.casefold()) for topic in topics}
    for topic in folded:
        if len(topic) > MAX_TAG:
            raise ValueError(f"a topic must have at most {MAX_TAG} characters in lower case")
    return sorted(folded)


Topics = Annotated[list[Tag], Field(max_length=50), AfterValidator(_normalize_topics)]


def _unique_participants(participants: list[ParticipantIn] | None) -> None:
    ids = [p.official_id for p in participants or []]
    if len(ids) != len(set(ids)):
        raise ValueError("an official can take part in a visit only once")


class VisitCreate(InputSchema):
    title: Title
    status: Status = Status.draft
    start_date: StrictDate
    end_date: StrictDate | None = Field(default=None, description="Defaults to start_date.")
    date_precision: DatePrecision = DatePrecision.day
    city: ShortText | None = None
    country_code: CountryCode | None = None
    venue: ShortText | None = None
    host_organization_id: Id
    summary: Body | None = None
    topics: Topics = Field(default_factory=list)
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _unique(self) -> "VisitCreate":
        _unique_participants(self.participants)
        return self


class VisitUpdate(UpdateSchema):
    not_nullable: ClassVar[frozenset[str]] = frozenset(
        {
            "title",
            "status",
            "start_date",
            "end_date",
            "date_precision",
            "host_organization_id",
            "topics",
            "participants",
        }
    )

    title: Title | None = None
    status: Status | None = None
    start_date: StrictDate | None = None
    end_date: StrictDate | None = None
    date_precision: DatePrecision | None = None
    city: ShortText | None = None
    country_code: CountryCode | None = None
    venue: ShortText | None = None
    host_organization_id: Id | None = None
    summary: Body | None = None
    topics: Topics | None = None
    participants: list[ParticipantIn] | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _unique(self) -> "VisitUpdate":
        _unique_participants(self.participants)
        return self


class VisitRead(ResourceRead):
    title: str
    status: Status
    start_date: date
    end_date: date
    date_precision: DatePrecision
    city: str | None
    country_code: str | None
    venue: str | None
    host_organization_id: int
    summary: str | None
    topics: list[str]
    participants: list[ParticipantRead]
    delegations: list[DelegationRead]
    press_release_ids: list[int]
