"""Rolling-window estimates: the respondents of ``N`` consecutive published waves pooled and weighted as one
sample, with the change against the previous non-overlapping window.

Window ``k`` ends at the k-th published wave (oldest first) and holds it and the ``N - 1`` published waves
before it; the first window ends at the N-th published wave. Its respondents are raked together to the
population margins (:func:`recognition.stats.rake` on the pooled sample) and estimated with
:func:`recognition.stats.estimate_matrix`, exactly as one wave is (:func:`recognition.waves.processing.compute_wave`).
The change is tested against the window ending ``N`` waves earlier — no respondent in common, so the two
estimates are independent (:func:`recognition.stats.compare_independent_arrays`, a z test on the difference
with ``se = sqrt(se_a² + se_b²)``) — and the p-values are adjusted by Benjamini–Hochberg over the window's
whole family of tests (every metric × brand × segment), as for a single wave. Overlapping windows share
respondents and are never tested against each other (METHODS.md).

The loading helpers read the database; :func:`pool_inputs` and :func:`compute_windows` are pure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import asyncpg
import numpy as np

from recognition.polls.questionnaire import poll_questionnaire
from recognition.settings import Settings
from recognition.store import responses
from recognition.store import survey as survey_store
from recognition.store.estimates import EstimateRow
from recognition.store.polls import Poll
from recognition.store.waves import Wave
from recognition.waves.processing import WaveInput, WaveOutput, build_input, compute_wave, is_survey_answers

#: Largest window the API accepts (a year of monthly waves).
MAX_WINDOW = 12


@dataclass(frozen=True)
class WindowResult:
    """One window: the waves pooled (oldest first), the previous non-overlapping window's waves (empty when
    there is none yet) and its estimates with their changes."""

    wave_ids: tuple[int, ...]
    previous_wave_ids: tuple[int, ...]
    output: WaveOutput

    @property
    def end_wave_id(self) -> int:
        return self.wave_ids[-1]


async def wave_input(
    conn: asyncpg.Connection, poll: Poll, wave: Wave, margins: Mapping[str, Mapping[str, float]]
) -> WaveInput:
    """One published wave's valid completes turned into indicators, as :func:`recognition.waves.processing.process_wave`
    reads them (with the questionnaire version the wave was fielded with)."""
    rows = await responses.wave_respondents(conn, wave.id)
    questionnaire = None
    if any(is_survey_answers(r.answers) for r in rows):
        definition = await survey_store.questionnaire_definition(conn, poll.id, wave.questionnaire_version)
        questionnaire = poll_questionnaire(poll, margins, definition)
    return build_input(rows, poll, list(margins), questionnaire)


def pool_inputs(inputs: Sequence[WaveInput]) -> WaveInput:
    """The respondents of several waves as one sample. An indicator a wave lacks is NaN (not in the base) for
    that wave's respondents."""
    keys = list(dict.fromkeys(k for inp in inputs for k in inp.indicators))
    variables = list(dict.fromkeys(v for inp in inputs for v in inp.demographics))
    indicators = {
        k: np.concatenate(
            [inp.indicators.get(k, np.full(len(inp.respondent_ids), math.nan)) for inp in inputs]
        )
        for k in keys
    }
    demographics = {
        v: [x for inp in inputs for x in inp.demographics.get(v, [""] * len(inp.respondent_ids))]
        for v in variables
    }
    return WaveInput(
        respondent_ids=[i for inp in inputs for i in inp.respondent_ids],
        demographics=demographics,
        indicators=indicators,
        customer=[c for inp in inputs for c in inp.customer],
    )


def window_ends(count: int, window: int) -> list[int]:
    """Indices (0-based, oldest first) of the published waves a full window of ``window`` waves ends at."""
    return list(range(window - 1, count))


def _previous_map(output: WaveOutput) -> dict[tuple[str, str, str, str], tuple[float, float, str]]:
    return {
        (e.metric, e.brand, e.segment, e.base): (e.estimate, e.se, e.base_status) for e in output.estimates
    }


def compute_windows(
    wave_ids: Sequence[int],
    inputs: Mapping[int, WaveInput],
    ends: Sequence[int],
    window: int,
    margins: Mapping[str, Mapping[str, float]],
    settings: Settings,
    versions: Mapping[int, int] | None = None,
) -> list[WindowResult]:
    """The windows ending at positions ``ends`` of ``wave_ids`` (published waves, oldest first). ``inputs`` must
    hold every wave of those windows and of their previous windows. When a window's waves were fielded with
    different questionnaire versions (``versions``: wave id → version), each estimate carries a warning."""
    cache: dict[int, WaveOutput] = {}

    def at(end: int, previous: WaveOutput | None) -> WaveOutput:
        pooled = pool_inputs([inputs[w] for w in wave_ids[end - window + 1 : end + 1]])
        return compute_wave(pooled, margins, settings, _previous_map(previous) if previous else None)

    results = []
    for end in ends:
        before = end - window
        previous = None
        if before >= window - 1:
            previous = cache.get(before) or at(before, None)
            cache[before] = previous
        output = at(end, previous)
        cache.setdefault(end, output)
        members = tuple(wave_ids[end - window + 1 : end + 1])
        used = sorted({versions[w] for w in members if w in versions}) if versions else []
        if len(used) > 1:
            note = f"the window pools questionnaire versions {', '.join(map(str, used))}"
            output = replace(output, estimates=[_warn(e, note) for e in output.estimates])
        prior = tuple(wave_ids[before - window + 1 : before + 1]) if previous is not None else ()
        results.append(WindowResult(members, prior, output))
    return results


def _warn(row: EstimateRow, note: str) -> EstimateRow:
    return replace(row, warnings=[*row.warnings, note])
