"""The respondent-level dataset of one or more published waves, as analysts open it: one row per weighted
complete, one variable per column, each with a label in plain words and, for categories, its value labels.

Variables, in order: ``respondent`` (a pseudonym: an HMAC of the stored row under the service secret and the
organisation, the same in every export of that organisation, never a panel's id), ``wave_id``, ``wave_date``,
``weight`` (the wave's final weight, mean 1 within the wave), each weighting variable of the population
(``age``, ``gender``, ...), ``customer_status`` of the own brand, then one indicator per metric × brand
(``aided_acme``; image associations ``image_<attribute>_<brand>``): proportions 0/1, NPS −100/0/100, missing
where the respondent is not in the base. Names keep SPSS's rules (a letter first; letters, digits and ``_``; at
most 64 bytes; unique), so one name serves in every format. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np

from recognition.figures import MEAN_METRICS, PROPORTION_METRICS, SERVICE_FEATURE_PREFIX
from recognition.labels import metric_name
from recognition.waves.inputs import CUSTOMER_STATUSES, Key, WaveInput

WEIGHT = "weight"
YES_NO = {0.0: "no", 1.0: "yes"}
NPS_LABELS = {-100.0: "detractor (0-6)", 0.0: "passive (7-8)", 100.0: "promoter (9-10)"}
_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}


@dataclass(frozen=True)
class Variable:
    """One column. ``categories``: the ordered levels of a category (values are level labels; SPSS stores
    codes 1..k with these as value labels). ``value_labels``: labels of a numeric variable's values."""

    name: str
    label: str
    kind: Literal["string", "number", "category"]
    values: Sequence[Any]
    categories: tuple[str, ...] = ()
    value_labels: Mapping[float, str] = field(default_factory=dict)
    measure: Literal["nominal", "ordinal", "scale"] = "nominal"


@dataclass(frozen=True)
class RespondentTable:
    """The dataset: its variables (equal length), the weight variable's name and a title."""

    variables: tuple[Variable, ...]
    title: str
    weight: str = WEIGHT
    indicators: Mapping[str, Key] = field(default_factory=dict)  # variable name → (metric, brand)
    wave_times: Mapping[int, datetime] = field(default_factory=dict)  # wave id → scheduled time

    @property
    def n(self) -> int:
        return len(self.variables[0].values) if self.variables else 0

    def column(self, name: str) -> Variable:
        return next(v for v in self.variables if v.name == name)


@dataclass(frozen=True)
class ExportWave:
    """A published wave as the export reads it: its inputs and each respondent's stored weight."""

    wave_id: int
    scheduled_at: datetime
    source: str | None
    inp: WaveInput
    weights: Mapping[int, float]


def pseudonym(secret: str, organisation_id: int) -> Callable[[int], str]:
    """Respondent row id → a 16-hex-digit pseudonym, stable per organisation, not reversible without the
    secret."""
    key = secret.encode()

    def make(respondent_id: int) -> str:
        text = f"export:{organisation_id}:{respondent_id}".encode()
        return hmac.new(key, text, hashlib.sha256).hexdigest()[:16]

    return make


