"""The staff view of a poll: what its staff believe customers answer against what the public says (the newest
published wave), per brand and item. Read from the store; the numbers are :func:`recognition.stats.staff_gap`'s.

The staff round read is the poll's newest round with answers (:func:`recognition.store.staff.latest_round`); staff
answers are read with the public's own indicators, never weighted, never mixed into a public figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from recognition.labels import metric_name
from recognition.polls.model import Poll
from recognition.polls.questionnaire import poll_questionnaire
from recognition.populations import load_margins
from recognition.questionnaire.indicators import derive_indicators
from recognition.questionnaire.staff import staff_metrics
from recognition.stats.staff_gap import GapRow, PublicFigure, staff_gap
from recognition.store import estimates as estimates_store
from recognition.store import questionnaires as questionnaires_store
from recognition.store import staff as staff_store
from recognition.store import waves as waves_store
from recognition.store.staff import StaffRound

LEVEL = 0.95
METHOD = (
    "staff: unweighted share of the round's staff respondents with Wilson's score interval; public: the published "
    "wave's weighted estimate and interval; gap = staff − public, standard error √(se_staff² + se_public²) of two "
    "independent samples, normal interval"
)


@dataclass(frozen=True)
class StaffGapView:
    round: StaffRound | None
    wave_id: int | None  # the published wave compared with
    wave_scheduled_at: datetime | None
    rows: list[GapRow]
    names: dict[tuple[str, str], tuple[str, str]]  # (metric, brand) → (item name, brand name)
    note: str | None

    @property
    def has_answers(self) -> bool:
        return self.round is not None and self.round.completes > 0


async def staff_gap_view(conn: asyncpg.Connection, poll: Poll, level: float = LEVEL) -> StaffGapView:
    """The poll's staff gap at confidence ``level`` (the service's ``statistics.confidence_level``; the public
    figures keep the level they were stored with); empty rows with a note when no staff round has answers."""
    found = await staff_store.latest_round(conn, poll.id)
    if found is None or found.completes == 0:
        note = "no staff round has been opened" if found is None else "the staff round has no answers yet"
        return StaffGapView(found, None, None, [], {}, note)
    wave = await waves_store.get_wave(conn, found.wave_id)
    assert wave is not None
    definition = await questionnaires_store.questionnaire_definition(
        conn, poll.id, wave.questionnaire_version
    )
    questionnaire = poll_questionnaire(poll, load_margins(poll.population), definition)
    metrics = staff_metrics(questionnaire)
    brands = [str(b["id"]) for b in poll.brands]
    counts: dict[tuple[str, str], tuple[int, int]] = {(m, b): (0, 0) for m in metrics for b in brands}
    for answers in await staff_store.round_answers(conn, found.id):
        derived = derive_indicators(questionnaire, {**answers, "unaided": []}, [])
        for m in metrics:
            for b in brands:
                yes, n = counts[(m, b)]
                counts[(m, b)] = (yes + int(derived.get(m, {}).get(b, 0) == 1), n + 1)
    published = await waves_store.latest_published(conn, poll.id)
    public: dict[tuple[str, str], PublicFigure] = {}
    if published is not None:
        for f in await estimates_store.figures(conn, published.id, segment="all"):
            usable = f.base == "total" and f.estimate is not None and f.se is not None
            if usable and (f.metric, f.brand) in counts and f.base_status != "suppressed":
                public[(f.metric, f.brand)] = PublicFigure(
                    f.estimate,  # type: ignore[arg-type]
                    f.se,  # type: ignore[arg-type]
                    f.ci_low if f.ci_low is not None else float("nan"),
                    f.ci_high if f.ci_high is not None else float("nan"),
                    f.n,
                    f.n_eff if f.n_eff is not None else float("nan"),
                )
    unpublished = "no wave is published yet: only the staff shares are shown"
    names = {(m, b): (metric_name(m), poll.brand_name(b)) for m, b in counts}
    return StaffGapView(
        found,
        published.id if published else None,
        published.scheduled_at if published else None,
        staff_gap(counts, public, level),
        names,
        None if published is not None else unpublished,
    )
