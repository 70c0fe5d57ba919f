"""Validated field types and the base schemas every feature builds on."""

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Generic, TypeVar
from urllib.parse import urlsplit

import langcodes
import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_serializer,
    model_validator,
)

from app.kit.text import clean_text

MAX_ID = 2**31 - 1
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_text(value: str) -> str:
    """Reject NUL characters and lone surrogates; store NFC."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must not contain lone surrogates") from None
    return clean_text(value)


def fits(max_length: int) -> Any:
    """Check a length again once the text is normalized: NFC can lengthen a text (U+FB2C
    becomes three characters), and the limit is on what is stored."""

    def check(value: str) -> str:
        if len(value) > max_length:
            raise ValueError(
                f"must have at most {max_length} characters once normalized (Unicode NFC); "
                f"this has {len(value)}"
            )
        return value

    return AfterValidator(check)


def _text(max_length: int, min_length: int = 1) -> Any:
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(check_text),
        fits(max_length),
    ]


Name = _text(300)
ShortText = _text(300)
Title = _text(500)
Body = _text(200_000)
MAX_TAG = 100
Tag = _text(MAX_TAG)


def parse_date(value: Any) -> Any:
    """Dates are `YYYY-MM-DD` and nothing else (no timestamps, no day-first forms)."""
    if isinstance(value, datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a timestamp")
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("must be a date formatted YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a valid calendar date") from None


StrictDate = Annotated[date, BeforeValidator(parse_date)]


def parse_country(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value):
        raise ValueError("must be an ISO 3166-1 alpha-2 country code")
    code = value.upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{code} is not an assigned ISO 3166-1 alpha-2 country code")
    return code


CountryCode = Annotated[str, BeforeValidator(parse_country), Field(examples=["SA"])]


# The longest language tag stored (RFC 5646 advises room for 35 characters).
MAX_LANGUAGE_TAG = 35


def parse_language(value: Any) -> str:
    if (
        not isinstance(value, str)
        or len(value) > 100
        or not re.fullmatch(r"[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*", value)
    ):
        raise ValueError("must be a BCP 47 language tag such as fr, ar or fr-CA")
    try:
        if not langcodes.tag_is_valid(value):
            raise ValueError
        tag = langcodes.standardize_tag(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a well-formed BCP 47 language tag") from None
    primary = tag.split("-", 1)[0]
    if not 2 <= len(primary) <= 3 or primary == "und":
        raise ValueError(f"{value!r} does not start with an ISO 639 language")
    if len(tag) > MAX_LANGUAGE_TAG:
        raise ValueError(f"must have at most {MAX_LANGUAGE_TAG} characters")
    return tag


LanguageTag = Annotated[str, BeforeValidator(parse_language), Field(examples=["fr"])]


# Never in a URL (RFC 3986): quotes, angle brackets and the like; nor control, format
# (bidirectional overrides) or space characters, checked by Unicode category.
_NOT_IN_URLS = frozenset('"<>\\^`{|}')


def check_url(value: str) -> str:
    for char in value:
        if char in _NOT_IN_URLS or unicodedata.category(char)[0] in "CZ":
            raise ValueError(f"must be an absolute http(s) URL; {char!r} cannot appear in one")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    return value


Url = Annotated[str, StringConstraints(max_length=2000), AfterValidator(check_url)]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Flag = StrictBool


class InputSchema(BaseModel):
    """A request body: unknown fields are refused, so no client sets server-owned fields."""

    model_config = ConfigDict(extra="forbid")


class UpdateSchema(InputSchema):
    """A PATCH body: absent fields stay as they are; `null` clears only nullable fields."""

    not_nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_null_for_required(self) -> "UpdateSchema":
        for name in self.not_nullable & self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ResourceRead(ReadSchema):
    id: int
    version: int
    created_at: datetime
    updated_at: datetime


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; `total` is there only when the client asked with `count=true`."""

    items: list[T]
    next_cursor: str | None = None
    total: int | None = Field(default=None, description="Present only with count=true.")

    @model_serializer(mode="wrap")
    def _drop_absent_total(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("total") is None:
            data.pop("total", None)
        return data
