"""Respondent-level exports of one published wave or a range of a poll's published waves: read through the store,
checked, and made into a :class:`recognition.exports.dataset.RespondentTable` (rendered by
:mod:`recognition.exports.files`).

A wave is exported only when it is published and weighted with an effective base of at least
``statistics.suppress_below`` (the threshold under which no figure of it is shown either); an export larger than
:data:`MAX_CELLS` values is refused (export fewer waves at a time).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from recognition.errors import UserError
from recognition.exports.dataset import ExportWave, RespondentTable, build_table, pseudonym
from recognition.polls.model import Poll
from recognition.populations import load_margins
from recognition.store import estimates as estimates_store
from recognition.store import waves as waves_store
from recognition.store.waves import Wave
from recognition.waves.loading import load_input

MAX_CELLS = 30_000_000


class ExportRefused(UserError):
    """The export cannot be made as asked (a wave below the base threshold, too large); the message says why."""


async def waves_in_range(
    conn: asyncpg.Connection, poll: Poll, first: int | None = None, last: int | None = None
) -> list[Wave]:
    """The poll's published waves from wave ``first`` to wave ``last`` (inclusive, in scheduled order; either
    end open when None). Raises :class:`ExportRefused` naming a bound that is not a published wave of the
    poll."""
    published = [w for w in await waves_store.list_waves(conn, poll.id) if w.state == "published"]
    ids = [w.id for w in published]
    for name, bound in (("from_wave", first), ("to_wave", last)):
        if bound is not None and bound not in ids:
            raise ExportRefused(f"{name}: wave {bound} is not a published wave of poll {poll.id}")
    start = 0 if first is None else ids.index(first)
    end = len(ids) if last is None else ids.index(last) + 1
    if start >= end:
        raise ExportRefused(f"from_wave: wave {first} comes after to_wave {last}")
    return published[start:end]


def _weight_label(methods: Sequence[str], population: str) -> str:
    if set(methods) == {"raking"}:
        return f"Final weight: raked to the {population} population margins (mean 1 within each wave)"
    if set(methods) == {"given"}:
        return "Final weight: the imported file's own weight (mean 1 within each wave)"
    return (
        f"Final weight (mean 1 within each wave): raked to the {population} population margins, or the "
        "imported file's own weight where the wave was imported with it"
    )


async def respondent_table(
    conn: asyncpg.Connection,
    poll: Poll,
    waves: Sequence[Wave],
    *,
    secret: str,
    floor: float,
    now: datetime,
) -> RespondentTable:
    """The dataset of ``waves`` (published waves of ``poll``, oldest first). Raises :class:`ExportRefused`."""
    if not waves:
        raise ExportRefused(f"poll {poll.id} has no published wave to export")
    margins = load_margins(poll.population)
    loaded: list[ExportWave] = []
    methods: list[str] = []
    cells = 0
    for wave in waves:
        if wave.state != "published":
            raise ExportRefused(f"wave {wave.id} is {wave.state}; only published waves are exported")
        run = await estimates_store.weighting_run(conn, wave.id)
        if run is None or float(run["n_eff"]) < floor:
            base = "no weighted base" if run is None else f"an effective base of {float(run['n_eff']):.1f}"
            raise ExportRefused(
                f"wave {wave.id} has {base}; respondent-level data is exported only from weighted waves "
                f"with an effective base of at least {floor:g}"
            )
        methods.append(str(run["method"]))
        _, inp = await load_input(conn, poll, wave.id, wave.questionnaire_version, margins)
        cells += inp.n * (len(inp.indicators) + len(margins) + 5)
        if cells > MAX_CELLS:
            raise ExportRefused(
                f"the export would hold more than {MAX_CELLS:,} values (it reached that at wave {wave.id}); "
                "export fewer waves at a time"
            )
        weights = await estimates_store.weights(conn, wave.id)
        loaded.append(ExportWave(wave.id, wave.scheduled_at, wave.source, inp, weights))
    span = f"wave {waves[0].id}" if len(waves) == 1 else f"waves {waves[0].id} to {waves[-1].id}"
    return build_table(
        loaded,
        brands=poll.brand_ids,
        brand_names={b: poll.brand_name(b) for b in poll.brand_ids},
        margins=margins,
        pseudonyms=pseudonym(secret, poll.organisation_id),
        title=f"{poll.name}, {span} (exported {now:%Y-%m-%d})",
        weight_label=_weight_label(methods, poll.population),
    )
