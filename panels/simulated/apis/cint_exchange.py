"""The books of the simulated Cint Exchange: OAuth clients and their tokens, projects, target groups with their
launch jobs and fielding runs, respondent sessions (RIDs), what was billed, webhook subscriptions.

Each target group is also a project in the simulator's shared books (:class:`CintBook`, a
:class:`~panels.simulated.projects.SimProject`), so its respondents come from the synthetic population and take
the buyer's survey over HTTP like every other provider's; the Cint API (:mod:`panels.simulated.apis.cint`) reads
and writes both. What Cint does, as documented:

- a respondent is a *session* with a RID (a UUID) put in place of ``[%RID%]`` in the ``live_url`` (the
  ``test_url`` for the test supplier); the S2S validation reports status 1 (in survey) and the entry link;
- the outcome is booked only by the S2S transition (5 complete, 2 screen-out, 3 quota full, 4 quality
  terminate), once: a second transition or one for an unknown RID is refused. A transition that arrives after the
  respondent left the survey without coming back (the buyer could not reach Cint at the exit) still books it;
- the browser's return to Cint books nothing: a return without a prior transition is a *ghost complete*, counted
  and never paid;
- Cint bills completes (status 5) at the target group's cost per interview; test-supplier sessions and
  completes reversed by a negative reconciliation are free.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import hashlib
import hmac
import json
import logging
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from panels.simulated.projects import SimProject
from panels.simulated.state import SimulatorState
from panels.simulated.walkers import Walker

log = logging.getLogger(__name__)

SIM_CLIENT_ID = "sim-cint-client"
SIM_CLIENT_SECRET = "sim-cint-client-secret"
SIM_ACCOUNT = "101"
SIM_PROJECT_MANAGER = "b551326b-ac9d-4d32-8823-4f025787dab9"
SIM_BUSINESS_UNIT = "11"
SIM_S2S_KEY = "sim-cint-s2s-key"
CURRENCY = "USD"
AUDIENCE = "https://api.luc.id"
TOKEN_TTL = 86400  # seconds, as Cint's tokens
IN_SURVEY = 1
OUTCOMES = {5: "complete", 2: "screened_out", 3: "over_quota", 4: "quality_terminate"}
JOB_SECONDS = 0.05  # how long a launch-from-draft job takes
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class CintBook(SimProject):
    """A target group's respondents in the shared books, with Cint's late S2S outcomes: a respondent who left
    the survey without coming back is remembered (``gone``) so a transition posted later still books them."""

    gone: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: The RIDs Cint bills for this target group (the target group's own set, shared): Cint has no approvals.
    bills: set[str] = field(default_factory=set)

    @property
    def billed(self) -> float:
        """What Cint charges: billed completes at the cost per interview."""
        return round(len(self.bills) * self.price, 2)

    def _walk_ended(self, walker: Walker, exit_url: str | None) -> None:
        if exit_url is None and walker.participant in self.in_survey:
            self.gone[walker.participant] = list(self.in_survey[walker.participant])
        super()._walk_ended(walker, exit_url)

    def book(self, participant: str, outcome: str) -> str:
        """Book an S2S outcome; a quality terminate frees its place at once (it is no complete at Cint)."""
        booked = self.returned(participant, outcome)
        if booked == "ignored" and participant in self.gone:
            cells = self.gone.pop(participant)
            self.in_survey[participant] = cells
            for cell in cells:
                self.fill[cell] += 1
            self.dropped -= 1
            booked = self.returned(participant, outcome)
        if booked == "complete" and outcome == "quality_terminate":
            sid = next(e["submission_id"] for e in reversed(self.feed) if e["participant_id"] == participant)
            self.decide(sid, "reject", "quality_terminate")
        return booked


@dataclass
class Session:
    rid: str
    target_group: str
    participant: str | None  # the walker in the shared books (None: a test-supplier session)
    entry: str  # the entry link Cint sent, with the RID in place
    test: bool
    status: int = IN_SURVEY
    returned: bool = False  # the browser came back to Cint's return page
    refused: int = 0  # transitions refused while S2S was down


@dataclass
class Run:
    id: str
    status: str  # scheduled | live | paused | completed
    start_at: str
    end_at: str
    version: int = 1
    changed_at: str = ""

    @property
    def etag(self) -> str:
        return f'W/"{self.version}"'

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "start_fielding_at": self.start_at,
            "end_fielding_at": self.end_at,
            "last_changed_at": self.changed_at or self.start_at,
            "last_changed_by": SIM_PROJECT_MANAGER,
            "version": self.version,
        }


@dataclass
class Job:
    id: str
    target_group: str
    created_at: str
    done_at: float  # monotonic time the job completes
    end_at: str
    status: str = "Processing"
    run_id: str | None = None


@dataclass
class TargetGroup:
    id: str
    project_id: str
    human_id: str
    body: dict[str, Any]
    created_at: str
    status: str = "draft"
    run: Run | None = None
    job: Job | None = None
    billed: set[str] = field(default_factory=set)  # RIDs of paid completes
    reversed: set[str] = field(default_factory=set)  # RIDs reversed by a negative reconciliation
    test_completes: int = 0

    @property
    def reference(self) -> str:
        return str(self.body.get("target_group_customer_reference_number") or "")

    @property
    def cpi(self) -> float:
        return float((self.body.get("cost_per_interview") or {}).get("value", 0.0))


@dataclass
class Subscription:
    id: str
    url: str
    events: list[str]
    secret: str


class CintExchange:
    """The simulated Cint's state (one account, one OAuth client and one S2S key: :func:`credentials`)."""

    def __init__(self, state: SimulatorState, *, seed: int = 7) -> None:
        self.state = state
        self.rng = random.Random(seed)
        self.clients = {SIM_CLIENT_ID: SIM_CLIENT_SECRET}
        self.accounts = {SIM_ACCOUNT}
        self.business_units = {SIM_BUSINESS_UNIT: CURRENCY}
        self.s2s_keys = {SIM_S2S_KEY}
        self.signing_key = self.rng.randbytes(32)
        self.token_ttl = TOKEN_TTL
        self.clock_offset = 0.0  # seconds added to the wall clock (tests age tokens with it)
        self.revoked_before = 0.0  # tokens issued before this instant are refused
        self.projects: dict[str, dict[str, Any]] = {}
        self.target_groups: dict[str, TargetGroup] = {}
        self.sessions: dict[str, Session] = {}
        self.jobs: dict[str, Job] = {}
        self.replays: dict[tuple[str, str], tuple[int, Any, dict[str, str]]] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.down: set[str] = set()  # S2S operations answering 503 for now ("validate", "transition")
        self.counts: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    # --- ids and time ---------------------------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.clock_offset

    def ulid(self) -> str:
        value = (int(self.now() * 1000) << 80) | self.rng.getrandbits(80)
        return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))

    def human_id(self, n: int) -> str:
        return "".join(self.rng.choice(_CROCKFORD[10:]) for _ in range(n))

    def rid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4)).upper()

    # --- tokens ---------------------------------------------------------------------------------------------

    def issue_token(self, client_id: str) -> str:
        """A JWT-like token: base64url header, claims and HMAC-SHA256 signature."""
        now = self.now()
        claims = {
            "iss": "sim-cint",
            "sub": client_id,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + self.token_ttl,
        }
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims).encode())
        sig = _b64(hmac.new(self.signing_key, f"{head}.{body}".encode(), hashlib.sha256).digest())
        self.counts["tokens"] += 1
        return f"{head}.{body}.{sig}"

    def token_problem(self, authorization: str) -> tuple[int, str] | None:
        """None for a valid bearer token; (401, detail) without a valid one, (403, detail) when it expired."""
        scheme, _, token = authorization.partition(" ")
        parts = token.split(".")
        if scheme != "Bearer" or len(parts) != 3:
            return 401, "no valid authorization provided for this operation"
        want = _b64(hmac.new(self.signing_key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(want, parts[2]):
            return 401, "no valid authorization provided for this operation"
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        if claims["iat"] < self.revoked_before:
            return 401, "no valid authorization provided for this operation"
        if self.now() >= claims["exp"]:
            self.counts["expired_tokens"] += 1
            return 403, "you don't have the right permissions to perform this operation"
        return None

    def revoke_tokens(self) -> None:
        self.revoked_before = self.now() + 1e-6

    # --- target groups and sessions ------------------------------------------------------------------------

    def book_of(self, tg: TargetGroup) -> CintBook:
        book = self.state.projects[tg.id]
        assert isinstance(book, CintBook)
        return book

    def new_session(self, target_group: str, participant: str | None, *, test: bool) -> Session:
        tg = self.target_groups[target_group]
        rid = self.rid()
        url = str(tg.body.get("test_url" if test else "live_url") or "")
        session = Session(rid, target_group, participant, url.replace("[%RID%]", rid), test)
        self.sessions[rid] = session
        return session

    def transition(self, session: Session, code: int) -> None:
        """Book an S2S outcome (the caller checked that the session is still in survey)."""
        session.status = code
        tg = self.target_groups[session.target_group]
        if session.test:
            tg.test_completes += code == 5
            return
        if code == 5:
            tg.billed.add(session.rid)
        if session.participant is not None:
            self.book_of(tg).book(session.participant, OUTCOMES[code])

    def returned(self, session: Session) -> str:
        """The browser came back to Cint; without a prior transition it is a ghost complete (not paid)."""
        if session.returned:
            return "again"
        session.returned = True
        if session.status != IN_SURVEY:
            return "returned"
        self.counts["ghost_completes"] += 1
        if session.participant is not None:
            self.book_of(self.target_groups[session.target_group]).returned(session.participant, "left")
        return "ghost"

    def reverse(self, rid: str) -> bool:
        """A negative reconciliation: the complete is no longer billed."""
        session = self.sessions.get(rid)
        if session is None or session.test or session.status != 5:
            return False
        tg = self.target_groups[session.target_group]
        tg.reversed.add(rid)
        tg.billed.discard(rid)
        return True

    def billing(self, target_group: str) -> tuple[int, float]:
        """What Cint charges for a target group: paid completes and their cost."""
        tg = self.target_groups[target_group]
        return len(tg.billed), round(len(tg.billed) * tg.cpi, 2)

    def set_status(self, tg: TargetGroup, status: str) -> None:
        """Move a target group (and its fielding run) and tell the shared books and the subscribers."""
        if tg.status == status:
            return
        tg.status = status
        if tg.run is not None and status in ("live", "paused", "completed"):
            tg.run.status = status
            tg.run.version += 1
            tg.run.changed_at = _iso(self.now())
        book = {"live": "live", "paused": "paused", "completed": "closed"}.get(status)
        if book is not None:
            self.book_of(tg).set_status(book, time.monotonic())
        self.emit(
            "target-group-updated", {"project_id": tg.project_id, "target_group_id": tg.id, "status": status}
        )

    def advance(self) -> None:
        """Finish launch jobs that are due; send the respondents who arrived to live target groups' surveys."""
        now = time.monotonic()
        for job in self.jobs.values():
            if job.status == "Processing" and now >= job.done_at:
                tg = self.target_groups[job.target_group]
                job.status = "Completed"
                job.run_id = self.ulid()
                tg.run = Run(job.run_id, "scheduled", _iso(self.now()), job.end_at)
                self.set_status(tg, "live")
        for tg in self.target_groups.values():
            if tg.status == "live":
                self.state.get(tg.id)

    # --- webhooks ---------------------------------------------------------------------------------------------

    def subscribe(self, url: str, events: list[str]) -> Subscription:
        secret = base64.b64encode(self.rng.randbytes(32)).decode()
        sub = Subscription(self.ulid(), url, events, secret)
        self.subscriptions[sub.id] = sub
        return sub

    def emit(self, kind: str, payload: dict[str, Any]) -> None:
        """Deliver an event to every subscription of its type, at least once (sometimes twice, as the fault
        profile's ``p_webhook_duplicate`` says), signed ``Cint-Signature: t=…,v1=…``."""
        subs = [s for s in self.subscriptions.values() if kind in s.events]
        if not subs:
            return
        event = {"id": self.ulid(), "type": kind, "created_at": _iso(self.now()), "payload": payload}
        body = json.dumps(event).encode()
        loop = asyncio.get_running_loop()
        for sub in subs:
            times = 2 if self.rng.random() < self.state.faults.profile.p_webhook_duplicate else 1
            for _ in range(times):
                task = loop.create_task(self._deliver(sub, body))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _deliver(self, sub: Subscription, body: bytes, attempts: int = 6) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        for attempt in range(attempts):
            t = str(int(self.now()))
            sig = hmac.new(sub.secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
            headers = {"Content-Type": "application/json", "Cint-Signature": f"t={t},v1={sig}"}
            try:
                async with self._session.post(sub.url, data=body, headers=headers) as resp:
                    await resp.read()
                    if resp.status < 300:
                        self.counts["webhooks_delivered"] += 1
                        return
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.info("cint webhook to %s failed: %s", sub.url, exc)
            await asyncio.sleep(0.05 * 2**attempt)
        self.counts["webhooks_undelivered"] += 1

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._session is not None:
            await self._session.close()


def adopt(state: SimulatorState, project: SimProject) -> CintBook:
    """Replace a project ``state.add_project`` created with the same books as a :class:`CintBook`."""
    book = CintBook(**{f.name: getattr(project, f.name) for f in dataclasses.fields(SimProject)})
    state.projects[project.id] = book
    return book


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _iso(seconds: float) -> str:
    moment = time.gmtime(seconds)
    return time.strftime("%Y-%m-%dT%H:%M:%S", moment) + f".{int(seconds * 1000) % 1000:03d}Z"
