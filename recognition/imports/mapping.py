"""The mapping of a history import: how another provider's respondent-level file (CSV or SPSS) reads as this
poll's waves, weighting variables, customer status and metrics. Pure: the file's columns come in as text codes.

A mapping (JSON, or TOML) names columns and codes::

    {"source": "Ipsos brand tracker",            # shown as "imported from Ipsos brand tracker" in trends
     "weighting": "rake",                         # rake (default): raked to the poll's margins like any wave;
                                                  # given: estimated with the file's own weights ("weight")
     "weight": "wgt",                             # the file's weight column (needed for "given")
     "respondent": "resp_id",                     # optional; hashed, never stored as it is
     "wave": {"column": "wave", "dates": {"1": "2024-01-08", "2": "2024-02-05"}},   # or ISO dates in the column
     "variables": {"age": {"column": "agegrp", "codes": {"1": "18-24", "2": "25-34"}}, ...},  # every margin
     "customer": {"column": "usage", "codes": {"1": "current", "2": "lapsed", "3": "never"}},
     "metrics": {
        "aided": {"columns": {"acme": "q5_1", "stride": "q5_2"}, "codes": {"1": 1, "2": 0}},
        "prefer": {"column": "q7", "brands": {"1": "acme", "2": "stride", "9": null}},
        "nps": {"columns": {"acme": "q9_1"}, "scale": "0-10"}},
     "missing": ["99"]}                           # codes that mean "no answer" in any column

Codes are the file's values as text (SPSS numbers without a trailing ``.0``). A variable's ``codes`` may be left
out when the column holds the level names themselves. A metric's codes default to ``{"0": 0, "1": 1}``
(NPS: ``"scale": "0-10"``, scores turned into −100/0/+100). An empty cell or a ``missing`` code is no answer: for
NPS and ``service.dissatisfied.<dimension>`` the respondent is not in the brand's base; for another proportion the
respondent did not say yes (counted in the base, as for waves fielded here). Besides the figures' metrics (and
``image.<attribute>``), ``entry_point.<id>`` maps the brands linked to a buying situation (category entry point):
read by the wave's mental availability, never estimated as a figure; ``service_feature.<id>.standard`` /
``.pay`` (0/1) and ``.wtp`` (``"scale": "price"``: the highest accepted price, a number ≥ 0) are read by the
service analysis. Every problem is reported at once, naming the field, column and code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from recognition.figures import MEAN_METRICS, PROPORTION_METRICS
from recognition.waves.inputs import CUSTOMER_STATUSES, IMPORTED, nps_of

IMAGE = re.compile(r"^image\.[a-z0-9_]{1,40}$")
ENTRY_POINT = re.compile(r"^entry_point\.[a-z0-9][a-z0-9_-]{0,39}$")  # read by mental availability only
DISSATISFIED = re.compile(r"^service\.dissatisfied\.[a-z0-9_-]{1,40}$")  # a share among the brand's raters
SERVICE_FEATURE = re.compile(
    r"^service_feature\.[a-z0-9][a-z0-9_-]{0,39}\.(standard|pay|wtp)$"
)  # service analysis
Columns = Mapping[str, Sequence[str | None]]


class MappingError(ValueError):
    """Problems with a mapping or the data it maps: ``problems`` lists each as (field, message)."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        shown = "; ".join(f"{f}: {m}" for f, m in self.problems[:20])
        more = f" (and {len(self.problems) - 20} more)" if len(self.problems) > 20 else ""
        super().__init__(f"{len(self.problems)} problem(s): {shown}{more}")


@dataclass
class ImportedRespondent:
    row: int
    key: str  # what the respondent key is made from (never stored as it is)
    demographics: dict[str, str]
    answers: dict[str, Any]
    given_weight: float | None


@dataclass
class ImportedWave:
    code: str
    scheduled_at: datetime
    respondents: list[ImportedRespondent] = field(default_factory=list)


@dataclass
class _Problems:
    items: list[tuple[str, str]] = field(default_factory=list)
    codes: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)

    def add(self, where: str, message: str) -> None:
        self.items.append((where, message))

    def code(self, where: str, column: str, code: str, row: int) -> None:
        self.codes.setdefault((where, column, code), []).append(row)

    def all(self) -> list[tuple[str, str]]:
        out = list(self.items)
        for (where, column, code), rows in self.codes.items():
            shown = ", ".join(map(str, rows[:5])) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
            out.append((where, f'column "{column}": code "{code}" is not mapped (data rows {shown})'))
        return out


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else None
    if value is None:
        d = date.fromisoformat(text)
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _column(spec: Any, where: str, columns: Columns, problems: _Problems) -> str | None:
    name = spec.get("column") if isinstance(spec, Mapping) else None
    if not isinstance(name, str):
        problems.add(where, "needs a column")
        return None
    if name not in columns:
        problems.add(where, f'column "{name}" is not in the file')
        return None
    return name


