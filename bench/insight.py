"""Time the insight methods for one wave at publish time, against their natural baselines where one exists.

    python bench/insight.py [--respondents 2000] [--brands 12] [--attributes 8] [--replicates 200] [--json]

A synthetic wave: ``--respondents`` respondents raked on four margins (6/2/4/3 levels) with bounds [0.2, 5];
``--brands`` brands with awareness, consideration and preference indicators and ``--attributes`` image
associations per brand; 10 category entry points (pick-any); 20 segments; a history of 26 earlier waves.
Timed, each the best of ``--repeat`` runs:

* ``bootstrap``: re-raked bootstrap replicate weights (``--replicates``, same margins and bounds);
* ``drivers``: Johnson's relative weights for consideration and preference among all and among each brand's
  potential customers (aware, not rejecting), with bootstrap intervals from those replicates;
* ``image_map``: correspondence analysis of the weighted brand × attribute table;
* ``mental``: mental market share, penetration and network size with linearised SEs;
* ``small_area``: Fay–Herriot EBLUPs for 20 segments of every brand × 2 metrics (REML);
* ``smoothing``: local-level smoothing (ML signal variance) of 26 waves for every brand × 4 metrics.

Baselines, in the same run: the exact Shapley (LMG) decomposition by all 2^k subset regressions on the same
weighted correlation matrix, for one fit (what relative weights replace); and, when ``statsmodels`` is installed,
its state-space ML fit and smoother of the same model (known, time-varying observation variances, exact
diffuse start), series one at a time. Prints one JSON line, then (without
``--json``) a human summary with the ratios.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

try:
    from statsmodels.tsa.statespace.mlemodel import MLEModel
except ImportError:  # optional peer
    MLEModel = None

from recognition.stats import (
    CalibrationDesign,
    bootstrap_weights,
    estimate_matrix,
    fay_herriot,
    image_map_from_indicators,
    key_drivers,
    mental_availability,
    rake,
    smooth_trend,
)

MARGINS = {
    "age": {"18-24": 0.117, "25-34": 0.174, "35-44": 0.171, "45-54": 0.153, "55-64": 0.156, "65+": 0.229},
    "gender": {"female": 0.51, "male": 0.49},
    "region": {"Northeast": 0.174, "Midwest": 0.205, "South": 0.386, "West": 0.235},
    "education": {"hs": 0.381, "college": 0.295, "bachelors": 0.324},
}
BOUNDS = (0.2, 5.0)
CEPS = 10
SEGMENTS = 20
HISTORY = 26


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, out = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def make_wave(n: int, brands: int, attributes: int, seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    data = {}
    for var, shares in MARGINS.items():
        p = np.array(list(shares.values())) * np.linspace(0.6, 1.4, len(shares))
        data[var] = rng.choice(list(shares), n, p=p / p.sum())
    young = np.isin(data["age"], ["18-24", "25-34"])[:, None]
    size = np.linspace(1.5, -1.5, brands)[None, :]
    liking = rng.normal(size=(n, brands)) + 0.3 * young
    aware = rng.random((n, brands)) < 1 / (1 + np.exp(-(size + 0.8 + liking)))
    slopes = np.linspace(0.2, 1.2, attributes)
    assoc = aware[:, :, None] & (
        rng.random((n, brands, attributes)) < 1 / (1 + np.exp(-(slopes * liking[:, :, None] - 0.5)))
    )
    consider = aware & (rng.random((n, brands)) < 1 / (1 + np.exp(-(liking + 0.5 * assoc[:, :, 1] - 0.5))))
    prefer = consider & (rng.random((n, brands)) < 1 / (1 + np.exp(-(liking - 1 + 0.6 * assoc[:, :, 3]))))
    reject = aware & ~consider & (rng.random((n, brands)) < 0.3)
    links = aware[:, None, :] & (rng.random((n, CEPS, brands)) < 0.25)
    segment = rng.integers(0, SEGMENTS, n)
    return {
        "data": data,
        "assoc": assoc.astype(float),
        "outcomes": np.stack([consider, prefer], axis=2).astype(float),
        "potential": aware & ~reject,
        "links": links.astype(np.int8),
        "buyers": rng.random(n) < 0.8,
        "segments": segment[:, None] == np.arange(SEGMENTS)[None, :],
        "aware": aware.astype(float),
        "consider": consider.astype(float),
    }


def lmg(corr: np.ndarray, k: int) -> np.ndarray:
    """Exact Shapley decomposition of R² from a correlation matrix (attributes first, outcome last)."""
    r2: dict[tuple[int, ...], float] = {(): 0.0}
    for size in range(1, k + 1):
        for subset in itertools.combinations(range(k), size):
            idx = list(subset)
            rxy = corr[idx, k]
            r2[subset] = float(rxy @ np.linalg.solve(corr[np.ix_(idx, idx)], rxy))
    out = np.zeros(k)
    for subset, value in r2.items():
        s = len(subset)
        for j in range(k):
            if j in subset:
                continue
            weight = math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k)
            out[j] += weight * (r2[tuple(sorted((*subset, j)))] - value)
    return out


def lmg_baseline(wave: dict[str, Any], design: CalibrationDesign) -> np.ndarray:
    """The same stacked, brand-centred weighted correlation matrix, then LMG over all subsets (one outcome)."""
    z = np.concatenate([wave["assoc"], wave["outcomes"][:, :, :1]], axis=2)
    w = design.w
    centred = z - np.einsum("i,ibp->bp", w, z)[None] / w.sum()
    cov = np.einsum("i,ibp,ibq->pq", w, centred, centred)
    sd = np.sqrt(np.diag(cov))
    return lmg(cov / np.outer(sd, sd), z.shape[2] - 1)


if MLEModel is not None:

    class _LocalLevel(MLEModel):  # type: ignore[misc, valid-type]
        """The same model in statsmodels: time-varying known observation variance, exact diffuse start."""

        def __init__(self, endog: np.ndarray, obs_var: np.ndarray) -> None:
            super().__init__(endog, k_states=1, initialization="diffuse")
            self["design"] = np.ones((1, 1))
            self["obs_cov"] = obs_var.reshape(1, 1, -1)
            self["transition"] = np.ones((1, 1))
            self["selection"] = np.ones((1, 1))

        @property
        def param_names(self) -> list[str]:
            return ["signal_variance"]

        @property
        def start_params(self) -> np.ndarray:
            return np.array([float(np.var(np.diff(self.endog[:, 0])))])

        def transform_params(self, unconstrained: np.ndarray) -> np.ndarray:
            return unconstrained**2

        def untransform_params(self, constrained: np.ndarray) -> np.ndarray:
            return constrained**0.5

        def update(self, params: np.ndarray, **kwargs: Any) -> np.ndarray:
            params = super().update(params, **kwargs)
            self["state_cov", 0, 0] = params[0]
            return params


def statsmodels_baseline(y: np.ndarray, se: np.ndarray) -> float | None:
    """statsmodels' ML fit and smoother of the same model, one series at a time (None if not installed)."""
    if MLEModel is None:
        return None
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for row, s in zip(y, se, strict=True):
            _LocalLevel(row, s * s).fit(disp=False).smoothed_state  # noqa: B018 - smoothing is part of the work
    return time.perf_counter() - start


