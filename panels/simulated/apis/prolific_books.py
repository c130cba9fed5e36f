"""Prolific's books in the simulator: studies, their submissions and completion codes, kept over the simulator's
shared books (each study is a :class:`panels.simulated.projects.SimProject` with the study's id).

What Prolific documents and users report, and what this module does about it:

- a study recruits up to ``total_available_places``; a place is held from the moment a participant starts (an
  ``ACTIVE`` submission) until the submission is returned, times out, is screened out or rejected — then the
  place is offered again, so more submissions than places can arrive;
- each participant (24 hexadecimal digits) takes a study at most once; their submission's id is the session id
  (``{{%SESSION_ID%}}``) the study URL is opened with;
- a participant finishes by opening ``…/submissions/complete?cc=CODE``: the code's actions decide what happens
  (``MANUALLY_REVIEW``: awaiting review; ``AUTOMATICALLY_APPROVE``: approved; ``FIXED_SCREEN_OUT_PAYMENT``:
  screened out and paid the fixed amount). A participant who leaves without a code has returned the study;
- approving or rejecting is possible only once the submission awaits review ("not yet submitted" otherwise); the
  same transition again is ignored (documented as idempotent), the other one refused; rejecting re-opens the
  place;
- a study is ``ACTIVE`` while it recruits; once every place is held by a finished submission it is ``AWAITING
  REVIEW`` (or ``COMPLETED`` when nothing awaits review), and a rejection opens it again; ``STOP`` ends
  recruitment for good;
- every payment (reward, screen-out payment) carries Prolific's service fee (:data:`FEE`).

Changes of status are queued as webhook events (``study.status.change``, ``submission.status.change``) for
:mod:`panels.simulated.apis.prolific_hooks`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from panels.simulated.projects import SimProject

#: Prolific's service fee on every payment, as a fraction (a 150p reward costs 200p).
FEE = 1 / 3
FEES_PERCENTAGE = 100 * FEE
STUDY_TYPES = (
    "SINGLE",
    "UK_REP_SAMPLE",
    "UK_REGIONAL_REP_SAMPLE",
    "REP_SAMPLE_UK_ENGLISH_AGE_POLITICAL_AFFILIATION",
    "US_REP_SAMPLE",
    "US_REGIONAL_REP_SAMPLE",
    "REP_SAMPLE_US_ENGLISH_AGE_POLITICAL_AFFILIATION",
    "REP_SAMPLE_US_ENGLISH_AGE_POLITICAL_AFFILIATION_ETHNICITY",
)
SUBMISSION_STATUSES = (
    "RESERVED",
    "ACTIVE",
    "TIMED-OUT",
    "AWAITING REVIEW",
    "APPROVED",
    "RETURNED",
    "REJECTED",
    "SCREENED OUT",
    "PARTIALLY APPROVED",
)
FINISHED = ("AWAITING REVIEW", "APPROVED", "REJECTED", "PARTIALLY APPROVED")
REJECTION_CATEGORIES = (
    "TOO_QUICKLY",
    "TOO_SLOWLY",
    "FAILED_INSTRUCTIONS",
    "INCOMP_LONGITUDINAL",
    "FAILED_CHECK",
    "LOW_EFFORT",
    "MALINGERING",
    "NO_CODE",
    "BAD_CODE",
    "NO_DATA",
    "UNSUPP_DEVICE",
    "OTHER",
)
CODE_ACTIONS = (
    "AUTOMATICALLY_APPROVE",
    "MANUALLY_REVIEW",
    "FIXED_SCREEN_OUT_PAYMENT",
    "REQUEST_RETURN",
    "ADD_TO_PARTICIPANT_GROUP",
    "REMOVE_FROM_PARTICIPANT_GROUP",
)
PLACEHOLDERS = ("{{%PROLIFIC_PID%}}", "{{%STUDY_ID%}}", "{{%SESSION_ID%}}")

#: Emits a webhook event: (event type, payload).
Emit = Callable[[str, dict[str, Any]], None]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def country_of(study_type: str, default: str) -> str:
    """The population a study recruits from: a representative sample's country, else the tracker's."""
    if study_type.startswith(("UK_", "REP_SAMPLE_UK")):
        return "uk"
    if study_type.startswith(("US_", "REP_SAMPLE_US")):
        return "us"
    return default


def with_fee(cents: float) -> float:
    """What a payment of ``cents`` costs the researcher, in currency units (fee included)."""
    return cents * (1 + FEE) / 100


@dataclass
class Submission:
    id: str  # the session id
    participant: str
    study_id: str
    status: str
    started_at: str
    completed_at: str | None = None
    entered_code: str | None = None
    paid: float = 0.0  # cents paid to the participant (reward when approved, the screen-out payment)
    feed_id: str | None = None  # the shared books' submission, once it came back with a completion code
    rejection_category: str | None = None
    message: str | None = None

    def detail(self) -> dict[str, Any]:
        """The submission as ``GET /submissions/{id}/`` and transitions return it."""
        return {
            "id": self.id,
            "participant": self.participant,
            "study_id": self.study_id,
            "status": self.status,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "entered_code": self.entered_code,
        }

    def listed(self) -> dict[str, Any]:
        """The submission as ``GET /submissions/`` lists it (Prolific names the fields differently there)."""
        return {
            "id": self.id,
            "participant_id": self.participant,
            "status": self.status,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "entered_code": self.entered_code,
            "study_code": self.entered_code,
            "is_complete": self.status in FINISHED,
            "reward": round(self.paid),
            "return_requested": None,
            "has_siblings": False,
            "strata": {},
        }


@dataclass
class Study:
    id: str
    body: dict[str, Any]  # what the researcher created it with
    project: SimProject
    new_id: Callable[[], str]
    emit: Emit
    created_at: str = field(default_factory=now_iso)
    published_at: str | None = None
    submissions: dict[str, Submission] = field(default_factory=dict)
    by_participant: dict[str, str] = field(default_factory=dict)
    last_status: str = "UNPUBLISHED"

    # --- what the participant sees ----------------------------------------------------------------------------

    def for_participant(self, pid: str) -> str:
        """The study URL a participant is sent to, placeholders filled in; their submission starts here (one per
        participant and study: opening it again gives the same session)."""
        sid = self.by_participant.get(pid)
        if sid is None:
            sid = self.new_id()
            self.submissions[sid] = Submission(sid, pid, self.id, "ACTIVE", now_iso())
            self.by_participant[pid] = sid
            self._emit_submission(self.submissions[sid])
        url = str(self.body["external_study_url"])
        for placeholder, value in zip(PLACEHOLDERS, (pid, self.id, sid), strict=True):
            url = url.replace(placeholder, value)
        return url

    def code(self, cc: str) -> dict[str, Any] | None:
        return next((c for c in self.body["completion_codes"] if c.get("code") == cc), None)

    def complete(self, participant: str, cc: str) -> str:
        """The participant opened the completion page with ``cc``: what was booked (``awaiting_review``,
        ``approved``, ``screened_out``), or why nothing was (``unknown``, ``not_active``, ``bad_code``)."""
        sid = self.by_participant.get(participant)
        if sid is None:
            return "unknown"
        sub = self.submissions[sid]
        entry = self.code(cc)
        if sub.status != "ACTIVE":
            return "not_active"
        if entry is None:
            return "bad_code"
        actions = {a.get("action"): a for a in entry.get("actions") or []}
        if "FIXED_SCREEN_OUT_PAYMENT" in actions:
            if self.project.returned(participant, "screened_out") == "ignored":
                return "not_active"
            sub.entered_code, sub.completed_at = cc, now_iso()
            sub.paid = float(actions["FIXED_SCREEN_OUT_PAYMENT"].get("fixed_screen_out_reward", 0))
            self.project.screened_paid += 1
            self._set(sub, "SCREENED OUT")
            return "screened_out"
        outcome = "quality_terminate" if entry.get("code_type") == "FAILED_ATTENTION_CHECK" else "complete"
        if self.project.returned(participant, outcome) == "ignored":
            return "not_active"
        sub.entered_code, sub.completed_at = cc, now_iso()
        sub.feed_id = self.project.feed[-1]["submission_id"]
        self._set(sub, "AWAITING REVIEW")
        if "AUTOMATICALLY_APPROVE" in actions:
            self.approve(sub)
            return "approved"
        return "awaiting_review"

    # --- what the researcher does -----------------------------------------------------------------------------

    def approve(self, sub: Submission) -> str:
        """``applied``, ``unchanged`` (already approved) or why not (``not_submitted``, ``conflict``)."""
        if sub.status == "APPROVED":
            return "unchanged"
        if sub.status != "AWAITING REVIEW":
            return "not_submitted" if sub.status == "ACTIVE" else "conflict"
        assert sub.feed_id is not None
        self.project.decide(sub.feed_id, "approve", None)
        sub.paid = float(self.body["reward"])
        self._set(sub, "APPROVED")
        return "applied"

    def reject(self, sub: Submission, category: str, message: str) -> str:
        if sub.status == "REJECTED":
            return "unchanged"
        if sub.status != "AWAITING REVIEW":
            return "not_submitted" if sub.status == "ACTIVE" else "conflict"
        assert sub.feed_id is not None
        self.project.decide(sub.feed_id, "reject", category)  # frees the place: recruitment opens again
        sub.rejection_category, sub.message = category, message
        self._set(sub, "REJECTED")
        return "applied"

    # --- status -----------------------------------------------------------------------------------------------

    def sync(self) -> None:
        """Catch up with the shared books: a participant who left the survey without a code has returned the
        study; a change of the study's status is announced."""
        for sub in self.submissions.values():
            if sub.status == "ACTIVE" and sub.participant not in self.project.in_survey:
                self._set(sub, "RETURNED")
        status = self.status
        if status != self.last_status:
            self.last_status = status
            self.emit("study.status.change", {"resource_id": self.id, "metadata": {}, "status": status})

    @property
    def status(self) -> str:
        p = self.project
        if p.status == "draft":
            return "UNPUBLISHED"
        if p.status == "paused":
            return "PAUSED"
        if p.status == "live" and (p.taken < p.target_n or p.in_survey):
            return "ACTIVE"
        waiting = any(s.status == "AWAITING REVIEW" for s in self.submissions.values())
        return "AWAITING REVIEW" if waiting else "COMPLETED"

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(SUBMISSION_STATUSES, 0)
        for sub in self.submissions.values():
            out[sub.status] += 1
        out["TOTAL"] = len(self.submissions)
        return out

    def public(self) -> dict[str, Any]:
        places = int(self.body["total_available_places"])
        reward = float(self.body["reward"])
        return {
            **self.body,
            "id": self.id,
            "status": self.status,
            "date_created": self.created_at,
            "published_at": self.published_at,
            "places_taken": self.project.taken,
            "number_of_submissions": len(self.submissions),
            "total_cost": round(reward * places * (1 + FEE), 2),
            "fees_percentage": FEES_PERCENTAGE,
            "vat_percentage": 0,
            "currency_code": "GBP",
        }

    def _set(self, sub: Submission, status: str) -> None:
        sub.status = status
        self._emit_submission(sub)

    def _emit_submission(self, sub: Submission) -> None:
        self.emit(
            "submission.status.change",
            {"resource_id": sub.id, "participant_id": sub.participant, "status": sub.status},
        )


