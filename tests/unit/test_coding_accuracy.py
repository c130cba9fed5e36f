"""Accuracy of unaided-mention coding on the held-out and development sets (five code frames, two languages).

``mentions_heldout.tsv`` was written and committed before the coder's phonetic, short-form and learning rules,
and the rules were never tuned on it: they were tuned on ``mentions_dev.tsv``, written apart. Its misses were
then listed in docs/METHODS.md, so the rules that followed (clipped forms, abbreviations, spoken spellings,
articles inside names) may have been shaped by them: it is no longer a blind set.

``mentions_heldout2.tsv`` is the blind one: 446 mentions written by hand as respondents write brands in open
boxes (typos, sound-alike and foreign spellings, nicknames and clipped forms, initialisms, glued names, several
brands in one box, brands of the category outside the frame and non-answers, which must stay uncoded), labelled
with the brand the writer meant (answers whose meaning was unclear were left out), and committed before those
rules were written; rows equal to a row of another set were left out. Only its totals were looked at while the
rules were changed.

``mentions_dev2.tsv`` is a second development set, written and committed before the round of rules that followed it
(spoken spellings of German and British speakers, letters spelt by their names, initialisms of glued and two-word
names, pet names, slips at a name's start, vowels left out, two brands glued with one misspelt, a weak name before
its product line, "and" between two brands): 470 mentions in the five categories, 100 of them non-answers or brands
outside the frame and 99 with several brands, with rows equal to a row of another set left out (those equal to a row
of the blind set were dropped without being looked at). Those rules were made on its misses and on spellings
generated from the brand names (keyboard slips, sound substitutions), never on the blind set, whose totals were
looked at only after each batch of rules. With them the blind set reaches the target (recall 0.980 at precision
0.991), by one mention.

The unit is a (mention, brand) pair, micro-averaged: a brand coded but not labelled is a false positive, a
labelled brand not coded a false negative.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from recognition.mentions.coding import CodeFrame, code_text, parse_brands

DATA = Path(__file__).resolve().parent.parent / "data"
CATEGORIES = ("sportswear", "de_retail", "uk_retail", "us_fast_food", "de_electronics")
FRAMES = {
    c: CodeFrame(parse_brands(json.loads((DATA / f"brands_{c}.json").read_text("utf-8")))) for c in CATEGORIES
}
Row = tuple[str, list[str], str]


def _rows(name: str) -> list[Row]:
    with (DATA / f"mentions_{name}.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == ["text", "brands", "category"]
    return [(text, [b for b in ids.split(",") if b], category) for text, ids, category in rows[1:]]


def _score(rows: list[Row]) -> tuple[float, float, int, int, int]:
    tp = fp = fn = 0
    for text, gold, category in rows:
        predicted = set(code_text(text, FRAMES[category]).brands)
        tp += len(predicted & set(gold))
        fp += len(predicted - set(gold))
        fn += len(set(gold) - predicted)
    return tp / (tp + fp), tp / (tp + fn), tp, fp, fn


SETS = ("heldout", "heldout2", "dev", "dev2")


@pytest.mark.parametrize("name", SETS)
def test_sets_are_well_formed(name: str) -> None:
    rows = _rows(name)
    assert len(rows) >= 400
    assert {category for _, _, category in rows} == set(CATEGORIES)
    for text, ids, category in rows:
        assert set(ids) <= set(FRAMES[category].brand_ids), text
        assert len(ids) == len(set(ids)), text
    assert sum(1 for _, ids, _ in rows if not ids) >= 90  # must stay uncoded
    assert sum(1 for _, ids, _ in rows if len(ids) > 1) >= 40  # several brands in one box
    assert len({(text, category) for text, _, category in rows}) == len(rows)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("heldout", "dev"),
        ("heldout2", "heldout"),
        ("heldout2", "dev"),
        ("heldout2", "labelled"),
        ("dev2", "heldout"),
        ("dev2", "heldout2"),
        ("dev2", "dev"),
        ("dev2", "labelled"),
    ],
)
def test_sets_do_not_share_mentions(one: str, other: str) -> None:
    mentions = {(text, category) for text, _, category in _rows(one)}
    assert not mentions & {(text, category) for text, _, category in _rows(other) if category in FRAMES}


def test_accuracy_on_heldout_set() -> None:
    precision, recall, tp, fp, fn = _score(_rows("heldout"))
    print(f"\nheld-out: precision {precision:.4f}, recall {recall:.4f} (tp={tp}, fp={fp}, fn={fn})")
    assert precision >= 0.98
    assert recall >= 0.99


def test_accuracy_on_blind_heldout_set() -> None:
    """0.989 / 0.954 before the round of clipped forms, abbreviations, spoken spellings and articles; 0.989 / 0.965
    before the round made on ``mentions_dev2.tsv``; 0.991 / 0.980 after it."""
    precision, recall, tp, fp, fn = _score(_rows("heldout2"))
    print(f"\nblind held-out: precision {precision:.4f}, recall {recall:.4f} (tp={tp}, fp={fp}, fn={fn})")
    assert precision >= 0.97
    assert recall >= 0.975


def test_blind_heldout_recall_target() -> None:
    """Recall ≥ 0.98 at precision ≥ 0.97 on mentions written apart from the rules (0.980 at 0.991: 446 of 455)."""
    precision, recall, *_ = _score(_rows("heldout2"))
    assert precision >= 0.97 and recall >= 0.98


def test_accuracy_on_dev_set() -> None:
    precision, recall, tp, fp, fn = _score(_rows("dev"))
    print(f"\ndev: precision {precision:.4f}, recall {recall:.4f} (tp={tp}, fp={fp}, fn={fn})")
    assert precision >= 0.99
    assert recall >= 0.99


def test_accuracy_on_second_dev_set() -> None:
    """0.996 / 0.960 before the rules made on it."""
    precision, recall, tp, fp, fn = _score(_rows("dev2"))
    print(f"\ndev2: precision {precision:.4f}, recall {recall:.4f} (tp={tp}, fp={fp}, fn={fn})")
    assert precision >= 0.99
    assert recall >= 0.99