def variable_name(metric: str, brand: str, taken: set[str]) -> str:
    """An SPSS-safe, unique name for a metric × brand indicator (recorded in ``taken``)."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", f"{metric}_{brand}").strip("_")
    if not base or not base[0].isalpha():
        base = "v_" + base
    if len(base.encode()) > 60:
        base = base[:51] + "_" + hashlib.sha1(base.encode()).hexdigest()[:8]
    name, i = base, 2
    while name.upper() in taken or name.upper() in _RESERVED:
        name, i = f"{base}_{i}", i + 1
    taken.add(name.upper())
    return name


def _order(keys: Sequence[Key], brands: Sequence[str]) -> list[Key]:
    fixed = [*PROPORTION_METRICS, *MEAN_METRICS]
    rank = {m: i for i, m in enumerate(fixed)}
    brand_rank = {b: i for i, b in enumerate(brands)}
    return sorted(
        set(keys),
        key=lambda k: (rank.get(k[0], len(fixed)), k[0], brand_rank.get(k[1], len(brands)), k[1]),
    )


def build_table(
    waves: Sequence[ExportWave],
    *,
    brands: Sequence[str],
    brand_names: Mapping[str, str],
    margins: Mapping[str, Mapping[str, float]],
    pseudonyms: Callable[[int], str],
    title: str,
    weight_label: str,
) -> RespondentTable:
    """The dataset of ``waves`` (oldest first): rows of each wave's weighted respondents, sorted by pseudonym
    within the wave (never in storage order)."""
    variables = [v for v in margins if "*" not in v]
    keys = _order([k for w in waves for k in w.inp.indicators], brands)
    rows: list[tuple[ExportWave, int, str]] = []
    for w in waves:
        chosen = [(pseudonyms(rid), i) for i, rid in enumerate(w.inp.respondent_ids) if rid in w.weights]
        rows += [(w, i, key) for key, i in sorted(chosen)]
    columns: list[Variable] = [
        Variable(
            "respondent",
            "Respondent (pseudonym, stable within the organisation)",
            "string",
            [key for _, _, key in rows],
        ),
        Variable(
            "wave_id",
            "Wave",
            "number",
            [float(w.wave_id) for w, _, _ in rows],
            value_labels={float(w.wave_id): _wave_label(w) for w in waves},
        ),
        Variable(
            "wave_date",
            "Wave date (scheduled, UTC)",
            "string",
            [w.scheduled_at.date().isoformat() for w, _, _ in rows],
        ),
        Variable(
            WEIGHT,
            weight_label,
            "number",
            [w.weights[w.inp.respondent_ids[i]] for w, i, _ in rows],
            measure="scale",
        ),
    ]
    for var in variables:
        levels = tuple(margins[var])
        columns.append(
            Variable(
                var,
                var.replace("_", " ").capitalize(),
                "category",
                [w.inp.demographics[var][i] for w, i, _ in rows],
                categories=levels,
            )
        )
    columns.append(
        Variable(
            "customer_status",
            "Customer status (own brand)",
            "category",
            [w.inp.customer[i] for w, i, _ in rows],
            categories=CUSTOMER_STATUSES,
        )
    )
    taken = {c.name.upper() for c in columns}
    indicators: dict[str, Key] = {}
    for metric, brand in keys:
        name = variable_name(metric, brand, taken)
        indicators[name] = (metric, brand)
        values = [_value(w.inp.indicators.get((metric, brand)), i) for w, i, _ in rows]
        mean = metric in MEAN_METRICS
        columns.append(
            Variable(
                name,
                f"{metric_name(metric)}: {brand_names.get(brand, brand)}",
                "number",
                values,
                value_labels=NPS_LABELS if mean else YES_NO,
                measure="scale" if mean else "nominal",
            )
        )
    return RespondentTable(
        tuple(columns), title, WEIGHT, indicators, {w.wave_id: w.scheduled_at for w in waves}
    )


def _value(column: np.ndarray | None, i: int) -> float:
    if column is None:
        return math.nan
    return float(column[i])


def _wave_label(w: ExportWave) -> str:
    label = w.scheduled_at.date().isoformat()
    return label if w.source is None else f"{label}, imported from {w.source}"


def import_mapping(table: RespondentTable, source: str, fmt: str) -> dict[str, Any]:
    """The history-import mapping (:mod:`recognition.imports.mapping`) that reads this export back (``fmt``
    csv or sav: SPSS holds categories as codes 1..k), re-weighted by the receiving poll's margins."""

    def codes(v: Variable) -> dict[str, Any]:
        if fmt == "sav":
            return {"column": v.name, "codes": {str(i + 1): level for i, level in enumerate(v.categories)}}
        return {"column": v.name}

    dates = {str(k): t.isoformat() for k, t in table.wave_times.items()}
    by_metric: dict[str, dict[str, str]] = {}
    for name, (metric, brand) in table.indicators.items():
        by_metric.setdefault(metric, {})[brand] = name
    categories = [v for v in table.variables if v.kind == "category"]
    return {
        "source": source,
        "weighting": "rake",
        "weight": table.weight,
        "respondent": "respondent",
        "wave": {"column": "wave_id", "dates": dates},
        "variables": {v.name: codes(v) for v in categories if v.name != "customer_status"},
        "customer": codes(table.column("customer_status")),
        "metrics": {
            metric: {
                "columns": columns,
                **({"codes": {"-100": -100, "0": 0, "100": 100}} if metric in MEAN_METRICS else {}),
                **(
                    {"scale": "price"}
                    if metric.startswith(SERVICE_FEATURE_PREFIX) and metric.endswith(".wtp")
                    else {}
                ),
            }
            for metric, columns in by_metric.items()
        },
    }
