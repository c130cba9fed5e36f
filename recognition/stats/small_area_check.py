"""A simulation with known truth for the Fay–Herriot estimates: how much they gain over the direct estimates and
whether their intervals cover, at the small effective bases where they are meant to be used.

Set-up (one fixed truth per segment, the sampling repeated): m segments with effective bases evenly spread over
``bases``; a covariate ``z_d`` (e.g. the segment's figure in earlier waves) uniform on [0.15, 0.6]; the true
proportion ``θ_d = 0.03 + 0.9·z_d + v_d`` with ``v_d ~ N(0, sigma_v²)``, drawn once. Each replication draws the
direct estimate ``p̂_d = Binomial(n_d, θ_d)/n_d`` with its estimated sampling variance ``p̂(1 − p̂)/n_d`` (as a
design-based variance would be estimated, not the true one), fits the model and records the errors.

Reported: the root mean squared errors over segments and replications of the direct and model estimates and
their ratio, the coverage of the model's and the direct estimates' intervals, and Monte Carlo standard errors
(from the spread of the per-replication figures).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from recognition.stats.small_area import fay_herriot

__all__ = ["SmallAreaCheck", "check_fay_herriot"]


@dataclass(frozen=True)
class SmallAreaCheck:
    """Figures of :func:`check_fay_herriot`; ``*_mc_se`` are Monte Carlo standard errors."""

    segments: int
    replications: int
    bases: tuple[float, float]
    sigma_v: float
    level: float
    method: str
    rmse_direct: float
    rmse_model: float
    rmse_ratio: float
    rmse_ratio_mc_se: float
    coverage_model: float
    coverage_model_mc_se: float
    coverage_direct: float
    worst_segment_coverage: float
    seed: int


def check_fay_herriot(
    *,
    segments: int = 20,
    replications: int = 1000,
    bases: tuple[float, float] = (30.0, 100.0),
    sigma_v: float = 0.04,
    level: float = 0.95,
    method: str = "REML",
    seed: int = 20240614,
) -> SmallAreaCheck:
    """Run the simulation described in the module docstring (deterministic for a seed)."""
    if segments < 5 or replications < 10:
        raise ValueError("segments/replications: need at least 5 segments and 10 replications")
    rng = np.random.default_rng(seed)
    n = np.round(np.linspace(bases[0], bases[1], segments)).astype(int)
    z = rng.uniform(0.15, 0.6, segments)
    theta = np.clip(0.03 + 0.9 * z + rng.normal(0.0, sigma_v, segments), 0.01, 0.99)
    q = float(stats.norm.ppf(0.5 + level / 2))
    sq_direct = np.empty(replications)
    sq_model = np.empty(replications)
    covered = np.empty((replications, segments), dtype=bool)
    covered_direct = np.empty((replications, segments), dtype=bool)
    for r in range(replications):
        direct = rng.binomial(n, theta) / n
        variance = np.maximum(direct * (1 - direct), 1.0 / n) / n
        fit = fay_herriot(direct, variance, z, method=method, level=level)
        sq_direct[r] = np.mean((direct - theta) ** 2)
        sq_model[r] = np.mean((fit.estimate - theta) ** 2)
        covered[r] = (fit.ci_low <= theta) & (theta <= fit.ci_high)
        covered_direct[r] = np.abs(direct - theta) <= q * np.sqrt(variance)
    a, b = sq_model.mean(), sq_direct.mean()
    ratio = float(np.sqrt(a / b))
    # delta method for sqrt(mean(a_r)/mean(b_r)) over independent replications
    influence = 0.5 * ratio * (sq_model / a - sq_direct / b)
    per_rep = covered.mean(axis=1)
    return SmallAreaCheck(
        segments=segments,
        replications=replications,
        bases=bases,
        sigma_v=sigma_v,
        level=level,
        method=method,
        rmse_direct=float(np.sqrt(b)),
        rmse_model=float(np.sqrt(a)),
        rmse_ratio=ratio,
        rmse_ratio_mc_se=float(influence.std(ddof=1) / np.sqrt(replications)),
        coverage_model=float(per_rep.mean()),
        coverage_model_mc_se=float(per_rep.std(ddof=1) / np.sqrt(replications)),
        coverage_direct=float(covered_direct.mean()),
        worst_segment_coverage=float(covered.mean(axis=0).min()),
        seed=seed,
    )
