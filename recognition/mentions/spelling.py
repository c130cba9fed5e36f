"""Normalisation and brand spellings behind :mod:`recognition.mentions.coding` (pure; rules in that module).

Terms used here:

- *folded* token: lower-cased, accents and umlaut dots removed ("Müller" → "muller"), apostrophes dropped.
- *key*: the folded text with "ae"/"oe"/"ue" collapsed to "a"/"o"/"u" and runs of a repeated character squeezed
  to one ("Mueller" → "muler", "Müller" → "muler", "addiddas" → "adidas", "Rossmann" → "rosman"). Keys absorb
  the two commonest kinds of variation (umlaut spelling, doubled letters) so edit distances measure real errors.
- *variant*: one spelling of a brand (its name, an alias, a learned alias, or a spelling derived from one of
  those by :mod:`recognition.mentions.forms`), as tokens, folded text and key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from recognition.mentions.words import COMMON_WORDS, LEGAL_SUFFIXES, STOP_WORDS, fold

_APOSTROPHES = re.compile(r"[’'`´‘ʼ]")
_WEB = re.compile(r"\bwww\.|(?<=[a-z0-9])\.(?:co\.uk|com|de|net|org|at|ch|eu|uk)\b")  # otto.de, www.x.com
_DOTTED = re.compile(r"\b[a-z0-9](?:\.[a-z0-9])+\.?")  # d.m. / k.a. / u.s.a.
_SEPARATORS = re.compile(r"[,;/\\|()\[\]{}!?:.\"“”„«»<>=*#~\n\r\t]+")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_UMLAUT_PAIR = re.compile(r"([aou])e")
_REPEAT = re.compile(r"(.)\1+")


def segments(text: str) -> list[list[str]]:
    """Split ``text`` into segments of folded tokens.

    Segments are cut at list punctuation (``, ; / | ( ) ! ? : .`` and line breaks); "&" and "+" become the word
    "and"; dotted abbreviations are closed up ("d.m." → "dm"); hyphens, underscores and other symbols separate
    tokens; runs of three or more single letters are joined ("n i k e" → "nike"); legal-form words are removed
    from the end of a segment ("Aldi GmbH & Co. KG" → "aldi"); web addresses lose "www." and their domain
    ("otto.de" → "otto").
    """
    folded = _WEB.sub("", _APOSTROPHES.sub("", fold(text)))
    folded = folded.replace("&", " and ").replace("+", " and ")
    folded = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), folded)
    result: list[list[str]] = []
    for part in _SEPARATORS.split(folded):
        tokens = _strip_legal(_join_spelled(_NON_WORD.sub(" ", part).split()))
        if tokens and not (result and all(t in LEGAL_SUFFIXES or t in ("and", "und") for t in tokens)):
            result.append(tokens)  # a legal form cut off by a full stop ("Aldi GmbH & Co. KG") is dropped
    return result


def _join_spelled(tokens: list[str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for token in [*tokens, ""]:
        if len(token) == 1 and token.isalpha():
            run.append(token)
            continue
        out.extend(["".join(run)] if len(run) >= 3 else run)
        run = []
        if token:
            out.append(token)
    return out


def _strip_legal(tokens: list[str]) -> list[str]:
    tokens = list(tokens)
    while len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
        tokens.pop()
        if len(tokens) > 1 and tokens[-1] in ("and", "und"):
            tokens.pop()
    return tokens


@lru_cache(maxsize=1 << 16)
def key(folded: str) -> str:
    """The comparison key of folded text (umlaut pairs collapsed, repeated characters squeezed)."""
    return _REPEAT.sub(r"\1", _UMLAUT_PAIR.sub(r"\1", folded))


def is_stop(token: str) -> bool:
    """A token that never names a brand by itself: a stop word, a single character or a number."""
    return token in STOP_WORDS or len(token) == 1 or token.isdigit()


def is_common(token: str) -> bool:
    """A token that may only be coded by an exact match (stop words and common dictionary words)."""
    return is_stop(token) or token in COMMON_WORDS


@dataclass(frozen=True)
class Variant:
    """One spelling of a brand. ``kind``: "name" (a name, alias or learned alias) or the rule of
    :mod:`recognition.mentions.forms` that derived it; initialisms and clipped forms are matched exactly only."""

    brand_id: str
    text: str
    tokens: tuple[str, ...]
    folded: str
    key: str
    kind: str = "name"

    @property
    def weak(self) -> bool:
        """A one-token spelling that is itself a stop word (brand "On"): coded only in a list of brands."""
        return len(self.tokens) == 1 and is_stop(self.tokens[0])

    @property
    def exact_only(self) -> bool:
        return self.kind in ("initialism", "clipped")


def make_variant(brand_id: str, text: str, kind: str = "name") -> Variant:
    """The variant for ``text``; ``ValueError`` when it has no letters or digits."""
    tokens = tuple(token for segment in segments(text) for token in segment)
    if not tokens:
        raise ValueError(f"brand {brand_id!r}: {text!r} has no letters or digits")
    return variant_of(brand_id, text, tokens, kind)


def variant_of(brand_id: str, text: str, tokens: tuple[str, ...], kind: str) -> Variant:
    joined = "".join(tokens)
    return Variant(brand_id, text, tokens, joined, key(joined), kind)
