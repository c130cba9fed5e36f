"""Normalisation and token matching behind :mod:`recognition.mentions.coding` (pure; see that module for the rules).

Terms used here:

- *folded* token: lower-cased, accents and umlaut dots removed ("Müller" → "muller"), apostrophes dropped.
- *key*: the folded text with "ae"/"oe"/"ue" collapsed to "a"/"o"/"u" and runs of a repeated character squeezed
  to one ("Mueller" → "muler", "Müller" → "muler", "addiddas" → "adidas", "Rossmann" → "rosman"). Keys absorb
  the two commonest kinds of variation (umlaut spelling, doubled letters) so edit distances measure real errors.
- *variant*: one spelling of a brand (its name, an alias or a learned alias), as tokens, folded text and key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from recognition.mentions.words import COMMON_WORDS, CONNECTORS, LEGAL_SUFFIXES, STOP_WORDS, fold

_APOSTROPHES = re.compile(r"[’'`´‘ʼ]")
_DOTTED = re.compile(r"\b[a-z0-9](?:\.[a-z0-9])+\.?")  # d.m. / k.a. / u.s.a.
_SEPARATORS = re.compile(r"[,;/\\|()\[\]{}!?:.\"“”„«»<>=*#~\n\r\t]+")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_UMLAUT_PAIR = re.compile(r"([aou])e")
_REPEAT = re.compile(r"(.)\1+")

MAX_EDITS = 3  # the largest edit allowance of any length band (names of 12+ characters)


def segments(text: str) -> list[list[str]]:
    """Split ``text`` into segments of folded tokens.

    Segments are cut at list punctuation (``, ; / | ( ) ! ? : .`` and line breaks); "&" and "+" become the word
    "and"; dotted abbreviations are closed up ("d.m." → "dm"); hyphens, underscores and other symbols separate
    tokens; runs of three or more single letters are joined ("n i k e" → "nike"); legal-form words are removed
    from the end of a segment ("Aldi GmbH & Co. KG" → "aldi").
    """
    folded = _APOSTROPHES.sub("", fold(text))
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


def edit_limit(length: int) -> int:
    """Edits allowed against a variant whose key has ``length`` characters (length 4: see ``_restricted_ok``)."""
    if length <= 3:
        return 0
    if length <= 8:
        return 1
    if length <= 12:
        return 2
    return MAX_EDITS


@dataclass(frozen=True)
class Variant:
    brand_id: str
    text: str
    tokens: tuple[str, ...]
    folded: str
    key: str

    @property
    def weak(self) -> bool:
        """A one-token spelling that is itself a stop word (brand "On"): coded only in a list of brands."""
        return len(self.tokens) == 1 and is_stop(self.tokens[0])


def make_variant(brand_id: str, text: str) -> Variant:
    """The variant for ``text``; ``ValueError`` when it has no letters or digits."""
    tokens = tuple(token for segment in segments(text) for token in segment)
    if not tokens:
        raise ValueError(f"brand {brand_id!r}: {text!r} has no letters or digits")
    joined = "".join(tokens)
    return Variant(brand_id, text, tokens, joined, key(joined))


@dataclass(frozen=True)
class Hit:
    """A window of tokens coded as ``brand_id`` (None: a "not a brand" term) with a 0–100 score."""

    brand_id: str | None
    score: int


class Index:
    """The variants of a frame arranged for matching windows of tokens."""

    def __init__(self, variants: Sequence[Variant], not_brand: Iterable[str]) -> None:
        self.variants = tuple(variants)
        self.keys = [v.key for v in self.variants]
        self.by_folded: dict[str, Variant] = {}
        for v in self.variants:
            self.by_folded.setdefault(v.folded, v)
        self.weak = {v.folded: v.brand_id for v in self.variants if v.weak}
        self.not_brand = frozenset(not_brand)
        self.max_window = max((len(v.tokens) for v in self.variants), default=1) + 1

    def match(self, window: tuple[str, ...]) -> Hit | None:
        """The best reading of ``window`` as one brand, a "not a brand" term, or None."""
        folded = "".join(window)
        window_key = key(folded)
        if window_key in self.not_brand:
            return Hit(None, 100)
        exact = self.by_folded.get(folded)
        if exact is not None:
            return None if exact.weak else Hit(exact.brand_id, 100)
        if all(is_stop(token) for token in window):
            return None
        best: tuple[int, int, int] | None = None  # (score, -distance, -variant position)
        for _, distance, pos in process.extract(
            window_key, self.keys, scorer=OSA.distance, score_cutoff=MAX_EDITS, limit=None
        ):
            variant = self.variants[pos]
            if not _acceptable(window, window_key, variant, int(distance)):
                continue
            candidate = (round(fuzz.ratio(folded, variant.folded)), -int(distance), -pos)
            if best is None or candidate > best:
                best = candidate
        if best is None:
            return None
        return Hit(self.variants[-best[2]].brand_id, best[0])


def _acceptable(window: tuple[str, ...], window_key: str, variant: Variant, distance: int) -> bool:
    """Whether ``window`` may be read as a misspelling (or umlaut/double-letter spelling) of ``variant``."""
    if abs(len(window) - len(variant.tokens)) > 1:
        return False
    if any(is_common(token) and token not in variant.tokens for token in window):
        return False
    if len(window) < len(variant.tokens) and any(token in variant.tokens for token in window):
        return False  # a word of the name was left out ("center" is not "E center"), not glued on
    if distance == 0:
        return True
    length = len(variant.key)
    if distance > edit_limit(length) or len(window_key) < 3 or window_key[0] != variant.key[0]:
        return False
    return length != 4 or _restricted_ok(window_key, variant.key)


def _restricted_ok(window_key: str, variant_key: str) -> bool:
    """Four-character names: one swap of neighbours ("nkie"), a letter added at the end ("pumas", "aldie") or
    a vowel added inside ("lidel"); never a changed or missing letter."""
    if len(window_key) == len(variant_key) + 1:
        if window_key.startswith(variant_key):
            return True
        extra = next(i for i, (a, b) in enumerate(zip(window_key, variant_key, strict=False)) if a != b)
        return window_key[extra] in "aeiouy" and window_key[:extra] + window_key[extra + 1 :] == variant_key
    return len(window_key) == len(variant_key) and sorted(window_key) == sorted(variant_key)


def split_glued(tokens: Sequence[str], index: Index) -> list[str]:
    """Split a token written as two glued words when both halves are exact: a brand spelling followed by a
    brand spelling or a stop word of 4+ letters ("nikeadidas" → "nike adidas", "nettomarkt" → "netto markt").

    Only tokens that are neither brand spellings nor common words are split, and only at the first position
    that works; misspelt halves are never split (too many ordinary words begin with a short brand name).
    """
    out: list[str] = []
    for token in tokens:
        out.extend(_split_one(token, index))
    return out


def _split_one(token: str, index: Index) -> list[str]:
    if token in index.by_folded or is_common(token) or len(token) < 5:
        return [token]
    for cut in range(2, len(token) - 1):
        head, tail = token[:cut], token[cut:]
        first = index.by_folded.get(head)
        if first is None or first.weak:
            continue
        second = index.by_folded.get(tail)
        if (second is not None and not second.weak) or (len(tail) >= 4 and is_stop(tail)):
            return [head, tail]
    return [token]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    hit: Hit


def code_segment(tokens: Sequence[str], index: Index) -> list[Span]:
    """The best non-overlapping reading of one segment as brand windows (dynamic programme).

    Maximises the number of tokens covered, each weighted by its window's score / 100, then prefers fewer
    windows (one "new balance" over "new" + "balance"). Weak variants are added afterwards (``_add_weak``).
    """
    n = len(tokens)
    best: list[tuple[float, int] | None] = [None] * (n + 1)
    back: list[tuple[int, Hit | None]] = [(0, None)] * (n + 1)
    best[0] = (0.0, 0)
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        _relax(best, back, i + 1, (here[0], here[1]), (i, None))
        for width in range(1, min(index.max_window, n - i) + 1):
            hit = index.match(tuple(tokens[i : i + width]))
            if hit is not None:
                value = (round(here[0] + width * hit.score / 100, 9), here[1] - 1)
                _relax(best, back, i + width, value, (i, hit))
    spans: list[Span] = []
    end = n
    while end > 0:
        start, hit = back[end]
        if hit is not None:
            spans.append(Span(start, end, hit))
        end = start
    spans.reverse()
    return _add_weak(tokens, spans, index)


def _relax(
    best: list[tuple[float, int] | None],
    back: list[tuple[int, Hit | None]],
    at: int,
    value: tuple[float, int],
    step: tuple[int, Hit | None],
) -> None:
    current = best[at]
    if current is None or value > current:
        best[at] = value
        back[at] = step


def _add_weak(tokens: Sequence[str], spans: list[Span], index: Index) -> list[Span]:
    """Code weak one-word names ("on") when every other uncovered token of the segment is a stop word."""
    if not index.weak:
        return spans
    covered = {i for span in spans for i in range(span.start, span.end)}
    free = [i for i in range(len(tokens)) if i not in covered]
    weak = [i for i in free if tokens[i] in index.weak]
    if not weak or any(not is_stop(tokens[i]) for i in free if i not in weak):
        return spans
    extra = [Span(i, i + 1, Hit(index.weak[tokens[i]], 100)) for i in weak]
    return sorted([*spans, *extra], key=lambda span: span.start)


def fragments(tokens: Sequence[str], spans: Sequence[Span]) -> list[str]:
    """Runs of uncovered tokens with connectors trimmed, kept when they hold a word that is not a stop word."""
    covered = {i for span in spans for i in range(span.start, span.end)}
    runs: list[list[str]] = [[]]
    for i, token in enumerate(tokens):
        if i in covered:
            runs.append([])
        else:
            runs[-1].append(token)
    out = []
    for run in runs:
        while run and run[0] in CONNECTORS:
            run.pop(0)
        while run and run[-1] in CONNECTORS:
            run.pop()
        if any(not is_stop(token) for token in run):
            out.append(" ".join(run))
    return out
