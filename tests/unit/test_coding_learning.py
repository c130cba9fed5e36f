"""Learnt aliases: reviewed codings extend the code frame, which then codes those spellings by itself."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from recognition.mentions.coding import Brand, CodeFrame, code_text, parse_brands
from recognition.mentions.learning import ProposedAlias, learn_aliases, proposed_aliases, rebase

DATA = Path(__file__).resolve().parent.parent / "data"
CATEGORIES = ("sportswear", "de_retail", "uk_retail", "us_fast_food", "de_electronics")
FRAMES = {
    c: CodeFrame(parse_brands(json.loads((DATA / f"brands_{c}.json").read_text("utf-8")))) for c in CATEGORIES
}
FOOD = FRAMES["us_fast_food"]
SPORT = FRAMES["sportswear"]


def test_a_reviewed_spelling_is_coded_from_then_on() -> None:
    assert code_text("Maccies", FOOD).brands == ()
    learnt = learn_aliases(FOOD, [("Maccies", "mcdonalds"), ("i think maccies", "mcdonalds")])
    assert learnt.version == FOOD.version + 1  # one new version for the whole batch
    assert learnt.learned_aliases == (("maccies", "mcdonalds"),)
    assert FOOD.learned_aliases == ()  # the old frame is unchanged
    for text in ("Maccies", "MACCIES!", "maccies and bk", "Mackies"):
        assert code_text(text, learnt).brands[0] == "mcdonalds", text
    assert code_text("maccies and bk", learnt).brands == ("mcdonalds", "burger_king")


def test_nothing_to_learn_keeps_the_frame() -> None:
    reviewed = [
        ("McDonald's", "mcdonalds"),
        ("BK", "burger_king"),
        ("don't know", None),
        ("Olive Garden", None),
    ]
    assert learn_aliases(FOOD, reviewed) is FOOD
    assert proposed_aliases(FOOD, reviewed) == ()


def test_not_a_brand_is_learnt() -> None:
    assert code_text("Lulus", SPORT).brands == ("lululemon",)
    learnt = learn_aliases(SPORT, [("Lulus", None)])
    assert learnt.not_brand == ("lulus",)
    mention = code_text("Lulus", learnt)
    assert mention.brands == () and mention.unmatched == ()
    assert code_text("lulu", learnt).brands == ("lululemon",)


def test_reviewers_must_agree() -> None:
    tie = [("Shack", "shake_shack"), ("Shack", None)]
    assert proposed_aliases(FOOD, tie) == ()
    majority = [("Shack", "shake_shack"), ("shack!", "shake_shack"), ("SHACK", "white_castle")]
    assert proposed_aliases(FOOD, majority) == (ProposedAlias("shack", "shake_shack", 2, 3),)
    assert code_text("Shack", learn_aliases(FOOD, majority)).brands == ("shake_shack",)


def test_what_cannot_be_learnt_is_skipped() -> None:
    reviewed = [
        ("Nike", "adidas"),  # the name of another brand: edit the brands instead
        ("jordan, salomon", "nike"),  # two uncoded fragments: which one is Nike?
        ("---", "nike"),  # no letters
    ]
    assert learn_aliases(SPORT, reviewed) is SPORT
    with pytest.raises(ValueError, match="unknown brand 'nope'"):
        learn_aliases(SPORT, [("x", "nope")])


def test_a_new_decision_replaces_an_old_one() -> None:
    first = learn_aliases(FOOD, [("Maccies", "mcdonalds")])
    second = learn_aliases(first, [("Maccies", "burger_king")])
    assert second.version == first.version + 1
    assert second.learned_aliases == (("maccies", "burger_king"),)
    assert code_text("maccies", second).brands == ("burger_king",)
    third = learn_aliases(second, [("maccies", None)])
    assert third.learned_aliases == () and third.not_brand == ("maccies",)
    restored = CodeFrame.from_dict(json.loads(json.dumps(third.to_dict())))
    assert restored == third and code_text("maccies", restored).brands == ()


def test_learning_from_a_reviewed_sample_honours_every_decision() -> None:
    """Review every one-brand or no-brand mention of the development set, learn, and code the set again: each
    decision that was wrong and could be learnt is now coded as decided, and nothing right becomes wrong."""
    with (DATA / "mentions_dev.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
    fixed = 0
    for category in CATEGORIES:
        reviewed = [(text, ids or None) for text, ids, c in rows if c == category and "," not in ids]
        before = FRAMES[category]
        after = learn_aliases(before, reviewed)
        proposed = {(p.text, p.brand_id) for p in proposed_aliases(before, reviewed)}
        for text, brand_id in reviewed:
            was = code_text(text, before)
            expected = (brand_id,) if brand_id else ()
            whole = (brand_id is None and was.brands) or len(was.unmatched) != 1
            spelling = was.normalised if whole else was.unmatched[0]
            if was.brands == expected or (spelling, brand_id) in proposed:
                assert code_text(text, after).brands == expected, (category, text)
                fixed += was.brands != expected
    assert fixed >= 4  # the set's wrongly coded one-brand and no-brand mentions that can be learnt


def test_rebase_keeps_what_review_taught_when_the_brands_change() -> None:
    taught = (
        FOOD.recode("Maccies", "mcdonalds")
        .recode("Crunchwrap place", "taco_bell")
        .recode("Jersey Mikes", None)
    )
    assert taught.learned_aliases == (("maccies", "mcdonalds"), ("crunchwrap place", "taco_bell"))
    assert taught.not_brand == ("jersey mikes",)
    assert rebase(taught, taught.brands) is taught  # the same brands: the same frame, no new version

    edited = [b for b in taught.brands if b.id != "taco_bell"]  # Taco Bell left the list
    edited.append(Brand("jersey_mikes", "Jersey Mike's"))  # a new brand, once marked "not a brand"
    edited = [  # "Maccies" is now a configured alias of McDonald's
        Brand(b.id, b.name, (*b.aliases, "Maccies")) if b.id == "mcdonalds" else b for b in edited
    ]
    rebased = rebase(taught, edited)
    assert rebased.version == taught.version + 1 and rebased.brands == tuple(edited)
    assert rebased.learned_aliases == () and rebased.not_brand == ()
    assert code_text("Maccies", rebased).brands == ("mcdonalds",)  # through the configured alias
    assert code_text("Jersey Mike's", rebased).brands == ("jersey_mikes",)
    assert code_text("crunchwrap place", rebased).brands == ()

    kept = rebase(taught, [*taught.brands, Brand("culvers", "Culver's")])
    assert kept.learned_aliases == taught.learned_aliases and kept.not_brand == taught.not_brand
    assert code_text("Crunchwrap place", kept).brands == ("taco_bell",)
    with pytest.raises(ValueError, match="share a name or alias"):
        rebase(taught, [*taught.brands, Brand("tb", "Taco Bell")])
