"""A wave's fieldwork as it goes: quota cells, incidence, drop-outs, quality terminations and the cost so far.

What the fieldwork monitor of the studio polls while an editor watches; every figure comes from the same places
as the wave's detail (:func:`recognition.web.api.waves.get_wave`): the respondents the hosted survey stored
(test respondents never counted), the wave's fieldwork at its provider, and the quotas the launch bought
(:func:`recognition.waves.pricing.wave_spec`).

* **Quota cells**: every level of every weighting variable the provider was given a quota on, its limit
  (``target``) and the valid completes in it (``achieved``), by the demographics the survey stored (a derived
  variable, such as the region from the Land, filled in as the survey stores it).
* **Incidence**: of the respondents who got past the screener or were screened out by it, the share who got
  past it (completes and quality terminations).
* **Drop-outs**: respondents who started and left the survey without finishing (nothing shown to them for
  :data:`DROP_OUT_SECONDS`, or at all once fieldwork is over); ``in_survey`` are the ones still answering.
* **Cost so far**: the recorded cost once the wave's books are settled, else the valid completes at the price
  quoted at launch (:func:`recognition.waves.books.completes_cost`).
"""

from __future__ import annotations

from typing import Any

from recognition.store import fieldwork as fieldwork_store
from recognition.store import polls as polls_store
from recognition.store import responses
from recognition.store import survey as survey_store
from recognition.waves.books import completes_cost
from recognition.waves.pricing import wave_spec
from recognition.web.api.ops import Ctx, Op, respond
from recognition.web.api.waves import WAVE_ID, load_wave

#: A respondent shown nothing for this long has left the survey (a drop-out).
DROP_OUT_SECONDS = 30 * 60
#: States in which respondents may still be answering; after them, whoever has not finished dropped out.
IN_FIELD = frozenset({"launching", "fielding", "closing"})

COUNTS = {"type": "object", "additionalProperties": {"type": "integer"}}
MONITOR: dict[str, Any] = {
    "type": "object",
    "required": [
        "wave_id",
        "state",
        "completes",
        "target_n",
        "quotas",
        "incidence",
        "screened_out",
        "drop_outs",
        "in_survey",
        "quality_terminations",
        "quality_reasons",
        "cost_so_far",
        "currency",
    ],
    "properties": {
        "wave_id": {"type": "integer"},
        "state": {"type": "string"},
        "completes": {"type": "integer"},
        "target_n": {"type": "integer"},
        "quotas": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "level", "target", "achieved"],
                "properties": {
                    "variable": {"type": "string"},
                    "level": {"type": "string"},
                    "target": {"type": "integer", "description": "the quota's limit at the provider"},
                    "achieved": {"type": "integer", "description": "valid completes in the cell"},
                },
            },
        },
        "incidence": {
            "type": ["number", "null"],
            "description": "share past the screener among those it judged (null before anyone was judged)",
        },
        "screened_out": {"type": "integer"},
        "drop_outs": {"type": "integer"},
        "in_survey": {"type": "integer"},
        "quality_terminations": {"type": "integer"},
        "quality_reasons": {**COUNTS, "description": "quality terminations per reason"},
        "cost_so_far": {"type": "number"},
        "currency": {"type": ["string", "null"]},
    },
}


def quota_cells(population: str, target_n: int, counts: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    """The wave's quota cells with the completes in each (see the module docstring)."""
    return [
        {
            "variable": q.variable,
            "level": q.level,
            "target": q.limit,
            "achieved": counts.get((q.variable, q.level), 0),
        }
        for q in wave_spec(population, target_n).quotas
    ]


async def wave_fieldwork(ctx: Ctx) -> Any:
    async with ctx.pool.acquire() as conn:
        wave = await load_wave(conn, ctx)
        poll = await polls_store.get_poll(conn, wave.poll_id)
        assert poll is not None
        counts = await responses.count_by_status(conn, wave.id)
        cells = await responses.complete_demographics(conn, wave.id)
        reasons = await responses.quality_reason_counts(conn, wave.id)
        fw = await fieldwork_store.get_fieldwork(conn, wave.id)
        in_field = wave.state in IN_FIELD
        in_survey = await survey_store.still_in_survey(conn, wave.id, DROP_OUT_SECONDS) if in_field else 0
    completes = counts.get("complete", 0)
    past = completes + counts.get("quality_terminate", 0)
    judged = past + counts.get("screened_out", 0)
    settled = fw is not None and (fw.settled_at is not None or wave.state in ("processing", "published"))
    cost = fw.cost if fw is not None and settled else completes_cost(completes, fw.price if fw else None)
    return respond(
        {
            "wave_id": wave.id,
            "state": wave.state,
            "completes": completes,
            "target_n": wave.target_n,
            "quotas": quota_cells(poll.population, wave.target_n, cells),
            "incidence": past / judged if judged else None,
            "screened_out": counts.get("screened_out", 0),
            "drop_outs": counts.get("dropped", 0) + max(0, counts.get("started", 0) - in_survey),
            "in_survey": in_survey,
            "quality_terminations": counts.get("quality_terminate", 0),
            "quality_reasons": reasons,
            "cost_so_far": round(cost, 2),
            "currency": fw.currency if fw is not None else None,
        }
    )


OPS = (
    Op(
        "GET",
        "/api/v1/waves/{wave_id}/fieldwork",
        wave_fieldwork,
        "viewer",
        "A wave's fieldwork as it goes: quota cells, incidence, drop-outs, quality terminations, cost so far",
        "waves",
        MONITOR,
        (WAVE_ID,),
        description="Counts exclude test respondents. Quota targets are the limits the provider was given; "
        "achieved counts the valid completes in each cell. The cost is the recorded one once the wave's books "
        "are settled, else the valid completes at the price quoted at launch.",
    ),
)
