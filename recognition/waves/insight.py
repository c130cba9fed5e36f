"""Where a wave's brands stand beyond their shares: key drivers, the image map and mental availability, computed
once when the wave publishes (:func:`recognition.waves.processing.process_wave`) and stored as plain data
(:mod:`recognition.store.insight`), so readers never repeat the bootstrap.

All three read the wave's respondents on the design its figures are weighted with (:func:`recognition.waves.
compute.weigh`), never a second weighting:

* **key drivers** (:func:`recognition.stats.key_drivers`): Johnson's relative weights of the image associations
  for consideration and for preference, on the stacked respondent × brand rows of the brands each respondent
  knows (total awareness), within brands (brand fixed effects). Two bases: ``all`` (every respondent) and
  ``customer=non`` (the potential customers: not current customers of the own brand, as the segment of that
  name). Percentile intervals from :data:`REPLICATES` bootstrap replicates, each re-raked to the wave's margins
  with the service's weight bounds (:func:`recognition.stats.bootstrap_weights`, seed :data:`SEED`).
* **image map** (:func:`recognition.stats.image_map_from_indicators`): correspondence analysis of the weighted
  brand × attribute association table of every respondent; principal coordinates on the first two dimensions.
* **mental availability** (:func:`recognition.stats.mental_availability`): mental market share, mental
  penetration and network size per brand, from the category entry point associations (indicators named
  ``entry_point.<id>``), when the wave's questionnaire asks them.
* **service** (:mod:`recognition.waves.service`): per service feature the poll asks about, demand and
  willingness to pay on its price ladder, the revenue-maximising price and the recommendation (standard, paid
  add-on, do not promise), among all respondents, customers and potential customers, on the same replicates.

A part that cannot be computed (no image attributes, an outcome that does not vary, too few respondents, a
degenerate table) is empty with a ``note`` in plain words; the rest stands, and the wave publishes either way.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from recognition.figures import ENTRY_POINT_PREFIX, IMAGE_PREFIX, StatisticsOptions, finite, with_interval
from recognition.stats import (
    CalibrationDesign,
    DriverResult,
    ImageMap,
    MentalAvailability,
    RatioArrays,
    ReplicateWeights,
    bootstrap_weights,
    image_map_from_indicators,
    key_drivers,
    mental_availability,
)
from recognition.waves.compute import weigh
from recognition.waves.inputs import WaveInput, segments_of
from recognition.waves.service import service

REPLICATES = 200
SEED = 20240601
OUTCOMES = ("consider", "prefer")
DRIVER_BASES = ("all", "customer=non")
MAP_DIMENSIONS = 2

DRIVERS_METHOD = (
    "Johnson's relative weights of the image associations for {outcome}: share of the explained variance (R²) "
    "of a linear model on the stacked respondent × brand rows of the brands the respondent knows, within brands "
    "(brand fixed effects), weighted as the wave's figures; {level:.0%} percentile intervals from {replicates} "
    "bootstrap replicates, each re-raked to the wave's margins"
)
MAP_METHOD = (
    "Correspondence analysis of the weighted brand × attribute association table (every respondent); "
    "principal coordinates on the first two dimensions (symmetric map); closeness of a brand and an attribute "
    "reads as an association stronger than the brand's size and the attribute's popularity explain"
)
MENTAL_METHOD = (
    "Mental market share (the brand's share of all brand–entry point links), mental penetration (share linking "
    "the brand to at least one entry point) and network size (entry points linked among those linking any), "
    "among every respondent of the wave, weighted as the wave's figures; linearised standard errors"
)


def attributes_of(inp: WaveInput) -> list[str]:
    """The image attributes measured in the wave (``image.<id>`` metrics, in first-seen order)."""
    return list(dict.fromkeys(m for m, _ in inp.indicators if m.startswith(IMAGE_PREFIX)))


def entry_points_of(inp: WaveInput) -> list[str]:
    return list(dict.fromkeys(m for m, _ in inp.indicators if m.startswith(ENTRY_POINT_PREFIX)))


def _stack(inp: WaveInput, metrics: Sequence[str], brands: Sequence[str]) -> np.ndarray:
    """(n × brands × metrics) of the indicators; NaN where a respondent has none."""
    nan = np.full(inp.n, np.nan)
    return np.stack(
        [np.column_stack([inp.indicators.get((m, b), nan) for m in metrics]) for b in brands], axis=1
    )


def driver_inputs(
    inp: WaveInput, brands: Sequence[str], attributes: Sequence[str], base: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The arrays :func:`recognition.stats.key_drivers` takes for ``base``: associations (n × B × k), outcomes
    (n × B × 2) and the row domain (aware of the brand, every value present, respondent in the segment)."""
    x = _stack(inp, attributes, brands)
    y = _stack(inp, OUTCOMES, brands)
    aware = np.nan_to_num(_stack(inp, ["total_awareness"], brands)[:, :, 0]) == 1
    names, members = segments_of(inp)
    segment = members[:, names.index(base)]
    domain = aware & segment[:, None] & np.isfinite(x).all(axis=2) & np.isfinite(y).all(axis=2)
    return np.nan_to_num(x), np.nan_to_num(y), domain


