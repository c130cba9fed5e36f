"""Derived spellings (short forms, initialisms, connectors, numbers) and the rules for spellings that sound alike,
slips of the keyboard and plural "s" — each rule with cases that must and must not be coded."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from recognition.mentions.coding import Brand, CodeFrame, code_text, parse_brands
from recognition.mentions.forms import Form, derived, strip_connectors, unambiguous

DATA = Path(__file__).resolve().parent.parent / "data"


def _frame(category: str) -> CodeFrame:
    return CodeFrame(parse_brands(json.loads((DATA / f"brands_{category}.json").read_text("utf-8"))))


SPORT = _frame("sportswear")
RETAIL = _frame("de_retail")
UK = _frame("uk_retail")
FOOD = _frame("us_fast_food")
TECH = _frame("de_electronics")


def _forms(*tokens: str) -> dict[str, str]:
    return {" ".join(form.tokens): form.kind for form in derived(tokens)}


# --- derived spellings --------------------------------------------------------------------------------------


def test_short_forms_drop_trailing_descriptors() -> None:
    assert _forms("saturn", "elektro") == {"saturn": "short"}
    assert _forms("dominos", "pizza") == {"dominos": "short"}
    assert _forms("sonic", "drive", "in")["sonic"] == "short"
    assert _forms("b", "and", "m", "bargains")["b and m"] == "short"
    assert "home" not in _forms("home", "bargains")  # only a common word would be left
    assert _forms("the", "co", "operative")["co operative"] == "short"  # leading article


def test_heads_must_be_distinctive() -> None:
    assert _forms("popeyes", "louisiana", "kitchen")["popeyes"] == "head"
    assert _forms("krispy", "kreme")["krispy"] == "head"
    for tokens in [
        ("jimmy", "johns"),
        ("carls", "jr"),
        ("little", "caesars"),
        ("burger", "king"),
        ("five", "guys"),
    ]:
        assert tokens[0] not in _forms(*tokens), (
            tokens
        )  # given name, possessive, common word, descriptor, number


def test_initialisms() -> None:
    assert _forms("burger", "king")["bk"] == "initialism"
    assert _forms("dairy", "queen")["dq"] == "initialism"
    marks = _forms("marks", "and", "spencer")
    assert {marks["ms"], marks["mands"], marks["mns"], marks["marks spencer"]} == {"initialism", "connectors"}
    assert "as" not in _forms("aldi", "sud")  # a common word
    assert "am" not in _forms("air", "max")
    b_and_m = _forms("b", "and", "m", "bargains")  # a name of single letters: the letters glued
    assert b_and_m["bnm"] == "initialism"  # "bm" and "bandm" are the joined text of "b m" and "b and m"
    assert code_text("BnM", UK).brands == code_text("BM", UK).brands == ("b_and_m",)
    assert not any(kind == "initialism" for kind in _forms("b", "and", "mbargains").values())


def test_numbers_and_connectors() -> None:
    assert _forms("five", "guys")["5 guys"] == "number"
    assert _forms("7", "eleven")["seven eleven"] == "number"
    assert strip_connectors(("m", "n", "s")) == ("m", "s")
    assert strip_connectors(("and", "m")) == ("and", "m")  # only between words
    assert _forms("in", "n", "out", "burger")["in out"] == "connectors"


def test_ambiguous_derived_spellings_name_no_brand() -> None:
    form = Form(("pj",), "initialism")
    kept = unambiguous([("papa_johns", "pj", form), ("pj_pizza", "pj", form), ("bk", "bk", form)], {})
    assert kept == [("bk", form)]
    assert unambiguous([("x", "lg", form)], {"lg": "lg"}) == []  # another brand's own name
    frame = CodeFrame((Brand("pj", "Papa John's"), Brand("pm", "Papa Murphy's"), Brand("pi", "Pizza Inn")))
    assert code_text("PJ", frame).brands == ("pj",)
    assert code_text("papa", frame).brands == ()
    assert code_text("PI", frame).brands == ("pi",)


@pytest.mark.parametrize(
    ("text", "frame", "brand"),
    [
        ("Saturn", TECH, "saturn"),
        ("Saturn Markt", TECH, "saturn"),
        ("LG", TECH, "lg"),
        ("L G", TECH, "lg"),
        ("otto.de", TECH, "otto"),
        ("www.cyberport.de", TECH, "cyberport"),
        ("Notebooksbilliger.de", TECH, "notebooksbilliger"),
        ("Chipotle", FOOD, "chipotle"),
        ("Dominos", FOOD, "dominos"),
        ("Domino", FOOD, "dominos"),
        ("Popeyes chicken", FOOD, "popeyes"),
        ("BK", FOOD, "burger_king"),
        ("B.K.", FOOD, "burger_king"),
        ("DQ", FOOD, "dairy_queen"),
        ("KFCs", FOOD, "kfc"),
        ("5 Guys", FOOD, "five_guys"),
        ("5guys", FOOD, "five_guys"),
        ("In n Out", FOOD, "in_n_out"),
        ("In and Out", FOOD, "in_n_out"),
        ("innout", FOOD, "in_n_out"),
        ("jackinthebox", FOOD, "jack_in_the_box"),
        ("M&S", UK, "marks_spencer"),
        ("M + S", UK, "marks_spencer"),
        ("M and S", UK, "marks_spencer"),
        ("MandS", UK, "marks_spencer"),
        ("Marks n Sparks", UK, "marks_spencer"),
        ("Marks Spencer", UK, "marks_spencer"),
        ("B&M", UK, "b_and_m"),
        ("Tk Maxx", UK, "tk_maxx"),
        ("TKMaxx", UK, "tk_maxx"),
        ("Rewe Markt", RETAIL, "rewe"),
        ("Gym Sharks", SPORT, "gymshark"),
    ],
)
def test_short_forms_and_nicknames_are_coded(text: str, frame: CodeFrame, brand: str) -> None:
    assert code_text(text, frame).brands == (brand,)


@pytest.mark.parametrize(
    ("text", "frame"),
    [
        ("Jimmy", FOOD),  # a given name is no short form of Jimmy John's
        ("Papa", FOOD),
        ("Little", FOOD),
        ("Home", UK),
        ("pharmacy", FOOD),  # initialisms are never split off a word ("ph" + ...)
        ("B&O", UK),
        ("C&A", UK),
        ("Bootle", UK),
        ("boot fair", UK),  # "boot" is a common word, not Boots without its "s"
        ("aces", CodeFrame((Brand("ace", "Ace"),))),  # three letters: only abbreviations take an "s"
    ],
)
def test_near_misses_of_short_forms_are_not_coded(text: str, frame: CodeFrame) -> None:
    assert code_text(text, frame).brands == ()


# --- spellings that sound alike -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "frame", "brand"),
    [
        ("Adeedas", SPORT, "adidas"),
        ("Nayki", SPORT, "nike"),
        ("Nyke", SPORT, "nike"),
        ("Jimshark", SPORT, "gymshark"),
        ("Kolumbia", SPORT, "columbia"),
        ("Loolooleman", SPORT, "lululemon"),
        ("Leedle", RETAIL, "lidl"),
        ("Litl", RETAIL, "lidl"),
        ("Alldie", RETAIL, "aldi"),
        ("Reve", RETAIL, "rewe"),
        ("Penni", RETAIL, "penny"),
        ("Konrad Elektronik", TECH, "conrad"),
        ("Fillips", TECH, "philips"),
        ("Grundick", TECH, "grundig"),
        ("Sohny", TECH, "sony"),
        ("Duncan Donuts", FOOD, "dunkin"),
        ("Ocardo", UK, "ocado"),
    ],
)
def test_sound_alike_spellings_are_coded(text: str, frame: CodeFrame, brand: str) -> None:
    mention = code_text(text, frame)
    assert mention.brands == (brand,)
    assert 0 < mention.scores[0] < 100


@pytest.mark.parametrize(
    ("text", "frame"),
    [
        ("Sanyo", TECH),  # Kölner 86 like Sony, but another Metaphone code
        ("Lowa", TECH),  # sounds like Loewe but ends in another vowel
        ("Aldo", RETAIL),  # Aldi with another final vowel
        ("Nikki", SPORT),  # a given name
        ("Nico", SPORT),
        ("Lydia", RETAIL),
        ("Bootle", UK),
        ("River Island", UK),  # "island" is a common word, not Iceland
        ("Telefon", TECH),
        ("Samson", TECH),
        ("Mediathek", TECH),
    ],
)
def test_sound_alike_near_misses_are_not_coded(text: str, frame: CodeFrame) -> None:
    assert code_text(text, frame).brands == ()


# --- keyboard slips and plurals -----------------------------------------------------------------------------


def test_keyboard_neighbours_in_four_letter_names() -> None:
    assert code_text("Nikw", SPORT).brands == ("nike",)  # W beside E
    assert code_text("Lifl", RETAIL).brands == ("lidl",)  # F beside D
    assert code_text("Asds", UK).brands == ("asda",)  # S beside A
    assert code_text("Nile", SPORT).brands == ("nike",)  # L beside K: a slip, by this rule
    assert code_text("Pumo", SPORT).brands == ()  # a vowel for a vowel changes the word
    assert code_text("Lidb", RETAIL).brands == ()  # B is nowhere near L


def test_plural_and_possessive_s() -> None:
    assert code_text("Sonics", FOOD).brands == ("sonic",)
    assert code_text("Wendy", FOOD).brands == ("wendys",)
    assert code_text("Popeye", FOOD).brands == ("popeyes",)
    assert code_text("Arby", FOOD).brands == ("arbys",)
    assert code_text("boot", UK).brands == ()  # a common word never loses or gains its way to a brand


def test_weak_names_follow_country_words() -> None:
    assert code_text("Boots UK", UK).brands == ("boots",)
    assert code_text("Boots", UK).brands == ("boots",)
    assert code_text("football boots", SPORT).brands == ()


def test_frames_survive_pickling_with_their_remembered_windows() -> None:
    frame = CodeFrame(SPORT.brands, learned_aliases=(("swoosh", "nike"),))
    assert code_text("Nayki", frame).brands == ("nike",)  # fills the index's memory of windows
    restored = pickle.loads(pickle.dumps(frame))
    assert restored == frame
    assert code_text("Nayki", restored).brands == ("nike",)
    assert code_text("swoosh", restored).brands == ("nike",)


# --- clipped forms, abbreviated words, articles, spoken spellings -------------------------------------------


def test_clipped_forms_of_long_one_word_names() -> None:
    sainsburys = _forms("sainsburys")
    assert sainsburys["sainsbos"] == sainsburys["sainsb"] == sainsburys["sainsburies"] == "clipped"
    assert {"starbs", "starbies", "starbuck"} <= {k for k, v in _forms("starbucks").items() if v == "clipped"}
    assert _forms("primark")["primarni"] == "clipped"
    assert {"mcd", "mcds"} <= set(_forms("mcdonalds"))
    assert _forms("lidl") == {} and _forms("saturn") == {}  # under seven letters: not clipped
    samsung = _forms("samsung")
    assert "sams" not in samsung and "samsa" not in samsung  # a given name ("Sam's") is no clipping
    assert "super" not in _forms("superdrug") and "supers" not in _forms("superdrug")  # "super" is a word
    assert not any(v == "clipped" for v in _forms("new", "balance").values())  # one-word names only


def test_clipped_forms_are_matched_exactly_and_only_when_one_brand_has_them() -> None:
    assert code_text("Sainsbos", UK).brands == ("sainsburys",)
    assert code_text("Starbs", FOOD).brands == ("starbucks",)
    assert code_text("McD's", FOOD).brands == ("mcdonalds",)
    assert code_text("mcd, bk", FOOD).brands == ("mcdonalds", "burger_king")
    assert code_text("Sainsbos", UK).scores == (100,)  # an exact match
    twins = CodeFrame((Brand("a", "Stargazer"), Brand("b", "Starglow")))
    assert code_text("starg", twins).brands == ()


def test_abbreviated_name_words() -> None:
    assert _forms("carls", "jr")["carls junior"] == "abbreviation"
    assert _forms("carls", "jr")["carls jnr"] == "abbreviation"
    assert code_text("Carl's Junior", FOOD).brands == ("carls_jr",)
    assert code_text("Carls jnr", FOOD).brands == ("carls_jr",)


def test_articles_inside_a_name_may_be_left_out() -> None:
    assert strip_connectors(("jack", "in", "the", "box")) == ("jack", "box")
    assert strip_connectors(("in", "n", "out")) == ("in", "out")  # the first and last words stay
    assert code_text("Jack n the Box", FOOD).brands == ("jack_in_the_box",)
    assert strip_connectors(("the", "north", "face")) == ("the", "north", "face")  # a leading article stays
    assert code_text("Jack in box", FOOD).brands == ("jack_in_the_box",)
    assert code_text("What a burger", FOOD).brands == ("whataburger",)  # the name as written comes first


@pytest.mark.parametrize(
    ("text", "frame", "brand"),
    [("Starbux", FOOD, "starbucks"), ("Schaomi", TECH, "xiaomi"), ("Liddles", UK, "lidl")],
)
def test_spoken_spellings_sound_alike(text: str, frame: CodeFrame, brand: str) -> None:
    assert code_text(text, frame).brands == (brand,)


@pytest.mark.parametrize(("text", "frame"), [("Shack", FOOD), ("Burger Shack", FOOD), ("Sams", TECH)])
def test_spoken_spellings_do_not_stretch_short_names(text: str, frame: CodeFrame) -> None:
    assert code_text(text, frame).brands == ()
