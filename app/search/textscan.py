"""SQLite's scores and snippets, made in Python from a bounded prefix of each hit's text.

FTS5's own bm25() first counts, over the whole index, the rows holding each word of the
query (hundreds of milliseconds per frequent word), and its snippet() weighs every
occurrence of the words against every other one over the whole text (seconds for a long
body). Here a hit's words are read the way the FTS5 index reads them (Unicode letters and
digits, case and accents folded, Porter-stemmed), from the first RANK_CHARS characters of
its body for its score and the first SCAN_CHARS for its snippet, so a search costs the same
whatever the words and however long the texts.
"""

import html
import re
import unicodedata
from collections import Counter
from functools import lru_cache

import snowballstemmer

# Characters of a text a snippet is looked for in, and words a snippet shows.
SCAN_CHARS = 20_000
WORDS = 24
# Characters of a body its score is read from. BM25's constants; a title word counts as
# TITLE_WEIGHT body words; a body of AVERAGE_WORDS words is neither favoured nor penalised.
RANK_CHARS = 5_000
K1, B = 1.2, 0.75
TITLE_WEIGHT = 10.0
AVERAGE_WORDS = 250
ELLIPSIS = "…"

_TOKEN = re.compile(r"[^\W_]+")
_STEMMER = snowballstemmer.stemmer("porter")


@lru_cache(maxsize=65_536)
def word_key(word: str) -> str:
    """What the FTS5 index (`porter unicode61 remove_diacritics 2`) stores for a word."""
    decomposed = unicodedata.normalize("NFKD", word)
    folded = "".join(c for c in decomposed if unicodedata.category(c) != "Mn").casefold()
    if folded.isascii() and folded.isalpha():
        return str(_STEMMER.stemWord(folded))
    return folded


def query_keys(terms: list[str]) -> frozenset[str]:
    """The keys of every word in the query's terms (words or phrases)."""
    return frozenset(word_key(word) for term in terms for word in _TOKEN.findall(term))


def make_snippet(text: str, keys: frozenset[str]) -> str:
    """HTML-escaped words of `text` with `<mark>` around those whose key is in `keys`."""
    scanned = text[:SCAN_CHARS]
    tokens = list(_TOKEN.finditer(scanned))
    if not tokens:
        return ""
    found = [i for i, token in enumerate(tokens) if word_key(token.group()) in keys]
    start = _best_start(tokens, found) if found else 0
    end = min(start + WORDS, len(tokens))
    marked = set(found)
    out: list[str] = [ELLIPSIS] if start > 0 else []
    position = tokens[start].start()
    for i in range(start, end):
        token = tokens[i]
        out.append(html.escape(scanned[position : token.start()], quote=False))
        word = html.escape(token.group(), quote=False)
        out.append(f"<mark>{word}</mark>" if i in marked else word)
        position = token.end()
    if end < len(tokens) or len(text) > len(scanned):
        out.append(ELLIPSIS)
    return "".join(out).strip()


def _best_start(tokens: list[re.Match[str]], found: list[int]) -> int:
    """Where the window holding the most different keys starts (a word or two before its
    first match, for context); the earliest of equals."""
    best, best_score = 0, (-1, -1)
    right = 0
    for left, first in enumerate(found):
        right = max(right, left)
        while right + 1 < len(found) and found[right + 1] < first + WORDS:
            right += 1
        window = found[left : right + 1]
        score = (len({word_key(tokens[i].group()) for i in window}), len(window))
        if score > best_score:
            best, best_score = first, score
    return max(0, min(best - 2, len(tokens) - WORDS))


def _counts(text: str) -> tuple[Counter[str], int]:
    """How often each word key occurs in `text`, and how many words it has."""
    words = Counter(_TOKEN.findall(text))
    keys: Counter[str] = Counter()
    for word, n in words.items():
        keys[word_key(word)] += n
    return keys, sum(words.values())


def score(title: str, body: str, keys: frozenset[str]) -> float:
    """BM25 without the rarity of words (every word of the query weighs the same), title
    words weighing TITLE_WEIGHT times more, mapped into 0..1 (s / (s + 1))."""
    in_title, title_words = _counts(title)
    in_body, body_words = _counts(body[:RANK_CHARS])
    norm = 1 - B + B * (title_words + body_words) / AVERAGE_WORDS
    total = 0.0
    for key in keys:
        tf = TITLE_WEIGHT * in_title[key] + in_body[key]
        if tf:
            total += tf * (K1 + 1) / (tf + K1 * norm)
    return round(total / (total + 1), 6)
