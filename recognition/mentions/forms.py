"""Derived spellings of a brand: how people shorten and rewrite a name (pure; rules in ``coding``'s docstring).

From every name and alias (as folded tokens) :func:`derived` makes:

- ``connectors``: the name without the words that join its parts and the articles and "in" inside it ("marks and
  spencer" → "marks spencer", "in n out" → "in out", "jack in the box" → "jack box"), so "Marks Spencer", "M + S"
  and "In and Out" meet it;
- ``number``: number words as digits and digits as words ("five guys" → "5 guys");
- ``short``: the name without a leading article ("the co operative" → "co operative") and its trailing
  descriptors ("saturn elektro" → "saturn", "dominos pizza" → "dominos", "b and m bargains" → "b and m",
  "sonic drive in" → "sonic"), unless only a common word is left ("home bargains" keeps its second word);
- ``head``: the first word of a longer name when it is distinctive — four letters or more, not a common word,
  a descriptor, a number or a given name or its possessive ("popeyes louisiana kitchen" → "popeyes", but not
  "jimmy johns", "carls jr", "little caesars", "burger king"); the first partner of a name "X and Y" may be a
  given name's plural ("marks and spencer" → "marks");
- ``initialism``: the first letters of the spoken name's words, when it has two or more words of two letters or
  more (or of single letters only: "b and m" → "bm", "bandm", "bnm") and the letters are not a common word
  ("burger king" → "bk", "dairy queen" → "dq", "marks and spencer" → "ms" and the glued "mands" and "mns";
  "aldi sud" → "as" is a common word, so none), and of a one-word name glued from two words whose second is an
  ordinary word ("mediamarkt" → "mm", "poundland" → "pl", "marktkauf" → "mk"). Initialisms are matched
  exactly;
- ``initialism`` too: a two-word name with one word cut to its initial ("john lewis" → "j lewis", "taco bell" →
  "taco b"; see :func:`_initialled`);
- ``abbreviation``: the usual short or long form of a word of the name ("carls jr" → "carls junior", "carls
  jnr"; "xyz brothers" → "xyz bros");
- ``clipped``: how people clip a long one-word name and add a familiar ending — its first half or more (five
  letters at least) with nothing, "s", "y", "ys", "ie", "ies", "o", "os", "a", "as" or "ni" after it
  ("sainsburys" → "sainsbos", "starbucks" → "starbs", "starbies", "primark" → "primarni"), and its first four
  letters or more (up to half of it; a word is allowed there) with a pet name's ending ("y", "ys", "ie", "ies",
  "i", "o", "os": "morrisons" → "morrys", "morrie", "kaufland" → "kaufi", "rossmann" → "rossi", "poundland" →
  "poundies"); a name beginning with "Mc" also
  keeps "Mc" and the next letter: "mcdonalds" → "mcd", "mcds"). The clipped part must not be a common word, a
  descriptor or a given name ("samsung" gives no "sams"), and no whole form may be one. Clipped forms, like
  initialisms, are matched exactly.

A derived spelling shared by two brands names neither (:func:`unambiguous`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from recognition.mentions.words import (
    ABBREVIATIONS,
    COMMON_WORDS,
    DESCRIPTORS,
    GIVEN_NAMES,
    NAME_CONNECTORS,
    NUMBER_WORDS,
)

__all__ = ["Form", "derived", "strip_connectors", "unambiguous"]

_ARTICLES = frozenset({"the", "der", "die", "das"})
_INNER_ARTICLES = frozenset(
    {"the", "tha", "thee", "teh", "da", "de", "a", "in"}
)  # "in" inside a name is said "n": "Jack 'n' the Box"
_DIGITS = {digit: word for word, digit in reversed(NUMBER_WORDS.items())}  # English words win
_CLIP_ENDINGS = ("", "s", "y", "ys", "ie", "ies", "o", "os", "a", "as", "ni")
_PET_ENDINGS = ("y", "ys", "ie", "ies", "i", "o", "os")  # endings of pet names ("morrys", "kaufi", "rossi")
_COMPOUND_HEAD, _COMPOUND_TAIL = 3, 4  # letters of the shortest first and second word of a glued name
_WORD_ENDINGS = ("", "s", "e", "er", "en")
_PET_HEAD = 4  # letters kept at least of a name, with a pet name's ending
_CLIP_SHORTEST = 5  # letters kept of the name, at least (and at least half of it)
_CLIP_LONGEST_NAME = 7  # names shorter than this are not clipped


@dataclass(frozen=True)
class Form:
    """One derived spelling (folded tokens) and the rule that made it."""

    tokens: tuple[str, ...]
    kind: str


def strip_connectors(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """``tokens`` without the name connectors, articles and "in" between its first and last word ("m and s" →
    "m s", "jack in the box" and "jack n the box" → "jack box")."""
    if len(tokens) < 3:
        return tokens
    inner = tuple(t for t in tokens[1:-1] if t not in NAME_CONNECTORS and t not in _INNER_ARTICLES)
    return (tokens[0], *inner, tokens[-1])


def _short(tokens: tuple[str, ...]) -> tuple[str, ...]:
    out = list(tokens[1:] if len(tokens) > 2 and tokens[0] in _ARTICLES else tokens)
    while len(out) > 1 and len(out[-1]) > 1 and (out[-1] in DESCRIPTORS or out[-1] in NAME_CONNECTORS):
        out.pop()
    if len(out) == 1 and out[0] in COMMON_WORDS:
        return tokens
    return tuple(out)


def _distinctive_head(token: str, *, partner: bool = False) -> bool:
    """A first word that may stand for the name: four letters or more, no common word, descriptor, number or given
    name, nor (unless it names the first ``partner`` of a name "X and Y": "Marks") a given name's possessive."""
    singular = token[:-1] if token.endswith("s") else token
    return (
        len(token) >= 4
        and token.isalpha()
        and token not in COMMON_WORDS
        and token not in DESCRIPTORS
        and token not in NUMBER_WORDS
        and token not in GIVEN_NAMES
        and (partner or singular not in GIVEN_NAMES)
    )


