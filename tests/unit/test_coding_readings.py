"""Readings of spellings far from the name: how a name is spoken in German and British English, letters spelt by
their names, initialisms of glued and two-word names, pet names, slips at a name's start, vowels left out, two
brands glued with one misspelt, and "and" between two brands — each rule with cases that must and must not be
coded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recognition.mentions.coding import CodeFrame, code_text, parse_brands
from recognition.mentions.forms import derived
from recognition.mentions.phonetic import letter_names, spoken
from recognition.mentions.words import fold

DATA = Path(__file__).resolve().parent.parent / "data"


def _frame(category: str) -> CodeFrame:
    return CodeFrame(parse_brands(json.loads((DATA / f"brands_{category}.json").read_text("utf-8"))))


SPORT = _frame("sportswear")
RETAIL = _frame("de_retail")
UK = _frame("uk_retail")
FOOD = _frame("us_fast_food")
TECH = _frame("de_electronics")


def _kinds(*tokens: str) -> dict[str, str]:
    return {" ".join(form.tokens): form.kind for form in derived(tokens)}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("sketschers", "skechers"),  # German "tsch"
        ("schampion", "champion"),  # "ch" read as "sh"
        ("najki", "naiki"),  # "j" for the "i" of a diphthong
        ("kapper", "kappa"),  # British final "er"
        ("supadrug", "superdrug"),  # British "er" before a consonant
        ("tkmaks", "tkmaxx"),  # doubled letters squeezed first
        ("dschons", "johns"),  # German "dsch", silent "h"
        ("schpar", "spar"),  # German "sp"
        ("maky", "maccy"),  # a doubled "c" is hard
        ("wawei", "huawei"),
    ],
)
def test_spoken_spellings_agree(one: str, other: str) -> None:
    assert spoken(one) == spoken(other)


@pytest.mark.parametrize(("one", "other"), [("rewe", "rewa"), ("sparen", "sporen"), ("nike", "naka")])
def test_spoken_spellings_keep_other_sounds_apart(one: str, other: str) -> None:
    assert spoken(one) != spoken(other)


@pytest.mark.parametrize(
    ("text", "frame", "brand"),
    [
        ("Sketschers", SPORT, "skechers"),
        ("Schampion", SPORT, "champion"),
        ("Najki", SPORT, "nike"),
        ("Kapper", SPORT, "kappa"),
        ("Wans", SPORT, "vans"),  # "w" and "v" sound alike at the start
        ("Tk maks", UK, "tk_maxx"),
        ("Ksiaomi", TECH, "xiaomi"),  # the Kölner codes agree in full
        ("Whawei", TECH, "huawei"),
        ("Papa Dschons", FOOD, "papa_johns"),  # a given name that is a word of the name
        ("Karls Jr", FOOD, "carls_jr"),  # a given name where the name has one
        ("Maccy D's", FOOD, "mcdonalds"),
        ("Arkoz", UK, "argos"),  # voiced and voiceless consonants confused
        ("Whataburka", FOOD, "whataburger"),
        ("Schpar", UK, "spar"),
    ],
)
def test_sound_alike_spellings_are_read(text: str, frame: CodeFrame, brand: str) -> None:
    assert code_text(text, frame).brands == (brand,)


@pytest.mark.parametrize(
    ("text", "frame"),
    [
        ("Mikes", FOOD),  # a given name's possessive is a person, not "Mickey D's"
        ("Jersey Mikes", FOOD),
        ("Nikki", SPORT),
        ("Shack", FOOD),
        ("Fans", SPORT),  # a common word is never a misspelling of Vans
        ("Pose", TECH),
    ],
)
def test_sound_alike_readings_leave_people_and_words_alone(text: str, frame: CodeFrame) -> None:
    assert code_text(text, frame).brands == ()


def test_letters_spelt_by_their_names() -> None:
    assert "lg" in letter_names("elgee") and "lg" in letter_names("el ge")
    assert letter_names("kayeffsee") == frozenset({"kfc"})
    assert letter_names("nike") == frozenset()  # not made of letter names
    assert letter_names("ex") == frozenset()  # one letter is no initialism
    assert code_text("Elgee", TECH).brands == ("lg",)
    assert code_text("Kay Eff See", FOOD).brands == ("kfc",)
    assert code_text("Ah Eh Geh", TECH).brands == ("aeg",)
    assert code_text("Beekay", FOOD).brands == ("burger_king",)
    assert code_text("Beekay", FOOD).scores == (90,)  # shown for review
    assert code_text("Essen", RETAIL).brands == ()  # "sn" is no brand


def test_initialisms_of_glued_and_two_word_names() -> None:
    assert _kinds("mediamarkt")["mm"] == "initialism"
    assert _kinds("poundland")["pl"] == "initialism"
    assert _kinds("notebooksbilliger")["nbb"] == "initialism"  # "books", "billiger": plural and comparative
    assert "initialism" not in _kinds("samsung").values()  # "sung" is no word
    assert "initialism" not in _kinds("skechers").values()  # "hers" is "her" + "s": a stem under four letters
    assert code_text("NBB", TECH).brands == ("notebooksbilliger",)
    assert code_text("MM", TECH).brands == ("mediamarkt",)
    assert code_text("mm und saturn", TECH).brands == ("mediamarkt", "saturn")
    assert _kinds("john", "lewis")["j lewis"] == _kinds("john", "lewis")["john l"] == "initialism"
    assert "shake s" not in _kinds("shake", "shack")  # "shakes" would be read as a plural
    assert "5 g" not in _kinds("five", "guys") and "five g" not in _kinds("five", "guys")
    assert code_text("J Lewis", UK).brands == ("john_lewis",)
    assert code_text("Taco B", FOOD).brands == ("taco_bell",)


def test_pet_names_of_long_names() -> None:
    morrisons = _kinds("morrisons")
    assert morrisons["morrys"] == morrisons["morrie"] == "clipped"
    assert _kinds("kaufland")["kaufi"] == "clipped"  # the part kept may be a word ("kauf")
    assert _kinds("lidl") == {}  # short names are not clipped
    assert code_text("Morrys", UK).brands == ("morrisons",)
    assert code_text("Rossi", RETAIL).brands == ("rossmann",)
    assert code_text("Poundies", UK).brands == ("poundland",)


def test_and_between_two_brands_is_not_one_name() -> None:
    assert code_text("Dominos and Pizza Hut", FOOD).brands == ("dominos", "pizza_hut")
    assert code_text("Sainsburys & Ocado", UK).brands == ("sainsburys", "ocado")
    assert code_text("Marks and Spencer", UK).brands == ("marks_spencer",)  # a name joined by "and" stays one
    assert code_text("In and Out", FOOD).brands == ("in_n_out",)
    assert code_text("Rewe und Edeka", RETAIL).brands == ("rewe", "edeka")


def test_a_misspelt_word_at_its_place_in_a_name() -> None:
    assert code_text("Pizza Hat", FOOD).brands == ("pizza_hut",)
    assert code_text("Taco Bill", FOOD).brands == ("taco_bell",)
    assert code_text("Burger Shack", FOOD).brands == ()  # "burger" is no word of Shake Shack
    assert code_text("Hat", FOOD).brands == ()
    assert code_text("Jack in tha Box", FOOD).brands == ("jack_in_the_box",)


def test_keyboard_slips() -> None:
    assert code_text("Rdeka", RETAIL).brands == ("edeka",)  # the first key's neighbour
    assert code_text("Yesco", UK).brands == ("tesco",)
    assert code_text("sAdidas", SPORT).brands == ("adidas",)  # a neighbour's key hit first
    assert code_text("eRebok", SPORT).brands == ("reebok",)  # the first two letters swapped
    assert code_text("ululemon", SPORT).brands == ("lululemon",)  # the first letter left out
    assert code_text("Pounldnad", UK).brands == ("poundland",)  # two slips in a long name
    assert code_text("Bike", SPORT).brands == ()  # four letters: the first letter must agree
    assert code_text("Pose", TECH).brands == ()  # nor a voiced first letter for a voiceless one
    assert code_text("hampion", SPORT).brands == ("champion",)
    assert code_text("Mazon", TECH).brands == ("amazon",)
    assert code_text("Rgos", UK).brands == ()  # five letters: the first letter may not be left out
    assert code_text("kcf", FOOD).brands == ("kfc",)  # neighbours swapped in an abbreviation
    assert code_text("jlb", TECH).brands == ("jbl",)
    assert code_text("age", TECH).brands == ()  # a word, and not without vowels


def test_words_typed_without_vowels() -> None:
    assert code_text("Rbk", SPORT).brands == ("reebok",)
    assert code_text("strbcks", FOOD).brands == ("starbucks",)
    assert code_text("strbcks", FOOD).scores == (90,)  # shown for review
    assert code_text("ldl", RETAIL).brands == ("lidl",)
    assert code_text("bts", UK).brands == ()  # Boots is a weak name: only ever exact
    assert code_text("hp", TECH).brands == ()  # too short


def test_two_brands_glued_with_one_misspelt() -> None:
    assert code_text("naikadidas", SPORT).brands == ("nike", "adidas")
    assert code_text("nikeadiddas", SPORT).brands == ("nike", "adidas")
    assert code_text("Marktkaufh", RETAIL).brands == ("marktkauf",)  # one brand misspelt is not split
    assert code_text("Pumpkin", SPORT).brands == ()


def test_a_spoken_british_nickname_and_a_trade_mark_sign() -> None:
    assert fold("Nike™") == "nike "
    assert code_text("Nike™", SPORT).brands == ("nike",)
    assert code_text("Mackers", FOOD).brands == ("mcdonalds",)


def test_a_weak_name_before_its_product_line() -> None:
    assert code_text("ON Cloudmonster", SPORT).brands == ("on",)  # "On Cloud" is a spelling of On
    assert code_text("on runningshoes", SPORT).brands == ("on",)
    assert code_text("Nike On Brooks", SPORT).brands == ("nike",)  # beside a word that is no stop word
    assert code_text("nike on sale", SPORT).brands == ("nike",)


def test_the_first_partner_of_a_name_joined_by_and() -> None:
    assert code_text("Marks", UK).brands == ("marks_spencer",)
    assert code_text("Carls", FOOD).brands == ()  # a given name's possessive heads no other name
    assert code_text("John", UK).brands == ()  # a given name never stands for "John Lewis"
