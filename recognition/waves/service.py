"""How much service is too much: a wave's service features analysed when it publishes, stored with its insight
(:mod:`recognition.waves.insight`).

For every feature the wave asked (its questionnaire version's ladder, the cost per customer as it was when the wave
was created — kept with the wave — or, for a wave from before costs were kept, the poll's current cost, said so in
the feature's ``cost_source`` and notes) and every base — ``all``, ``customer=current`` (the own brand's customers) and ``customer=non`` (potential customers: lapsed
or never, who know the brand or buy from a competitor) — :func:`recognition.stats.gabor_granger` on the indicators
``service_feature.<id>.standard|pay|wtp`` of the own brand: demand and revenue per ladder price, the
revenue-maximising price with its interval, the shares expecting it as standard / would pay / not needing it, and
the recommendation with the chance it flips. Weighted as the wave's figures; intervals from the insight's bootstrap
replicates (re-raked to the wave's margins). A respondent who was not asked (a wave before the feature) is outside
the base. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from recognition.figures import SERVICE_FEATURE_PREFIX, finite, with_interval
from recognition.stats import CalibrationDesign, PriceLadder, ReplicateWeights, gabor_granger
from recognition.waves.inputs import WaveInput, segments_of

SERVICE_BASES = ("all", "customer=current", "customer=non")
SERVICE_METHOD = (
    "Gabor–Granger price ladder: the weighted share who would buy the add-on at each price (those accepting it or "
    "a higher one; those expecting it as standard or not needing it buy none), revenue per member of the base = "
    "price × share, the revenue-maximising price with the set of prices within sampling error of it; "
    "{level:.0%} percentile intervals from {replicates} bootstrap replicates re-raked to the wave's margins. "
    "Recommendation: do not promise when the cost per customer is at least the revenue-maximising price; else "
    "standard when at least half expect it as standard; else a paid add-on at that price"
)


def _label(feature: Mapping[str, Any]) -> str:
    """The feature's wording as asked (a stored definition's label), else the poll's (English first)."""
    wording = feature.get("label") or feature.get("wording") or feature["id"]
    if isinstance(wording, Mapping):
        return str(wording.get("en") or next(iter(wording.values()), feature["id"]))
    return str(wording)


#: Where a feature's cost in the analysis comes from: kept with the wave, or the poll's current one.
COST_AT_FIELDING = "fielding"
COST_NOW = "current"
COST_NOW_NOTE = (
    "cost per customer as the poll sets it now: the wave was fielded before costs were kept with each wave"
)


def features_asked(
    poll_features: Sequence[Mapping[str, Any]] | None,
    definition: Mapping[str, Any] | None,
    fielded_costs: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """The features a wave asked — from its stored questionnaire ``definition`` when it names them (its ladder),
    else the poll's — each with its cost per customer as the wave kept it when it was created (``fielded_costs``),
    else the poll's current cost (``cost_source`` says which); a feature with neither is left out."""
    now = {f["id"]: float(f["cost"]) for f in poll_features or []}
    kept = dict(fielded_costs or {})
    asked = list(poll_features or []) if definition is None else definition.get("service_features") or []
    out = []
    for f in asked:
        if f["id"] not in kept and f["id"] not in now:
            continue
        source = COST_AT_FIELDING if f["id"] in kept else COST_NOW
        out.append(
            {
                "id": f["id"],
                "label": _label(f),
                "prices": [float(p) for p in f["prices"]],
                "currency": f.get("currency", "EUR"),
                "cost": float(kept[f["id"]]) if source == COST_AT_FIELDING else now[f["id"]],
                "cost_source": source,
            }
        )
    return out


def _ladder(result: PriceLadder) -> dict[str, Any]:
    return {
        "n": result.n,
        "n_eff": finite(result.n_eff),
        "demand": [
            {
                "price": float(p),
                **with_interval("share", result.demand[k], result.demand_low[k], result.demand_high[k]),
                **with_interval("revenue", result.revenue[k], result.revenue_low[k], result.revenue_high[k]),
            }
            for k, p in enumerate(result.prices)
        ],
        "best_price": result.best_price,
        "best_price_low": result.best_price_low,
        "best_price_high": result.best_price_high,
        "expectations": {
            k: {"share": finite(v[0]), "low": finite(v[1]), "high": finite(v[2])}
            for k, v in result.expectations.items()
        },
        "margin": finite(result.margin),
        "recommendation": result.recommendation,
        "recommendation_shares": result.recommendation_shares,
        "flip_probability": result.flip_probability,
        "uncertain": result.uncertain,
        "could_flip": list(result.could_flip),
    }


def _column(inp: WaveInput, feature: str, part: str, own: str) -> np.ndarray:
    return inp.indicators.get((f"{SERVICE_FEATURE_PREFIX}{feature}.{part}", own), np.full(inp.n, np.nan))


def _feature(
    inp: WaveInput,
    own: str,
    feature: Mapping[str, Any],
    design: CalibrationDesign,
    reps: np.ndarray,
    level: float,
) -> dict[str, Any]:
    standard, pay, wtp = (_column(inp, feature["id"], part, own) for part in ("standard", "pay", "wtp"))
    asked = np.isfinite(standard) & np.isfinite(pay) & np.isfinite(wtp)
    names, members = segments_of(inp)
    bases: list[dict[str, Any]] = []
    notes: list[str] = []
    for base in SERVICE_BASES:
        mask = asked & (members[:, names.index(base)] if base in names else np.zeros(inp.n, dtype=bool))
        if mask.sum() < 2:
            notes.append(f"{base}: {int(mask.sum())} respondent(s) asked, too few to analyse")
            continue
        accepted, std, pays = (np.where(mask, v, 0.0) for v in (wtp, standard, pay))
        try:
            result = gabor_granger(
                accepted,
                std,
                pays,
                feature["prices"],
                feature["cost"],
                design.w * mask,
                reps * mask,
                level=level,
            )
        except ValueError as exc:
            notes.append(f"{base}: {exc}")
            continue
        bases.append({"base": base, **_ladder(result)})
    if feature.get("cost_source") == COST_NOW:
        notes.append(COST_NOW_NOTE)
    return {**feature, "bases": bases, "notes": notes}


def service(
    inp: WaveInput,
    own_brand: str,
    features: Sequence[Mapping[str, Any]],
    design: CalibrationDesign,
    reps: ReplicateWeights | None,
    level: float,
) -> tuple[dict[str, Any] | None, str | None]:
    """The service analysis of the wave (module docstring), or None with a note saying why there is none."""
    if not features:
        return None, "the poll asks about no service features"
    if reps is None:
        return None, "the wave has too few respondents to resample"
    method = SERVICE_METHOD.format(level=level, replicates=reps.replicates)
    found = [_feature(inp, own_brand, f, design, reps.weights, level) for f in features]
    return {"level": level, "method": method, "features": found}, None