def _initialisms(spoken: tuple[str, ...]) -> list[str]:
    words = strip_connectors(spoken)
    letters_only = all(len(w) == 1 for w in words)  # "b and m": the letters glued ("bm", "bnm", "bandm")
    if len(words) < 2 or not all(w.isalpha() and (len(w) >= 2 or letters_only) for w in words):
        return []
    letters = "".join(w[0] for w in words)
    if letters in COMMON_WORDS:
        return []
    out = [letters]
    if len(words) == 2 and len(spoken) == 3:  # "marks and spencer" is also written "MandS", "M n S"
        out.extend((letters[0] + "and" + letters[1], letters[0] + "n" + letters[1]))
    return out


def _compound_initialism(tokens: tuple[str, ...]) -> list[str]:
    """A one-word name glued from words, all but the first ordinary words (or their plural or comparative):
    their first letters ("mediamarkt" → "mm", "poundland" → "pl", "notebooksbilliger" → "nbb"), unless those
    are a common word."""
    if len(tokens) != 1 or not tokens[0].isalpha():
        return []
    name = tokens[0]
    for cut in range(_COMPOUND_HEAD, len(name) - _COMPOUND_TAIL + 1):
        rest = _ordinary_words(name[cut:])
        if rest:
            letters = name[0] + "".join(word[0] for word in rest)
            return [] if letters in COMMON_WORDS else [letters]
    return []


def _ordinary_words(text: str) -> list[str]:
    """``text`` cut into ordinary words of four letters or more, as many as possible; empty when it cannot be."""
    whole = [text] if _word(text) else []
    for cut in range(_COMPOUND_TAIL, len(text) - _COMPOUND_TAIL + 1):
        if _word(text[:cut]):
            rest = _ordinary_words(text[cut:])
            if rest and len(rest) + 1 > len(whole):
                whole = [text[:cut], *rest]
    return whole


def _word(text: str) -> bool:
    """A common word of four letters or more, or one with a plural or comparative ending ("books", "billiger")."""
    return any(
        text.endswith(ending)
        and len(text) - len(ending) >= _COMPOUND_TAIL
        and text[: len(text) - len(ending)] in COMMON_WORDS
        for ending in _WORD_ENDINGS
    )


