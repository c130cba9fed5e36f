"""The Provider protocol: what fieldwork needs from a panel provider, and the plain types it speaks.

Buying sample follows the same lifecycle at every provider (see ``docs/providers.md``): create a project with
targeting and quotas, ask feasibility and price, launch, watch progress while respondents take the hosted survey
and come back with an outcome, close, then reconcile (approve valid completes, reject quality terminates with the
provider's reason code). Fieldwork (:mod:`recognition.waves.fieldwork`) talks to providers only through
:class:`Provider`; each adapter maps these calls onto its own API.

Every call that changes something at the provider takes an idempotency key. Fieldwork derives the key from the
wave and the operation (``wave-17:launch``), records it before the call and the result after it (the outbox), and
after a crash settles an unfinished call by *asking* the provider (:meth:`Provider.find_project`,
:meth:`Provider.get_project`), never by calling again blindly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

#: Project states, common to all adapters (each maps its own: Prolific UNPUBLISHED → draft, ACTIVE → live ...).
PROJECT_STATES = ("draft", "live", "paused", "closed")

#: Reason codes for rejecting a submission — the quality rules' own names
#: (:mod:`recognition.waves.quality`) plus ``no_code`` — with the Prolific rejection category each maps to.
REJECT_REASONS: dict[str, str] = {
    "speeder": "TOO_QUICKLY",
    "straight_lining": "LOW_EFFORT",
    "attention_check": "FAILED_CHECK",
    "no_code": "NO_CODE",
    "duplicate": "OTHER",
}


class ProviderError(Exception):
    """A provider call failed. ``transient`` errors may succeed later (retry); others will not."""

    transient = False

    def __init__(self, provider: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.status = status


class ProviderUnavailable(ProviderError):
    """Timeouts, dropped connections, 5xx and 429 after all retries, or the circuit breaker is open."""

    transient = True


class ProviderRejected(ProviderError):
    """The provider refused the request (4xx other than 429): retrying the same request will not help."""


@dataclass(frozen=True)
class Quota:
    """At most ``limit`` completes with ``variable`` = ``level`` (a population label, e.g. age 18-24)."""

    variable: str
    level: str
    limit: int


@dataclass(frozen=True)
class ProjectSpec:
    """What to buy for one wave. ``reference`` is the buyer's stable id of the project (one per wave); adapters
    store it at the provider where they can so :meth:`Provider.find_project` can look it up after a crash."""

    reference: str
    name: str
    target_n: int
    country: str
    quotas: tuple[Quota, ...] = ()
    survey_url: str = ""
    deadline: datetime | None = None
    #: Where the buyer receives the provider's webhooks for this project (adapters that subscribe per project).
    webhook_url: str = ""
    #: What the study is about: ``category``, ``brands`` ([{id, name, aliases}]) and ``own_brand``. Adapters may
    #: describe the study with it; the simulated provider plays its respondents from it.
    topic: Mapping[str, Any] = field(default_factory=dict)
    #: The wave's position in its tracker (1 = the first wave).
    wave_number: int = 1
    #: The wave's entry-link secret, for providers that sign each respondent's link to the hosted survey.
    entry_secret: str = ""


@dataclass(frozen=True)
class Feasibility:
    feasible: bool
    available: int  # respondents the provider expects to reach within the field period
    price: float  # cost per complete (CPI), in ``currency``
    currency: str = "USD"


@dataclass(frozen=True)
class Project:
    id: str
    reference: str
    status: str  # one of PROJECT_STATES
    target_n: int
    price: float = 0.0
    #: What the provider charges for each paid screen-out (Prolific pays screened-out participants a fixed
    #: amount); 0 for providers that do not charge for them.
    screen_out_price: float = 0.0


@dataclass(frozen=True)
class Progress:
    status: str
    completes: int  # completes as the provider counts them (distinct respondents)
    screened_out: int = 0
    over_quota: int = 0
    rejected: int = 0
    active: int = 0  # respondents the provider still counts as taking part (sent in, not yet back)


@dataclass(frozen=True)
class Submission:
    """One respondent's finished visit as the provider reports it, server to server.

    ``participant_id`` is the provider's id of the person; the service keeps only an HMAC of it. ``data`` carries
    answers, demographics and duration where the provider itself delivers them (the simulated provider, standing
    in for the hosted survey); real providers leave it empty and the answers come from the survey pages.
    """

    submission_id: str
    participant_id: str
    status: str  # complete | screened_out | over_quota | quality_terminate
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SubmissionPage:
    submissions: tuple[Submission, ...]
    cursor: str  # pass back to read on from here; unchanged when nothing new arrived


@dataclass(frozen=True)
class Decision:
    """Reconciliation of one submission: approve, or reject with a reason code from :data:`REJECT_REASONS`."""

    submission_id: str
    approve: bool
    reason: str | None = None


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str  # stable across redeliveries: deduplicate on it
    kind: str
    project_id: str
    payload: Mapping[str, Any]


#: How a respondent's visit ends; each provider books these in its own way.
OUTCOMES = ("complete", "screened_out", "over_quota", "quality_terminate")


@dataclass(frozen=True)
class WaveAccess:
    """What a provider needs to admit a respondent to one wave's survey and book the outcome: the wave, its
    project at the provider, and the wave's entry-link secret (shared with providers that sign links)."""

    wave_id: int
    project_id: str
    reference: str
    secret: str
    expires_at: float | None = None  # Unix seconds after which no entry is admitted


