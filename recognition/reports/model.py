"""The figures a dashboard shows, computed from stored estimates: pure functions, no I/O.

A :class:`Cell` is one published estimate (wave × metric × brand × segment, total base). Windows: ``1`` shows each
wave; ``k > 1`` shows rolling means of the last k waves, ``p̄ = Σ pᵢ / k`` with ``SE = √(Σ SEᵢ²) / k`` (the waves are
independent samples), a normal-approximation CI, and n, effective n summed over the k waves. A rolling window is
compared with the previous window that shares no wave.

Changes shown as ▲▼ must pass the false discovery rate (Benjamini–Hochberg q < alpha over the family of tests
made for that comparison) AND be at least the practical threshold (proportion points; NPS points × 100). For a
single wave vs the previous one the stored ``significant`` flag already encodes that; other comparisons (vs a year
ago, rolling windows) are tested here with the same two-sample z test of independent estimates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from scipy import stats as sps

from recognition.stats import benjamini_hochberg, compare_independent_arrays

#: Headline metrics, in reading order, and their names in prose.
KPI_METRICS = ("unaided", "top_of_mind", "aided", "consider", "prefer", "nps")
METRIC_NAMES = {
    "unaided": "Unaided awareness",
    "top_of_mind": "Top of mind",
    "aided": "Aided awareness",
    "total_awareness": "Total awareness",
    "familiar": "Familiarity",
    "consider": "Consideration",
    "prefer": "Preference",
    "nps": "NPS",
}
FUNNEL = (("aided", "Aware"), ("consider", "Consider"), ("prefer", "Prefer"))
FUNNEL_SEGMENTS = (("customer=current", "Customers"), ("customer=non", "Potential customers"))
TEST_NAME = "two-sample z test of independent estimates, Benjamini-Hochberg adjusted"
YEAR = timedelta(days=365)
YEAR_TOLERANCE = timedelta(days=28)


def metric_name(metric: str) -> str:
    if metric in METRIC_NAMES:
        return METRIC_NAMES[metric]
    if is_image_metric(metric):
        return "Image: " + metric.split(":", 1)[-1].removeprefix("image_").replace("_", " ")
    return metric.replace("_", " ").capitalize()


def is_image_metric(metric: str) -> bool:
    return metric.startswith("image:") or metric.startswith("image_")


@dataclass(frozen=True)
class WaveInfo:
    id: int
    scheduled_at: datetime
    field_start: datetime | None
    field_end: datetime | None
    questionnaire_version: int

    @property
    def label(self) -> str:
        return f"{self.scheduled_at:%d %b %Y}"

    @property
    def fieldwork(self) -> str:
        if self.field_start and self.field_end:
            return f"{self.field_start:%d %b} – {self.field_end:%d %b %Y}"
        return self.label


@dataclass(frozen=True)
class Cell:
    wave_id: int
    metric: str
    brand: str
    segment: str
    kind: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    level: float
    n: int
    n_eff: float
    base_status: str
    change: float | None = None
    p_value: float | None = None
    q_value: float | None = None
    significant: bool | None = None
    test: str = "wave-on-wave " + TEST_NAME

    @property
    def shown(self) -> bool:
        return self.base_status != "suppressed"


@dataclass(frozen=True)
class Change:
    difference: float
    p_value: float | None
    q_value: float | None
    significant: bool
    against_wave: int

    @property
    def arrow(self) -> str:
        if not self.significant:
            return ""
        return "▲" if self.difference > 0 else "▼"


@dataclass(frozen=True)
class PollData:
    """A poll's published waves (oldest first) and their estimates on the total base."""

    poll_id: int
    name: str
    own_brand: str
    brands: tuple[tuple[str, str], ...]  # (id, name)
    waves: tuple[WaveInfo, ...]
    cells: Mapping[tuple[int, str, str, str], Cell]

    def brand_name(self, brand: str) -> str:
        return dict(self.brands).get(brand, brand)

    def cell(self, wave_id: int, metric: str, brand: str, segment: str) -> Cell | None:
        return self.cells.get((wave_id, metric, brand, segment))

    @property
    def metrics(self) -> list[str]:
        seen = {k[1] for k in self.cells}
        ordered = [m for m in (*KPI_METRICS, "total_awareness", "familiar") if m in seen]
        return ordered + sorted(m for m in seen if m not in ordered)

    @property
    def segments(self) -> list[str]:
        seen = {k[3] for k in self.cells}
        return (["all"] if "all" in seen else []) + sorted(seen - {"all"})


