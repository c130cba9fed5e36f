"""Simulated respondents: who the panel sends, and what each of them answers.

Answers follow :class:`~panels.simulated.population.SyntheticPopulation`'s response model, so the metrics with a
closed-form truth (aided, unaided, familiarity, consideration) are unbiased draws of it. Unaided answers are typed
as a person would: brand names in the order they come to mind (by salience), one per box.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np

from panels.simulated.population import SyntheticPopulation


@dataclass(frozen=True)
class SimulatedRespondent:
    provider_id: str  # the panel's own id for this person (never stored by the service as it is)
    demographics: dict[str, str]
    answers: dict[str, Any]


def draw_respondents(
    population: SyntheticPopulation,
    brand_names: dict[str, str],
    own_brand: str,
    n: int,
    wave: int,
    rng: np.random.Generator,
) -> list[SimulatedRespondent]:
    """``n`` panel respondents at wave index ``wave`` with their complete answers."""
    sample = population.draw_panel(n, rng, wave)
    brands = [b.id for b in population.brands]
    people = []
    for i in range(n):
        demo = {var: str(labels[i]) for var, labels in sample.demographics.items()}
        aided = [b for b in brands if sample.outcomes[("aided", b)][i]]
        unaided = [b for b in brands if sample.outcomes[("unaided", b)][i]]
        familiar = [b for b in brands if sample.outcomes[("familiar", b)][i]]
        consider = [b for b in brands if sample.outcomes[("consider", b)][i]]
        order: list[str] = []
        pool = list(unaided)
        while pool:
            pick = population.choose(pool, rng)
            assert pick is not None
            order.append(pick)
            pool.remove(pick)
        preference = population.choose(consider, rng)
        if own_brand in consider:
            status = str(rng.choice(["current", "lapsed", "never"], p=[0.5, 0.2, 0.3]))
        else:
            status = str(rng.choice(["lapsed", "never"], p=[0.15, 0.85]))
        used = set(consider[:2]) | ({own_brand} if status != "never" else set())
        recommend = {
            b: int(np.clip(round(rng.normal(7.5 if b == preference else 6.0, 2.0)), 0, 10)) for b in used
        }
        answers: dict[str, Any] = {
            "customer_status": status,
            "unaided": [brand_names[b] for b in order] or ["don't know"],
            "unaided_coded": [[b] for b in order],
            "aided": aided,
            "familiar": familiar,
            "consider": consider,
            "preference": preference,
            "recommend": recommend,
        }
        people.append(
            SimulatedRespondent(provider_id=f"SIM{secrets.token_hex(8)}", demographics=demo, answers=answers)
        )
    return people
