"""Scores: published estimates of a poll, per wave, with their base, uncertainty and wave-on-wave test."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from recognition.api.auth import require
from recognition.api.errors import Problem
from recognition.store import estimates as estimates_store
from recognition.store import polls as polls_store
from recognition.store import waves as waves_store


def _int_param(request: web.Request, name: str) -> int:
    raw = request.match_info.get(name) or request.query.get(name, "")
    try:
        value = int(raw)
    except ValueError:
        raise Problem(400, "Bad Request", f"{name} must be a whole number",
                      errors=[{"field": name, "message": f"not a whole number: {raw!r}"}]) from None
    if not 1 <= value <= 2**63 - 1:
        raise Problem(400, "Bad Request", f"{name} is out of range",
                      errors=[{"field": name, "message": "must be a positive whole number"}])
    return value


def _public(row: dict[str, Any]) -> dict[str, Any]:
    """An estimate as published: suppressed figures keep their base but show no numbers."""
    out = dict(row)
    if out["base_status"] == "suppressed":
        for field in ("estimate", "se", "ci_low", "ci_high", "deff", "change", "change_se", "p_value", "q_value"):
            out[field] = None
        out["significant"] = None
    return out


async def poll_scores(request: web.Request) -> web.Response:
    key = require(request, "reader")
    from recognition.app import POOL

    poll_id = _int_param(request, "poll_id")
    metric = request.query.get("metric")
    segment = request.query.get("segment", "all")
    async with request.app[POOL].acquire() as conn:
        poll = await polls_store.get_poll(conn, poll_id, org_id=key.organisation_id)
        if poll is None:
            raise Problem(404, "Not Found", f"no poll {poll_id} in this organisation")
        waves = [w for w in await waves_store.list_waves(conn, poll_id) if w.state == "published"]
        out = []
        for wave in waves:
            rows = await estimates_store.wave_estimates(conn, wave.id, metric=metric, segment=segment)
            out.append({"wave_id": wave.id, "scheduled_at": wave.scheduled_at.isoformat(),
                        "questionnaire_version": wave.questionnaire_version,
                        "estimates": [_public(r) for r in rows]})
    return web.json_response({"poll": {"id": poll.id, "name": poll.name}, "waves": out})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/polls/{poll_id}/scores", poll_scores)