def cell_from_row(wave_id: int, row: Mapping[str, Any]) -> Cell:
    return Cell(
        wave_id=wave_id,
        metric=row["metric"],
        brand=row["brand"],
        segment=row["segment"],
        kind=row["kind"],
        estimate=float(row["estimate"]),
        se=float(row["se"]),
        ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]),
        level=float(row["level"]),
        n=int(row["n"]),
        n_eff=float(row["n_eff"]),
        base_status=row["base_status"],
        change=row.get("change"),
        p_value=row.get("p_value"),
        q_value=row.get("q_value"),
        significant=row.get("significant"),
    )


def practical(kind: str, threshold: float) -> float:
    return threshold * (100.0 if kind == "mean" else 1.0)


def retest(pairs: Sequence[tuple[Cell, Cell]], *, alpha: float, threshold: float) -> list[Change | None]:
    """Test ``later − earlier`` for each (earlier, later) pair; BH over the pairs where both bases are shown."""
    idx = [i for i, (a, b) in enumerate(pairs) if a.shown and b.shown]
    out: list[Change | None] = [None] * len(pairs)
    if not idx:
        return out
    a = np.array([[pairs[i][0].estimate, pairs[i][0].se] for i in idx])
    b = np.array([[pairs[i][1].estimate, pairs[i][1].se] for i in idx])
    test = compare_independent_arrays(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    q = benjamini_hochberg(test.p_value)
    for k, i in enumerate(idx):
        earlier, later = pairs[i]
        diff, p, qv = float(test.difference[k]), float(test.p_value[k]), float(q[k])
        sig = bool(math.isfinite(qv) and qv < alpha and abs(diff) >= practical(later.kind, threshold))
        out[i] = Change(
            diff, p if math.isfinite(p) else None, qv if math.isfinite(qv) else None, sig, earlier.wave_id
        )
    return out


def stored_change(cell: Cell, previous_wave: int | None) -> Change | None:
    """The stored wave-on-wave test of ``cell`` (None when the wave was not tested)."""
    if cell.change is None or previous_wave is None or not cell.shown:
        return None
    return Change(float(cell.change), cell.p_value, cell.q_value, bool(cell.significant), previous_wave)


def base_status(n_eff: float, *, suppress_below: float, flag_below: float) -> str:
    return "suppressed" if n_eff < suppress_below else "low" if n_eff < flag_below else "ok"


def pooled(cells: Sequence[Cell], *, suppress_below: float, flag_below: float) -> Cell:
    """The rolling mean of ``cells`` (one per wave, last wave last); see the module docstring."""
    k = len(cells)
    last = cells[-1]
    est = sum(c.estimate for c in cells) / k
    se = math.sqrt(sum(c.se**2 for c in cells)) / k
    z = float(sps.norm.ppf(0.5 + last.level / 2))
    low, high = est - z * se, est + z * se
    if last.kind == "proportion":
        low, high = max(0.0, low), min(1.0, high)
    n_eff = sum(c.n_eff for c in cells)
    status = base_status(n_eff, suppress_below=suppress_below, flag_below=flag_below)
    if any(c.base_status == "suppressed" for c in cells):
        status = "suppressed"
    return replace(
        last,
        estimate=est,
        se=se,
        ci_low=low,
        ci_high=high,
        n=sum(c.n for c in cells),
        n_eff=n_eff,
        base_status=status,
        change=None,
        p_value=None,
        q_value=None,
        significant=None,
        test=f"rolling {k}-wave {TEST_NAME}",
    )


def rolled(
    data: PollData, k: int, *, suppress_below: float, flag_below: float, alpha: float, threshold: float
) -> PollData:
    """The poll's figures as rolling means of k waves (each labelled by its last wave), each tested against
    the previous non-overlapping window. ``k = 1`` returns ``data`` unchanged."""
    if k <= 1:
        return data
    waves = data.waves
    cells: dict[tuple[int, str, str, str], Cell] = {}
    series = {(m, b, s) for (_, m, b, s) in data.cells}
    for j in range(k - 1, len(waves)):
        window = waves[j - k + 1 : j + 1]
        for m, b, s in series:
            members = [data.cell(w.id, m, b, s) for w in window]
            if all(c is not None for c in members):
                cells[(waves[j].id, m, b, s)] = pooled(
                    [c for c in members if c is not None],
                    suppress_below=suppress_below,
                    flag_below=flag_below,
                )
    for j in range(2 * k - 1, len(waves)):
        later_id, earlier_id = waves[j].id, waves[j - k].id
        keys = [key for key in cells if key[0] == later_id and (earlier_id, *key[1:]) in cells]
        changes = retest(
            [(cells[(earlier_id, *key[1:])], cells[key]) for key in keys], alpha=alpha, threshold=threshold
        )
        for key, ch in zip(keys, changes, strict=True):
            if ch is not None:
                cells[key] = replace(
                    cells[key],
                    change=ch.difference,
                    p_value=ch.p_value,
                    q_value=ch.q_value,
                    significant=ch.significant,
                )
    return replace(data, waves=waves[k - 1 :], cells=cells)


def year_ago(waves: Sequence[WaveInfo], latest: WaveInfo) -> WaveInfo | None:
    """The wave closest to one year before ``latest`` (within four weeks), if any."""
    target = latest.scheduled_at - YEAR
    near = [w for w in waves if abs(w.scheduled_at - target) <= YEAR_TOLERANCE]
    return min(near, key=lambda w: abs(w.scheduled_at - target)) if near else None


def previous_wave(waves: Sequence[WaveInfo], wave_id: int) -> WaveInfo | None:
    ids = [w.id for w in waves]
    i = ids.index(wave_id)
    return waves[i - 1] if i > 0 else None


@dataclass(frozen=True)
class Tile:
    metric: str
    name: str
    cell: Cell | None
    vs_previous: Change | None
    vs_year: Change | None


def tiles(data: PollData, wave_id: int, segment: str, *, alpha: float, threshold: float) -> list[Tile]:
    """Headline KPI tiles of the own brand at ``wave_id``: the KPI metrics present, then image attributes."""
    metrics = [m for m in data.metrics if m in KPI_METRICS or is_image_metric(m)]
    wave = next(w for w in data.waves if w.id == wave_id)
    prev = previous_wave(data.waves, wave_id)
    ago = year_ago(data.waves, wave)
    cells = [data.cell(wave_id, m, data.own_brand, segment) for m in metrics]
    year_pairs: list[tuple[Cell, Cell]] = []
    year_index: dict[int, int] = {}
    if ago is not None:
        for i, (m, c) in enumerate(zip(metrics, cells, strict=True)):
            old = data.cell(ago.id, m, data.own_brand, segment)
            if c is not None and old is not None:
                year_index[i] = len(year_pairs)
                year_pairs.append((old, c))
    year_changes = retest(year_pairs, alpha=alpha, threshold=threshold)
    out = []
    for i, (m, c) in enumerate(zip(metrics, cells, strict=True)):
        vs_prev = stored_change(c, prev.id if prev else None) if c is not None else None
        vs_year = year_changes[year_index[i]] if i in year_index else None
        out.append(Tile(m, metric_name(m), c, vs_prev, vs_year))
    return out


def comparison(data: PollData, wave_id: int, metric: str, segment: str) -> list[Cell]:
    """Every brand's figure for ``metric`` at ``wave_id``, own brand first, then by estimate (shown ones)."""
    cells = [c for b, _ in data.brands if (c := data.cell(wave_id, metric, b, segment)) is not None]
    return sorted(cells, key=lambda c: (c.brand != data.own_brand, not c.shown, -c.estimate))


def funnel(data: PollData, wave_id: int, brand: str) -> dict[str, list[Cell | None]]:
    """Aware → consider → prefer of ``brand`` among customers and potential customers."""
    return {label: [data.cell(wave_id, m, brand, seg) for m, _ in FUNNEL] for seg, label in FUNNEL_SEGMENTS}


def image_map(
    data: PollData, wave_id: int, segment: str
) -> tuple[list[str], list[str], list[list[Cell | None]]]:
    """Brands (rows) × image attributes (columns) at ``wave_id``; empty when the poll measures no image."""
    attributes = [m for m in data.metrics if is_image_metric(m)]
    if not attributes:
        return [], [], []
    brands = [b for b, _ in data.brands]
    grid = [[data.cell(wave_id, a, b, segment) for a in attributes] for b in brands]
    return brands, attributes, grid


def low_bases(cells: Iterable[Cell | None]) -> list[Cell]:
    return [c for c in cells if c is not None and c.base_status in ("low", "suppressed")]


def version_breaks(waves: Sequence[WaveInfo]) -> list[int]:
    """Indices i where wave i uses another questionnaire version than wave i − 1."""
    return [
        i
        for i in range(1, len(waves))
        if waves[i].questionnaire_version != waves[i - 1].questionnaire_version
    ]