def run(args: argparse.Namespace) -> dict[str, Any]:
    wave = make_wave(args.respondents, args.brands, args.attributes, args.seed)
    weighting_s, raked = best_of(args.repeat, lambda: rake(wave["data"], MARGINS, bounds=BOUNDS))
    design = raked.design
    times: dict[str, float] = {}
    times["bootstrap"], reps = best_of(
        args.repeat, lambda: bootstrap_weights(design, replicates=args.replicates, bounds=BOUNDS, seed=1)
    )

    def drivers() -> tuple[Any, Any]:
        every = key_drivers(wave["assoc"], wave["outcomes"], design, reps)
        potential = key_drivers(wave["assoc"], wave["outcomes"], design, reps, domain=wave["potential"])
        return every, potential

    times["drivers"], _ = best_of(args.repeat, drivers)
    times["image_map"], _ = best_of(args.repeat, lambda: image_map_from_indicators(wave["assoc"], design))
    times["mental"], _ = best_of(
        args.repeat, lambda: mental_availability(wave["links"], design, buyers=wave["buyers"])
    )
    rng = np.random.default_rng(args.seed + 1)
    metrics = np.concatenate([wave["aware"], wave["consider"]], axis=1)
    seg = estimate_matrix(metrics, design, wave["segments"])
    earlier = np.clip(seg.estimate + rng.normal(0, 0.03, seg.estimate.shape), 0.01, 0.99)

    def small_area() -> list[Any]:
        return [
            fay_herriot(
                seg.estimate[:, j], np.maximum(seg.se[:, j], 1e-3) ** 2, earlier[:, j], proportion=True
            )
            for j in range(metrics.shape[1])
        ]

    times["small_area"], _ = best_of(args.repeat, small_area)
    series = 4 * args.brands
    y = 0.4 + np.cumsum(rng.normal(0, 0.01, (series, HISTORY)), axis=1)
    se = rng.uniform(0.01, 0.03, (series, HISTORY))
    y = y + rng.normal(0, se)
    times["smoothing"], _ = best_of(args.repeat, lambda: smooth_trend(y, se))
    total = sum(times.values())
    one_fit_s, _ = best_of(
        args.repeat, lambda: key_drivers(wave["assoc"], wave["outcomes"][:, :, :1], design)
    )
    lmg_s, _ = best_of(args.repeat, lambda: lmg_baseline(wave, design))
    return {
        "respondents": args.respondents,
        "brands": args.brands,
        "attributes": args.attributes,
        "replicates": args.replicates,
        "weighting_s": weighting_s,
        **{f"{k}_s": v for k, v in times.items()},
        "total_s": total,
        "drivers_one_fit_s": one_fit_s,
        "lmg_one_fit_s": lmg_s,
        "statsmodels_smoothing_s": statsmodels_baseline(y, se),
        "smoothing_series": series,
    }


