"""Token matching behind :mod:`recognition.mentions.coding` (pure; see that module for the rules): the index of
a frame's spellings, the best reading of one window, and the best reading of a segment (dynamic programme)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from recognition.mentions.acceptance import (
    MAX_EDITS,
    abbreviation,
    fuzzy_ok,
    sound_codes,
    sounds_ok,
    structure_ok,
)
from recognition.mentions.forms import derived, strip_connectors, unambiguous
from recognition.mentions.phonetic import letter_names
from recognition.mentions.spelling import Variant, is_common, is_stop, key, variant_of
from recognition.mentions.words import CONNECTORS, NAME_CONNECTORS

_REMEMBER = 1 << 15
_SHORT_NAME = 4  # letters of the longest name or initialism read from its letters' names
_LONGEST_SPELT_OUT = 24
_SPELT_OUT = 90
_FEWEST_CONSONANTS = 3  # letters of the shortest name read from its consonants alone
_VOWELS = re.compile("[aeiou]")
_SWAPPED = 3  # letters of an abbreviation read with two neighbours swapped
_GLUED_HALF = 4  # letters of the shorter half of two glued brands when one of them is misspelt
_PRODUCT_LINE = 4  # letters of the shortest word after a weak name that marks its product line


@dataclass(frozen=True)
class Hit:
    """A window of tokens coded as ``brand_id`` (None: a "not a brand" term) with a 0–100 score."""

    brand_id: str | None
    score: int


def _with_derived(primary: Sequence[Variant]) -> list[Variant]:
    taken = {v.key: v.brand_id for v in primary}
    candidates = [
        (v.brand_id, key("".join(form.tokens)), form)
        for v in primary
        if v.kind == "name"
        for form in derived(v.tokens)
    ]
    out = list(primary)
    seen = {v.folded for v in primary}
    for brand_id, form in unambiguous(candidates, taken):
        variant = variant_of(brand_id, " ".join(form.tokens), form.tokens, form.kind)
        if variant.folded not in seen:
            seen.add(variant.folded)
            out.append(variant)
    return out


class Index:
    """The variants of a frame (with their derived spellings) arranged for matching windows of tokens."""

    def __init__(self, variants: Sequence[Variant], not_brand: Iterable[str]) -> None:
        self.variants = tuple(_with_derived(variants))
        self.fuzzy = [i for i, v in enumerate(self.variants) if not v.exact_only]
        self.keys = [self.variants[i].key for i in self.fuzzy]
        self.by_folded: dict[str, Variant] = {}
        self.position: dict[str, int] = {}
        for i, v in enumerate(self.variants):
            self.by_folded.setdefault(v.folded, v)
            self.position.setdefault(v.folded, i)
        self.weak = {v.folded: v.brand_id for v in self.variants if v.weak}
        self.weak_lines = {  # "on" → words that follow it in the brand's longer spellings ("cloud", "running")
            weak: tuple(
                v.tokens[1]
                for v in self.variants
                if len(v.tokens) > 1 and v.tokens[0] == weak and v.brand_id == brand
            )
            for weak, brand in self.weak.items()
        }
        self.not_brand = frozenset(not_brand)
        self.max_window = max((len(v.tokens) for v in self.variants), default=1) + 1
        consonants: dict[str, set[str]] = {}
        for i in self.fuzzy:
            v = self.variants[i]
            if not v.weak and v.folded.isalpha():
                consonants.setdefault(_consonants(v.folded), set()).add(v.brand_id)
        self.by_consonants = {
            letters: brands.pop()
            for letters, brands in consonants.items()
            if len(brands) == 1 and len(letters) >= _FEWEST_CONSONANTS and letters not in self.by_folded
        }
        self.by_sound: dict[str, list[int]] = {}
        for i in self.fuzzy:
            v = self.variants[i]
            if len(v.key) >= 4 and not v.weak:
                for code in sound_codes(v.folded):
                    self.by_sound.setdefault(code, []).append(i)
        self._seen: dict[tuple[str, ...], Hit | None] = {}  # the same spellings come again and again

    def match(self, window: tuple[str, ...]) -> Hit | None:
        """The best reading of ``window`` as one brand, a "not a brand" term, or None (remembered per index for
        the first ``_REMEMBER`` distinct windows)."""
        if window in self._seen:
            return self._seen[window]
        hit = self._match(window)
        if len(self._seen) < _REMEMBER:
            self._seen[window] = hit
        return hit

    def _match(self, window: tuple[str, ...]) -> Hit | None:
        as_written = self.by_folded.get("".join(window))
        if as_written is not None and not as_written.weak:
            return Hit(as_written.brand_id, 100)  # "what a burger" before its "a" is left out
        joined = any(token in NAME_CONNECTORS for token in window[1:-1])
        window = strip_connectors(window)
        folded = "".join(window)
        window_key = key(folded)
        if window_key in self.not_brand:
            return Hit(None, 100)
        exact = self.by_folded.get(folded)
        if exact is not None and (not joined or _joins(exact)):
            return None if exact.weak else Hit(exact.brand_id, 100)
        if all(is_stop(token) for token in window):
            return None
        return (
            self._spelt_out(folded)
            or self._swapped_letters(folded)
            or self._without_vowels(window, folded)
            or self._inexact(window, folded, window_key, joined)
        )

    def _inexact(self, window: tuple[str, ...], folded: str, window_key: str, joined: bool) -> Hit | None:
        """The best misspelt, plural or sound-alike reading of ``window`` (rules 7–8 of ``coding``)."""
        found: dict[int, int] = {}  # variant position → edit distance
        for _, distance, j in process.extract(
            window_key, self.keys, scorer=OSA.distance, score_cutoff=MAX_EDITS, limit=None
        ):
            pos = self.fuzzy[j]
            if fuzzy_ok(window, window_key, self.variants[pos], int(distance)):
                found[pos] = int(distance)
        for pos in self._plurals(window, folded):
            found.setdefault(pos, 1)
        for pos in self._sounds(window, folded, window_key):
            found.setdefault(pos, OSA.distance(window_key, self.variants[pos].key))
        if not found and len(window) == 1 and folded.endswith("s") and not is_common(folded):
            singular = (folded[:-1],)  # a plural "s" on a sound-alike spelling ("liddles")
            for pos in self._sounds(singular, folded[:-1], key(folded[:-1])):
                found.setdefault(pos, OSA.distance(window_key, self.variants[pos].key))
        if joined:  # "dominos and pizza" is two brands, not "Domino's Pizza"
            found = {pos: d for pos, d in found.items() if _joins(self.variants[pos])}
        if not found:
            return None
        best = max(
            found, key=lambda pos: (round(fuzz.ratio(folded, self.variants[pos].folded)), -found[pos], -pos)
        )
        return Hit(self.variants[best].brand_id, round(fuzz.ratio(folded, self.variants[best].folded)))

    def _spelt_out(self, folded: str) -> Hit | None:
        """A short name or initialism spelt out by its letters' names ("elgee" LG, "kay eff see" KFC), read with
        a score of ``_SPELT_OUT`` so that it is shown for review; None when there is none or more than one."""
        if len(folded) > _LONGEST_SPELT_OUT:
            return None
        brands = set()
        for letters in letter_names(folded):
            variant = self.by_folded.get(letters)
            if variant is not None and not variant.weak and len(variant.folded) <= _SHORT_NAME:
                brands.add(variant.brand_id)
        return Hit(brands.pop(), _SPELT_OUT) if len(brands) == 1 else None

    def _without_vowels(self, window: tuple[str, ...], folded: str) -> Hit | None:
        """One word typed without its vowels ("rbk" Reebok, "strbcks" Starbucks): the consonants of exactly
        one brand's spelling, three or more, read with a score of ``_SPELT_OUT`` to be shown for review."""
        if (
            len(window) != 1
            or not folded.isalpha()
            or _consonants(folded) != key(folded)
            or is_common(folded)
        ):
            return None
        brand_id = self.by_consonants.get(key(folded))
        return None if brand_id is None else Hit(brand_id, _SPELT_OUT)

    def _swapped_letters(self, folded: str) -> Hit | None:
        """An abbreviation of three letters without vowels typed with two neighbours swapped ("kcf" KFC, "jlb"
        JBL), when exactly one brand is written so."""
        if len(folded) != _SWAPPED or not folded.isalpha() or not abbreviation(folded):
            return None
        found: dict[str, str] = {}  # brand → its spelling
        for i in range(len(folded) - 1):
            swapped = folded[:i] + folded[i + 1] + folded[i] + folded[i + 2 :]
            variant = self.by_folded.get(swapped)
            if variant is not None and not variant.weak:
                found[variant.brand_id] = swapped
        if len(found) != 1:
            return None
        ((brand_id, spelling),) = found.items()
        return Hit(brand_id, round(fuzz.ratio(folded, spelling)))

    def _plurals(self, window: tuple[str, ...], folded: str) -> list[int]:
        """Variants that ``window`` spells with an "s" added or dropped ("dominos"/"domino", "kfcs"/"kfc")."""
        out = []
        for other in (folded[:-1] if folded.endswith("s") else "", folded + "s"):
            variant = self.by_folded.get(other) if len(other) >= 2 else None
            if (
                variant is None
                or variant.weak
                or not (len(variant.folded) >= 4 or abbreviation(variant.folded))
            ):
                continue  # three letters or fewer: only abbreviations ("kfcs"), not words ("aces" is not Ace)
            if structure_ok(window, variant):
                out.append(self.position[other])
        return out

    def _sounds(self, window: tuple[str, ...], folded: str, window_key: str) -> list[int]:
        """Variants that sound like ``window`` (rule 8 of ``coding``)."""
        if len(window_key) < 4:
            return []
        codes = sound_codes(folded)
        positions = {pos for code in codes for pos in self.by_sound.get(code, ())}
        return sorted(pos for pos in positions if sounds_ok(window, window_key, self.variants[pos], codes))


