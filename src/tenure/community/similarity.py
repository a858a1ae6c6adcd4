"""How alike two questions are, as a number from 0 to 1: the measure the duplicate detector ranks candidate threads
by and compares with its threshold. Pure functions over text, so the labelled set tests them without a database.

Each text is read as its content words (the search's stop words dropped), each word as its letter trigrams padded
as pg_trgm pads them ("  ex", " exp", "exp", …, "rt "): word forms ("export", "exporting") and small typos
("exprot") share most trigrams, so no stemmer is needed. Two texts' similarity is the cosine of their trigram
vectors, each trigram weighted by how rare it is among the words of the titles it is compared with."""

from __future__ import annotations

import math
import re
from collections import Counter

from tenure.knowledge.search import STOPWORDS

_WORD = re.compile(r"[^\W_]+")


def content_words(text: str) -> list[str]:
    return [w for w in _WORD.findall((text or "").lower()) if w not in STOPWORDS]


def trigrams(word: str) -> list[str]:
    padded = f"  {word} "
    return [padded[i:i + 3] for i in range(len(padded) - 2)]


def profile(text: str) -> Counter:
    """The text's trigrams with how often each occurs (a word's trigrams once per distinct word)."""
    grams: Counter = Counter()
    for word in dict.fromkeys(content_words(text)):
        grams.update(set(trigrams(word)))
    return grams


def cosine(a: Counter, b: Counter, weight=None) -> float:
    if not a or not b:
        return 0.0
    w = weight or (lambda gram: 1.0)
    dot = sum(a[g] * b[g] * w(g) ** 2 for g in a.keys() & b.keys())
    if not dot:
        return 0.0
    norm_a = math.sqrt(sum((n * w(g)) ** 2 for g, n in a.items()))
    norm_b = math.sqrt(sum((n * w(g)) ** 2 for g, n in b.items()))
    return dot / (norm_a * norm_b)


def similarity(first: str, second: str, weight=None) -> float:
    return cosine(profile(first), profile(second), weight)
