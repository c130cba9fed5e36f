"""The survey pages' fixed strings exist in English and German with the same keys and placeholders."""

from __future__ import annotations

import string

from recognition.web.survey.texts import TEXTS


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(TEXTS["en"]) == set(TEXTS["de"])
    for key, english in TEXTS["en"].items():
        assert _placeholders(english) == _placeholders(TEXTS["de"][key]), key
