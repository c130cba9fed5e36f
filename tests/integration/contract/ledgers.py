"""What each provider itself recorded for a wave, read from its own books in the simulator: the outcome it booked
for each respondent, the completes it bills and what it bills. The contract suite compares these with what the
service stored, respondent for respondent (:func:`stored_outcomes`, keyed as the survey keys respondents).

Providers record different things, so the reading is one function per provider (:data:`LEDGERS`, one entry per
entry of :data:`tests.integration.contract.worlds.WORLDS`):

- with a submission feed (``simulated``, ``prolific``): the service's decisions on the feed, approvals for
  completes and rejections for quality terminates (screen-outs never reach a feed); the bill is the approved
  completes at the price plus paid screen-outs;
- Cint: each RID's final status, as the server-to-server transition set it (5 complete, 2 screen-out, 3 quota
  full, 4 quality terminate); the bill is the completes Cint counts (status 5, not reversed) × the target group's
  cost per interview;
- PureSpectrum: each transaction's final ``st``; the bill is its completes (21) × the survey's CPI;
- the redirect panel: each respondent's first exit on its exit page; the bill is completes × the agreed price.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from panels.simulated.apis.cint_common import CINT
from panels.simulated.apis.cint_exchange import IN_SURVEY
from panels.simulated.apis.cint_exchange import OUTCOMES as CINT_OUTCOMES
from panels.simulated.apis.purespectrum_books import PS_BOOKS, ST_OUTCOME
from panels.simulated.apis.redirect import BOOKS as REDIRECT_BOOKS
from panels.simulated.server import RunningSimulator
from recognition.store.responses import respondent_key

FINISHED = frozenset({"complete", "quality_terminate", "screened_out", "over_quota"})
DECIDED = frozenset({"complete", "quality_terminate"})


@dataclass(frozen=True)
class Ledger:
    """One wave in the provider's own books."""

    outcomes: dict[str, str]  # the provider's respondent id → the outcome it booked for them
    recorded: frozenset[str]  # the outcomes the provider records per respondent
    completes: int  # completes the provider bills
    billed: float  # what it bills for the wave

    def keyed(self, secret: str, provider: str) -> dict[bytes, str]:
        """The outcomes keyed as the survey keys respondents (HMAC of the provider's id)."""
        return {respondent_key(secret, provider, pid): o for pid, o in self.outcomes.items()}


async def stored_outcomes(pool: asyncpg.Pool, wave_id: int, recorded: frozenset[str]) -> dict[bytes, str]:
    """The final status of each respondent the survey stored for the wave, for the outcomes in ``recorded``."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT respondent_key, status FROM respondents WHERE wave_id = $1 AND NOT test", wave_id
        )
    return {bytes(r["respondent_key"]): r["status"] for r in rows if r["status"] in recorded}


def _feed(sim: RunningSimulator, reference: str) -> Ledger:
    book = sim.project_for(reference)
    assert book is not None, f"the provider has no project {reference}"
    outcomes = {p: "complete" for p in book.approved} | {p: "quality_terminate" for p in book.rejected}
    return Ledger(outcomes, DECIDED, len(book.approved), book.billed)


def _cint(sim: RunningSimulator, reference: str) -> Ledger:
    ex = sim.app[CINT]
    groups = [tg for tg in ex.target_groups.values() if tg.reference == reference]
    assert groups, f"Cint has no target group {reference}"
    mine = {tg.id for tg in groups}
    outcomes = {
        s.rid: CINT_OUTCOMES[s.status]
        for s in ex.sessions.values()
        if s.target_group in mine and not s.test and s.status != IN_SURVEY
    }
    paid = sum(len(tg.billed) for tg in groups)
    return Ledger(outcomes, FINISHED, paid, round(sum(len(tg.billed) * tg.cpi for tg in groups), 2))


def _purespectrum(sim: RunningSimulator, reference: str) -> Ledger:
    surveys = sim.app[PS_BOOKS].by_reference(reference)
    assert surveys, f"PureSpectrum has no survey {reference}"
    outcomes = {
        t.tid: ST_OUTCOME[t.status]
        for s in surveys
        for t in s.transactions.values()
        if not t.test and t.status is not None
    }
    return Ledger(outcomes, FINISHED, sum(s.completes for s in surveys), sum(s.billed for s in surveys))


def _redirect(sim: RunningSimulator, reference: str) -> Ledger:
    panel = sim.app[REDIRECT_BOOKS].projects.get(reference)
    assert panel is not None, f"the panel has no project {reference}"
    return Ledger(dict(panel.outcomes), FINISHED, panel.completes, panel.billed)


#: How to read each provider's books for a wave (its project reference).
LEDGERS: dict[str, Callable[[RunningSimulator, str], Ledger]] = {
    "simulated": _feed,
    "prolific": _feed,
    "cint": _cint,
    "purespectrum": _purespectrum,
    "redirect": _redirect,
}