class ProlificBooks:
    """Every study of the simulator's Prolific account, and the webhook events they produced."""

    def __init__(self, seed: int = 0x9E0F1C) -> None:
        self.rng = random.Random(seed)
        self.studies: dict[str, Study] = {}
        self.events: list[tuple[str, dict[str, Any]]] = []  # (event type, payload), not yet handed over
        self.bulk: list[list[str]] = []  # bulk approvals received, applied shortly after

    def new_id(self) -> str:
        """An id in Prolific's shape: 24 hexadecimal digits."""
        return f"{self.rng.getrandbits(96):024x}"

    def emit(self, kind: str, payload: dict[str, Any]) -> None:
        self.events.append((kind, {**payload, "event_type": kind}))

    def submission(self, submission_id: str) -> tuple[Study, Submission] | None:
        for study in self.studies.values():
            sub = study.submissions.get(submission_id)
            if sub is not None:
                return study, sub
        return None

    def apply_bulk(self) -> None:
        """Approve what bulk approvals asked for (submissions not awaiting review are left as they are)."""
        batches, self.bulk = self.bulk, []
        for ids in batches:
            for sid in ids:
                found = self.submission(sid)
                if found is not None:
                    found[0].approve(found[1])

    def active_study_of(self, participant: str, cc: str) -> Study | None:
        """The study whose code ``cc`` is and in which ``participant`` has a submission in progress."""
        for study in self.studies.values():
            sid = study.by_participant.get(participant)
            if sid is not None and study.code(cc) is not None and study.submissions[sid].status == "ACTIVE":
                return study
        return None
