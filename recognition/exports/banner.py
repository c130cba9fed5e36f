"""Banner tables: the crosstab deliverable — metrics × brands in rows, segments (the banner) in columns, weighted
percentages (NPS as a mean), the bases of each column (n and effective n) and column-proportion significance
letters.

The figures are the wave's published ones, made by the one estimation path
(:func:`recognition.waves.compute.weigh` and :func:`recognition.waves.compute.estimate_figures`). The letters
compare each pair of columns of the same banner variable (age bands with age bands, ...) as domains of the one
weighted sample, with the design-based variance of their difference
(:func:`recognition.stats.domain_contrasts`, checked against R's ``survey``): a cell shows the letter of every
column of its group that is significantly lower, at ``alpha`` (default 0.05, two-sided, each pair on its own as
crosstabs do — no multiplicity adjustment). Columns whose base is suppressed show no number and take no part in
the tests; low bases are flagged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import numpy as np

from recognition.figures import (
    MEAN_METRICS,
    PROPORTION_METRICS,
    Figure,
    StatisticsOptions,
    is_insight_metric,
)
from recognition.labels import metric_name, segment_name
from recognition.polls.model import Poll
from recognition.populations import load_margins
from recognition.stats.domains import domain_contrasts
from recognition.store.waves import Wave
from recognition.waves.compute import estimate_figures, weigh
from recognition.waves.inputs import CUSTOMER_STATUSES, WaveInput, segments_of
from recognition.waves.loading import load_input

CUSTOMER = "customer"


@dataclass(frozen=True)
class Column:
    segment: str  # 'all' or 'variable=level'
    group: str  # the banner variable ('' for the total)
    label: str
    letter: str  # '' for the total (not tested)


@dataclass(frozen=True)
class Cell:
    estimate: float | None  # None: suppressed or no base
    n: int
    n_eff: float | None
    base_status: str
    letters: str = ""


@dataclass(frozen=True)
class Row:
    metric: str
    brand: str
    label: str
    kind: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class BannerTable:
    title: str
    columns: tuple[Column, ...]
    bases: tuple[Cell, ...]  # each column's respondents (n) and effective n
    rows: tuple[Row, ...]
    alpha: float
    notes: tuple[str, ...]


def column_letter(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA, ..."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def letters_of(
    difference: np.ndarray,
    p_value: np.ndarray,
    pairs: Sequence[tuple[int, int]],
    names: Sequence[str],
    alpha: float,
    eligible: Sequence[bool],
) -> list[str]:
    """Per column: the letters (sorted) of the columns significantly lower (p < alpha) among ``pairs``."""
    found: list[set[str]] = [set() for _ in names]
    for (a, b), d, p in zip(pairs, difference, p_value, strict=True):
        if not (eligible[a] and eligible[b]) or not np.isfinite(p) or p >= alpha or d == 0:
            continue
        high, low = (a, b) if d > 0 else (b, a)
        found[high].add(names[low])
    return ["".join(sorted(s, key=lambda x: (len(x), x))) for s in found]


def _groups(
    margins: Mapping[str, Mapping[str, float]], wanted: Sequence[str] | None
) -> list[tuple[str, list[str]]]:
    groups = [(v, [f"{v}={level}" for level in levels]) for v, levels in margins.items() if "*" not in v]
    groups.append((CUSTOMER, [f"customer={s}" for s in CUSTOMER_STATUSES]))
    if wanted is None:
        return groups
    known = [g for g, _ in groups]
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise ValueError(
            f"banner: {', '.join(unknown)} is not a banner variable; choose from {', '.join(known)}"
        )
    return [g for g in groups if g[0] in wanted]


def banner_table(
    inp: WaveInput,
    margins: Mapping[str, Mapping[str, float]],
    options: StatisticsOptions,
    *,
    title: str,
    brands: Sequence[str],
    brand_names: Mapping[str, str],
    groups: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> BannerTable:
    """The banner table of one wave's respondents (see the module docstring). Raises ValueError naming an
    unknown banner variable."""
    chosen = _groups(margins, groups)
    result = weigh(inp, margins, options)
    figures = {f.key[:3]: f.public() for f in estimate_figures(inp, result, options)}
    seg_names, domains = segments_of(inp)
    index = {s: i for i, s in enumerate(seg_names)}
    columns = [Column("all", "", "Total", "")]
    for group, segments in chosen:
        columns += [Column(s, group, segment_name(s), "") for s in segments if s in index]
    columns = [
        columns[0],
        *(Column(c.segment, c.group, c.label, column_letter(i)) for i, c in enumerate(columns[1:])),
    ]
    keys = _row_keys(inp, brands, metrics)
    letters = _letters(inp, result, domains, index, columns, keys, figures, alpha)
    rows = []
    for j, (metric, brand) in enumerate(keys):
        cells = tuple(
            _cell(figures.get((metric, brand, c.segment)), letters[j][k]) for k, c in enumerate(columns)
        )
        kind = "mean" if metric in MEAN_METRICS else "proportion"
        rows.append(
            Row(metric, brand, f"{metric_name(metric)}: {brand_names.get(brand, brand)}", kind, cells)
        )
    bases = tuple(_base(inp, result.weights, domains[:, index[c.segment]], options) for c in columns)
    method = "raked to the population margins" if inp.weights is None else "the imported file's own weights"
    notes = (
        f"Weighted ({method}). Percentages of each column's respondents; NPS is a mean over the column's "
        "raters (-100 to 100).",
        f"Letters: the column is significantly higher than the lettered columns of the same banner variable "
        f"(two-sided, alpha {alpha:g}), a domain contrast on the one weighted sample with its design-based "
        "variance; each pair is tested on its own.",
        f"Bases: n = respondents, effective n = Kish's (sum w)^2 / sum w^2. Effective bases under "
        f"{options.thresholds.suppress_below:g} are suppressed (no numbers, no tests), under "
        f"{options.thresholds.flag_below:g} flagged as low (*).",
    )
    return BannerTable(title, tuple(columns), bases, tuple(rows), alpha, notes)


def _row_keys(inp: WaveInput, brands: Sequence[str], metrics: Sequence[str] | None) -> list[tuple[str, str]]:
    order = {m: i for i, m in enumerate((*PROPORTION_METRICS, *MEAN_METRICS))}
    rank = {b: i for i, b in enumerate(brands)}
    keys = [
        k
        for k in inp.indicators
        if (metrics is None and not is_insight_metric(k[0])) or (metrics is not None and k[0] in metrics)
    ]
    return sorted(keys, key=lambda k: (order.get(k[0], len(order)), k[0], rank.get(k[1], len(rank))))


def _letters(
    inp: WaveInput,
    result: Any,
    domains: np.ndarray,
    index: Mapping[str, int],
    columns: Sequence[Column],
    keys: Sequence[tuple[str, str]],
    figures: Mapping[tuple[str, str, str], Figure],
    alpha: float,
) -> list[list[str]]:
    out = [[""] * len(columns) for _ in keys]
    if not keys:
        return out
    y = np.column_stack(
        [inp.indicators[k] if k[0] in MEAN_METRICS else np.nan_to_num(inp.indicators[k]) for k in keys]
    )
    for group in dict.fromkeys(c.group for c in columns if c.group):
        members = [k for k, c in enumerate(columns) if c.group == group]
        pairs = [(a, b) for i, a in enumerate(range(len(members))) for b in range(i + 1, len(members))]
        if not pairs:
            continue
        test = domain_contrasts(
            y, result.design, domains[:, [index[columns[k].segment] for k in members]], pairs
        )
        names = [columns[k].letter for k in members]
        for j, (metric, brand) in enumerate(keys):
            shown = [_shown(figures.get((metric, brand, columns[k].segment))) for k in members]
            for m, text in zip(
                members,
                letters_of(test.difference[:, j], test.p_value[:, j], pairs, names, alpha, shown),
                strict=True,
            ):
                out[j][m] = text
    return out


def _shown(figure: Figure | None) -> bool:
    return figure is not None and figure.estimate is not None


def _cell(figure: Figure | None, letters: str) -> Cell:
    if figure is None:
        return Cell(None, 0, None, "suppressed")
    return Cell(figure.estimate, figure.n, figure.n_eff, figure.base_status, letters if figure.shown else "")


def _base(inp: WaveInput, weights: np.ndarray, member: np.ndarray, options: StatisticsOptions) -> Cell:
    w = weights[member]
    if not w.size:
        return Cell(None, 0, None, "suppressed")
    n_eff = float(w.sum() ** 2 / np.dot(w, w))
    status = options.thresholds
    label = "suppressed" if n_eff < status.suppress_below else "low" if n_eff < status.flag_below else "ok"
    return Cell(None, int(member.sum()), n_eff, label)


async def wave_banner_input(conn: asyncpg.Connection, poll: Poll, wave: Wave) -> tuple[WaveInput, Any]:
    """A published wave's respondents (and the population margins) for :func:`banner_table`."""
    margins = load_margins(poll.population)
    _, inp = await load_input(conn, poll, wave.id, wave.questionnaire_version, margins)
    return inp, margins
