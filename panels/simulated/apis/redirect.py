"""A simulated panel reached only by redirect (Dynata-style), for the generic redirect adapter
(:mod:`panels.redirect`), written independently of it.

What the panel does, as a real one would once its user has set the project up in the panel's own tool:

- it sends each respondent to the entry link the user pasted (here announced by the service to
  ``POST /redirect-panel/api/announce``, under the faulted prefix), with ``{id}`` = the respondent's id
  (``psid``) and ``{k2}`` = a per-session value, hashed: ``&hash=`` + base64url (no padding) of
  HMAC-SHA256(secret, everything before ``&hash=``);
- it takes respondents back on its exit page ``GET /redirect-panel/exit?rst=1|2|3|4&psid=…&k2=…&hash=…``
  (1 complete, 2 screened out, 3 over quota, 4 quality terminate; a browser landing outside the faults), checks
  the hash and that ``k2`` is the session's, and books the first exit of each respondent (a repeat is ignored);
- it pays for completes: the panel's books count them and what they cost at the agreed price.

``GET /_sim/redirect-panel`` shows the books. Live projects send respondents on their own (a background tick).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from panels.simulated.projects import SimProject
from panels.simulated.state import STATE

PREFIX = "/redirect-panel/api/"
EXIT_PATH = "/redirect-panel/exit"
TICK = 0.02
#: The simulated panel's account: the hash secret and the price per complete agreed with it.
SECRET = "redirect-sim-hash-secret"
PRICE = 2.10
RST = {"1": "complete", "2": "screened_out", "3": "over_quota", "4": "quality_terminate"}
RST_OF = {v: k for k, v in RST.items()}


def link_hash(text: str, secret: str = SECRET) -> str:
    """base64url, without padding, of HMAC-SHA256(secret, text)."""
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass
class PanelProject:
    reference: str
    entry_url: str
    project: SimProject
    status: str = "draft"
    sessions: dict[str, str] = field(default_factory=dict)  # psid → k2 handed out
    outcomes: dict[str, str] = field(default_factory=dict)  # psid → first exit
    exits: Counter[str] = field(default_factory=Counter)
    bad_hash: int = 0
    repeats: int = 0
    launches: int = 0

    @property
    def completes(self) -> int:
        return self.exits["complete"]

    @property
    def billed(self) -> float:
        return round(self.completes * PRICE, 2)

    def stats(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "status": self.status,
            "launches": self.launches,
            "exits": dict(self.exits),
            "completes": self.completes,
            "billed": self.billed,
            "bad_hash": self.bad_hash,
            "repeats": self.repeats,
        }


@dataclass
class PanelBooks:
    projects: dict[str, PanelProject] = field(default_factory=dict)
    announcements: Counter[str] = field(default_factory=Counter)


BOOKS = web.AppKey("redirect_panel_books", PanelBooks)


@dataclass
class PanelLink:
    """How the panel sends one of its respondents to the pasted entry link (an ``EntryLink``)."""

    books: PanelBooks
    reference: str

    def for_participant(self, pid: str) -> str:
        panel = self.books.projects[self.reference]
        k2 = hashlib.sha256(f"k2:{self.reference}:{pid}".encode()).hexdigest()[:12]
        panel.sessions[pid] = k2
        url = panel.entry_url.replace("{id}", pid).replace("{k2}", k2)
        return f"{url}&hash={link_hash(url)}"


def book(panel: PanelProject, pid: str, outcome: str) -> str:
    """The respondent's first exit is booked (in the panel's books and the shared ones); later ones are not."""
    if pid in panel.outcomes:
        panel.repeats += 1
        return "repeated"
    panel.outcomes[pid] = outcome
    panel.exits[outcome] += 1
    project = panel.project
    if pid in project.in_survey and project.returned(pid, outcome) == "complete":
        submission = project.feed[-1]["submission_id"]
        project.decide(
            submission,
            "approve" if outcome == "complete" else "reject",
            None if outcome == "complete" else "quality",
        )
    return "booked"


async def announce(request: web.Request) -> web.Response:
    """The service tells the panel's tool about a wave: created (with the entry link), launch, pause, resume,
    close. Each announcement is applied once; a repeat is answered the same."""
    books, state = request.app[BOOKS], request.app[STATE]
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or not body.get("reference") or not body.get("event"):
        return web.json_response({"error": "expected {event, reference, ...}"}, status=400)
    reference, event = str(body["reference"]), str(body["event"])
    books.announcements[event] += 1
    panel = books.projects.get(reference)
    if event == "created":
        if panel is None:
            entry = str(body.get("entry_url") or "")
            if "{id}" not in entry:
                return web.json_response({"error": "entry_url needs {id}"}, status=400)
            topic = dict(body.get("topic") or {})
            simulation = {
                "brands": list(topic.get("brands") or []),
                "own_brand": str(topic.get("own_brand") or ""),
                "wave_index": max(0, int(body.get("wave_number") or 1) - 1),
                "seed": 7,
            }
            quotas = {
                (str(q["variable"]), str(q["level"])): int(q["limit"]) for q in body.get("quotas") or []
            }
            project = state.add_project(
                f"rd-{len(books.projects) + 1:05d}",
                reference,
                name=str(body.get("name") or reference),
                target_n=int(body.get("target_n") or 0),
                country=str(body.get("country") or "us"),
                quotas=quotas,
                price=PRICE,
                simulation=simulation,
                link=PanelLink(books, reference),
            )
            books.projects[reference] = PanelProject(reference, entry, project)
        return web.json_response(books.projects[reference].stats(), status=201)
    if panel is None:
        return web.json_response({"error": f"no project {reference}"}, status=404)
    moves = {"launch": ("draft", "live"), "pause": ("live", "paused"), "resume": ("paused", "live")}
    if event in moves and panel.status == moves[event][0]:
        panel.launches += event == "launch"
        panel.project.launch_calls += event == "launch"
        panel.status = moves[event][1]
    elif event == "close":
        panel.status = "closed"
    panel.project.set_status(panel.status, time.monotonic())
    return web.json_response(panel.stats())


async def exit_page(request: web.Request) -> web.Response:
    books = request.app[BOOKS]
    raw = str(request.url)
    base, _, given = raw.rpartition("&hash=")
    pid, rst, k2 = (request.query.get(k, "") for k in ("psid", "rst", "k2"))
    panel = next((p for p in books.projects.values() if pid in p.sessions), None)
    if panel is None or rst not in RST:
        return _page("unknown", "no such respondent or status", 404)
    if not base or not hmac.compare_digest(given, link_hash(base)) or panel.sessions[pid] != k2:
        panel.bad_hash += 1
        return _page("refused", "the exit link's hash does not hold", 403)
    outcome = RST[rst]
    return _page(outcome, book(panel, pid, outcome))


def _page(status: str, note: str, code: int = 200) -> web.Response:
    return web.Response(
        status=code,
        text='<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Panel</title>'
        f'<link rel="icon" href="data:,"></head><body><h1 id="status">{status}</h1><p id="booked">{note}</p>'
        "</body></html>",
        content_type="text/html",
    )


async def books_view(request: web.Request) -> web.Response:
    books = request.app[BOOKS]
    return web.json_response(
        {
            "projects": [p.stats() for p in books.projects.values()],
            "announcements": dict(books.announcements),
        }
    )


def install(app: web.Application) -> None:
    books = PanelBooks()
    app[BOOKS] = books

    async def tick(app_: web.Application) -> AsyncIterator[None]:
        async def run() -> None:
            state = app_[STATE]
            while True:
                for panel in list(books.projects.values()):
                    if panel.status == "live":
                        panel.project.advance(state.rate, state.faults, walkers=state.walkers)
                await asyncio.sleep(TICK)

        task = asyncio.get_running_loop().create_task(run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(tick)
    app.router.add_post(f"{PREFIX}announce", announce)
    app.router.add_get(EXIT_PATH, exit_page)
    app.router.add_get("/_sim/redirect-panel", books_view)


def credentials(simulator_url: str) -> dict[str, str]:
    """The redirect adapter's configuration for this panel (what its user would enter)."""
    base = simulator_url.rstrip("/")
    exit_url = base + EXIT_PATH + "?rst={rst}&psid={{id}}&k2={{k2}}"
    return {
        "id_parameter": "psid",
        "extra_parameters": "k2",
        "complete_url": exit_url.format(rst=1),
        "screened_out_url": exit_url.format(rst=2),
        "over_quota_url": exit_url.format(rst=3),
        "quality_url": exit_url.format(rst=4),
        "price": f"{PRICE:.2f}",
        "currency": "USD",
        "hash_recipe": '{"algorithm": "hmac-sha256", "parameter": "hash", "covers": "url", "encoding": "base64url"}',
        "hash_secret": SECRET,
        "announce_url": f"{base}{PREFIX}announce",
    }
