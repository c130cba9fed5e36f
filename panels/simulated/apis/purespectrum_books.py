"""The simulated PureSpectrum's books: surveys, their transactions and what PureSpectrum would bill.

Written from PureSpectrum's published Buy API documentation, independently of the adapter
(:mod:`panels.purespectrum`), so the adapter is checked against it rather than against itself:

- a survey's respondents come from the shared books (:class:`panels.simulated.projects.SimProject`): each one
  PureSpectrum sends gets a transaction id, put into the buyer's ``live_url`` in place of
  ``[%%ps_transaction_id%%]`` (appended as ``transaction_id`` when the URL has no placeholder), followed by
  ``survey_id`` and ``ps_hash = sha1(url + secret)`` (:meth:`SurveyLink.for_participant`);
- a transaction's status is final once set, by the server-to-server call or by the ``surveydone`` redirect,
  whichever comes first (a status set server to server wins over a later redirect); a transaction whose
  respondent left without either ("buyer drop") can still be set;
- PureSpectrum bills completes (status 21) × the survey's CPI (``offer_price``); a quality termination (20)
  is not billed and frees its place, like a termination (18), an over-quota (17) or a dedupe (30);
- a survey pauses itself once its goal of completes is reached.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from panels.simulated.projects import SimProject

PLACEHOLDER = "[%%ps_transaction_id%%]"
STATUS_NAMES = {11: "draft", 22: "live", 33: "paused", 44: "closed"}
#: ``st`` codes and how the shared books take them.
ST_OUTCOME = {
    21: "complete",
    18: "screened_out",
    17: "over_quota",
    20: "quality_terminate",
    30: "screened_out",
}
ST_DESCRIPTION = {
    21: "Complete",
    18: "Termination",
    17: "Over Quota",
    20: "Quality Termination",
    30: "Dedupe",
}
#: The simulated buyer account: the token the API accepts and the secret set in its buyer settings.
ACCESS_TOKEN = "ps-sim-access-token"
HASH_SECRET = "ps-sim-hash-secret"
#: Brands the simulated respondents answer about when nobody said (the demo tracker's, with its own brand).
DEFAULT_TOPIC: dict[str, Any] = {
    "brands": [
        {"id": "acme", "name": "Acme"},
        {"id": "stride", "name": "Stride"},
        {"id": "northpeak", "name": "North Peak"},
        {"id": "velo", "name": "Velo"},
        {"id": "kinetic", "name": "Kinetic"},
        {"id": "summit", "name": "Summit Athletics"},
    ],
    "own_brand": "acme",
    "wave_index": 0,
    "seed": 7,
}


def ps_hash(url: str, secret: str) -> str:
    """PureSpectrum's link hash: the SHA-1 of the URL (less ``&ps_hash=…``) followed by the shared secret, hex."""
    return hashlib.sha1((url + secret).encode("utf-8")).hexdigest()


@dataclass
class Transaction:
    tid: str
    survey_id: int
    test: bool = False
    status: int | None = None  # final st code, once set
    set_by: str = ""  # "s2s" or "redirect"


@dataclass
class PsSurvey:
    ps_id: int
    doc: dict[str, Any]  # the survey as the API shows it
    project: SimProject
    transactions: dict[str, Transaction] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)  # final statuses of live transactions
    set_by: Counter[str] = field(default_factory=Counter)
    fraudulent: int = 0  # surveydone redirects whose ps_hash did not hold
    landings: int = 0  # surveydone redirects whose ps_hash held
    launches: int = 0  # draft → live moves

    @property
    def status(self) -> int:
        return int(self.doc["ps_survey_status"])

    @property
    def cpi(self) -> float:
        return float(self.doc.get("offer_price") or 0.0)

    @property
    def completes(self) -> int:
        return self.statuses[21]

    @property
    def billed(self) -> float:
        return round(self.completes * self.cpi, 2)

    def stats(self) -> dict[str, Any]:
        return {
            "ps_survey_id": self.ps_id,
            "survey_external_id": self.doc.get("survey_external_id", ""),
            "status": STATUS_NAMES.get(self.status, str(self.status)),
            "launches": self.launches,
            "completes": self.completes,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "set_by": dict(self.set_by),
            "fraudulent": self.fraudulent,
            "landings": self.landings,
            "cpi": self.cpi,
            "billed": self.billed,
        }


