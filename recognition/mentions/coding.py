"""Unaided mention coding: open-text brand answers → brand ids, with a versioned code frame.

Respondents type the brands of a category they can think of into several boxes (the first is top of mind).
:func:`code_text` turns one box into a :class:`CodedMention`; :func:`code_boxes` codes a respondent's boxes;
:func:`unmatched` counts what was left uncoded so reviewers can extend the frame with :meth:`CodeFrame.recode`,
which returns a new frame whose ``version`` is one higher. Pure: no I/O, no database.

Rules, in the order they apply
------------------------------
1. **Normalise.** NFKC, ``casefold`` ("ß" → "ss"), accents and umlaut dots removed ("Müller" → "muller");
   apostrophes dropped ("Kellogg's" → "kelloggs", "don't" → "dont"); "&" and "+" read as "and"; dotted
   abbreviations closed up ("d.m." → "dm"); web addresses lose "www." and their domain ("otto.de" → "otto");
   hyphens and other symbols separate words; letter-spaced words joined ("N I K E" → "nike"); legal forms
   removed from the end ("Aldi GmbH & Co. KG", "Nike Inc." → "aldi", "nike").
2. **Segment.** List punctuation (``, ; / | ( ) ! ? : .``, line breaks) cuts a box into segments; a brand
   name never spans two segments. Within a segment brands may follow each other with or without "and"/"und".
3. **Keys.** Tokens are compared through a key that collapses "ae/oe/ue" to "a/o/u" and squeezes doubled
   letters, so "Mueller" = "Muller" = "Müller" and "Addiddas" = "Adidas" before any fuzzy step.
4. **Spellings of a brand.** Its name, aliases and learned aliases, and the spellings derived from them
   (:mod:`recognition.mentions.forms`): without the words joining the parts of a name ("Marks & Spencer" →
   "marks spencer"), with number words as digits ("Five Guys" → "5 guys"), the short form without trailing
   descriptors ("Saturn Elektro" → "saturn", "REWE Markt" → "rewe", "Chipotle Mexican Grill" → "chipotle"),
   a distinctive first word ("Popeyes Louisiana Kitchen" → "popeyes"; never a common word or a given name:
   "Jimmy John's", "Little Caesars"), initialisms ("Burger King" → "bk", "Marks & Spencer" → "ms",
   "mands", "mns", "B&M" → "bnm", "MediaMarkt" → "mm", "notebooksbilliger" → "nbb", "John Lewis" → "j
   lewis"), the first partner of "X & Y" ("Marks & Spencer" → "marks"), abbreviated name words
   ("Carl's Jr." → "carls junior"), clipped forms and pet names of long one-word names ("sainsbos", "starbs",
   "primarni", "mcd", "morrys", "kaufi"); initialisms, clipped forms and pet names are matched exactly. A
   derived spelling that two brands share, or that is another brand's spelling, is dropped.
5. **Windows.** Every run of 1 … (longest spelling + 1) tokens is a candidate window; windows are compared to
   a spelling on their joined text, so "newbalance", "new balance" and "lulu lemon" all meet their brand. A
   window may differ from the spelling by at most one token in length, or be one glued word
   ("jackinthebox"). Words joining a name's parts ("and", "und", "n", "an", "u"), articles ("the", "a",
   "tha", "da") and "in" inside a window are ignored: "M and S", "M&S", "Marks n Sparks", "In and Out", "Jack
   in box", "Jack n the Box" (a window that is a spelling as written, "What a burger", is taken before its
   articles are left out). A window with a joining word inside is read only as a name that has one, so
   "Dominos and Pizza Hut" is two brands.
6. **Exact matches.** A window whose folded text equals a spelling is coded with score 100, whatever the
   words are ("Puma", "Penny", "Shell", "Real" are dictionary words and still brands); initialisms match only
   exactly. A window equal to a "not a brand" term of the frame is consumed and coded to nothing.
7. **Fuzzy matches** (optimal string alignment distance on keys, adjacent swaps count one edit) are allowed
   only when *all* of these hold:

   - no token of the window is a stop word or common dictionary word unless that very word is part of the
     spelling ("pump" never becomes Puma, "shelf" never Shell, "normal" never Norma, "really" never Real),
     is part of a one-word name written in two ("gym sharks", "media mart"), stands beside a distinctive
     word of the spelling ("Mark & Spencer"), or is the one word differing from the name's at its place
     ("Pizza Hat");
   - the distance is within the spelling's length band: key length ≤ 3 → exact only ("dm", "NB", "Ace" vs
     "acer"/"race"); 4 → one edit, and only a swap of neighbours ("Nkie"), a letter added at the end
     ("Pumas"), a vowel added inside ("Lidel") or a consonant slip to a neighbouring key ("Nikw"), never a
     missing or other changed letter ("pump" ≠ Puma, "shall"/"smell" ≠ Shell, "lid" ≠ Lidl, "regal" ≠ Real,
     "Aldo" ≠ Aldi); 5–8 → 1; 9–12 → 2; 13+ → 3; one more (5+) when every edit is a neighbouring key or a
     swap of neighbours ("Pounldnad");
   - the first letter agrees ("basics" ≠ Asics, "pruning" ≠ "On running"), but for a slip at the start of a
     name of 5+ letters written exactly otherwise: the neighbouring key ("Rdeka"), a neighbour's key hit
     before it, the first two letters swapped, or (6+) the first letter left out ("ululemon");
   - a window with fewer words than the spelling holds none of the spelling's words: words may be glued
     ("newbalance") but not left out ("center" is not "E center");
   - the window's key has at least 3 characters.

   A window that is a spelling with a plural or possessive "s" added or dropped ("Dominos" / "Domino", "Sonics",
   "KFCs") is a fuzzy match of distance 1 in any band, under the word conditions above, when the spelling has four
   letters or more or no vowel ("aces" is not Ace, "ottos" is Otto). The score is ``rapidfuzz.fuzz.ratio`` (0–100,
   normalised Indel similarity) of the folded texts.
8. **Phonetic matches** (:mod:`recognition.mentions.phonetic`): a window of at least 4 characters that holds no
   given name (but where the spelling has one at the same place: "Karls Jr") may be read as a spelling that *sounds*
   the same ("Adeedas", "Nayki", "Leedle", "Konrad", "Filips", "Starbux", "Schaomi") when, under the word conditions
   of rule 7, its Metaphone or Kölner Phonetik code, or the consonant skeleton of its spoken spelling
   (:func:`~recognition.mentions.phonetic.spoken`: German and British speakers' spellings too, "Schampion",
   "Najki", "Supadrug") as written or with voiced consonants voiceless, equals the spelling's; the first letter (as
   spoken, or another spelling of its sound: "Wans"), the Metaphone code or (6+ letters) the Kölner code agrees; the
   keys are within the fuzzy band + 2 edits; and the consonant skeletons (vowel runs written as one "a"; as written
   or as spoken) are within 2 edits (6–9 letters) or 3 (10+). A one-word window ending in "s" that matches nothing
   is tried as a sound-alike without it ("Liddles").
   Names of up to 5 letters need more: the spoken spellings are equal ("Tk maks"), or the Kölner code and
   either the Metaphone code (of the spellings or of the spoken ones) or the spelling but for one or two
   sound-alike letters ("Reve" for Rewe) agree, the skeletons are within 1 edit and a final vowel keeps its
   class ("Soni" is Sony, "Lowa" is not Loewe; "Sanyo" has another Metaphone code than Sony).
   Before rules 7 and 8, a short name (4 letters or fewer) spelt by its letters' names ("Elgee", "Kay Eff
   See"), one word typed without its vowels that are the consonants of one brand's spelling ("Rbk") and a
   three-letter abbreviation with two neighbours swapped ("KCF") are read, with a score below 100 for review.
9. **Best reading.** A dynamic programme over each segment picks the non-overlapping windows that cover the
   most tokens, each token weighted by its window's score / 100; ties go to fewer windows.
10. **Glued words.** A token that is no brand spelling and no common word is split in two when both halves
    are exact: a brand spelling (not an initialism), then a brand spelling or a stop word of 4+ letters
    ("nikeadidas", "Nettomarkt"); a token read as no brand, also when one half (4+ letters) is exact and the
    other is read as a brand ("naikadidas").
11. **Weak names.** A one-word brand name that is itself a stop word (the running brand "On", the chemist
    "Boots") is coded only when every other uncovered word of its segment is a stop word, or when the next word
    begins with a word that follows it in a longer spelling of the brand and goes on for 3+ letters (a product
    line: "On Cloud" → "on cloudmonster"): "Nike, On, Hoka" and "nike on hoka" code On, "something on tv" and
    "nike on sale" do not.
12. **Non-answers and leftovers.** Stop words ("don't know", "keine Ahnung", "none", "-", "shoes",
    "Supermarkt") code to nothing and are not reported. Other uncovered runs of words, trimmed of connectors,
    are the mention's ``unmatched`` fragments ("the one with the tick"), for review; reviewed decisions extend
    the frame through :meth:`CodeFrame.recode` (one at a time) or
    :func:`recognition.mentions.learning.learn_aliases` (a batch).

A brand is listed once per mention, in order of first appearance, with its best score.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recognition.mentions.matching import Index, code_segment, fragments, split_glued
from recognition.mentions.spelling import Variant, make_variant, segments

__all__ = [
    "Brand",
    "CodeFrame",
    "CodedBoxes",
    "CodedMention",
    "UnmatchedFragment",
    "code_boxes",
    "code_text",
    "normalise",
    "parse_brands",
    "unmatched",
]


@dataclass(frozen=True)
class Brand:
    """A brand of the code frame: a stable ``id``, its display ``name`` and alternative spellings."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "aliases", tuple(self.aliases))
        if not isinstance(self.id, str) or not self.id.strip():
            raise ValueError(f"a brand id must be a non-empty string, got {self.id!r}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"brand {self.id!r}: the name is empty")
        for alias in self.aliases:
            if not isinstance(alias, str) or not alias.strip():
                raise ValueError(f"brand {self.id!r}: an alias is empty or not a string ({alias!r})")


def parse_brands(entries: object) -> tuple[Brand, ...]:
    """Brands from JSON data ``[{"id", "name", "aliases": [...]}, ...]``; ``ValueError`` names the bad entry."""
    if not isinstance(entries, list):
        raise ValueError("the brands must be a JSON array of objects")
    brands = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ValueError(f"brand entry {number} is not an object")
        for name in ("id", "name"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                raise ValueError(f"brand entry {number} has no {name!r} (a non-empty string)")
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ValueError(f"brand entry {number} ({entry['id']!r}): 'aliases' must be a list of strings")
        try:
            brands.append(Brand(entry["id"], entry["name"], tuple(aliases)))
        except ValueError as exc:
            raise ValueError(f"brand entry {number}: {exc}") from None
    return tuple(brands)


@dataclass(frozen=True)
class CodeFrame:
    """A versioned code frame: brands, aliases learned in review, and terms marked "not a brand".

    ``learned_aliases`` holds ``(alias, brand_id)`` pairs. Frames are immutable: :meth:`recode` returns a new
    frame with ``version + 1``. ``checksum`` is the SHA-256 of the canonical JSON of :meth:`to_dict` without the
    checksum itself (version included), so a stored frame can be verified when it is read back.
    """

    brands: tuple[Brand, ...]
    version: int = 1
    learned_aliases: tuple[tuple[str, str], ...] = ()
    not_brand: tuple[str, ...] = ()
    _index: Index = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "brands", tuple(self.brands))
        object.__setattr__(self, "learned_aliases", tuple((a, b) for a, b in self.learned_aliases))
        object.__setattr__(self, "not_brand", tuple(self.not_brand))
        if isinstance(self.version, bool) or not isinstance(self.version, int) or self.version < 1:
            raise ValueError(f"the code frame version must be an integer ≥ 1, got {self.version!r}")
        if not self.brands:
            raise ValueError("a code frame needs at least one brand")
        object.__setattr__(self, "_index", self._build_index())

    def _build_index(self) -> Index:
        ids: set[str] = set()
        for brand in self.brands:
            if brand.id in ids:
                raise ValueError(f"duplicate brand id {brand.id!r}")
            ids.add(brand.id)
        variants = [make_variant(b.id, text) for b in self.brands for text in (b.name, *b.aliases)]
        for alias, brand_id in self.learned_aliases:
            if brand_id not in ids:
                raise ValueError(f"learned alias {alias!r} refers to unknown brand {brand_id!r}")
            variants.append(make_variant(brand_id, alias))
        owners: dict[str, Variant] = {}
        for variant in variants:
            other = owners.setdefault(variant.key, variant)
            if other.brand_id != variant.brand_id:
                raise ValueError(
                    f"brands {other.brand_id!r} and {variant.brand_id!r} share a name or alias: "
                    f"{other.text!r} and {variant.text!r} are the same after normalisation"
                )
        not_brand_keys = []
        for term in self.not_brand:
            term_key = make_variant("not a brand", term).key
            if term_key in owners:
                owner = owners[term_key]
                raise ValueError(
                    f"{term!r} is marked not a brand but is {owner.text!r} of {owner.brand_id!r}"
                )
            not_brand_keys.append(term_key)
        return Index(variants, not_brand_keys)

    @property
    def brand_ids(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.brands)

    def brand(self, brand_id: str) -> Brand:
        """The brand with ``brand_id``; ``KeyError`` if the frame has none."""
        for b in self.brands:
            if b.id == brand_id:
                return b
        raise KeyError(brand_id)

    def recode(self, fragment: str, brand_id: str | None) -> CodeFrame:
        """A new frame (version + 1) in which ``fragment`` codes to ``brand_id``, or to nothing when None.

        The fragment is stored normalised. A previous learned alias or "not a brand" mark of the same text is
        replaced. ``ValueError`` for an unknown brand, a fragment without letters or digits, or a fragment that
        is the name or a configured alias of a brand (edit the brand instead).
        """
        if brand_id is not None and brand_id not in self.brand_ids:
            raise ValueError(f"unknown brand {brand_id!r}")
        variant = make_variant(brand_id or "not a brand", fragment)
        text = " ".join(variant.tokens)
        for b in self.brands:
            for spelling in (b.name, *b.aliases):
                if make_variant(b.id, spelling).key == variant.key and b.id != brand_id:
                    raise ValueError(
                        f"{fragment!r} is {spelling!r} of brand {b.id!r}; edit that brand instead"
                    )
        learned = tuple((a, b) for a, b in self.learned_aliases if make_variant(b, a).key != variant.key)
        not_brand = tuple(t for t in self.not_brand if make_variant("not a brand", t).key != variant.key)
        if brand_id is None:
            not_brand = (*not_brand, text)
        else:
            learned = (*learned, (text, brand_id))
        return CodeFrame(self.brands, self.version + 1, learned, not_brand)

    def _content(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "brands": [{"id": b.id, "name": b.name, "aliases": list(b.aliases)} for b in self.brands],
            "learned_aliases": [{"alias": a, "brand": b} for a, b in self.learned_aliases],
            "not_brand": list(self.not_brand),
        }

    @property
    def checksum(self) -> str:
        canonical = json.dumps(self._content(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form: version, brands, learned_aliases, not_brand and checksum."""
        return {**self._content(), "checksum": self.checksum}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CodeFrame:
        """The frame stored by :meth:`to_dict`; ``ValueError`` on bad shape or a checksum that does not match."""
        if not isinstance(data, Mapping):
            raise ValueError("a code frame must be a JSON object")
        learned = data.get("learned_aliases", [])
        if not isinstance(learned, list) or not all(
            isinstance(e, dict) and isinstance(e.get("alias"), str) and isinstance(e.get("brand"), str)
            for e in learned
        ):
            raise ValueError('\'learned_aliases\' must be a list of {"alias", "brand"} objects')
        not_brand = data.get("not_brand", [])
        if not isinstance(not_brand, list) or not all(isinstance(t, str) for t in not_brand):
            raise ValueError("'not_brand' must be a list of strings")
        frame = cls(
            parse_brands(data.get("brands")),
            data.get("version", 1),
            tuple((e["alias"], e["brand"]) for e in learned),
            tuple(not_brand),
        )
        stored = data.get("checksum")
        if stored is not None and stored != frame.checksum:
            raise ValueError(f"code frame checksum mismatch: stored {stored}, computed {frame.checksum}")
        return frame


@dataclass(frozen=True)
class Placement:
    """A window of a box coded as ``brand_id``: its words as the coder read them and the match score (100: a
    spelling exactly; less: a fuzzy or sound-alike reading, rules 7 and 8)."""

    text: str
    brand_id: str
    score: int


#: Placements scoring below this are *placed with low confidence*: shown for review (approve or recode).
SURE = 100


@dataclass(frozen=True)
class CodedMention:
    """One coded box. ``scores[i]`` is the best match score (0–100) of ``brands[i]``; ``placed`` every window
    coded to a brand."""

    text: str
    normalised: str
    brands: tuple[str, ...]
    scores: tuple[int, ...]
    unmatched: tuple[str, ...]
    frame_version: int
    placed: tuple[Placement, ...] = ()

    @property
    def has_content(self) -> bool:
        """Whether the box holds a brand or an uncoded fragment (not blank, not only a non-answer)."""
        return bool(self.brands or self.unmatched)


def normalise(text: str) -> str:
    """The normalised text the coder sees: folded tokens, segments separated by ", "."""
    return ", ".join(" ".join(tokens) for tokens in segments(text))


def code_text(text: str, frame: CodeFrame) -> CodedMention:
    """Code one open-text box against ``frame`` (rules in the module docstring)."""
    found: dict[str, int] = {}
    leftovers: list[str] = []
    placed: list[Placement] = []
    parts = [split_glued(tokens, frame._index) for tokens in segments(text)]
    for tokens in parts:
        spans = code_segment(tokens, frame._index)
        for span in spans:
            if span.hit.brand_id is not None:
                found[span.hit.brand_id] = max(found.get(span.hit.brand_id, 0), span.hit.score)
                placed.append(
                    Placement(" ".join(tokens[span.start : span.end]), span.hit.brand_id, span.hit.score)
                )
        leftovers.extend(fragments(tokens, spans))
    return CodedMention(
        text=text,
        normalised=", ".join(" ".join(tokens) for tokens in parts),
        brands=tuple(found),
        scores=tuple(found.values()),
        unmatched=tuple(leftovers),
        frame_version=frame.version,
        placed=tuple(placed),
    )


@dataclass(frozen=True)
class CodedBoxes:
    """A respondent's boxes. ``top_of_mind``: the first brand of the first box with content (a brand or an
    uncoded fragment; blank and "don't know" boxes are skipped), None when that box has no brand — an uncoded
    first answer is not replaced by a later box. ``brands``: every brand mentioned; ``order``: same, in order."""

    mentions: tuple[CodedMention, ...]
    top_of_mind: str | None
    brands: frozenset[str]
    order: tuple[str, ...]


def code_boxes(boxes: Sequence[str], frame: CodeFrame) -> CodedBoxes:
    """Code each box of one respondent and derive top of mind and the set of brands mentioned."""
    mentions = tuple(code_text(box, frame) for box in boxes)
    first = next((m for m in mentions if m.has_content), None)
    top = first.brands[0] if first is not None and first.brands else None
    order = tuple(dict.fromkeys(b for m in mentions for b in m.brands))
    return CodedBoxes(mentions, top, frozenset(order), order)


@dataclass(frozen=True)
class UnmatchedFragment:
    text: str
    count: int


def unmatched(mentions: Iterable[CodedMention]) -> tuple[UnmatchedFragment, ...]:
    """Uncoded fragments with how often they occur, most frequent first (ties alphabetical)."""
    counts = Counter(fragment for mention in mentions for fragment in mention.unmatched)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(UnmatchedFragment(text, count) for text, count in ranked)


@dataclass(frozen=True)
class UncertainPlacement:
    text: str
    brand_id: str
    score: int
    count: int


def uncertain(mentions: Iterable[CodedMention], below: int = SURE) -> tuple[UncertainPlacement, ...]:
    """Readings placed with low confidence (score below ``below``) with how often they occur, most frequent
    first (ties alphabetical): what a reviewer approves (it becomes a learnt spelling) or recodes."""
    counts: Counter[tuple[str, str]] = Counter()
    scores: dict[tuple[str, str], int] = {}
    for mention in mentions:
        for placement in mention.placed:
            if placement.score < below:
                key = (placement.text, placement.brand_id)
                counts[key] += 1
                scores[key] = placement.score
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(UncertainPlacement(text, brand, scores[(text, brand)], n) for (text, brand), n in ranked)
