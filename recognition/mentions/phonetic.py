"""Phonetic keys for matching brand spellings that sound alike but share few letters (pure).

- :func:`cologne` — Kölner Phonetik (H. J. Postel, "Die Kölner Phonetik. Ein Verfahren zur Identifizierung von
  Personennamen auf der Grundlage der Gestaltanalyse", IBM-Nachrichten 19, 1969, pp. 925–931): every letter is
  coded by itself and its neighbours to a digit (vowels 0, B/P 1, D/T 2, F/V/W 3, G/K/Q 4, L 5, M/N 6, R 7,
  S/Z 8, C and X by context), H is dropped, runs of one digit are squeezed and every 0 but a leading one is
  removed. Built for German, where "v" and "w", "d" and "t", "z" and "s" sound alike.
- :func:`metaphone` — Lawrence Philips' Metaphone (Computer Language 7(12), 1990), English spelling rules, from
  the ``jellyfish`` library.
- :func:`spoken` — spelling conventions that write one sound in several ways brought to one spelling, after a
  doubled "c" is written "k" ("Maccy D's") and other doubled letters are squeezed ("maxx" → "max"): the German
  "dsch" and the French "dj" → "j" ("Dschimmi Dschons"); a leading "sch" before "p" or "t", as German speaks "sp"
  and "st" ("Schpar") → "s"; the "t" of the German "tsch" and the English "tch" dropped; "sch", "ch" (as French and
  German names are read: "Champion" written "Schampion") and a leading "x" (as in Chinese names: "Xiaomi") → "sh"; a
  "j" after a vowel and before a consonant, as German and Polish write the "i" of a diphthong ("Najki") → "i"; "ar",
  and "er" after a consonant, not before a vowel, as British English speaks them ("Kapper" for Kappa, "Supadrug") →
  "a"; "ph" → "f", "ck" and a hard "c" → "k", a soft "c" (before e, i, y) → "s", "x" → "ks", "qu" → "kw", "z" → "s",
  "th" and "dt" → "t"; an "h" after a vowel and not before one is silent ("John", "Ahldi"); "wh" and a leading "hu"
  before a vowel → "w" ("Whawei", "Wawei" for Huawei); repeats squeezed ("starbux" and "starbucks" → "stabuks",
  "schaomi" → "shaomi", "xiaomi" → "shiaomi").
- :func:`letter_names` — the letters a text spells out by their English or German names ("elgee" and "el ge"
  → "lg", "kay eff see" → "kfc", "beekay" → "bk").
- :func:`skeleton` — the comparison key with every vowel (and "y") written as "a" and repeats squeezed, so that
  edit distances between skeletons count consonant differences only ("nayki" and "nike" are both "naka").

Inputs are *folded* text (lower case, no accents: :func:`recognition.mentions.words.fold`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import jellyfish

__all__ = ["cologne", "letter_names", "metaphone", "skeleton", "spoken"]

_VOWELS = frozenset("aeijouy")
_C_HARD_ONSET = frozenset("ahkloqrux")
_C_HARD = frozenset("ahkoqux")
_SIMPLE = {
    **dict.fromkeys("aeijouy", "0"),
    "b": "1",
    **dict.fromkeys("fvw", "3"),
    **dict.fromkeys("gkq", "4"),
    "l": "5",
    **dict.fromkeys("mn", "6"),
    "r": "7",
    **dict.fromkeys("sz", "8"),
}
_NOT_LETTER = re.compile(r"[^a-z]+")
_VOWEL_RUN = re.compile(r"[aeiouy]+")
_REPEAT = re.compile(r"(.)\1+")
_SPOKEN = (
    (re.compile(r"^x"), "sh"),
    (re.compile(r"dsch|dj"), "j"),
    (re.compile(r"^sch(?=[pt])"), "s"),
    (re.compile(r"t(?=s?ch)"), ""),
    (re.compile(r"sch"), "sh"),
    (re.compile(r"ch"), "sh"),
    (re.compile(r"(?<=[aeou])j(?![aeiouy])"), "i"),
    (re.compile(r"(?<=[^aeiouy])er(?![aeiouy])|ar(?![aeiouy])"), "a"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c(?!h)"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"qu"), "kw"),
    (re.compile(r"z"), "s"),
    (re.compile(r"th|dt"), "t"),
    (re.compile(r"(?<=[aeiouy])h(?![aeiouy])"), ""),
    (re.compile(r"wh|^hu(?=[aeio])"), "w"),
)


def _cologne_code(word: str, i: int) -> str:
    char = word[i]
    before = word[i - 1] if i > 0 else ""
    after = word[i + 1] if i + 1 < len(word) else ""
    if char in _SIMPLE:
        return _SIMPLE[char]
    if char == "p":
        return "3" if after == "h" else "1"
    if char in "dt":
        return "8" if after in ("c", "s", "z") and after else "2"
    if char == "x":
        return "8" if before in ("c", "k", "q") and before else "48"
    if char == "c":
        if i == 0:
            return "4" if after in _C_HARD_ONSET and after else "8"
        if before in ("s", "z"):
            return "8"
        return "4" if after in _C_HARD and after else "8"
    return ""  # "h" and anything else carries no sound of its own


@lru_cache(maxsize=1 << 15)
def cologne(text: str) -> str:
    """The Kölner Phonetik code of ``text`` ("Wikipedia" → "3412", "Müller-Lüdenscheidt" → "65752682")."""
    word = _NOT_LETTER.sub("", text.lower().replace("ß", "s"))
    word = word.translate(str.maketrans("äöü", "aou"))
    raw = "".join(_cologne_code(word, i) for i in range(len(word)))
    squeezed = _REPEAT.sub(r"\1", raw)
    return squeezed[:1] + squeezed[1:].replace("0", "")


@lru_cache(maxsize=1 << 15)
def metaphone(text: str) -> str:
    """Philips' Metaphone code of ``text`` ("Thompson" → "TMSN"), via ``jellyfish``."""
    return str(jellyfish.metaphone(_NOT_LETTER.sub("", text.lower())))


