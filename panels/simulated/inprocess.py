"""The simulated panel as an in-process respondent source (used by ``recognition demo`` and the tests).

Each wave draws from the synthetic population at the wave's index in its poll, with a random generator seeded
from (seed, poll, wave index), so a demo run is reproducible.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import numpy as np

from panels.simulated.population import SyntheticPopulation
from panels.simulated.respondents import SimulatedRespondent, draw_respondents
from recognition.polls.model import Poll


class Wave(Protocol):
    """A wave as the in-process panel needs it: its id and slot."""

    @property
    def id(self) -> int: ...

    @property
    def scheduled_at(self) -> datetime: ...


class InProcessPanel:
    name = "simulated"

    def __init__(self, poll: Poll, anchor: datetime, *, seed: int = 7, period_days: int = 7) -> None:
        self.poll = poll
        self.anchor = anchor
        self.period_days = period_days
        self.population = SyntheticPopulation.from_country(poll.population, poll.brand_ids, seed=seed)
        self._names = {b["id"]: b.get("name", b["id"]) for b in poll.brands}
        self._rngs: dict[int, np.random.Generator] = {}
        self._seed = seed

    def wave_index(self, wave: Wave) -> int:
        """Wave position in the poll's series: whole periods since the anchor (drives the population's drift)."""
        return max(0, (wave.scheduled_at - self.anchor).days // self.period_days)

    async def respondents(self, wave: Wave, n: int) -> list[SimulatedRespondent]:
        rng = self._rngs.setdefault(wave.id, np.random.default_rng([self._seed, self.poll.id, wave.id]))
        return draw_respondents(
            self.population, self._names, self.poll.own_brand, n, self.wave_index(wave), rng
        )
