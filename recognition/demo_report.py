"""What ``recognition demo`` reports: each wave's state, completes, cost and estimates beside the simulated
population's truth (``--json``), the simulator's own books per project, and the trend table it prints."""

from __future__ import annotations

from typing import Any

import aiohttp
import asyncpg

from panels.simulated.inprocess import InProcessPanel
from recognition.store import estimates as estimates_store
from recognition.store import fieldwork as fw_store
from recognition.store import responses
from recognition.store import survey as survey_store
from recognition.store.waves import Wave

#: The metrics whose truth the simulated population knows, reported beside their estimates.
TRUTH_METRICS = ("aided", "unaided", "familiar", "consider")


async def wave_report(conn: asyncpg.Connection, wave: Wave, panel: InProcessPanel) -> dict[str, Any]:
    index = panel.wave_index(wave)
    estimates = []
    for f in await estimates_store.figures(conn, wave.id, segment="all"):
        if f.base != "total":
            continue
        truth = panel.population.truth(f.metric, f.brand, index) if f.metric in TRUTH_METRICS else None
        estimates.append(
            {
                "metric": f.metric,
                "brand": f.brand,
                "estimate": f.estimate,
                "se": f.se,
                "ci_low": f.ci_low,
                "ci_high": f.ci_high,
                "n": f.n,
                "n_eff": f.n_eff,
                "change": f.change,
                "p_value": f.p_value,
                "q_value": f.q_value,
                "significant": f.significant,
                "truth": truth,
            }
        )
    counts = await responses.count_by_status(conn, wave.id)
    books = await fw_store.fieldwork_books(conn, wave.id)
    out = {
        "id": wave.id,
        "scheduled_at": wave.scheduled_at.isoformat(),
        "state": wave.state,
        "n": counts.get("complete", 0),
        "stored_completes": counts.get("complete", 0) + counts.get("quality_terminate", 0),
        "duplicates_dropped": int(books["duplicates_dropped"]) if books else 0,
        "cost": float(books["cost"]) if books else 0.0,
        "survey_respondents": await survey_store.session_outcomes(conn, wave.id),  # entered the hosted survey
        "estimates": estimates,
    }
    if wave.state_reason:
        out["reason"] = wave.state_reason
    return out


async def provider_counts(base_url: str) -> dict[str, dict[str, Any]]:
    """The simulator's own books per project reference (its ``/_sim`` endpoint is never subject to faults)."""
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session,
        session.get(f"{base_url}/_sim/projects") as resp,
    ):
        body = await resp.json()
    return {p["reference"]: p for p in body["projects"]}


def trend_table(report: dict[str, Any], metric: str = "aided") -> str:
    """A plain-text table: one row per brand, one column per wave, estimate and 95% CI in percent."""
    waves_ = report["waves"]
    brands: list[str] = []
    cells: dict[tuple[str, int], str] = {}
    for j, wave in enumerate(waves_):
        for e in wave["estimates"]:
            if e["metric"] != metric:
                continue
            if e["brand"] not in brands:
                brands.append(e["brand"])
            mark = ""
            if e["significant"]:
                mark = " ▲" if e["change"] > 0 else " ▼"
            cells[(e["brand"], j)] = (
                f"{100 * e['estimate']:4.1f} ({100 * e['ci_low']:.0f}–{100 * e['ci_high']:.0f}){mark}"
            )
    header = f"{metric + ' awareness, % (95% CI)':<30}" + "".join(
        f"{w['scheduled_at'][:10]:>20}" for w in waves_
    )
    lines = [header, "-" * len(header)]
    for b in brands:
        lines.append(f"{b:<30}" + "".join(f"{cells.get((b, j), '—'):>20}" for j in range(len(waves_))))
    lines.append(
        "▲/▼: significant change vs the previous wave (FDR-controlled, at least the practical threshold)"
    )
    return "\n".join(lines)
