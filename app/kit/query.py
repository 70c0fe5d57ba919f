"""Query-parameter types: the same validation as bodies, so bad input is a 422, not a 500."""

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from app.kit.schemas import MAX_ID, check_text, parse_country, parse_date, parse_language

TextQuery = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(check_text)
]
# A query that must say something (the search endpoint's `q`).
SearchQuery = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(check_text),
]
CountryQuery = Annotated[str, BeforeValidator(parse_country)]
DateQuery = Annotated[date, BeforeValidator(parse_date)]
IdQuery = Annotated[int, Field(ge=1, le=MAX_ID)]
LanguageQuery = Annotated[str, BeforeValidator(parse_language)]
