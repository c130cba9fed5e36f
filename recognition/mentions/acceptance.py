"""Whether a window of tokens may be read as a brand spelling it does not equal (pure; ``coding`` rules 7–8).

:func:`fuzzy_ok` judges misspellings by edit distance within the length bands; :func:`sounds_ok` judges
spellings that sound like the name (phonetic codes of :mod:`recognition.mentions.phonetic`); both share the
word-level conditions of :func:`structure_ok`.
"""

from __future__ import annotations

from rapidfuzz.distance import OSA

from recognition.mentions.phonetic import cologne, metaphone, skeleton, spoken
from recognition.mentions.spelling import Variant, is_common
from recognition.mentions.words import GIVEN_NAMES

_ROWS = ("qwertzuiop", "asdfghjkl", "yxcvbnm", "qwertyuiop", "zxcvbnm")


def _neighbours(letter: str) -> str:
    """The letters beside ``letter`` in its keyboard row, on a QWERTY or a QWERTZ layout."""
    return "".join(
        sorted(
            {
                row[j]
                for row in _ROWS
                if letter in row
                for j in (row.index(letter) - 1, row.index(letter) + 1)
                if 0 <= j < len(row)
            }
        )
    )


_KEYBOARD = {letter: _neighbours(letter) for letter in "abcdefghijklmnopqrstuvwxyz"}
_SOUND_ALIKE = frozenset(frozenset(pair) for pair in ("vw", "fv", "ck", "kq", "sz", "iy", "dt", "gk", "bp"))
_ONSET_ALIKE = frozenset(frozenset(pair) for pair in ("vw", "fv", "ck", "kq", "sz", "iy"))
_SHORT = 5  # letters of the longest name judged by the stricter rules for short names
_VOWEL_CLASS = {"a": "a", "o": "o", "u": "o", "e": "i", "i": "i", "y": "i"}

_SLIP_AT_START = 5  # letters of the shortest name whose first letter may be a keyboard slip
_DEVOICED = str.maketrans("bdgvwz", "ptkffs")
MAX_EDITS = 3  # the largest edit allowance of any length band (names of 12+ characters)
Codes = tuple[str, str, str, str]  # tagged phonetic codes of a spelling (see ``sound_codes``)


def edit_limit(length: int) -> int:
    """Edits allowed against a variant whose key has ``length`` characters (length 4: see ``_restricted_ok``)."""
    if length <= 3:
        return 0
    if length <= 8:
        return 1
    if length <= 12:
        return 2
    return MAX_EDITS


def abbreviation(folded: str) -> bool:
    """A spelling without vowels ("kfc", "bm"): its plural "s" is an abbreviation's, not a word's."""
    return not any(ch in "aeiouy" for ch in folded)


def sound_codes(folded: str) -> Codes:
    """The Metaphone and Kölner codes of ``folded``, the skeleton of its spoken spelling, and that skeleton with
    voiced consonants written voiceless ("arkoz" and "argos"), tagged so that the four never collide in one
    index."""
    said = skeleton(spoken(folded))
    return "m:" + metaphone(folded), "c:" + cologne(folded), "s:" + said, "v:" + _voiceless(said)


def structure_ok(window: tuple[str, ...], variant: Variant) -> bool:
    """Word-level conditions every inexact match meets (rules 7 and 8 of ``coding``)."""
    if abs(len(window) - len(variant.tokens)) > 1 and len(window) > 1:
        return False  # one glued word may stand for a longer name ("jackinthebox")
    if any(is_common(token) and not _common_ok(token, window, variant) for token in window):
        return False
    # a word of the name was left out ("center" is not "E center"), not glued on
    return not (len(window) < len(variant.tokens) and any(token in variant.tokens for token in window))


