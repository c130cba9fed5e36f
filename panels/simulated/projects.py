"""The simulated provider's books: projects, their quotas, the respondents it sends and what came back.

Respondents arrive at ``rate`` per second of fielding (drawn lazily whenever a project is looked at, so the
simulator needs no background task). Each arrival is drawn from the skewed panel of the synthetic population
(:mod:`panels.simulated.population`); one whose quota cell is full is turned away as over quota, and every other
one takes the buyer's hosted survey over HTTP (:mod:`panels.simulated.walkers`), as at a real panel: each holds a
place and its quota cells while in the survey, and the outcome the survey sends it back with decides what the
provider books: a ``complete`` or ``quality_terminate`` return is a complete (a submission in the feed: the
answers are the buyer's), a screen-out, over-quota return or a walker who leaves frees the place. Some walkers
speed, straight-line or drop out, for the buyer's quality checks to catch. A project recruits until ``places``
(its target) completes are held; a rejected complete frees its place and its quota cell (as at Prolific,
rejecting re-opens recruitment). A project without a survey to send respondents to recruits nobody.

``provider_completes`` counts distinct participants who completed, approved or not, so it must equal the completes
the buyer stored (valid plus quality-flagged). ``launch_calls`` counts launch requests that took effect: a repeat
with an idempotency key already seen is answered from the record and not counted.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from panels.simulated.faults import FaultInjector
from panels.simulated.population import SyntheticPopulation
from panels.simulated.respondents import SimulatedRespondent, draw_respondents
from panels.simulated.walkers import EntryLink, Walker, WalkerPool, draw_walker


@dataclass
class SimProject:
    id: str
    reference: str
    name: str
    target_n: int
    country: str
    quotas: dict[tuple[str, str], int]
    price: float
    simulation: dict[str, Any]
    status: str = "draft"
    fielding_since: float | None = None  # monotonic time live began (None unless live)
    fielded_seconds: float = 0.0  # time live before the latest pause
    arrivals: int = 0
    over_quota: int = 0
    dropped: int = 0
    launch_calls: int = 0
    feed: list[dict[str, Any]] = field(default_factory=list)  # submissions, in arrival order
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    completed: set[str] = field(default_factory=set)  # participants with a counted complete
    rejected: set[str] = field(default_factory=set)
    approved: set[str] = field(default_factory=set)
    fill: Counter[tuple[str, str]] = field(default_factory=Counter)  # held completes per quota cell
    population: SyntheticPopulation | None = None
    rng: np.random.Generator | None = None
    webhook_url: str = ""  # where events go (empty = this project sends none)
    events: list[dict[str, Any]] = field(default_factory=list)  # produced, not yet handed to the sender
    status_changes: int = 0
    survey: EntryLink | None = None  # the buyer's hosted survey (None: nobody can be sent)
    in_survey: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # walker → reserved quota cells
    sent: dict[str, str] = field(default_factory=dict)  # participant → the entry link they were sent with
    returns: Counter[str] = field(default_factory=Counter)  # outcomes walkers were redirected back with
    #: How the provider names a new participant (None: ``P`` and 16 hexadecimal digits); Prolific's are 24 hex.
    make_participant: Callable[[], str] | None = None
    screen_out_price: float = 0.0  # paid per screen-out, for providers that pay them (Prolific)
    screened_paid: int = 0  # screen-outs the provider paid for

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reference": self.reference,
            "name": self.name,
            "status": self.status,
            "target_n": self.target_n,
            "price": self.price,
            "country": self.country,
            "quotas": [{"variable": v, "level": lv, "limit": n} for (v, lv), n in self.quotas.items()],
        }

    def progress(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "completes": len(self.completed),
            "over_quota": self.over_quota,
            "dropped": self.dropped,
            "rejected": len(self.rejected),
            "approved": len(self.approved),
            "held": self.held,
            "in_survey": len(self.in_survey),
        }

    def stats(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "reference": self.reference,
            "status": self.status,
            "launch_calls": self.launch_calls,
            "provider_completes": len(self.completed),
            "rejected": len(self.rejected),
            "approved": len(self.approved),
            "in_survey": len(self.in_survey),
            "returns": dict(self.returns),
            "billed": self.billed,
        }

    @property
    def billed(self) -> float:
        """What the provider bills the buyer: approved completes at the price, paid screen-outs at theirs."""
        return round(len(self.approved) * self.price + self.screened_paid * self.screen_out_price, 2)

    @property
    def held(self) -> int:
        return len(self.completed) - len(self.rejected)

    # --- lifecycle -------------------------------------------------------------------------------------------

    def set_status(self, status: str, now: float) -> None:
        if self.status == "live" and status != "live" and self.fielding_since is not None:
            self.fielded_seconds += now - self.fielding_since
            self.fielding_since = None
        if status == "live" and self.status != "live":
            self.fielding_since = now
        if status != self.status:
            self.status_changes += 1
            self._event(
                f"evt-{self.id}-status-{self.status_changes}", "project.status_changed", {"status": status}
            )
        self.status = status

    def _event(self, event_id: str, kind: str, data: dict[str, Any]) -> None:
        """Queue a webhook event (ids are stable: a redelivery carries the same id)."""
        if self.webhook_url:
            self.events.append({"event_id": event_id, "type": kind, "project_id": self.id, "data": data})

    def advance(
        self, rate: float, faults: FaultInjector, now: float | None = None, walkers: WalkerPool | None = None
    ) -> None:
        """Send the respondents who arrived since the last look to the buyer's survey."""
        if self.status != "live" or self.fielding_since is None or walkers is None or self.survey is None:
            return
        now = time.monotonic() if now is None else now
        due = int(rate * (self.fielded_seconds + now - self.fielding_since)) - self.arrivals
        while due > 0 and self.taken < self.target_n:
            batch = min(due, max(20, 2 * (self.target_n - self.taken)))
            self._arrive(batch, faults, walkers)
            due -= batch

    @property
    def taken(self) -> int:
        """Places held by completes plus those reserved by respondents still in the hosted survey."""
        return self.held + len(self.in_survey)

    def _arrive(self, n: int, faults: FaultInjector, walkers: WalkerPool) -> None:
        assert self.population is not None and self.rng is not None
        sim = self.simulation
        names = {b["id"]: b.get("name", b["id"]) for b in sim.get("brands", [])}
        people = draw_respondents(
            self.population, names, str(sim.get("own_brand", "")), n, int(sim.get("wave_index", 0)), self.rng
        )
        for person in people:
            self.arrivals += 1
            if self.taken >= self.target_n:
                break
            self._send_to_survey(person, names, walkers, faults)

    def _send_to_survey(
        self, person: SimulatedRespondent, names: dict[str, str], walkers: WalkerPool, faults: FaultInjector
    ) -> None:
        """Reserve a place (and the person's quota cells) and send the person to the hosted survey."""
        assert self.rng is not None and self.survey is not None
        cells = [(v, lv) for v, lv in person.demographics.items() if (v, lv) in self.quotas]
        if any(self.fill[c] >= self.quotas[c] for c in cells):
            self.over_quota += 1
            return
        participant = (
            self.make_participant() if self.make_participant else f"P{self.rng.integers(1 << 62):016x}"
        )
        self.in_survey[participant] = cells
        for cell in cells:
            self.fill[cell] += 1
        self.sent[participant] = self.survey.for_participant(participant)
        walker = draw_walker(
            participant,
            self.sent[participant],
            person,
            names,
            str(self.simulation.get("own_brand", "")),
            random.Random(int(self.rng.integers(1 << 62))),
            p_retry=faults.profile.p_double_complete,
        )
        walkers.start(walker, self._walk_ended)

    def _walk_ended(self, walker: Walker, exit_url: str | None) -> None:
        """A walk ended: one that booked nothing at the exit (none reached, or the provider's exit page did not
        take it) frees the place, as a provider times out a session that never came back."""
        if exit_url is None or walker.participant in self.in_survey:
            self.returned(walker.participant, "left")

    def returned(self, participant: str, outcome: str) -> str:
        """A walker came back with ``outcome`` (complete, quality_terminate, screened_out, over_quota) or left
        (``left``). Returns what was booked: ``complete``, ``released`` or ``ignored`` (unknown or repeated)."""
        cells = self.in_survey.pop(participant, None)
        if cells is None:
            return "ignored"
        self.returns[outcome] += 1
        if outcome in ("complete", "quality_terminate"):
            self._submit(participant, {"cells": cells, "exit": outcome}, counted=True, fill=False)
            return "complete"
        for cell in cells:
            self.fill[cell] -= 1
        if outcome == "over_quota":
            self.over_quota += 1
        elif outcome == "left":
            self.dropped += 1
        return "released"

    def _submit(self, participant: str, data: dict[str, Any], *, counted: bool, fill: bool = True) -> None:
        sid = f"S{len(self.feed) + 1:07d}{self.id[-4:]}"
        entry = {
            "submission_id": sid,
            "participant_id": participant,
            "status": "complete",
            "data": data,
            "seq": len(self.feed) + 1,
        }
        self.feed.append(entry)
        self.by_id[sid] = entry
        self._event(
            f"evt-{sid}",
            "submission.completed",
            {"submission_id": sid, "participant_id": participant, "status": "complete"},
        )
        if counted:
            self.completed.add(participant)
            for cell in data["cells"] if fill else ():
                self.fill[cell] += 1

    # --- reconciliation --------------------------------------------------------------------------------------

    def decide(self, submission_id: str, action: str, reason: str | None) -> str:
        """Apply one decision; returns 'applied', 'unchanged' (same decision again) or 'unknown'/'conflict'."""
        entry = self.by_id.get(submission_id)
        if entry is None:
            return "unknown"
        participant = entry["participant_id"]
        current = entry.get("decision")
        if current == action:
            return "unchanged"
        if current is not None:
            return "conflict"
        entry["decision"] = action
        entry["reason"] = reason
        if action == "approve":
            self.approved.add(participant)
        elif participant in self.completed and participant not in self.rejected:
            self.rejected.add(participant)
            for cell in entry["data"]["cells"]:
                self.fill[tuple(cell)] -= 1
        return "applied"