def _consonants(folded: str) -> str:
    """``folded`` without the vowels a, e, i, o and u, repeated letters squeezed ("starbucks" → "strbcks")."""
    return key(_VOWELS.sub("", folded))


def _joins(variant: Variant) -> bool:
    """Whether ``variant`` is a name whose parts are joined by a word ("marks and spencer", "in n out"): only such
    a name is read from a window with "and", "und" or "n" inside it."""
    return variant.kind == "connectors" or any(token in NAME_CONNECTORS for token in variant.tokens)


def split_glued(tokens: Sequence[str], index: Index) -> list[str]:
    """Split a token written as two glued words when both halves are exact: a brand spelling followed by a
    brand spelling or a stop word of 4+ letters ("nikeadidas" → "nike adidas", "nettomarkt" → "netto markt").

    Only tokens that are neither brand spellings nor common words are split, and only at the first position
    that works. A token the coder cannot read as one brand is also split into two halves of four letters or
    more when one half is a brand spelling and the other is read as a brand ("naikadidas", "nikeadiddas").
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
        if first is None or first.weak or first.exact_only:
            continue
        second = index.by_folded.get(tail)
        if (second is not None and not second.weak and not second.exact_only) or (
            len(tail) >= 4 and is_stop(tail)
        ):
            return [head, tail]
    if index.match((token,)) is None:  # two brands glued, one of them misspelt ("naikadidas", "nikeadiddas")
        for cut in range(_GLUED_HALF, len(token) - _GLUED_HALF + 1):
            head, tail = token[:cut], token[cut:]
            if _brand(head, index, exact=True) and _brand(tail, index, exact=False):
                return [head, tail]
            if _brand(tail, index, exact=True) and _brand(head, index, exact=False):
                return [head, tail]
    return [token]


def _brand(text: str, index: Index, *, exact: bool) -> bool:
    """Whether ``text`` is a brand spelling (``exact``), or is read as a brand, not a common word."""
    variant = index.by_folded.get(text)
    if exact:
        return variant is not None and not variant.weak and not variant.exact_only
    hit = None if is_common(text) else index.match((text,))
    return hit is not None and hit.brand_id is not None


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
    """Code weak one-word names ("on") when every other uncovered token of the segment is a stop word, or when the
    next word begins a product line of the brand (``_product_line``: "on cloudmonster")."""
    if not index.weak:
        return spans
    covered = {i for span in spans for i in range(span.start, span.end)}
    free = [i for i in range(len(tokens)) if i not in covered]
    weak = [i for i in free if tokens[i] in index.weak]
    extra = [Span(i, i + 1, Hit(index.weak[tokens[i]], 100)) for i in weak if _product_line(tokens, i, index)]
    if extra:  # "on cloudmonster": the weak name before a word its longer spellings begin ("on cloud")
        return sorted([*spans, *extra], key=lambda span: span.start)
    if not weak or any(not is_stop(tokens[i]) for i in free if i not in weak):
        return spans
    extra = [Span(i, i + 1, Hit(index.weak[tokens[i]], 100)) for i in weak]
    return sorted([*spans, *extra], key=lambda span: span.start)


def _product_line(tokens: Sequence[str], i: int, index: Index) -> bool:
    """Whether the weak name at ``i`` is followed by a word that begins with a word following it in one of its
    brand's longer spellings and goes on for three letters or more ("on cloudmonster" for "On Cloud"; not "on
    cloudy")."""
    if i + 1 >= len(tokens):
        return False
    after = tokens[i + 1]
    return any(
        after.startswith(word) and len(word) >= _PRODUCT_LINE and len(after) >= len(word) + _PRODUCT_LINE - 1
        for word in index.weak_lines.get(tokens[i], ())
    )


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