def _common_ok(token: str, window: tuple[str, ...], variant: Variant) -> bool:
    """A common word in an inexact window: a word of the name, the only word of the window that differs from the
    name's word at its place ("pizza hat"), part of a one-word name split in two ("gym sharks", "media mart"),
    or beside a distinctive word of the name ("mark spencer")."""
    if token in variant.tokens:
        return True
    if len(window) == len(variant.tokens) > 1 and all(
        w == v for w, v in zip(window, variant.tokens, strict=True) if w != token
    ):
        return True  # the one other word of the name, misspelt at its place ("pizza hat", "taco bill")
    if len(variant.tokens) == 1 and len(window) > 1 and len(token) >= 3 and token in variant.folded:
        return True
    return any(other in variant.tokens and not is_common(other) for other in window if other != token)


def fuzzy_ok(window: tuple[str, ...], window_key: str, variant: Variant, distance: int) -> bool:
    """Whether ``window`` may be read as a misspelling (or umlaut/double-letter spelling) of ``variant``."""
    if not structure_ok(window, variant):
        return False
    if distance == 0:
        return True
    length = len(variant.key)
    if len(window_key) < 3 or not _first_letter_ok(window_key, variant.key, length):
        return False
    if distance > edit_limit(length):
        # one slip more for names of five letters or more when every slip is a key's neighbour or a swap
        return length >= 5 and distance == edit_limit(length) + 1 and _slips_only(window_key, variant.key)
    return length != 4 or _restricted_ok(window_key, variant.key)


def _first_letter_ok(typed: str, meant: str, length: int) -> bool:
    """The first letters agree, or the name (five letters or more) is written exactly but for a slip at its start:
    the first letter typed as its neighbour on the keyboard ("Rdeka", "Yesco"), a neighbour's key hit before it
    ("sadidas"), the first two letters swapped ("iNke" is too short; "eRebok"), or (six letters or more) the first
    letter left out ("didas", "ululemon")."""
    if typed[0] == meant[0]:
        return True
    if length < _SLIP_AT_START:
        return False
    return (
        (typed[1:] == meant[1:] and _slip(typed[0], meant[0]))
        or (typed[1:] == meant and _slip(typed[0], meant[0]))
        or (typed[:2] == meant[1::-1] and typed[2:] == meant[2:])
        or (length > _SLIP_AT_START and typed == meant[1:])
    )


def _slip(typed: str, meant: str) -> bool:
    """A letter replaced by its neighbour on a QWERTY or QWERTZ keyboard (not a vowel for a vowel)."""
    return typed in _KEYBOARD.get(meant, "") and not (typed in "aeiouy" and meant in "aeiouy")


def _slips_only(typed: str, meant: str) -> bool:
    """Whether ``typed`` differs from ``meant`` (equal lengths) only by neighbouring keys and swapped
    neighbours ("samsunf", "pounldnad")."""
    if len(typed) != len(meant):
        return False
    i = 0
    while i < len(typed):
        if typed[i] == meant[i]:
            i += 1
        elif i + 1 < len(typed) and typed[i] == meant[i + 1] and typed[i + 1] == meant[i]:
            i += 2
        elif _slip(typed[i], meant[i]):
            i += 1
        else:
            return False
    return True


def sounds_ok(window: tuple[str, ...], window_key: str, variant: Variant, codes: Codes) -> bool:
    """A spelling that sounds like ``variant`` (rule 8 of ``coding``).

    A phonetic code agrees (Metaphone, Kölner, or the skeleton of the spoken spelling); the first letter of the
    spoken spellings or the Metaphone code agrees; the keys are within the name's fuzzy limit + 2 and the
    consonant skeletons (as written or as spoken) within 2 edits (names of 6–9 letters) or 3 (10+). Names of up
    to five letters need more: the Kölner code agrees and so does the Metaphone code or the spelling but for
    one sound-alike letter ("reve"), the skeletons are within 1 edit, and a final vowel keeps its class."""
    if not structure_ok(window, variant) or not _names_in_place(window, variant):
        return False
    theirs = sound_codes(variant.folded)
    length = len(variant.key)
    if not _same_onset(window_key, variant.key, codes, theirs):
        return False
    if OSA.distance(window_key, variant.key) > edit_limit(length) + 2:
        return False
    apart = min(
        OSA.distance(skeleton(window_key), skeleton(variant.key)),
        OSA.distance(skeleton(_voiceless(window_key)), skeleton(_voiceless(variant.key))),
    )
    if length <= _SHORT:
        if spoken(window_key) == spoken(variant.key):
            return True  # spelt as it is spoken ("tk maks", "kapper")
        alike = (
            codes[0] == theirs[0]
            or metaphone(spoken(window_key)) == metaphone(spoken(variant.key))
            or _sound_alike_swap(window_key, variant.key)
        )
        return codes[1] == theirs[1] and alike and apart <= 1 and _same_final_vowel(window_key, variant.key)
    apart = min(apart, OSA.distance(codes[2][2:], theirs[2][2:]))
    return apart <= (2 if length <= 9 else 3)


