"""History import: a tracker's past waves from another provider, brought into a poll.

1. The file (CSV, or SPSS ``.sav`` read with ``pyreadstat``) is read as text codes and mapped
   (:mod:`recognition.imports.mapping`): every problem is collected and reported at once.
2. Every wave is then estimated in memory exactly as processing will estimate it
   (:func:`recognition.waves.inputs.build_input` and :func:`recognition.waves.compute.compute_wave`), so a wave
   that cannot be weighted (a margin level no respondent holds) is reported before anything is stored; so is a
   wave at a time the poll already has one.
3. Only then are the waves stored — with their source, straight into ``processing`` — and processed by the one
   processing path (:func:`recognition.waves.processing.process_wave`: weights, figures, change tests, rolling
   windows), oldest first, each published in turn. If that fails, the waves of the import are removed again.

Respondent keys are HMACs of ``import:<source>:<wave>:<respondent id or row>`` under the service secret; the
file's ids are never stored. With ``"weighting": "given"`` each respondent keeps the file's weight and the wave
is estimated with those weights (stated in the wave's weighting diagnostics); otherwise the wave is raked to the
poll's population margins like any other.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import pyreadstat

from recognition.errors import UserError
from recognition.figures import StatisticsOptions
from recognition.imports.mapping import ImportedWave, MappingError, read_mapping
from recognition.polls.model import Poll
from recognition.populations import load_margins
from recognition.settings import Settings
from recognition.stats import TargetError
from recognition.store import responses
from recognition.store import waves as waves_store
from recognition.waves.compute import compute_wave
from recognition.waves.inputs import build_input
from recognition.waves.processing import process_wave


@dataclass(frozen=True)
class ImportReport:
    source: str
    weighting: str
    waves: tuple[
        tuple[int | None, str, int], ...
    ]  # (wave id or None in a dry run, scheduled_at ISO, respondents)


@dataclass(frozen=True)
class _Row:
    id: int
    demographics: Mapping[str, str]
    answers: Mapping[str, Any]
    given_weight: float | None


def load_mapping(path: Path) -> dict[str, Any]:
    """A mapping file: JSON, or TOML (``.toml``)."""
    try:
        text = path.read_text(encoding="utf-8")
        loaded = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise UserError(f"mapping {path}: {exc}") from None
    if not isinstance(loaded, dict):
        raise UserError(f"mapping {path}: expected an object of settings")
    return loaded


def _code(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def read_columns(path: Path) -> dict[str, list[str | None]]:
    """The data file's columns as text codes (None: an empty cell or system-missing value)."""
    try:
        if path.suffix.lower() in (".sav", ".zsav"):
            frame, _ = pyreadstat.read_sav(str(path))
            return {str(c): [_code(v) for v in frame[c].tolist()] for c in frame.columns}
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            names = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error, pyreadstat.ReadstatError) as exc:
        raise UserError(f"data {path}: {exc}") from None
    if not names:
        raise UserError(f"data {path}: the file has no header row")
    return {n: [_code(r.get(n)) for r in rows] for n in names}


def _key(secret: str, source: str, wave: ImportedWave, key: str) -> bytes:
    return hmac.new(secret.encode(), f"import:{source}:{wave.code}:{key}".encode(), hashlib.sha256).digest()


def _dry_run(poll: Poll, waves: list[ImportedWave], margins: Any, options: StatisticsOptions) -> None:
    problems = []
    for wave in waves:
        rows = [_Row(i, r.demographics, r.answers, r.given_weight) for i, r in enumerate(wave.respondents)]
        where = f"wave {wave.code} ({wave.scheduled_at:%Y-%m-%d})"
        if len(rows) < 2:
            problems.append((where, f"has {len(rows)} respondent(s); a wave needs at least 2"))
            continue
        try:
            compute_wave(build_input(rows, poll.brand_ids, list(margins)), margins, options)
        except (TargetError, ValueError) as exc:
            problems.append((where, str(exc)))
    if problems:
        raise MappingError(problems)


async def import_history(
    pool: asyncpg.Pool,
    settings: Settings,
    poll: Poll,
    data: Path,
    mapping: Mapping[str, Any],
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Check, store and process the waves of ``data`` as ``mapping`` says (see the module docstring). Raises
    :class:`recognition.imports.mapping.MappingError` (nothing stored) or :class:`UserError`."""
    margins = load_margins(poll.population)
    options = StatisticsOptions.from_settings(settings)
    waves = read_mapping(mapping, read_columns(data), brands=poll.brand_ids, margins=margins)
    source = str(mapping["source"])
    async with pool.acquire() as conn:
        taken = await waves_store.scheduled_times(conn, poll.id)
    clashes = [
        (f"wave {w.code}", f"poll {poll.id} already has a wave at {w.scheduled_at.isoformat()}")
        for w in waves
        if w.scheduled_at in taken
    ]
    if clashes:
        raise MappingError(clashes)
    _dry_run(poll, waves, margins, options)
    weighting = str(mapping.get("weighting", "rake"))
    if dry_run:
        return ImportReport(
            source, weighting, tuple((None, w.scheduled_at.isoformat(), len(w.respondents)) for w in waves)
        )
    created: list[int] = []
    try:
        async with pool.acquire() as conn, conn.transaction():
            for wave in waves:
                row = await waves_store.create_imported_wave(
                    conn, poll.id, wave.scheduled_at, len(wave.respondents), source
                )
                if row is None:
                    raise UserError(f"poll {poll.id} got a wave at {wave.scheduled_at.isoformat()} meanwhile")
                created.append(row.id)
                await responses.store_imported(
                    conn,
                    row.id,
                    wave.scheduled_at,
                    [
                        (
                            _key(settings.survey_secret, source, wave, r.key),
                            r.demographics,
                            r.answers,
                            r.given_weight,
                        )
                        for r in wave.respondents
                    ],
                )
        for wave_id in created:
            await process_wave(pool, wave_id, poll, settings)
            async with pool.acquire() as conn:
                await waves_store.transition(conn, wave_id, "processing", "published")
    except BaseException:
        if created:
            async with pool.acquire() as conn:
                await waves_store.delete_waves(conn, created)
        raise
    return ImportReport(
        source,
        weighting,
        tuple(
            (i, w.scheduled_at.isoformat(), len(w.respondents)) for i, w in zip(created, waves, strict=True)
        ),
    )
