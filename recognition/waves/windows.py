"""Rolling windows: the respondents of ``k`` consecutive published waves pooled and weighted as one sample, with
the change against the previous non-overlapping window — computed when a wave publishes and stored.

Window ``(end, k)`` holds the published wave at position ``end`` (oldest first, by scheduled time) and the
``k − 1`` before it; the first window of size ``k`` ends at the k-th wave. Its respondents are raked together to
the population margins and estimated exactly as one wave is (:func:`recognition.waves.compute.compute_window`).
Its change is tested against the window ending ``k`` waves earlier — no respondent in common, so the two are
independent (:func:`recognition.figures.compare_figures`). Overlapping windows are never compared (METHODS.md).

The window sizes are ``statistics.windows``. When wave ``j`` is (re)processed, :func:`refresh` recomputes every
window that holds it (ends ``j … j + k − 1``) and any window of the series that is missing (a size added later,
a poll published before windows were stored), in order, then re-tests the windows compared with a recomputed one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, MutableMapping, Sequence

import asyncpg

from recognition.figures import StatisticsOptions, significance_family, with_changes
from recognition.polls.model import Poll
from recognition.store import estimates as estimates_store
from recognition.store.estimates import WindowInfo
from recognition.store.waves import Wave
from recognition.waves.compute import compute_window
from recognition.waves.inputs import WaveInput
from recognition.waves.loading import load_input

Margins = Mapping[str, Mapping[str, float]]


def window_at(ids: Sequence[int], end: int, size: int) -> WindowInfo:
    """The window of ``size`` waves ending at position ``end`` of ``ids`` and its previous non-overlapping
    window (empty when the series is too short for one)."""
    previous_end = end - size
    previous = tuple(ids[previous_end - size + 1 : previous_end + 1]) if previous_end >= size - 1 else ()
    return WindowInfo(ids[end], size, tuple(ids[end - size + 1 : end + 1]), previous)


async def retest(
    conn: asyncpg.Connection,
    end_wave_id: int,
    previous_end_wave_id: int,
    size: int,
    options: StatisticsOptions,
) -> None:
    """Test the stored figures of one wave (``size`` 1) or window again against another's stored figures."""
    later = await estimates_store.figures(conn, end_wave_id, window=size)
    if not later:
        return
    earlier = await estimates_store.figures_by_key(conn, previous_end_wave_id, window=size)
    retested = with_changes(later, earlier, options, family=significance_family)
    await estimates_store.replace_changes(conn, end_wave_id, size, retested)


async def refresh(
    pool: asyncpg.Pool,
    poll: Poll,
    series: Sequence[Wave],
    position: int,
    margins: Margins,
    options: StatisticsOptions,
    sizes: Sequence[int],
    inputs: MutableMapping[int, WaveInput] | None = None,
) -> None:
    """Bring the windows of ``series`` (the poll's published waves, oldest first, and the wave just processed
    at ``position``) up to date; see the module docstring. ``inputs`` caches waves already loaded."""
    cache: MutableMapping[int, WaveInput] = inputs if inputs is not None else {}
    ids = [w.id for w in series]
    by_id = {w.id: w for w in series}
    for size in sorted({s for s in sizes if 2 <= s <= len(series)}):
        async with pool.acquire() as conn:
            stored = await estimates_store.window_ends(conn, poll.id, size)
        holding = set(range(max(position, size - 1), min(position + size, len(ids))))
        todo = sorted(holding | {e for e in range(size - 1, len(ids)) if ids[e] not in stored})
        for end in todo:
            window = window_at(ids, end, size)
            async with pool.acquire() as conn:
                for wave_id in window.wave_ids:
                    if wave_id not in cache:
                        wave = by_id[wave_id]
                        cache[wave_id] = (
                            await load_input(conn, poll, wave_id, wave.questionnaire_version, margins)
                        )[1]
                previous = (
                    await estimates_store.figures_by_key(conn, window.previous_wave_ids[-1], window=size)
                    if window.previous_wave_ids
                    else {}
                )
            figures = await asyncio.get_running_loop().run_in_executor(
                None,
                compute_window,
                [cache[w] for w in window.wave_ids],
                margins,
                options,
                previous,
                [by_id[w].questionnaire_version for w in window.wave_ids],
                [by_id[w].source for w in window.wave_ids],
            )
            async with pool.acquire() as conn:
                await estimates_store.replace_window(conn, window, figures)
        done = set(todo)
        async with pool.acquire() as conn:
            for end in sorted({e + size for e in done if e + size < len(ids)} - done):
                await retest(conn, ids[end], ids[end - size], size, options)
