"""Published figures (:class:`recognition.figures.Figure`, one row each in ``estimates`` under the record's own
column list), a wave's weights and weighting diagnostics, and the rolling windows stored beside the waves.

A wave's results are written in one transaction, so its figures are either all there or not at all; so are a
window's. Readers see only figures whose (end) wave is published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import asyncpg

from recognition.figures import COLUMNS, Figure, WeightingRow

FigureKey = tuple[str, str, str, str]
_SELECT = ", ".join(f"e.{c}" for c in COLUMNS)


@dataclass(frozen=True)
class WindowInfo:
    """A stored rolling window: its size, the waves it pooled (oldest first) and the previous non-overlapping
    window's waves (empty when there is none yet)."""

    end_wave_id: int
    size: int
    wave_ids: tuple[int, ...]
    previous_wave_ids: tuple[int, ...]


@dataclass(frozen=True)
class PollFigure:
    """A figure of a poll's published wave (or the window ending at it), with the wave it belongs to."""

    wave_id: int
    scheduled_at: datetime
    questionnaire_version: int
    figure: Figure
    source: str | None = None  # the wave's source (None: fielded by this service)


async def _write_figures(
    conn: asyncpg.Connection, wave_id: int, window: int, figures: Sequence[Figure]
) -> None:
    await conn.execute("DELETE FROM estimates WHERE wave_id = $1 AND window_size = $2", wave_id, window)
    await conn.copy_records_to_table(
        "estimates",
        records=[(wave_id, window, *(getattr(f, c) for c in COLUMNS)) for f in figures],
        columns=["wave_id", "window_size", *COLUMNS],
    )


async def replace_wave_results(
    conn: asyncpg.Connection,
    wave_id: int,
    weighting: WeightingRow,
    weights: Sequence[tuple[int, float]],
    figures: Sequence[Figure],
) -> None:
    """Store (or re-store, on reprocessing) a wave's weights, diagnostics and figures atomically."""
    async with conn.transaction():
        await conn.execute("DELETE FROM weights WHERE wave_id = $1", wave_id)
        await conn.execute("DELETE FROM weighting_runs WHERE wave_id = $1", wave_id)
        w = asdict(weighting)
        await conn.execute(
            f"""INSERT INTO weighting_runs (wave_id, {", ".join(w)})
                VALUES ($1, {", ".join(f"${i + 2}" for i in range(len(w)))})""",
            wave_id,
            *w.values(),
        )
        await conn.copy_records_to_table(
            "weights",
            records=[(rid, wave_id, weight) for rid, weight in weights],
            columns=["respondent_id", "wave_id", "weight"],
        )
        await _write_figures(conn, wave_id, 1, figures)


async def replace_window(conn: asyncpg.Connection, window: WindowInfo, figures: Sequence[Figure]) -> None:
    """Store (or re-store) a rolling window's membership and figures atomically."""
    async with conn.transaction():
        await conn.execute(
            """INSERT INTO estimate_windows (end_wave_id, window_size, wave_ids, previous_wave_ids)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (end_wave_id, window_size) DO UPDATE
                   SET wave_ids = $3, previous_wave_ids = $4, computed_at = now()""",
            window.end_wave_id,
            window.size,
            list(window.wave_ids),
            list(window.previous_wave_ids),
        )
        await _write_figures(conn, window.end_wave_id, window.size, figures)


async def replace_changes(
    conn: asyncpg.Connection, wave_id: int, window: int, figures: Sequence[Figure]
) -> None:
    """Store a wave's (window's) figures again after their change tests were redone."""
    async with conn.transaction():
        await _write_figures(conn, wave_id, window, figures)


async def figures(
    conn: asyncpg.Connection,
    wave_id: int,
    *,
    window: int = 1,
    metric: str | None = None,
    segment: str | None = None,
    brand: str | None = None,
) -> list[Figure]:
    """The stored figures of one wave (or the window of ``window`` waves ending at it), any state."""
    rows = await conn.fetch(
        f"""SELECT {_SELECT} FROM estimates e
            WHERE e.wave_id = $1 AND e.window_size = $2 AND ($3::text IS NULL OR e.metric = $3)
                  AND ($4::text IS NULL OR e.segment = $4) AND ($5::text IS NULL OR e.brand = $5)
            ORDER BY e.metric, e.brand, e.segment, e.base""",
        wave_id,
        window,
        metric,
        segment,
        brand,
    )
    return [Figure.from_row(r) for r in rows]


async def figures_by_key(
    conn: asyncpg.Connection, wave_id: int, *, window: int = 1
) -> dict[FigureKey, Figure]:
    return {f.key: f for f in await figures(conn, wave_id, window=window)}


async def poll_figures(
    conn: asyncpg.Connection,
    poll_id: int,
    *,
    window: int = 1,
    wave_ids: Sequence[int] | None = None,
    metric: str | None = None,
    segments: Sequence[str] | None = None,
    brand: str | None = None,
    base: str | None = None,
) -> list[PollFigure]:
    """Figures of a poll's published waves (or of the windows ending at them), oldest wave first, filtered by
    any of the arguments given."""
    rows = await conn.fetch(
        f"""SELECT w.id AS wave_id, w.scheduled_at, w.questionnaire_version, w.source, {_SELECT}
            FROM waves w JOIN estimates e ON e.wave_id = w.id
            WHERE w.poll_id = $1 AND w.state = 'published' AND e.window_size = $2
                  AND ($3::bigint[] IS NULL OR w.id = ANY($3)) AND ($4::text IS NULL OR e.metric = $4)
                  AND ($5::text[] IS NULL OR e.segment = ANY($5)) AND ($6::text IS NULL OR e.brand = $6)
                  AND ($7::text IS NULL OR e.base = $7)
            ORDER BY w.scheduled_at, w.id, e.metric, e.brand, e.segment, e.base""",
        poll_id,
        window,
        None if wave_ids is None else list(wave_ids),
        metric,
        None if segments is None else list(segments),
        brand,
        base,
    )
    return [
        PollFigure(
            r["wave_id"], r["scheduled_at"], r["questionnaire_version"], Figure.from_row(r), r["source"]
        )
        for r in rows
    ]


