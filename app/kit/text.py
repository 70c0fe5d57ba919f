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


# Names match when their strict word similarity reaches this (pg_trgm's default
# strict_word_similarity_threshold, which `<<%` uses).
MATCHING = 0.5


@lru_cache(maxsize=8192)
def _query_trigrams(query: str) -> frozenset[str]:
    wanted: set[str] = set()
    for w in _WORDS.findall(query.lower()):
        wanted |= _trigrams(w)
    return frozenset(wanted)


@lru_cache(maxsize=16384)
def _word_trigrams(target: str) -> tuple[tuple[frozenset[str], ...], frozenset[str]]:
    """The trigrams of each word of `target`, and of all of them."""
    words = tuple(_trigrams(w) for w in _WORDS.findall(target.lower()))
    return words, frozenset().union(*words)


def strict_word_similarity(query: str | None, target: str | None) -> float:
    """pg_trgm's strict_word_similarity (best trigram overlap of `query` with a run of
    consecutive whole words of `target`) wherever it reaches MATCHING; 0 below, where only
    the fact that the name does not match counts (SQLite calls this once per name, so it
    must cost little however long the name).

    A run sharing `s` of the query's `q` trigrams has a similarity of at most s / q, so
    reaching MATCHING needs s ≥ q / 2: a name whose words together share fewer is answered
    at once. Otherwise a best run starts and ends with a word sharing a trigram with the
    query (any other word only adds to the union), and stops growing once even sharing
    every trigram of the query could not beat the best found."""
    if not query or not target:
        return 0.0
    wanted = _query_trigrams(query)
    if not wanted:
        return 0.0
    words, every = _word_trigrams(target)
    if 2 * len(wanted & every) < len(wanted):
        return 0.0
    useful = [i for i, word in enumerate(words) if not word.isdisjoint(wanted)]
    best = 0.0
    for n, start in enumerate(useful):
        extent: set[str] = set()
        shared = 0
        previous = start
        for end in useful[n:]:
            for i in range(previous, end + 1):
                new = words[i] - extent
                shared += len(new & wanted)
                extent |= new
            previous = end + 1
            union = len(wanted) + len(extent) - shared
            best = max(best, shared / union)
            if best == 1.0:
                return best
            if len(wanted) / union <= best:
                break
    return best if best >= MATCHING else 0.0


def escape_like(value: str) -> str:
    """Make `%`, `_` and the escape character literal in a LIKE pattern (escape '\\')."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