def _driver(result: DriverResult, base: str, attributes: Sequence[str]) -> dict[str, Any]:
    return {
        "outcome": result.outcome,
        "base": base,
        **with_interval("r_squared", result.r_squared, result.r_squared_low, result.r_squared_high),
        "n": result.n,
        "rows": result.rows,
        "n_eff": finite(result.n_eff),
        "replicates": result.replicates,
        "level": result.level,
        "base_status": result.base_status,
        "warnings": list(result.warnings),
        "method": DRIVERS_METHOD.format(
            outcome=result.outcome, level=result.level, replicates=result.replicates
        ),
        "attributes": [
            {
                "attribute": a,
                **with_interval("share", result.share[j], result.share_low[j], result.share_high[j]),
                "share_se": finite(result.share_se[j]),
                **with_interval("raw", result.raw[j], result.raw_low[j], result.raw_high[j]),
            }
            for j, a in enumerate(attributes)
        ],
    }


def drivers(
    inp: WaveInput,
    brands: Sequence[str],
    design: CalibrationDesign,
    replicates: ReplicateWeights | None,
    level: float,
) -> tuple[list[dict[str, Any]], str | None]:
    attributes = attributes_of(inp)
    missing = [o for o in OUTCOMES if not any((o, b) in inp.indicators for b in brands)]
    if not attributes:
        return [], "the wave's questionnaire asks no image attributes"
    if missing:
        return [], f"the wave's questionnaire does not measure {' or '.join(missing)}"
    if replicates is None:
        return [], "the wave has too few respondents for bootstrap intervals"
    out: list[dict[str, Any]] = []
    notes: list[str] = []
    for base in DRIVER_BASES:
        x, y, domain = driver_inputs(inp, brands, attributes, base)
        try:
            results = key_drivers(
                x,
                y,
                design,
                replicates,
                domain=domain,
                attribute_names=attributes,
                outcome_names=OUTCOMES,
                level=level,
            )
        except (ValueError, np.linalg.LinAlgError) as exc:
            notes.append(f"{base}: {exc}")
            continue
        out += [_driver(r, base, attributes) for r in results]
    return out, "; ".join(notes) or None


def _points(names: Sequence[str], coords: np.ndarray, extra: Mapping[str, np.ndarray], key: str) -> list[Any]:
    dims = min(MAP_DIMENSIONS, coords.shape[1])
    return [
        {
            key: name,
            "x": finite(coords[i, 0]) if dims > 0 else None,
            "y": finite(coords[i, 1]) if dims > 1 else None,
            **{k: finite(v[i]) for k, v in extra.items()},
        }
        for i, name in enumerate(names)
    ]


def _map(result: ImageMap) -> dict[str, Any]:
    dims = min(MAP_DIMENSIONS, result.inertia.size)
    row_q = np.nansum(result.row_quality[:, :dims], axis=1)
    col_q = np.nansum(result.column_quality[:, :dims], axis=1)
    return {
        "brands": _points(
            result.row_names, result.row_principal, {"mass": result.row_mass, "quality": row_q}, "brand"
        ),
        "attributes": _points(
            result.column_names,
            result.column_principal,
            {"mass": result.column_mass, "quality": col_q},
            "attribute",
        ),
        "inertia": [finite(v) for v in result.inertia],
        "inertia_share": [finite(v) for v in result.share],
        "inertia_explained": finite(np.sum(result.share[:dims])),
        "total_inertia": finite(result.total_inertia),
        "n": result.n,
        "n_eff": finite(result.n_eff),
        "warnings": list(result.warnings),
        "method": MAP_METHOD,
    }