def _names_in_place(window: tuple[str, ...], variant: Variant) -> bool:
    """A given name in a window read by its sound stands where the brand's name has one ("Karls Jr" for Carl's
    Jr., "Papa Dschons"); elsewhere it is a person ("Nikki" is not Nike, "Mikes" not "Mickey D's")."""
    if len(window) != len(variant.tokens):
        return not any(_given_name(token) for token in window)
    return all(
        not _given_name(token) or token == word or _given_name(word)
        for token, word in zip(window, variant.tokens, strict=True)
    )


def _given_name(token: str) -> bool:
    """A given name or its plural or possessive ("mikes")."""
    return token in GIVEN_NAMES or (token.endswith("s") and token[:-1] in GIVEN_NAMES)


def _same_onset(a: str, b: str, codes: Codes, theirs: Codes) -> bool:
    """The two spellings begin with the same sound: the first letters as spoken are equal or are two spellings of
    one sound ("w" and "v"; not a voiced and a voiceless one: "pose" is not Bose), or the Metaphone code agrees in
    full, or (names of six letters or more) the Kölner code does ("ksiaomi" and "xiaomi")."""
    first, other = spoken(a)[:1], spoken(b)[:1]
    return (
        first == other
        or frozenset((first, other)) in _ONSET_ALIKE
        or codes[0] == theirs[0]
        or (codes[1] == theirs[1] and len(b) > _SHORT)
    )


def _sound_alike_swap(a: str, b: str) -> bool:
    """Equal but for one letter, or two, replaced by ones that sound alike ("reve"/"rewe", "capa"/"kapa",
    "degud"/"tegut")."""
    if len(a) != len(b):
        return False
    changed = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    return 1 <= len(changed) <= 2 and all(frozenset(pair) in _SOUND_ALIKE for pair in changed)


def _voiceless(text: str) -> str:
    """``text`` with voiced consonants written voiceless, as German speakers say them at the end of a syllable
    ("degud" → "tekut")."""
    return text.translate(_DEVOICED)


def _same_final_vowel(a: str, b: str) -> bool:
    """Short names: a final vowel may change only within its sound class ("soni"/"sony", not "lowa"/"lowe")."""
    if a[-1] not in _VOWEL_CLASS or b[-1] not in _VOWEL_CLASS:
        return True
    return _VOWEL_CLASS[a[-1]] == _VOWEL_CLASS[b[-1]]


def _restricted_ok(window_key: str, variant_key: str) -> bool:
    """Four-character names: one swap of neighbours ("nkie"), a letter added at the end ("pumas", "aldie"), a
    vowel added inside ("lidel") or a letter replaced by its neighbour on a QWERTY or QWERTZ keyboard ("nikw",
    "lifl"; a vowel for a vowel changes the word: "aldo" is not Aldi); never a missing letter or any other
    change ("pump" is not Puma, "lida" not Lidl)."""
    if len(window_key) == len(variant_key) + 1:
        if window_key.startswith(variant_key):
            return True
        extra = next(i for i, (a, b) in enumerate(zip(window_key, variant_key, strict=False)) if a != b)
        return window_key[extra] in "aeiouy" and window_key[:extra] + window_key[extra + 1 :] == variant_key
    if len(window_key) != len(variant_key):
        return False
    changed = [(a, b) for a, b in zip(window_key, variant_key, strict=True) if a != b]
    if len(changed) == 1:
        return _slip(*changed[0])
    return sorted(window_key) == sorted(variant_key)
