"""A published tracker written straight into the store, without fieldwork: an organisation, a poll with its
brands and ``waves`` published weekly waves whose figures (every metric × brand × segment) follow a known random
walk, with the change tests of the service (:func:`recognition.figures.with_changes`). Used by the dashboard tests
and by ``bench/dashboard.py`` (a two-year weekly tracker in seconds, where the demo would take an hour)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import numpy as np

from recognition.figures import Figure, StatisticsOptions, WeightingRow, with_changes
from recognition.store import estimates as estimates_store
from recognition.store import orgs, polls
from recognition.store import waves as waves_store

T0 = datetime(2024, 1, 1, 7, 0, tzinfo=UTC)
METRICS = ("unaided", "top_of_mind", "aided", "total_awareness", "familiar", "consider", "prefer", "nps")
IMAGE = ("image.value_for_money", "image.staff", "image.product_quality", "image.trustworthiness")
SEGMENTS = (
    "all",
    *(f"age={a}" for a in ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")),
    "gender=female",
    "gender=male",
    *(f"region={r}" for r in ("Northeast", "Midwest", "South", "West")),
    *(f"education={e}" for e in ("hs_or_less", "some_college_associate", "bachelors_plus")),
    "customer=current",
    "customer=lapsed",
    "customer=never",
    "customer=non",
)
STATES = ("launching", "fielding", "closing", "processing", "published")


@dataclass(frozen=True)
class Tracker:
    org_id: int
    poll_id: int
    wave_ids: list[int]
    brands: list[dict[str, Any]]


def _figure(metric: str, brand: str, segment: str, value: float, n: int, deff: float, level: float) -> Figure:
    mean = metric == "nps"
    n_eff = n / deff
    sd = 70.0 if mean else math.sqrt(max(value * (1 - value), 1e-4))
    se = sd / math.sqrt(n_eff)
    status = "suppressed" if n_eff < 30 else "low" if n_eff < 100 else "ok"
    return Figure(
        metric=metric,
        brand=brand,
        segment=segment,
        base="total",
        kind="mean" if mean else "proportion",
        estimate=value,
        se=se,
        ci_low=value - 1.96 * se if mean else max(0.0, value - 1.96 * se),
        ci_high=value + 1.96 * se if mean else min(1.0, value + 1.96 * se),
        ci_method="t" if mean else "logit",
        level=level,
        n=n,
        n_eff=n_eff,
        deff=deff,
        base_status=status,  # type: ignore[arg-type]
    )


def wave_figures(
    brands: list[str], w: int, rng: np.random.Generator, levels: np.ndarray, n: int = 1000
) -> list[Figure]:
    """One wave's figures: per brand × metric a level that drifts (``levels``, updated in place), each segment
    a fixed offset from it, and sampling noise of a base of ``n`` (segments: a share of it)."""
    metrics = (*METRICS, *IMAGE)
    out = []
    levels += rng.normal(0, 0.004, levels.shape)
    np.clip(levels, 0.02, 0.95, out=levels)
    for b, brand in enumerate(brands):
        for m, metric in enumerate(metrics):
            for s, segment in enumerate(SEGMENTS):
                share = 1.0 if segment == "all" else 0.08 + 0.3 * ((s * 7 + b) % 5) / 5
                base = max(5, int(n * share))
                truth = levels[b, m] + (0.0 if segment == "all" else 0.05 * math.sin(s + m))
                if metric == "nps":
                    truth = 100 * (2 * levels[b, m] - 1)
                    value = truth + rng.normal(0, 70 / math.sqrt(base / 1.8))
                else:
                    truth = min(0.97, max(0.01, truth))
                    value = min(
                        0.999, max(0.001, truth + rng.normal(0, math.sqrt(truth * (1 - truth) * 1.8 / base)))
                    )
                out.append(_figure(metric, brand, segment, value, base, 1.8, 0.95))
    return out


async def make_tracker(
    pool: asyncpg.Pool,
    *,
    waves: int = 4,
    brands: int = 6,
    names: dict[int, str] | None = None,
    org: str = "acme-corp",
    seed: int = 11,
) -> Tracker:
    """An organisation ``org`` with one poll of ``brands`` brands (the first is the own brand; ``names`` may
    rename some) and ``waves`` published weekly waves."""
    rng = np.random.default_rng(seed)
    ids = ["own", *(f"rival{i}" for i in range(1, brands))]
    brand_defs = [
        {"id": b, "name": (names or {}).get(i, f"Brand {b}"), "aliases": []} for i, b in enumerate(ids)
    ]
    options = StatisticsOptions()
    async with pool.acquire() as conn:
        org_id = await orgs.ensure_organisation(conn, org)
        poll = await polls.create_poll(
            conn,
            org_id,
            name="Tracker",
            category="sportswear",
            brands=brand_defs,
            own_brand="own",
            population="us",
            sample_size=1000,
        )
        levels = rng.uniform(0.1, 0.8, (brands, len(METRICS) + len(IMAGE)))
        previous: dict[tuple[str, str, str, str], Figure] = {}
        wave_ids = []
        for w in range(waves):
            wave, _ = await waves_store.create_wave(conn, poll.id, T0 + timedelta(days=7 * w), 1000)
            state = "scheduled"
            for nxt in STATES:
                await waves_store.transition(conn, wave.id, state, nxt)
                state = nxt
            figures = with_changes(wave_figures(ids, w, rng, levels), previous, options)
            weighting = WeightingRow("raking", True, 5, 1e-9, 1000, 555.0, 1.8, 0.3, 4.0, [])
            await estimates_store.replace_wave_results(conn, wave.id, weighting, [], figures)
            previous = {f.key: f for f in figures}
            wave_ids.append(wave.id)
    return Tracker(org_id, poll.id, wave_ids, brand_defs)