def image_map(
    inp: WaveInput, brands: Sequence[str], design: CalibrationDesign
) -> tuple[dict[str, Any] | None, str | None]:
    attributes = attributes_of(inp)
    if not attributes:
        return None, "the wave's questionnaire asks no image attributes"
    x = np.nan_to_num(_stack(inp, attributes, brands))
    try:
        result = image_map_from_indicators(x, design, brand_names=brands, attribute_names=attributes)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return None, str(exc)
    return _map(result), None


def _measure(m: RatioArrays, j: int) -> dict[str, Any]:
    return {
        "estimate": finite(m.estimate[j]),
        "se": finite(m.se[j]),
        "ci_low": finite(m.ci_low[j]),
        "ci_high": finite(m.ci_high[j]),
        "n": int(m.n[j]),
        "n_eff": finite(m.n_eff[j]),
        "base_status": str(m.base_status[j]),
    }


def _mental(result: MentalAvailability) -> dict[str, Any]:
    return {
        "entry_points": result.entry_points,
        "buyers": result.buyers,
        "buyers_n_eff": finite(result.buyers_n_eff),
        "level": result.level,
        "warnings": list(result.warnings),
        "method": MENTAL_METHOD,
        "brands": [
            {
                "brand": b,
                "mental_market_share": _measure(result.mental_market_share, j),
                "mental_penetration": _measure(result.mental_penetration, j),
                "network_size": _measure(result.network_size, j),
            }
            for j, b in enumerate(result.brands)
        ],
    }


def mental(
    inp: WaveInput, brands: Sequence[str], design: CalibrationDesign, level: float
) -> tuple[dict[str, Any] | None, str | None]:
    entry_points = entry_points_of(inp)
    if not entry_points:
        return None, "the wave's questionnaire asks no category entry points"
    links = np.swapaxes(np.nan_to_num(_stack(inp, entry_points, brands)), 1, 2)
    try:
        result = mental_availability(links.astype(int), design, brand_names=brands, level=level)
    except (ValueError, np.linalg.LinAlgError) as exc:
        return None, str(exc)
    return _mental(result), None


def replicate_weights(design: CalibrationDesign, options: StatisticsOptions) -> ReplicateWeights | None:
    """The wave's bootstrap replicates (None when it has too few respondents to resample)."""
    try:
        return bootstrap_weights(design, replicates=REPLICATES, bounds=options.weight_bounds, seed=SEED)
    except ValueError:
        return None


def compute_insight(
    inp: WaveInput,
    brands: Sequence[str],
    margins: Mapping[str, Mapping[str, float]],
    options: StatisticsOptions,
    own_brand: str | None = None,
    service_features: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Key drivers, the image map, mental availability and the service analysis (of ``service_features``, from
    :func:`recognition.waves.service.features_asked`) of one wave, as stored (plain JSON data)."""
    if inp.n < 2:
        note = f"the wave has {inp.n} respondent(s): too few to analyse"
        return {
            "replicates": 0,
            "seed": SEED,
            "drivers": [],
            "drivers_note": note,
            "image_map": None,
            "image_map_note": note,
            "mental_availability": None,
            "mental_availability_note": note,
            "service": None,
            "service_note": note,
        }
    design = weigh(inp, margins, options).design
    needs_bootstrap = bool(attributes_of(inp)) or bool(service_features)
    reps = replicate_weights(design, options) if needs_bootstrap else None
    found, drivers_note = drivers(inp, brands, design, reps, options.level)
    placed, map_note = image_map(inp, brands, design)
    ma, ma_note = mental(inp, brands, design, options.level)
    found_service, service_note = service(
        inp, own_brand or brands[0], service_features, design, reps, options.level
    )
    return {
        "replicates": 0 if reps is None else reps.replicates,
        "seed": SEED,
        "drivers": found,
        "drivers_note": drivers_note,
        "image_map": placed,
        "image_map_note": map_note,
        "mental_availability": ma,
        "mental_availability_note": ma_note,
        "service": found_service,
        "service_note": service_note,
    }
