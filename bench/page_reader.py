"""The simulated respondents' page reader against the standard library's HTML parser, on the survey's own pages.

    python bench/page_reader.py [--rounds 200]

Renders every page of the default questionnaire (a respondent walking it, answering with the reference reader),
then times :func:`panels.simulated.taker.parse_form` (the lean reader) and :func:`parse_form_html`
(``html.parser``, the peer) over all of them, ``--rounds`` times each, best of three, and prints the ratio.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tomllib
from collections.abc import Callable
from typing import Any

from panels.simulated.taker import Persona, fill, parse_form, parse_form_html
from recognition.questionnaire import QuestionnaireConfig, build, next_screen, randomise
from recognition.resources import resource_dir
from recognition.web.survey import pages
from recognition.web.survey.forms import read_screen


def survey_pages() -> list[str]:
    with open(resource_dir("config") / "populations" / "us.toml", "rb") as fh:
        margins = tomllib.load(fh)["margins"]
    brands = [
        {"id": b.lower(), "name": b, "own": b == "Acme"}
        for b in ("Acme", "Stride", "Velo", "Kinetic", "Summit")
    ]
    q = build(QuestionnaireConfig.from_dict({"brands": brands, "category": "sportswear"}), margins)
    rng, orders, answers = random.Random(1), randomise(q, 1), {}  # type: ignore[var-annotated]
    out = [pages.intro_page(q, "/survey/1")]
    while (screen := next_screen(q, answers)) is not None:
        page = pages.screen_page(q, screen, answers, orders, "/survey/1")
        out.append(page)
        form = parse_form_html(page)
        assert form is not None
        submitted: dict[str, list[str]] = {}
        for name, value in fill(form, rng, Persona()):
            submitted.setdefault(name, []).append(value)
        cleaned, _ = read_screen(screen, submitted, answers)
        answers.update({k: v for k, v in cleaned.items() if v is not None})
    return out


def _time(read: Callable[[str], Any], shown: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(rounds):
            for page in shown:
                read(page)
        best = min(best, time.perf_counter() - start)
    return best / (rounds * len(shown))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)
    shown = survey_pages()
    assert all(parse_form(p) == parse_form_html(p) for p in shown)
    lean, full = _time(parse_form, shown, args.rounds), _time(parse_form_html, shown, args.rounds)
    size = sum(len(p) for p in shown) / len(shown)
    print(f"{len(shown)} pages, {size:.0f} characters each on average")
    print(f"lean reader   {1e6 * lean:8.1f} µs per page")
    print(f"html.parser   {1e6 * full:8.1f} µs per page")
    print(f"ratio html.parser / lean: {full / lean:.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
