"""Simulated respondents who take the hosted survey over HTTP: signed entry link → pages → the exit redirect.

Every respondent of the simulated provider takes the buyer's survey this way. Each walker is a person drawn from the synthetic population
(:mod:`panels.simulated.respondents`) and answers the pages as that person: the screener with their demographics,
the unaided boxes with the brand names they recall (in order of salience), the aided list, familiarity and
consideration from the response model, so the truth stays known; image associations go with what they consider
and prefer (:func:`image_yes`), so a wave's key drivers and image map have something to find; the brands that come
to mind in each buying situation (category entry points) likewise (:func:`entry_point_link`), for mental
availability; each service feature is expected as standard, wanted for a fee or not needed by a fixed chance, and a
respondent who would pay accepts a price of its ladder when it is at most their own willingness to pay, a lognormal
draw of known median and spread per feature (:func:`service_wtp`), so the service analysis can be checked against
the truth. Pages are read from their HTML
(:func:`panels.simulated.taker.parse_form`; an answered screen replies with the next one) and every redirect is
followed like a browser, ending at the exit
the survey sends the walker to, which is the simulator's own return endpoint: that is where the provider learns
the outcome.

Behaviours (drawn per walker): ``normal``; ``speeder`` (finishes in 10–40 simulated seconds); ``straight_liner``
(ticks every brand and answers every image cell "yes"); ``drop_out`` (leaves after a few pages and never comes
back). Think time is simulated seconds × ``time_scale`` of wall-clock time, so a demo runs in seconds; the
buyer's speeder rule must be scaled alike (``QualityRules(speeder_floor_seconds=30 · time_scale)``).

The session cookie is handled by hand (one shared client session, no cookie jar), so many walkers of one wave
can share a connection pool without sharing a session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any, Protocol
from urllib.parse import urljoin

import aiohttp

from panels.links import entry_query
from panels.simulated.respondents import SimulatedRespondent
from panels.simulated.taker import EXCLUSIVE, PageForm, parse_form

log = logging.getLogger(__name__)

KINDS = ("normal", "speeder", "straight_liner", "drop_out")
#: Walker behaviour shares among hosted respondents: speeders, straight-liners and drop-outs, the rest normal.
P_SPEEDER = 0.06
P_STRAIGHT_LINER = 0.05
P_DROP_OUT = 0.08
#: Pages a walker expects before a page says how many there are (``<progress max="n">`` of the screens): the
#: walker's whole duration is spread over the questionnaire's pages, however long it is.
EXPECTED_PAGES = 16
_PROGRESS_MAX = re.compile(r'<progress\b[^>]*\smax="(\d+)"')
MAX_PAGES = 60
#: Times a respondent reloads a page the survey said was briefly unavailable (503) before giving up (waiting at
#: least a second each time, however fast the simulation runs: a person does not reload faster).
MAX_RELOADS = 10
COOKIE = "rsession"


class EntryLink(Protocol):
    """How a provider sends one of its participants to the buyer's survey: the participant's entry URL."""

    def for_participant(self, pid: str) -> str: ...


#: The header a walker's landing on a provider's exit page carries: it stands in for the browser session the
#: provider would recognise its participant by (a completion page such as Prolific's names only the outcome).
PARTICIPANT_HEADER = "X-Sim-Participant"


@dataclass(frozen=True)
class SurveyLink:
    """Where and how to send respondents: the survey's entry URL of the wave and the wave's link secret."""

    entry_url: str  # {base}/survey/{wave_id}/start
    wave_id: int
    secret: str

    def for_participant(self, pid: str) -> str:
        """``entry_url?pid=…&sig=…``, signed with the wave's secret (:mod:`panels.links`)."""
        return f"{self.entry_url}?{entry_query(self.secret, self.wave_id, pid)}"


@dataclass(frozen=True)
class Walker:
    participant: str
    entry: str  # the signed entry link
    person: SimulatedRespondent
    brand_names: dict[str, str]
    own_brand: str
    kind: str  # one of KINDS
    duration: float  # simulated seconds to spend on the whole survey
    drop_after: int  # pages answered before leaving (drop-outs only)
    retry_after_exit: bool  # opens the entry link again after finishing (a second attempt, refused)