@lru_cache(maxsize=1 << 15)
def skeleton(key: str) -> str:
    """``key`` with each run of vowels (and "y") written as one "a", then repeats squeezed."""
    return _REPEAT.sub(r"\1", _VOWEL_RUN.sub("a", key))


@lru_cache(maxsize=1 << 15)
def spoken(text: str) -> str:
    """``text`` (folded letters) with one spelling for each sound written several ways (see the module)."""
    out = _REPEAT.sub(r"\1", _NOT_LETTER.sub("", text).replace("cc", "k"))
    for pattern, replacement in _SPOKEN:
        out = pattern.sub(replacement, out)
    return _REPEAT.sub(r"\1", out)


_LETTER_NAMES = {
    "a": ("a", "ay", "ah"),
    "b": ("bee", "be", "beh", "bi"),
    "c": ("see", "cee", "ce", "si", "tse", "zeh"),
    "d": ("dee", "de", "deh", "di"),
    "e": ("e", "ee", "eh"),
    "f": ("ef", "eff"),
    "g": ("gee", "ge", "geh", "jee", "ji"),
    "h": ("aitch", "eitch", "ha", "haa"),
    "i": ("i", "eye", "ai"),
    "j": ("jay", "jei", "jot", "yot"),
    "k": ("kay", "ka", "kah", "kei", "kai"),
    "l": ("el", "ell"),
    "m": ("em", "emm"),
    "n": ("en", "enn"),
    "o": ("o", "oh"),
    "p": ("pee", "pe", "peh", "pi"),
    "q": ("queue", "cue", "kew", "kyu", "ku", "kuh"),
    "r": ("ar", "arr", "er", "err"),
    "s": ("es", "ess"),
    "t": ("tee", "te", "teh", "ti"),
    "u": ("u", "you", "yu", "uh"),
    "v": ("vee", "vi", "fau", "vau"),
    "w": ("doubleyou", "doubleu", "we"),
    "x": ("ex", "ix"),
    "y": ("why", "wai", "ypsilon"),
    "z": ("zee", "zed", "zet", "tset"),
}
_BY_NAME = {name: letter for letter, names in _LETTER_NAMES.items() for name in names}
_LONGEST_NAME = max(len(name) for name in _BY_NAME)


@lru_cache(maxsize=1 << 15)
def letter_names(text: str) -> frozenset[str]:
    """Every way of reading ``text`` (folded letters, spaces ignored) as two or more letters spelt out by their
    names; empty when it cannot be read so."""
    word = _NOT_LETTER.sub("", text)
    readings: list[set[str]] = [set() for _ in range(len(word) + 1)]
    readings[0].add("")
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - _LONGEST_NAME), end):
            letter = _BY_NAME.get(word[start:end])
            if letter is not None:
                readings[end].update(prefix + letter for prefix in readings[start])
    return frozenset(r for r in readings[-1] if len(r) >= 2)
