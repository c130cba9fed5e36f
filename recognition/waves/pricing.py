"""What one wave of a poll costs, priced the way fieldwork will buy it.

A poll's ``budget`` is the most one wave may cost (target completes × price per complete, in the provider's
currency). The price per complete is the provider's feasibility price (:meth:`panels.base.Provider.feasibility`)
for the project fieldwork would buy: :func:`wave_spec` is the one description of that project (country from the
population, quotas from its margins, target from the sample size), used by the launch
(:mod:`recognition.waves.fieldwork`) and by :func:`wave_price`, which the plan and validation ask. So the plan,
validation and the launch agree on a wave's cost, and all three judge it with
:func:`recognition.polls.plan.budget_problem`.

Where the provider cannot quote — the organisation has no credentials for it, it cannot be reached, or it does
not answer within :data:`QUOTE_TIMEOUT` — :func:`wave_price` falls back to the poll's own ``cost_per_complete``
and says so (``source = "poll"`` with a ``note``). The launch never falls back: it waits for the provider.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from panels.base import ProjectSpec, ProviderError, quotas_from_margins
from panels.registry import ProviderRegistry
from recognition.db import TRANSIENT_DB
from recognition.polls.model import Poll, Price
from recognition.populations import load_margins

log = logging.getLogger(__name__)
#: Seconds the plan and validation wait for a provider's quote before using the poll's own price.
QUOTE_TIMEOUT = 3.0
#: What keeps a provider from quoting: its refusal or absence, credentials that do not build, the database down.
NO_QUOTE: tuple[type[Exception], ...] = (ProviderError, ValueError, *TRANSIENT_DB)


def poll_topic(poll: Poll | Mapping[str, Any]) -> dict[str, Any]:
    """What a poll's study is about, as providers are told: its category, brands and own brand."""
    if isinstance(poll, Poll):
        return {"category": poll.category, "brands": poll.brands, "own_brand": poll.own_brand}
    return {
        "category": poll.get("category"),
        "brands": poll.get("brands"),
        "own_brand": poll.get("own_brand"),
    }


def wave_spec(
    population: str,
    target_n: int,
    *,
    reference: str = "",
    name: str = "",
    topic: Mapping[str, Any] | None = None,
    survey_url: str = "",
    webhook_url: str = "",
    wave_number: int = 1,
    entry_secret: str = "",
) -> ProjectSpec:
    """What to buy for one wave of ``target_n`` completes among ``population`` — the same for every provider
    (each adapter maps it onto its own API): the population is the country, and quotas on every level of every
    weighting variable follow its margins (:func:`panels.base.quotas_from_margins`). The price depends on
    nothing else; the rest identifies the wave (empty for a quote). :class:`ValueError` for an unknown
    population."""
    return ProjectSpec(
        reference=reference,
        name=name,
        target_n=target_n,
        country=population,
        quotas=quotas_from_margins(load_margins(population), target_n),
        survey_url=survey_url,
        webhook_url=webhook_url,
        topic=dict(topic or {}),
        wave_number=wave_number,
        entry_secret=entry_secret,
    )


def quote_reference(spec: ProjectSpec) -> str:
    """A quote's reference (adapters key their idempotency keys and cached quotes by it): one per country,
    target and quotas, so asking twice for the same wave reuses it and never collides with a wave's."""
    what = [spec.country, spec.target_n, [[q.variable, q.level, q.limit] for q in spec.quotas]]
    return "quote-" + hashlib.sha256(json.dumps(what).encode()).hexdigest()[:20]


async def wave_price(
    registry: ProviderRegistry,
    values: Mapping[str, Any],
    org_id: int | None,
    *,
    target_n: int | None = None,
    timeout: float = QUOTE_TIMEOUT,
) -> Price:
    """The price per complete of one wave of the poll definition ``values`` (its ``provider``, ``population``,
    ``sample_size`` and ``cost_per_complete``), for ``target_n`` completes (default: its sample size): the
    feasibility price of the organisation's provider, else the poll's own price with a note why."""
    name = str(values.get("provider") or "simulated")
    own = float(values.get("cost_per_complete") or 0.0)

    def fallback(why: str) -> Price:
        return Price(own, "poll", None, f"{why}; the poll's own cost_per_complete is used")

    try:
        spec = wave_spec(str(values.get("population", "")), int(target_n or values["sample_size"]))
    except ValueError as exc:
        return fallback(f"no quote for population {values.get('population')!r} ({exc})")
    spec = dataclasses.replace(spec, reference=quote_reference(spec), name="price quote")
    try:
        provider = await registry.get(name, org_id)
        if provider is None:
            return fallback(f"provider {name!r} has no credentials for this organisation")
        quote = await asyncio.wait_for(provider.feasibility(spec), timeout)
    except TimeoutError:
        return fallback(f"provider {name!r} did not quote within {timeout:g} s")
    except NO_QUOTE as exc:
        log.info("no quote from %s for organisation %s: %s", name, org_id, exc)
        return fallback(f"provider {name!r} could not quote ({type(exc).__name__}: {exc})")
    return Price(quote.price, "provider", quote.currency)