@dataclass
class PsBooks:
    surveys: dict[int, PsSurvey] = field(default_factory=dict)
    topic: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_TOPIC))
    access_token: str = ACCESS_TOKEN
    hash_secret: str = HASH_SECRET
    next_id: int = 1_100_000
    minted: int = 0

    def by_reference(self, reference: str) -> list[PsSurvey]:
        """Every survey created with ``survey_external_id`` = ``reference`` (more than one: bought twice)."""
        return [s for s in self.surveys.values() if s.doc.get("survey_external_id") == reference]

    def set_status(self, survey: PsSurvey, transaction: Transaction, st: int, by: str) -> bool:
        """Make ``st`` the transaction's final status (False when it already has one) and book it."""
        if transaction.status is not None:
            return False
        transaction.status, transaction.set_by = st, by
        if transaction.test:
            return True
        survey.statuses[st] += 1
        survey.set_by[by] += 1
        project = survey.project
        if transaction.tid not in project.in_survey:
            project.in_survey[transaction.tid] = []  # a buyer drop the buyer now reports: its place is back
        if project.returned(transaction.tid, ST_OUTCOME[st]) == "complete":
            submission = project.feed[-1]["submission_id"]  # booked just now, synchronously
            project.decide(submission, "approve" if st == 21 else "reject", None if st == 21 else "quality")
        goal = int(survey.doc.get("completes_required") or 0)
        if st == 21 and survey.status == 22 and goal and survey.completes >= goal:
            survey.doc["ps_survey_status"] = 33  # goal achieved: PureSpectrum pauses the survey
            project.set_status("paused", time.monotonic())
        return True


@dataclass
class SurveyLink:
    """How the simulated PureSpectrum sends its respondents to one buyer survey (an ``EntryLink``)."""

    books: PsBooks
    survey_id: int
    live_url: str

    def for_participant(self, pid: str, *, test: bool = False) -> str:
        """The hashed entry link of transaction ``pid`` (recorded in the survey's transactions when new)."""
        survey = self.books.surveys[self.survey_id]
        survey.transactions.setdefault(pid, Transaction(pid, self.survey_id, test=test))
        url = fill_transaction(self.live_url, pid)
        url = f"{url}{'&' if '?' in url else '?'}survey_id={self.survey_id}"
        return f"{url}&ps_hash={ps_hash(url, self.books.hash_secret)}"


def fill_transaction(live_url: str, tid: str) -> str:
    if PLACEHOLDER in live_url:
        return live_url.replace(PLACEHOLDER, tid)
    return f"{live_url}{'&' if '?' in live_url else '?'}transaction_id={tid}"


PS_BOOKS = web.AppKey("purespectrum_books", PsBooks)


def ps_error(status: int, code: int, message: str, *, key: str = "ps_api_response") -> web.Response:
    return web.json_response({f"{key}_code": code, f"{key}_message": message}, status=status)


def books_of(request: web.Request) -> PsBooks:
    return request.app[PS_BOOKS]


def authorised(request: web.Request) -> bool:
    return hmac.compare_digest(request.headers.get("access-token", ""), books_of(request).access_token)


async def read_json(request: web.Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


def survey_of(request: web.Request) -> PsSurvey | web.Response:
    if not authorised(request):
        return ps_error(401, 1009, "Invalid access-token")
    try:
        survey = books_of(request).surveys.get(int(request.match_info["id"]))
    except ValueError:
        survey = None
    if survey is None:
        return ps_error(404, 1006, "Survey not found")
    return survey
