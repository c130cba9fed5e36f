"""What a respondent reads on every screen of the hosted survey, in English and German, over real HTTP: every
screen submitted empty first (the error messages read as plain sentences, no doubled punctuation), the comment
box labelled as a comment, and the "Step k of n" line over walks where earlier answers remove screens."""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from panels.simulated.taker import fill, parse_form
from recognition.store import orgs, polls, waves
from recognition.store import survey as store
from tests.integration.survey_world import BRANDS, access, entry

ClientFactory = Callable[..., Any]
Fields = list[tuple[str, str]]
#: Punctuation run together where a question and a message were joined ("?:", "?.", ".:", "::", "..").
DOUBLED = re.compile(r"[?.!:]\s*[.:]|[?!]\s*\?")
STEP = {"en": re.compile(r"Step (\d+) of (\d+)"), "de": re.compile(r"Schritt (\d+) von (\d+)")}
_names = itertools.count()


async def _wave(pool: asyncpg.Pool, language: str) -> int:
    name = f"screens-{language}-{next(_names)}"
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, name)
        poll = await polls.create_poll(
            conn,
            org,
            name=name,
            category="Laufschuhe" if language == "de" else "running shoes",
            language=language,
            brands=BRANDS,
            own_brand="acme",
            population="de" if language == "de" else "us",
            sample_size=20,
        )
        wave, _ = await waves.create_wave(conn, poll.id, datetime(2026, 3, 3, tzinfo=UTC), 20)
        for a, b in (("scheduled", "launching"), ("launching", "fielding")):
            assert await waves.transition(conn, wave.id, a, b)
        await store.set_access(conn, access(wave.id))
    return wave.id


def texts(html: str, pattern: str) -> list[str]:
    """The text of each match of ``pattern`` (one group), tags removed and entities decoded."""
    return [unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(pattern, html, re.S)]


@dataclass
class Page:
    screen: str
    html: str  # the page as first shown
    rejected: str | None  # the page after submitting it empty (422); None when empty was accepted


async def walk(
    client: TestClient, start: str, answer: Callable[[str, Fields], Fields] = lambda _, f: f
) -> list[Page]:
    """Take the survey from ``start``: each screen submitted empty first, then answered (``answer`` may change
    the fields a screen is answered with)."""
    rng, url, pages = random.Random(3), start, []
    html: str | None = None  # a page in hand: an accepted screen replies with the next one
    for _ in range(60):
        if html is None:
            resp = await client.get(url, allow_redirects=False)
            if resp.status == 303:
                url = resp.headers["Location"]
                if urlsplit(url).netloc:
                    return pages
                continue
            html = await resp.text()
            assert resp.status == 200, html
        form = parse_form(html)
        assert form is not None, html
        screen = dict(form.hidden).get("screen")
        if screen is not None:
            empty = await client.post(form.action, data=form.hidden, allow_redirects=False)
            pages.append(Page(screen, html, await empty.text() if empty.status == 422 else None))
            if empty.status == 200:
                html = await empty.text()
                continue
            if empty.status == 303:
                html, url = None, empty.headers["Location"]
                if urlsplit(url).netloc:
                    return pages
                continue
            assert empty.status == 422
        fields = fill(form, rng) if screen is None else answer(screen, fill(form, rng))
        posted = await client.post(form.action, data=fields, allow_redirects=False)
        html = await posted.text()
        if posted.status == 200:
            continue
        assert posted.status == 303, html
        html, url = None, posted.headers["Location"]
        if urlsplit(url).netloc:
            return pages
    raise AssertionError(f"no end after {[p.screen for p in pages]}")


