"""The simulated respondents' lean page reader (:func:`panels.simulated.taker.parse_form`) reads every survey page
exactly as the full HTML parser of the standard library does (:func:`parse_form_html`, the reference), and
refuses markup it cannot read instead of answering nothing."""

from __future__ import annotations

import random
import tomllib
from typing import Any

import pytest

from panels.simulated.taker import FormMarkupError, Persona, fill, parse_form, parse_form_html
from recognition.questionnaire import QuestionnaireConfig, build, next_screen, randomise
from recognition.resources import resource_dir
from recognition.web.survey import pages
from recognition.web.survey.forms import read_screen


def _margins(country: str) -> dict[str, dict[str, float]]:
    with open(resource_dir("config") / "populations" / f"{country}.toml", "rb") as fh:
        return dict(tomllib.load(fh)["margins"])


def _questionnaire(language: str, country: str) -> Any:
    brands = [
        {"id": "acme", "name": 'Acme & "Sons"', "own": True, "logo_url": "https://x.test/a.png?s=1&t=2"},
        {"id": "bolt", "name": "Bolt <Werk>", "aliases": ["bolt werk"]},
        {"id": "cirrus", "name": "Cirrus l'Ete"},
        {"id": "dyna", "name": "Dynamorun"},
    ]
    config = QuestionnaireConfig.from_dict(
        {"brands": brands, "category": "running shoes", "language": language, "unaided_boxes": 3}
    )
    return build(config, _margins(country))


def _pages(language: str, country: str, seed: int) -> list[str]:
    """Every page a respondent sees, in order (with each screen also shown once with every question in error)."""
    q = _questionnaire(language, country)
    rng = random.Random(seed)
    orders = randomise(q, seed)
    answers: dict[str, Any] = {}
    shown = [pages.intro_page(q, "/survey/1")]
    for _ in range(len(q.screens) + 1):
        screen = next_screen(q, answers)
        if screen is None:
            break
        page = pages.screen_page(q, screen, answers, orders, "/survey/1")
        errors = {question.id: "needs an answer" for question in screen.questions}
        shown += [page, pages.screen_page(q, screen, answers, orders, "/survey/1", form={}, errors=errors)]
        form = parse_form_html(page)
        assert form is not None
        submitted: dict[str, list[str]] = {}
        for name, value in fill(form, rng, Persona(unaided=("Acme", "bolt werk"))):
            submitted.setdefault(name, []).append(value)
        cleaned, problems = read_screen(screen, submitted, answers)
        assert not problems, (screen.id, problems)
        answers.update({k: v for k, v in cleaned.items() if v is not None})
    assert next_screen(q, answers) is None, "the walk did not reach the end of the questionnaire"
    return shown


@pytest.mark.parametrize(("language", "country", "seed"), [("en", "us", 1), ("en", "us", 2), ("de", "de", 3)])
def test_lean_reader_reads_every_page_as_the_html_parser_does(language: str, country: str, seed: int) -> None:
    seen = _pages(language, country, seed)
    assert len(seen) > 20
    for page in seen:
        lean, full = parse_form(page), parse_form_html(page)
        assert full is not None and (full.hidden or full.buttons)
        assert lean == full


def test_a_page_without_a_form_reads_as_none() -> None:
    page = pages.message_page("en", "done")
    assert parse_form_html(page) is None
    assert parse_form(page) is None


@pytest.mark.parametrize(
    "markup",
    [
        '<form method="post" action="/s"><input type=radio name="a" value="1"></form>',  # unquoted value
        '<form method="post" action="/s"><input type="radio" name="a" value="1" </form>',  # unclosed tag
        "<p>no form</p><FORM action='/s'><input type='radio' name='a' value='1'></FORM>",  # other spelling
        '<form action="/s"><input type="radio" name=\'a\' value="1"></form>',  # single quotes
    ],
)
def test_markup_the_lean_reader_cannot_read_is_refused(markup: str) -> None:
    assert parse_form_html(markup) is not None  # the full parser reads a form here ...
    with pytest.raises(FormMarkupError):
        parse_form(markup)  # ... the lean reader says it cannot, rather than return an empty one
