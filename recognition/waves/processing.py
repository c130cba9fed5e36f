"""Wave processing: a closed wave's stored answers → indicators → weights → figures → change tests → stored,
then the rolling windows the wave belongs to; with them the wave's key drivers, image map and mental availability
(:mod:`recognition.waves.insight`), whose bootstrap is too heavy to repeat per view.

The numerical work is pure (:func:`recognition.waves.compute.compute_wave`) and runs in an executor thread, off the event loop;
:func:`process_wave` only loads inputs and stores outputs. A wave's figures are tested against the previous
published wave's; the wave's rolling windows (:mod:`recognition.waves.windows`) are computed here too, when the
wave publishes, and stored beside the wave's own figures, so no reader ever recomputes them. Reprocessing a wave
(after a mention is recoded) refreshes every window that holds it and re-tests the figures compared with it.
"""

from __future__ import annotations

import asyncio

import asyncpg

from recognition.figures import StatisticsOptions
from recognition.polls.model import Poll
from recognition.populations import load_margins
from recognition.settings import Settings
from recognition.store import estimates as estimates_store
from recognition.store import insight as insight_store
from recognition.store import questionnaires as questionnaires_store
from recognition.store import waves as waves_store
from recognition.store.waves import Wave
from recognition.waves import windows
from recognition.waves.compute import WaveOutput, compute_wave
from recognition.waves.insight import compute_insight
from recognition.waves.loading import load_input
from recognition.waves.service import features_asked


async def process_wave(
    pool: asyncpg.Pool,
    wave_id: int,
    poll: Poll,
    settings: Settings,
) -> WaveOutput:
    """Estimate the wave from its valid completes and store its figures, weights and diagnostics atomically;
    re-test the next published wave against it; then refresh its rolling windows (``statistics.windows``)."""
    options = StatisticsOptions.from_settings(settings)
    margins = load_margins(poll.population)
    async with pool.acquire() as conn:
        wave = await waves_store.get_wave(conn, wave_id)
        assert wave is not None
        series = await _series(conn, poll, wave)
        position = [w.id for w in series].index(wave.id)
        previous = series[position - 1] if position > 0 else None
        before = await estimates_store.figures_by_key(conn, previous.id) if previous else {}
        _, inp = await load_input(conn, poll, wave.id, wave.questionnaire_version, margins)
        features = await _features(conn, poll, wave)
    loop = asyncio.get_running_loop()
    out = await loop.run_in_executor(None, compute_wave, inp, margins, options, before)
    insight = await loop.run_in_executor(
        None, compute_insight, inp, poll.brand_ids, margins, options, poll.own_brand, features
    )
    async with pool.acquire() as conn:
        async with conn.transaction():
            await estimates_store.replace_wave_results(conn, wave.id, out.weighting, out.weights, out.figures)
            await insight_store.save_insight(conn, wave.id, insight)
        if position + 1 < len(series):  # a later wave published first, or this wave was reprocessed
            await windows.retest(conn, series[position + 1].id, wave.id, 1, options)
    await windows.refresh(
        pool, poll, series, position, margins, options, settings.statistics_windows, {wave.id: inp}
    )
    return out


async def _features(conn: asyncpg.Connection, poll: Poll, wave: Wave) -> list[dict[str, object]]:
    """The service features the wave's questionnaire version asked, with their costs as the wave kept them."""
    definition = await questionnaires_store.questionnaire_definition(
        conn, poll.id, wave.questionnaire_version
    )
    if not poll.service_features and not (definition or {}).get("service_features"):
        return []
    return features_asked(poll.service_features, definition, wave.service_costs)


async def _series(conn: asyncpg.Connection, poll: Poll, wave: Wave) -> list[Wave]:
    """The poll's published waves and ``wave`` itself, in the order they were scheduled."""
    published = [w for w in await waves_store.list_waves(conn, poll.id) if w.state == "published"]
    return sorted({w.id: w for w in [*published, wave]}.values(), key=lambda w: (w.scheduled_at, w.id))


async def fill_insight(pool: asyncpg.Pool, poll: Poll, settings: Settings) -> list[int]:
    """Compute and store the insight of the poll's published waves that have none (published before insight was
    computed at publishing), without touching their figures; returns those waves."""
    options = StatisticsOptions.from_settings(settings)
    margins = load_margins(poll.population)
    async with pool.acquire() as conn:
        missing = await insight_store.published_without_insight(conn, poll.id)
    loop = asyncio.get_running_loop()
    for wave_id in missing:
        async with pool.acquire() as conn:
            wave = await waves_store.get_wave(conn, wave_id)
            assert wave is not None
            _, inp = await load_input(conn, poll, wave.id, wave.questionnaire_version, margins)
            features = await _features(conn, poll, wave)
        insight = await loop.run_in_executor(
            None, compute_insight, inp, poll.brand_ids, margins, options, poll.own_brand, features
        )
        async with pool.acquire() as conn:
            await insight_store.save_insight(conn, wave_id, insight)
    return missing