@pytest.mark.parametrize("language", ["en", "de"])
async def test_every_error_message_reads_without_doubled_punctuation(
    make_client: ClientFactory, pool: asyncpg.Pool, language: str
) -> None:
    client = await make_client()
    pages = await walk(client, entry(await _wave(pool, language), f"EMPTY-{language}"))
    rejected = [p for p in pages if p.rejected is not None]
    assert len(rejected) >= 10 and [p.screen for p in pages if p.rejected is None] == ["comment"]
    for page in rejected:
        assert page.rejected is not None
        summary = texts(page.rejected, r'<div class="summary".*?<ul>(.*?)</ul>')
        lines = texts(page.rejected, r"<li>(.*?)</li>")
        inline = texts(page.rejected, r'<p class="error"[^>]*>(.*?)</p>')
        title = texts(page.rejected, r"<title>(.*?)</title>")
        assert summary and lines and inline, page.screen
        for line in lines + inline + title:
            assert not DOUBLED.search(line), f"{page.screen}: {line!r}"
        # each summary line names its question and says what to do
        prompts = texts(page.rejected, r"<legend>(.*?)</legend>")
        assert all(any(line.startswith(p) for p in prompts) for line in lines), lines


@pytest.mark.parametrize(
    ("language", "brand_box", "comment_box"),
    [
        ("en", "Brand 1 (the first that comes to mind)", "Your comment"),
        ("de", "Marke 1 (die erste, die Ihnen einfällt)", "Ihr Kommentar"),
    ],
)
async def test_the_comment_box_has_its_own_label(
    make_client: ClientFactory, pool: asyncpg.Pool, language: str, brand_box: str, comment_box: str
) -> None:
    client = await make_client()
    pages = {p.screen: p.html for p in await walk(client, entry(await _wave(pool, language), "LABEL"))}
    assert texts(pages["unaided"], r'<label class="text" for="q-unaided-box1">(.*?)</label>') == [brand_box]
    assert texts(pages["comment"], r'<label class="text"[^>]*>(.*?)</label>') == [comment_box]


def knows_only_acme_and_never_bought_it(screen: str, fields: Fields) -> Fields:
    """Aware of one brand only and never a customer: usage narrows nothing more, recommendation falls away."""
    if screen == "aided":
        return [("screen", "aided"), ("aided", "acme")]
    if screen == "usage":
        return [(k, "never" if k.startswith("usage:") else v) for k, v in fields]
    return fields


def knows_no_brand(screen: str, fields: Fields) -> Fields:
    """Aware of no brand: every brand screen after the aided list falls away at once."""
    return [("screen", "aided"), ("aided", "none")] if screen == "aided" else fields


@pytest.mark.parametrize("answer", [knows_only_acme_and_never_bought_it, knows_no_brand])
@pytest.mark.parametrize(("language", "finish"), [("en", "Finish"), ("de", "Abschließen")])
async def test_the_step_total_stays_put_and_the_step_jumps_past_removed_screens(
    make_client: ClientFactory,
    pool: asyncpg.Pool,
    answer: Callable[[str, Fields], Fields],
    language: str,
    finish: str,
) -> None:
    """The rule of docs/survey.md: "Step k of n", n every screen of the questionnaire, k rising with each screen
    and jumping past the screens the answers removed, the last screen shown "n of n"."""
    client = await make_client()
    pages = await walk(client, entry(await _wave(pool, language), answer.__name__), answer)
    steps = []
    for page in pages:
        found = STEP[language].findall(page.html)
        assert len(found) == 1, page.screen
        steps.append((int(found[0][0]), int(found[0][1])))
    assert len({n for _, n in steps}) == 1, steps  # the total never changes
    ks = [k for k, _ in steps]
    assert ks[0] == 1 and all(b > a for a, b in itertools.pairwise(ks)), steps  # k only rises
    assert steps[-1][0] == steps[-1][1], steps  # the last screen shown: "n of n"
    assert any(b - a > 1 for a, b in itertools.pairwise(ks)), "the walk removed no screen"  # k jumped
    assert "recommendation" not in [p.screen for p in pages]
    finishing = [p.screen for p in pages if f">{finish}</button>" in p.html]
    assert finishing == [pages[-1].screen]