def draw_walker(
    participant: str,
    entry: str,
    person: SimulatedRespondent,
    brand_names: dict[str, str],
    own_brand: str,
    rng: random.Random,
    *,
    p_retry: float = 0.0,
) -> Walker:
    u = rng.random()
    kind = (
        "speeder"
        if u < P_SPEEDER
        else "straight_liner"
        if u < P_SPEEDER + P_STRAIGHT_LINER
        else "drop_out"
        if u < P_SPEEDER + P_STRAIGHT_LINER + P_DROP_OUT
        else "normal"
    )
    duration = rng.uniform(10, 40) if kind == "speeder" else rng.uniform(240, 720)
    return Walker(
        participant,
        entry,
        person,
        brand_names,
        own_brand,
        kind,
        duration,
        rng.randint(1, 8),
        rng.random() < p_retry,
    )


def image_yes(question: str, brand: str, answers: dict[str, Any]) -> float:
    """The chance a respondent associates ``brand`` with the image attribute of ``question``: higher when they
    would consider or prefer it, by an amount that differs per attribute (some attributes drive consideration
    more than others), plus a fixed affinity of each brand to each attribute (so brands have profiles)."""
    strength = (sum(map(ord, question)) % 5) / 5  # 0 … 0.8, fixed per attribute
    affinity = ((sum(map(ord, question)) * 7 + sum(map(ord, brand)) * 3) % 9) / 9 * 0.3
    considered = brand in (answers.get("consider") or [])
    preferred = brand == answers.get("preference")
    return min(0.95, 0.1 + affinity + strength * (0.3 * considered + 0.2 * preferred))


def entry_point_link(question: str, brand: str, answers: dict[str, Any]) -> float:
    """The chance a brand comes to mind in the buying situation of ``question`` (a category entry point), for a
    respondent who knows it: higher when they would consider or prefer it, plus a fixed affinity of each brand to
    each situation. Only known brands are offered, so brands more people know are linked more often."""
    affinity = ((sum(map(ord, question)) * 5 + sum(map(ord, brand)) * 11) % 7) / 7 * 0.3
    considered = brand in (answers.get("consider") or [])
    preferred = brand == answers.get("preference")
    return min(0.9, 0.1 + affinity + 0.3 * considered + 0.2 * preferred)


#: Chances that a simulated respondent expects a service feature as standard, would pay extra, does not need it.
SERVICE_EXPECTATION = {"standard": 0.3, "pay": 0.45, "not_needed": 0.25}
#: Willingness to pay for a feature: lognormal, median ``service_wtp_median(feature)``, log-spread WTP_SIGMA.
WTP_SIGMA = 0.6


def service_wtp_median(feature: str) -> float:
    """The median willingness to pay of the simulated respondents for ``feature`` (15, 30, 60 or 120, fixed by
    the feature's id)."""
    return 15.0 * 2 ** (sum(map(ord, feature)) % 4)


def _feature_rng(w: Walker, feature: str) -> random.Random:
    return random.Random(f"{w.person.provider_id}/{feature}")  # the same person answers alike on every page


def service_expectation(w: Walker, feature: str) -> str:
    """Whether ``w`` expects ``feature`` as standard, would pay extra for it or does not need it."""
    draw, edge = _feature_rng(w, feature).random(), 0.0
    for code, chance in SERVICE_EXPECTATION.items():
        edge += chance
        if draw < edge:
            return code
    return "not_needed"


def service_wtp(w: Walker, feature: str) -> float:
    """The most ``w`` would pay for ``feature``: lognormal with median :func:`service_wtp_median` and log-spread
    :data:`WTP_SIGMA` (a fixed draw per person and feature)."""
    rng = _feature_rng(w, feature)
    rng.random()  # the expectation's draw
    return service_wtp_median(feature) * math.exp(rng.gauss(0.0, WTP_SIGMA))


def _service(name: str, values: list[str], w: Walker) -> str:
    feature, _, price = name.removeprefix("service.").partition(".at.")
    if not price:
        code = service_expectation(w, feature)
        return code if code in values else values[0]
    return "yes" if service_wtp(w, feature) >= float(price) else "no"


def dissatisfied_chance(dimension: str, brand: str) -> float:
    """The chance a simulated respondent who used ``brand`` is dissatisfied with it on ``dimension``: 5% to 20%,
    fixed by the pair."""
    return 0.05 + ((sum(map(ord, dimension)) * 3 + sum(map(ord, brand)) * 7) % 4) * 0.05