@dataclass(frozen=True)
class Arrival:
    """A respondent the provider sent, as the survey knows them until the exit: the provider's id of the person
    (stored only as an HMAC) and the ids the exit needs (Prolific's session, Cint's RID …). Kept sealed under
    the respondent's session token, never stored in clear. ``test``: a test respondent (never estimated)."""

    participant_id: str
    context: Mapping[str, str] = field(default_factory=dict)
    test: bool = False


class EntryRefused(Exception):
    """The link does not admit anyone: ``reason`` is ``bad_id``, ``unsigned``, ``bad_signature``, ``expired``,
    ``foreign`` (another project's respondent), ``not_admitted`` (the provider does not know them) or
    ``repeated`` (the provider's record of this very session says it ended: its respondent opened it again)."""

    def __init__(self, reason: str, participant_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.participant_id = participant_id


@runtime_checkable
class Provider(Protocol):
    """A panel provider as fieldwork and the hosted survey use it. All methods may raise
    :class:`ProviderError`.

    Entry and exit belong to the provider: :meth:`entry_url` is the survey link the provider sends each
    respondent to (with its own placeholders for their ids), :meth:`admit` reads and verifies an arrival (our
    signature, the provider's hash, or a server-to-server check) and :meth:`finish` books the outcome (a signed
    or hashed redirect, a server-to-server call, or both, in the provider's order) and returns where the
    respondent's browser goes next. :meth:`admit` raises :class:`EntryRefused` for a link that admits nobody,
    and :class:`ProviderError` only when the provider could not be asked (the link may be good: the survey asks
    the respondent to reload in a moment, and does not count it as a failed authentication).
    ``reports_submissions``: the provider keeps a submission feed fieldwork reads and reconciles (delivered at
    least once: the books pass over a submission they hold); otherwise the survey's own records are the books.
    """

    name: str
    reports_submissions: bool

    async def feasibility(self, spec: ProjectSpec) -> Feasibility: ...

    async def create_project(self, spec: ProjectSpec, *, idempotency_key: str) -> Project: ...

    async def find_project(self, reference: str) -> Project | None: ...

    async def get_project(self, project_id: str) -> Project: ...

    async def launch(self, project_id: str, *, idempotency_key: str) -> Project: ...

    async def pause(self, project_id: str) -> Project: ...

    async def resume(self, project_id: str) -> Project: ...

    async def close(self, project_id: str) -> Project: ...

    async def progress(self, project_id: str) -> Progress: ...

    async def submissions(self, project_id: str, cursor: str) -> SubmissionPage: ...

    async def reconcile(self, project_id: str, decisions: Sequence[Decision]) -> None: ...

    def entry_url(self, survey_url: str, access: WaveAccess) -> str: ...

    async def admit(self, access: WaveAccess, query: Mapping[str, str], url: str) -> Arrival: ...

    async def finish(self, access: WaveAccess, arrival: Arrival, outcome: str) -> str: ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent | None: ...

    async def test_link(self, access: WaveAccess, survey_url: str) -> str | None:
        """A link that enters the wave through the provider's own test mode (Cint's test supplier, Prolific's
        preview): respondents who arrive through it are admitted as tests (``Arrival.test``), stored as tests and
        never estimated. None when the provider has no test mode (the service's own test link still works)."""
        ...

    async def check(self) -> None:
        """One cheap authenticated call: returns when the credentials work, raises :class:`ProviderRejected`
        when the provider refuses them (or :class:`ProviderError` when it cannot be reached)."""
        ...

    async def aclose(self) -> None: ...


def quotas_from_margins(
    margins: Mapping[str, Mapping[str, float]], target_n: int, *, slack: float = 0.25
) -> tuple[Quota, ...]:
    """Quotas on every level of every weighting variable: ``ceil(share · target · (1 + slack))``.

    The slack keeps fieldwork from stalling on the last hard-to-reach cells; raking still corrects the remaining
    imbalance, so quotas only bound how far the raw sample can drift from the population.
    """
    out = []
    for variable, levels in margins.items():
        total = sum(levels.values())
        for level, share in levels.items():
            out.append(Quota(variable, level, max(1, math.ceil(share / total * target_n * (1 + slack)))))
    return tuple(out)