def _initialled(spoken: tuple[str, ...]) -> list[tuple[str, ...]]:
    """A two-word name with one word cut to its initial ("john lewis" → "j lewis", "john l"; "taco bell" →
    "taco b"), when the word kept has three letters or more and is no number, and the name glued so is no word
    (a final "s" would read as a plural: "shake s" is not "shakes")."""
    words = strip_connectors(spoken)
    if len(words) != 2 or not all(w.isalpha() and len(w) >= 2 for w in words):
        return []
    first, second = words
    out = []
    if len(first) >= 3 and first not in NUMBER_WORDS and second[0] != "s":
        out.append((first, second[0]))
    if len(second) >= 3 and second not in NUMBER_WORDS:
        out.append((first[0], second))
    return [form for form in out if not _ordinary("".join(form))]


def _ordinary(word: str) -> bool:
    """A common word, descriptor or given name, or the plural or possessive of one."""
    return any(
        w in COMMON_WORDS or w in DESCRIPTORS or w in GIVEN_NAMES
        for w in (word, word[:-1] if word.endswith("s") else word)
    )


def _clipped(tokens: tuple[str, ...]) -> list[str]:
    if len(tokens) != 1 or not tokens[0].isalpha() or len(tokens[0]) < _CLIP_LONGEST_NAME:
        return []
    name = tokens[0]
    heads = [name[:cut] for cut in range(max(_CLIP_SHORTEST, (len(name) + 1) // 2), len(name))]
    if name.startswith("mc") and len(name) > 3:
        heads.insert(0, name[:3])
    out: list[str] = []
    for head in heads:
        if not _ordinary(head):
            out.extend(head + ending for ending in _CLIP_ENDINGS if not _ordinary(head + ending))
    for cut in range(_PET_HEAD, max(_PET_HEAD, (len(name) + 1) // 2) + 1):
        out.extend(name[:cut] + ending for ending in _PET_ENDINGS if not _ordinary(name[:cut] + ending))
    return [form for form in dict.fromkeys(out) if form != name]


def _abbreviated(tokens: tuple[str, ...]) -> list[tuple[str, ...]]:
    out = []
    for i, token in enumerate(tokens):
        for other in ABBREVIATIONS.get(token, ()):
            out.append((*tokens[:i], other, *tokens[i + 1 :]))
    return out


def derived(tokens: tuple[str, ...]) -> list[Form]:
    """Derived spellings of a name or alias given as folded tokens (duplicates of ``tokens`` left out)."""
    forms: list[Form] = []
    content = strip_connectors(tokens)
    if content != tokens:
        forms.append(Form(content, "connectors"))
    numbers = tuple(NUMBER_WORDS.get(t, _DIGITS.get(t, t)) for t in tokens)
    if numbers != tokens:
        forms.append(Form(numbers, "number"))
    spoken = _short(tokens)
    if spoken != tokens:
        forms.append(Form(spoken, "short"))
        if strip_connectors(spoken) != spoken:
            forms.append(Form(strip_connectors(spoken), "connectors"))
    partner = len(tokens) == 3 and tokens[1] in NAME_CONNECTORS  # "marks and spencer" is called "marks"
    if len(tokens) > 1 and _distinctive_head(tokens[0], partner=partner):
        forms.append(Form(tokens[:1], "head"))
    forms.extend(Form((letters,), "initialism") for letters in _initialisms(spoken))
    forms.extend(Form((letters,), "initialism") for letters in _compound_initialism(tokens))
    forms.extend(Form(form, "initialism") for form in _initialled(spoken))
    forms.extend(Form(other, "abbreviation") for other in _abbreviated(tokens))
    forms.extend(Form((clip,), "clipped") for clip in _clipped(tokens))
    seen = {"".join(tokens)}
    unique = []
    for form in forms:
        joined = "".join(form.tokens)
        if joined not in seen:
            seen.add(joined)
            unique.append(form)
    return unique


def unambiguous(candidates: Iterable[tuple[str, str, Form]], taken: dict[str, str]) -> list[tuple[str, Form]]:
    """Derived ``(brand_id, form)`` pairs whose key no other brand uses.

    ``candidates`` are ``(brand_id, key, form)``; ``taken`` maps the keys of names, aliases and learned aliases
    to their brand. A key that another brand owns, or that two brands derive, is dropped.
    """
    owners: dict[str, set[str]] = {}
    kept: list[tuple[str, str, Form]] = []
    for brand_id, form_key, form in candidates:
        if form_key in taken:
            continue
        owners.setdefault(form_key, set()).add(brand_id)
        kept.append((brand_id, form_key, form))
    return [(brand_id, form) for brand_id, form_key, form in kept if len(owners[form_key]) == 1]