def _grid(question: str, row: str, options: list[str], w: Walker, rng: random.Random) -> str:
    a = w.person.answers
    if question.startswith("satisfaction."):
        if rng.random() < dissatisfied_chance(question.removeprefix("satisfaction."), row):
            return rng.choice(["dissatisfied", "very_dissatisfied"])
        return rng.choice(["very_satisfied", "satisfied", "neutral"])
    if question == "usage":  # the own brand's row is the customer status; other brands used are current
        if row == w.own_brand:
            return str(a.get("customer_status", "never"))
        return "current" if row in (a.get("recommend") or {}) else "never"
    if question == "familiarity":
        known = row in (a.get("familiar") or [])
        pick = ("quite_well", "very_well") if known else ("name_only", "a_little")
        return rng.choice([p for p in pick if p in options] or options)
    if question.startswith("image."):
        return "yes" if w.kind == "straight_liner" or rng.random() < image_yes(question, row, a) else "no"
    if question == "recommendation":
        score = (a.get("recommend") or {}).get(row)
        return str(score if score is not None else rng.randint(4, 8))
    return rng.choice(options)


def _radio(name: str, values: list[str], w: Walker, rng: random.Random) -> str:
    a = w.person.answers
    if ":" in name:
        question, row = name.split(":", 1)
        return _grid(question, row, values, w, rng)
    if name.startswith("screener."):
        value = w.person.demographics.get(name.split(".", 1)[1])
        return value if value in values else ("recent" if "recent" in values else values[0])
    if name == "preference":
        pref = a.get("preference")
        return str(pref) if pref in values else "none" if "none" in values else values[0]
    if name == "attention_check":
        return "disagree"
    if name.startswith("service."):
        return _service(name, values, w)
    return rng.choice(values)


def _ticked(name: str, values: list[str], w: Walker, rng: random.Random) -> list[str]:
    normal = [v for v in values if v not in EXCLUSIVE]
    if w.kind == "straight_liner" and name in ("aided", "consideration"):
        picked = normal
    elif name in ("aided", "consideration"):
        held = w.person.answers.get("aided" if name == "aided" else "consider") or []
        picked = [v for v in normal if v in held]
    elif name.startswith("entry_point."):
        picked = [v for v in sorted(normal) if rng.random() < entry_point_link(name, v, w.person.answers)]
    else:
        picked = [rng.choice(normal)] if normal else []
    return picked or ["none" if "none" in values else values[0]]


def answer_page(form: PageForm, w: Walker, rng: random.Random) -> list[tuple[str, str]]:
    """The form fields ``w`` submits on this page, as the person of the response model would answer."""
    if any(name == "action" for name, _ in form.buttons):
        return [("action", "start")]
    a = w.person.answers
    fields = list(form.hidden)
    fields += [(name, _radio(name, values, w, rng)) for name, values in sorted(form.radios.items())]
    for name, values in sorted(form.checkboxes.items()):
        if name.endswith(".option"):  # "don't know" beside the unaided boxes
            if not a.get("unaided_coded"):
                fields.append((name, "dont_know"))
            continue
        fields += [(name, v) for v in _ticked(name, values, w, rng)]
    boxes = [n for n in form.texts if n == "unaided"]
    names = [w.brand_names.get(b[0], b[0]) for b in (a.get("unaided_coded") or []) if b]
    if boxes and names:
        typed = names[: len(boxes)]
        if len(names) > len(boxes):
            typed[-1] = ", ".join(names[len(boxes) - 1 :])
        fields += [("unaided", t) for t in typed]
    return fields


def _retry_after(resp: aiohttp.ClientResponse) -> float:
    """The wait a 503 asks for (seconds, at most a minute; 5 when it names none)."""
    try:
        return min(60.0, max(0.0, float(resp.headers.get("Retry-After", "5"))))
    except ValueError:
        return 5.0


def _cookie(resp: aiohttp.ClientResponse) -> str | None:
    for header in resp.headers.getall("Set-Cookie", []):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if COOKIE in jar and jar[COOKIE].value:
            return jar[COOKIE].value
    return None


def _pace(page: str, duration: float, pause: float) -> float:
    """The think time per page: ``duration`` spread over the screens a page's progress bar announces and the
    introduction (``pause`` until a page says)."""
    steps = _PROGRESS_MAX.search(page)
    return pause if steps is None else duration / (int(steps.group(1)) + 1)