def _summary(r: dict[str, Any]) -> str:
    lines = [
        f"one wave: {r['respondents']} respondents, {r['brands']} brands, {r['attributes']} attributes, "
        f"{r['replicates']} bootstrap replicates (raking itself: {r['weighting_s']:.3f} s)"
    ]
    for key in ("bootstrap", "drivers", "image_map", "mental", "small_area", "smoothing"):
        lines.append(f"  {key:<11} {r[key + '_s']:.3f} s")
    lines.append(f"  {'total':<11} {r['total_s']:.3f} s")
    lines.append(
        f"relative weights, one fit: {r['drivers_one_fit_s'] * 1e3:.1f} ms; exact Shapley (LMG, 2^{r['attributes']} "
        f"subsets): {r['lmg_one_fit_s'] * 1e3:.1f} ms ({r['lmg_one_fit_s'] / r['drivers_one_fit_s']:.1f}×)"
    )
    if r["statsmodels_smoothing_s"] is not None:
        lines.append(
            f"smoothing {r['smoothing_series']} series: statsmodels (same model, one series at a time) "
            f"{r['statsmodels_smoothing_s']:.3f} s ({r['statsmodels_smoothing_s'] / r['smoothing_s']:.1f}×)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--respondents", type=int, default=2000)
    parser.add_argument("--brands", type=int, default=12)
    parser.add_argument("--attributes", type=int, default=8)
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--json", action="store_true", help="print only the JSON line")
    args = parser.parse_args(argv)
    result = run(args)
    print(json.dumps(result))
    if not args.json:
        print(_summary(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
