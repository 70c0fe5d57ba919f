"""Query-parameter types: the same validation as bodies, so bad input is a 422, not a 500."""

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from app.kit.schemas import MAX_ID, check_text, parse_country, parse_date, parse_language
from app.kit.text import fold

# A search's work grows with its words (every word is looked up, ranked and highlighted):
# at most this many different words, "or" aside. Repeats are not counted (nor searched twice).
MAX_QUERY_WORDS = 16
_WORD = re.compile(r"\w+")


def check_words(value: str) -> str:
    words = set(_WORD.findall(fold(value))) - {"or"}
    if len(words) > MAX_QUERY_WORDS:
        raise ValueError(
            f"at most {MAX_QUERY_WORDS} different words can be searched at once "
            f"(this query has {len(words)})"
        )
    return value


TextQuery = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(check_text)
]
# Words to search for (`q` on lists): at most MAX_QUERY_WORDS of them.
WordsQuery = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500),
    AfterValidator(check_text),
    AfterValidator(check_words),
]
# A query that must say something (the search endpoint's `q`).
SearchQuery = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(check_text),
    AfterValidator(check_words),
]
CountryQuery = Annotated[str, BeforeValidator(parse_country)]
DateQuery = Annotated[date, BeforeValidator(parse_date)]
IdQuery = Annotated[int, Field(ge=1, le=MAX_ID)]
LanguageQuery = Annotated[str, BeforeValidator(parse_language)]