async def walk(
    session: aiohttp.ClientSession, w: Walker, rng: random.Random, *, time_scale: float
) -> str | None:
    """Take the survey as ``w``; returns the exit URL the survey redirected to (already visited), or None when
    the walker left or was turned away without one."""
    pause = w.duration * time_scale / EXPECTED_PAGES
    token: str | None = None
    url = w.entry
    body: str | None = None  # a page in hand: what the last answered screen replied with
    answered = reloads = 0
    for _ in range(MAX_PAGES):
        if body is None:
            headers = {"Cookie": f"{COOKIE}={token}"} if token else {}
            async with session.get(url, allow_redirects=False, headers=headers) as resp:
                token = _cookie(resp) or token
                if resp.status == 503 and reloads < MAX_RELOADS:  # briefly unavailable: wait, then reload
                    reloads += 1
                    await resp.read()
                    await asyncio.sleep(max(1.0, _retry_after(resp) * time_scale))
                    continue
                if resp.status == 303:
                    nxt = urljoin(url, resp.headers["Location"])
                    if "/survey/" not in nxt:
                        return await _land(session, nxt, w.participant)
                    url = nxt
                    continue
                if resp.status != 200:
                    return None  # refused or closed
                body = await resp.text()
        form = parse_form(body)
        pause = _pace(body, w.duration * time_scale, pause)
        body = None
        if form is None:
            return None  # a message page
        if w.kind == "drop_out" and answered >= w.drop_after:
            return None
        await asyncio.sleep(pause)
        fields = answer_page(form, w, rng)
        async with session.post(
            urljoin(url, form.action),
            data=fields,
            allow_redirects=False,
            headers={"Cookie": f"{COOKIE}={token}"},
        ) as resp:
            if resp.status == 200:  # the next screen
                body = await resp.text()
                answered += 1
                continue
            await resp.read()
            if resp.status == 503 and reloads < MAX_RELOADS:  # reload the page: it shows where they are
                reloads += 1
                await asyncio.sleep(max(1.0, _retry_after(resp) * time_scale))
                continue
            if resp.status != 303:
                log.warning("walker %s: page answered with HTTP %s", w.kind, resp.status)
                return None
            nxt = urljoin(url, resp.headers["Location"])
        answered += 1
        if "/survey/" not in nxt:
            return await _land(session, nxt, w.participant)
        url = nxt
    return None


async def _open_again(session: aiohttp.ClientSession, entry: str, time_scale: float) -> None:
    """A second attempt after finishing: the survey answers "already taken part" (reloading while it asks to wait a
    moment, as at the first entry)."""
    for _ in range(MAX_RELOADS + 1):
        async with session.get(entry, allow_redirects=False) as resp:
            await resp.read()
            if resp.status != 503:
                return
            wait = max(1.0, _retry_after(resp) * time_scale)
        await asyncio.sleep(wait)


async def _land(session: aiohttp.ClientSession, exit_url: str, participant: str) -> str:
    async with session.get(
        exit_url, allow_redirects=False, headers={PARTICIPANT_HEADER: participant}
    ) as resp:
        await resp.read()
    return exit_url


class WalkerPool:
    """Runs walkers as tasks of the simulator's event loop, at most ``concurrency`` at a time."""

    def __init__(self, *, time_scale: float, concurrency: int = 160, seed: int = 7) -> None:
        self.time_scale = time_scale
        self._sem = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        self.rng = random.Random(seed)
        self.outcomes: dict[str, int] = {}

    def start(self, w: Walker, done: Callable[[Walker, str | None], Any]) -> None:
        """Let ``w`` take the survey; ``done(w, exit_url | None)`` is called when the walk ends."""
        rng = random.Random(self.rng.random())
        task = asyncio.get_running_loop().create_task(self._run(w, rng, done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, w: Walker, rng: random.Random, done: Callable[[Walker, str | None], Any]) -> None:
        exit_url: str | None = None
        try:
            async with self._sem:
                if self._session is None:
                    self._session = aiohttp.ClientSession(
                        cookie_jar=aiohttp.DummyCookieJar(), timeout=aiohttp.ClientTimeout(total=30)
                    )
                exit_url = await walk(self._session, w, rng, time_scale=self.time_scale)
                if exit_url is not None and w.retry_after_exit:
                    await _open_again(self._session, w.entry, self.time_scale)
                    self.outcomes["again"] = self.outcomes.get("again", 0) + 1  # counted once answered
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("walker %s stopped: %s: %s", w.kind, type(exc).__name__, exc)
        finally:
            key = "exit" if exit_url else "left"
            self.outcomes[key] = self.outcomes.get(key, 0) + 1
            done(w, exit_url)

    @property
    def active(self) -> int:
        return len(self._tasks)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._session is not None:
            await self._session.close()
