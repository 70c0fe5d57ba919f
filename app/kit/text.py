"""Text normalisation for matching names across case, accents, scripts and transliterations.

`fold` is what "ignoring case and accents" means everywhere in the API; `skeleton` is the
transliteration-tolerant key names are fuzzy-matched on (a consonant skeleton: "Al-Moghidi",
"Moghedi" and "Mughaidi" all become "mghd"); `strict_word_similarity` mirrors pg_trgm's function
of the same name so SQLite ranks names exactly as PostgreSQL does.
"""

import re
import unicodedata
from functools import lru_cache

_ARABIC_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ة": "ه",
        "ى": "ي",
        "ـ": None,  # tatweel
    }
)
_SPACES = re.compile(r"\s+")
_WORDS = re.compile(r"\w+")
_LATIN = re.compile(r"^[a-z0-9]+$")
_PARTICLES = frozenset({"al", "el", "ul", "ad", "ar", "as", "at", "az", "an", "ash"})
_RULES = (
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"[cq]"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"(?<=.)[aeiouyw]"), ""),
    (re.compile(r"^[aeiouy](?=.)"), ""),
    (re.compile(r"(.)\1+"), r"\1"),
)


def clean_text(value: str) -> str:
    """NFC form, as every text field is stored."""
    return unicodedata.normalize("NFC", value)


@lru_cache(maxsize=4096)
def fold(value: str) -> str:
    """Lower case, accents and Arabic diacritics removed, white space collapsed."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    stripped = stripped.translate(_ARABIC_MAP).casefold()
    return _SPACES.sub(" ", unicodedata.normalize("NFC", stripped)).strip()


def _skeleton_word(word: str) -> str:
    if _LATIN.match(word):
        if word.isdigit():
            return word
        key = word
        for pattern, replacement in _RULES:
            key = pattern.sub(replacement, key)
        return key or word
    if word.startswith("ال") and len(word) > 3:  # Arabic definite article
        return word[2:]
    return word


@lru_cache(maxsize=4096)
def skeleton(value: str) -> str:
    """Transliteration-tolerant key: words of `fold(value)` reduced to their consonants."""
    words = [w for w in _WORDS.findall(fold(value).replace("_", " ")) if w not in _PARTICLES]
    return " ".join(_skeleton_word(w) for w in words)


def _trigrams(word: str) -> frozenset[str]:
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def strict_word_similarity(query: str | None, target: str | None) -> float:
    """pg_trgm's strict_word_similarity: best trigram overlap of `query` with whole words of
    `target` (a run of consecutive words)."""
    if not query or not target:
        return 0.0
    wanted: set[str] = set()
    for w in _WORDS.findall(query.lower()):
        wanted |= _trigrams(w)
    if not wanted:
        return 0.0
    words = [_trigrams(w) for w in _WORDS.findall(target.lower())]
    best = 0.0
    for start in range(len(words)):
        extent: set[str] = set()
        for end in range(start, len(words)):
            extent |= words[end]
            shared = len(wanted & extent)
            best = max(best, shared / (len(wanted) + len(extent) - shared))
            if best == 1.0:
                return best
    return best


def escape_like(value: str) -> str:
    """Make `%`, `_` and the escape character literal in a LIKE pattern (escape '\\')."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