def _codes(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    codes = spec.get("codes")
    return None if codes is None else {str(k): v for k, v in codes.items()}


def read_mapping(  # noqa: C901 - one pass over the mapping's parts, each checked in turn
    raw: Mapping[str, Any],
    columns: Columns,
    *,
    brands: Sequence[str],
    margins: Mapping[str, Mapping[str, float]],
) -> list[ImportedWave]:
    """The file's rows (``columns``: name → text codes, None for an empty cell) as the waves of the poll, oldest
    first. Raises :class:`MappingError` listing every problem."""
    p = _Problems()
    n = len(next(iter(columns.values()), []))
    source = raw.get("source")
    if not isinstance(source, str) or not 1 <= len(source) <= 200:
        p.add("source", "required: the provider or study the waves come from (1 to 200 characters)")
    weighting = raw.get("weighting", "rake")
    if weighting not in ("rake", "given"):
        p.add("weighting", 'must be "rake" or "given"')
    weight = raw.get("weight")
    if weighting == "given" and weight is None:
        p.add("weight", 'required with "weighting": "given": the column of the file\'s own weights')
    if weight is not None and weight not in columns:
        p.add("weight", f'column "{weight}" is not in the file')
    missing = {str(c) for c in raw.get("missing", [])}
    respondent = raw.get("respondent")
    if respondent is not None and respondent not in columns:
        p.add("respondent", f'column "{respondent}" is not in the file')
    wave_spec = raw.get("wave") or {}
    wave_col = _column(wave_spec, "wave", columns, p)
    dates = {str(k): str(v) for k, v in (wave_spec.get("dates") or {}).items()}
    variables = [v for v in margins if "*" not in v]
    var_specs = raw.get("variables") or {}
    for name in var_specs:
        if name not in variables:
            p.add(
                f"variables.{name}",
                f"not a weighting variable of the population; one of {', '.join(variables)}",
            )
    var_cols = {}
    for var in variables:
        if var not in var_specs:
            p.add(f"variables.{var}", "required: every weighting variable of the poll's population is mapped")
        elif (col := _column(var_specs[var], f"variables.{var}", columns, p)) is not None:
            var_cols[var] = (col, _codes(var_specs[var]))
    customer_spec = raw.get("customer")
    customer_col = None
    if customer_spec is None:
        p.add("customer", "required: the own brand's customer status (current, lapsed, never)")
    else:
        customer_col = _column(customer_spec, "customer", columns, p)
    metrics = _metric_specs(raw.get("metrics") or {}, columns, brands, p)
    if p.items:
        raise MappingError(p.all())
    waves: dict[str, ImportedWave] = {}
    seen: set[tuple[str, str]] = set()
    for i in range(n):
        row = i + 1
        code = columns[wave_col][i] if wave_col else None
        if code is None or code in missing:
            p.add("wave", f'column "{wave_col}": data row {row} has no wave')
            continue
        wave = waves.get(code)
        if wave is None:
            text = dates.get(code, code if not dates else None)
            if text is None:
                p.code("wave.dates", str(wave_col), code, row)
                continue
            try:
                wave = waves[code] = ImportedWave(code, _instant(text))
            except ValueError:
                p.add("wave.dates", f'column "{wave_col}": "{text}" is not an ISO 8601 date')
                continue
        demographics = {}
        for var, (col, codes) in var_cols.items():
            value = columns[col][row - 1]
            level = (
                None
                if value is None or value in missing
                else (codes or {}).get(value, value if codes is None else None)
            )
            if level is None or level not in margins[var]:
                p.code(f"variables.{var}", col, "" if value is None else value, row)
            else:
                demographics[var] = str(level)
        status = _customer(customer_spec, customer_col, row, columns, missing, p)
        key = columns[respondent][row - 1] if respondent else None
        key = f"row {row}" if key is None else f"id {key}"
        if (code, key) in seen:
            p.add("respondent", f'column "{respondent}": {key} appears twice in wave {code}')
        seen.add((code, key))
        given = _weight(str(weight), row, columns, p) if weighting == "given" else None
        values = {
            metric: {b: read(row) for b, read in readers.items()} for metric, readers in metrics.items()
        }
        if any(v is _BAD for m in values.values() for v in m.values()):
            continue
        wave.respondents.append(
            ImportedRespondent(row, key, demographics, {IMPORTED: values, "customer_status": status}, given)
        )
    problems = p.all()
    if problems:
        raise MappingError(problems)
    return sorted(waves.values(), key=lambda w: w.scheduled_at)


_BAD = object()


def _customer(spec: Any, col: str | None, row: int, columns: Columns, missing: set[str], p: _Problems) -> str:
    assert col is not None
    value = columns[col][row - 1]
    codes = _codes(spec)
    status = (
        None
        if value is None or value in missing
        else (codes or {}).get(value, value if codes is None else None)
    )
    if status not in CUSTOMER_STATUSES:
        p.code("customer", col, "" if value is None else value, row)
        return ""
    return str(status)


def _weight(col: str, row: int, columns: Columns, p: _Problems) -> float | None:
    value = columns[col][row - 1]
    try:
        w = float(value) if value is not None else float("nan")
    except ValueError:
        w = float("nan")
    if not (w > 0 and w != float("inf")):
        p.add("weight", f'column "{col}": data row {row} has {value!r}, not a positive weight')
        return None
    return w


def _metric_specs(  # noqa: C901 - the two shapes of a metric's mapping, each checked
    specs: Mapping[str, Any], columns: Columns, brands: Sequence[str], p: _Problems
) -> dict[str, dict[str, Any]]:
    """Metric → brand → a reader of one data row's value."""
    out: dict[str, dict[str, Any]] = {}
    missing: set[str] = set()
    if not specs:
        p.add("metrics", "map at least one metric")
    for metric, spec in specs.items():
        where = f"metrics.{metric}"
        named = metric in PROPORTION_METRICS or metric in MEAN_METRICS
        if not named and not any(
            rx.match(metric) for rx in (IMAGE, ENTRY_POINT, DISSATISFIED, SERVICE_FEATURE)
        ):
            known = ", ".join((*PROPORTION_METRICS, *MEAN_METRICS))
            p.add(
                where,
                f"not a metric; one of {known}, image.<attribute>, entry_point.<id>, "
                "service.dissatisfied.<dimension> or service_feature.<id>.standard|pay|wtp",
            )
            continue
        mean = metric in MEAN_METRICS
        codes = _codes(spec)
        scale = spec.get("scale")
        price = metric.endswith(".wtp") and SERVICE_FEATURE.match(metric) is not None
        if price and (scale != "price" or codes is not None):
            p.add(where, 'a willingness-to-pay column needs "scale": "price" (the accepted price, ≥ 0)')
            continue
        if mean and codes is None and scale != "0-10":
            p.add(where, 'an NPS column needs "codes" (code → -100, 0 or 100) or "scale": "0-10"')
            continue
        if codes is None and not mean and not price:
            codes = {"0": 0, "1": 1}
        allowed = {-100, 0, 100} if mean else {0, 1}
        for code, value in (codes or {}).items():
            if value is not None and value not in allowed:
                p.add(
                    f"{where}.codes", f'code "{code}" maps to {value!r}; use one of {sorted(allowed)} or null'
                )
        readers: dict[str, Any] = {}
        if "brands" in spec:
            col = _column(spec, where, columns, p)
            chosen = {str(k): v for k, v in spec["brands"].items()}
            for b in chosen.values():
                if b is not None and b not in brands:
                    p.add(f"{where}.brands", f"{b!r} is not a brand of the poll; one of {', '.join(brands)}")
            if col is not None:
                for b in brands:
                    readers[b] = _choice_reader(where, col, b, chosen, columns, p, report=b == brands[0])
        else:
            for b, col in (spec.get("columns") or {}).items():
                if b not in brands:
                    p.add(f"{where}.columns", f"{b!r} is not a brand of the poll; one of {', '.join(brands)}")
                elif col not in columns:
                    p.add(f"{where}.columns.{b}", f'column "{col}" is not in the file')
                else:
                    readers[b] = _value_reader(
                        where, col, codes, scale if mean or price else None, columns, missing, p
                    )
            if not readers:
                p.add(where, 'needs "columns" (brand → column) or "column" with "brands" (code → brand)')
        out[metric] = readers
    return out


def _value_reader(
    where: str,
    col: str,
    codes: dict[str, Any] | None,
    scale: str | None,
    columns: Columns,
    missing: set[str],
    p: _Problems,
) -> Any:
    def read(row: int) -> Any:
        value = columns[col][row - 1]
        if value is None or value in missing:
            return None
        if scale == "price":
            try:
                price = float(value)
            except ValueError:
                price = -1.0
            if not (0 <= price < 1e6):
                p.code(where, col, value, row)
                return _BAD
            return price
        if codes is not None:
            if value not in codes:
                p.code(where, col, value, row)
                return _BAD
            return codes[value]
        try:
            score = int(value)
        except ValueError:
            score = -1
        if not 0 <= score <= 10 or str(score) != value:
            p.code(where, col, value, row)
            return _BAD
        return nps_of(score)

    return read


def _choice_reader(
    where: str, col: str, brand: str, chosen: dict[str, Any], columns: Columns, p: _Problems, *, report: bool
) -> Any:
    def read(row: int) -> Any:
        value = columns[col][row - 1]
        if value is None:
            return 0
        if value not in chosen:
            if report:  # each bad code once, not once per brand
                p.code(where, col, value, row)
            return _BAD
        return 1 if chosen[value] == brand else 0

    return read