async def poll_windows(conn: asyncpg.Connection, poll_id: int, size: int) -> list[WindowInfo]:
    """The stored windows of ``size`` waves of a poll whose last wave is published, oldest first."""
    rows = await conn.fetch(
        """SELECT x.end_wave_id, x.window_size, x.wave_ids, x.previous_wave_ids
           FROM estimate_windows x JOIN waves w ON w.id = x.end_wave_id
           WHERE w.poll_id = $1 AND x.window_size = $2 AND w.state = 'published'
           ORDER BY w.scheduled_at, w.id""",
        poll_id,
        size,
    )
    return [_window(r) for r in rows]


async def window_ends(conn: asyncpg.Connection, poll_id: int, size: int) -> set[int]:
    """End waves (any state) of the poll's stored windows of ``size`` waves."""
    rows = await conn.fetch(
        """SELECT x.end_wave_id FROM estimate_windows x JOIN waves w ON w.id = x.end_wave_id
           WHERE w.poll_id = $1 AND x.window_size = $2""",
        poll_id,
        size,
    )
    return {int(r["end_wave_id"]) for r in rows}


def _window(row: asyncpg.Record) -> WindowInfo:
    return WindowInfo(
        int(row["end_wave_id"]),
        int(row["window_size"]),
        tuple(row["wave_ids"]),
        tuple(row["previous_wave_ids"]),
    )


async def poll_segments(conn: asyncpg.Connection, poll_id: int) -> list[str]:
    """Segments with at least one figure in a published wave of the poll."""
    rows = await conn.fetch(
        """SELECT DISTINCT e.segment FROM estimates e JOIN waves w ON w.id = e.wave_id
           WHERE w.poll_id = $1 AND w.state = 'published' AND e.window_size = 1 ORDER BY 1""",
        poll_id,
    )
    return [r["segment"] for r in rows]


async def weighting_run(conn: asyncpg.Connection, wave_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT * FROM weighting_runs WHERE wave_id = $1", wave_id)
    return dict(row) if row else None


async def weights(conn: asyncpg.Connection, wave_id: int) -> dict[int, float]:
    """Respondent id → weight of a weighted wave."""
    rows = await conn.fetch("SELECT respondent_id, weight FROM weights WHERE wave_id = $1", wave_id)
    return {int(r["respondent_id"]): float(r["weight"]) for r in rows}


@dataclass(frozen=True)
class SyncedFigure:
    """A published figure as an incremental reader gets it: where it belongs and when it last changed."""

    id: int
    updated_at: datetime
    poll_id: int
    wave_id: int
    window_size: int
    window_waves: tuple[int, ...]
    scheduled_at: datetime
    source: str | None
    figure: Figure


async def sync_watermark(conn: asyncpg.Connection) -> datetime:
    """A time no figure still to be committed can be older than: the start of the oldest transaction in progress
    in this database (a figure's ``updated_at`` is its writing transaction's start), or now."""
    value: datetime = await conn.fetchval(
        """SELECT least(now(), min(xact_start)) FROM pg_stat_activity
           WHERE datname = current_database() AND xact_start IS NOT NULL"""
    )
    return value


async def changed_figures(
    conn: asyncpg.Connection,
    org_id: int,
    *,
    since: datetime | None,
    after: tuple[datetime, int] | None,
    limit: int,
    poll_id: int | None = None,
    window: int | None = None,
    metric: str | None = None,
    segment: str | None = None,
    brand: str | None = None,
) -> list[SyncedFigure]:
    """Figures of the organisation's published waves and windows with ``updated_at >= since``, in
    ``(updated_at, id)`` order after ``after``, at most ``limit``."""
    rows = await conn.fetch(
        f"""SELECT e.id, e.updated_at, w.poll_id, e.wave_id, e.window_size, x.wave_ids, w.scheduled_at,
                   w.source, {_SELECT}
            FROM estimates e JOIN waves w ON w.id = e.wave_id JOIN polls p ON p.id = w.poll_id
                 LEFT JOIN estimate_windows x ON x.end_wave_id = e.wave_id AND x.window_size = e.window_size
            WHERE p.organisation_id = $1 AND w.state = 'published'
                  AND ($2::timestamptz IS NULL OR e.updated_at >= $2)
                  AND ($3::timestamptz IS NULL OR (e.updated_at, e.id) > ($3, $4::bigint))
                  AND ($6::bigint IS NULL OR w.poll_id = $6) AND ($7::int IS NULL OR e.window_size = $7)
                  AND ($8::text IS NULL OR e.metric = $8) AND ($9::text IS NULL OR e.segment = $9)
                  AND ($10::text IS NULL OR e.brand = $10)
            ORDER BY e.updated_at, e.id LIMIT $5""",
        org_id,
        since,
        None if after is None else after[0],
        None if after is None else after[1],
        limit,
        poll_id,
        window,
        metric,
        segment,
        brand,
    )
    return [
        SyncedFigure(
            int(r["id"]),
            r["updated_at"],
            int(r["poll_id"]),
            int(r["wave_id"]),
            int(r["window_size"]),
            tuple(r["wave_ids"] or (r["wave_id"],)),
            r["scheduled_at"],
            r["source"],
            Figure.from_row(r),
        )
        for r in rows
    ]
