"""The fieldwork monitor: a tracker's waves in the field, and one wave as it goes.

``/studio/trackers/{poll_id}/fieldwork`` lists the tracker's waves, those in flight first;
``/studio/waves/{wave_id}`` shows a wave's completes against its target, its quota cells, incidence, drop-outs,
quality terminations and their reasons, the cost so far and the provider's state, read through the API's own
operations (the wave's detail, :func:`recognition.web.api.waves.get_wave`, and its fieldwork,
:func:`recognition.web.api.fieldwork.wave_fieldwork`). While the page is open, ``/static/studio_monitor.js`` fetches
``/studio/waves/{wave_id}/live`` every few seconds and puts the fresh figures in place.

Pause, resume and cancel are the API's operations too, each behind a confirm step that says what it will do
(``/studio/waves/{wave_id}/confirm?action=…``); the confirmed form is checked for its origin and CSRF token and
needs the editor role, and the operation writes the audit log entry as it does for an API client.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from recognition.labels import segment_name
from recognition.store import polls as polls_store
from recognition.web.api import fieldwork, waves
from recognition.web.api.ops import Op, respond
from recognition.web.dashboard.pages import render
from recognition.web.keys import POOL
from recognition.web.studio import launch, preview, review
from recognition.web.studio.acting import Refused, Visitor, act, page, poll_of, posted, refused_page, visitor

#: Seconds between the monitor's updates while it is open.
REFRESH_SECONDS = 5
IN_FLIGHT = ("scheduled", "launching", "fielding", "closing", "processing")


def _op(handler: Any) -> Op:
    return next(op for op in (*waves.OPS, *fieldwork.OPS) if op.handler is handler)


GET_WAVE = _op(waves.get_wave)
FIELDWORK = _op(fieldwork.wave_fieldwork)
LIST_WAVES = _op(waves.list_waves)
ACTIONS: dict[str, Op] = {
    "pause": _op(waves.pause_wave),
    "resume": _op(waves.resume_wave),
    "cancel": _op(waves.cancel_wave),
}


def consequences(action: str, detail: dict[str, Any], figures: dict[str, Any]) -> list[str]:
    """What ``action`` will do to the wave, in plain words, for the confirm step."""
    provider = (detail.get("fieldwork") or {}).get("provider", "the panel provider")
    cost = _money(figures["cost_so_far"], figures["currency"])
    if action == "pause":
        return [
            f"{provider} is asked to stop sending respondents within seconds; the wave stays in the field.",
            "Respondents already in the survey can finish, and their completes count.",
            f"Nothing is billed for pausing; the cost so far is {cost}.",
            "You can resume the wave at any time before its deadline.",
        ]
    if action == "resume":
        left = max(0, figures["target_n"] - figures["completes"])
        return [
            f"{provider} is asked to send respondents again, for the {left} completes still needed.",
            "Each new valid complete is bought at the price quoted at launch.",
        ]
    return [
        f"The wave's project at {provider} is closed within seconds: nobody new is sent.",
        "Respondents in the survey may finish, but leave as over quota: they do not count as completes. "
        "Anyone arriving later leaves through the over-quota exit.",
        f"What was bought is billed: the {figures['completes']} valid completes at the quoted price "
        f"(cost so far {cost}), plus paid screen-outs where the provider charges for them.",
        "The wave gets no figures, and it cannot be resumed: to field again, launch a new wave.",
    ]


def _money(amount: float | None, currency: str | None) -> str:
    return "—" if amount is None else f"{amount:,.2f} {currency or ''}".strip()


async def _figures(request: web.Request, who: Visitor, wave_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    detail = await act(request, who, GET_WAVE, {"wave_id": wave_id})
    figures = await act(request, who, FIELDWORK, {"wave_id": wave_id})
    return detail, figures


def _wave_id(request: web.Request) -> int:
    raw = request.match_info["wave_id"]
    if not raw.isdigit() or not 1 <= int(raw) < 2**63:
        raise web.HTTPNotFound()
    return int(raw)


def _figures_html(detail: dict[str, Any], figures: dict[str, Any]) -> str:
    return render(
        "studio/monitor_figures.html",
        detail=detail,
        figures=figures,
        fieldwork=detail.get("fieldwork"),
        money=_money,
        segment_name=segment_name,
    )


def _actions_html(who: Visitor, detail: dict[str, Any]) -> str:
    """The controls the wave has as it stands (none once it is over), for the page and its updates."""
    return render(
        "studio/monitor_actions.html",
        key=who.key,
        editor=who.editor,
        wave=detail["wave"],
        actions=_allowed(detail),
    )


async def wave_page(request: web.Request) -> web.Response:
    who = await visitor(request)
    wave_id = _wave_id(request)
    try:
        detail, figures = await _figures(request, who, wave_id)
    except Refused as exc:
        return refused_page(exc)
    async with request.app[POOL].acquire() as conn:
        poll = await polls_store.get_poll(conn, detail["wave"]["poll_id"], org_id=who.key.organisation_id)
    return page(
        "studio/monitor.html",
        who,
        poll=poll,
        wave=detail["wave"],
        figures_html=_figures_html(detail, figures),
        done=request.query.get("done", ""),
        actions_html=_actions_html(who, detail),
        refresh=REFRESH_SECONDS,
    )


def _allowed(detail: dict[str, Any]) -> list[str]:
    """The actions that make sense for the wave as it stands."""
    state = detail["wave"]["state"]
    fw = detail.get("fieldwork") or {}
    out = []
    if state == "fielding" and fw.get("project_id"):
        out.append("resume" if fw.get("pause_requested") else "pause")
    if state not in ("published", "failed", "cancelled"):
        out.append("cancel")
    return out


async def live(request: web.Request) -> web.Response:
    """The monitor's fresh figures (JSON: the wave's state and the figures' HTML), for its updates."""
    who = await visitor(request)
    try:
        detail, figures = await _figures(request, who, _wave_id(request))
    except Refused as exc:
        return respond({"error": exc.message}, status=exc.status)
    return respond(
        {
            "state": detail["wave"]["state"],
            "actions": _allowed(detail),
            "completes": figures["completes"],
            "html": _figures_html(detail, figures),
            "actions_html": _actions_html(who, detail),
        }
    )


async def confirm_page(request: web.Request) -> web.Response:
    who = await visitor(request)
    wave_id = _wave_id(request)
    action = request.query.get("action", "")
    if action not in ACTIONS:
        return refused_page(Refused(400, "action: choose pause, resume or cancel"))
    if not who.editor:
        return refused_page(Refused(403, f"{action} needs the editor role; your key is a {who.key.role}"))
    try:
        detail, figures = await _figures(request, who, wave_id)
    except Refused as exc:
        return refused_page(exc)
    return page(
        "studio/monitor_confirm.html",
        who,
        poll=None,
        wave=detail["wave"],
        action=action,
        consequences=consequences(action, detail, figures),
    )


async def act_on_wave(request: web.Request) -> web.StreamResponse:
    who, _ = await posted(request)
    wave_id = _wave_id(request)
    action = request.match_info["action"]
    try:
        await act(request, who, ACTIONS[action], {"wave_id": wave_id})
    except Refused as exc:
        return refused_page(exc)
    raise web.HTTPSeeOther(f"/studio/waves/{wave_id}?done={action}")


async def fieldwork_page(request: web.Request) -> web.Response:
    who = await visitor(request)
    poll = await poll_of(request, who)
    try:
        listed = await act(request, who, LIST_WAVES, {"poll_id": poll.id, "limit": 200})
    except Refused as exc:
        return refused_page(exc)
    items = sorted(listed["items"], key=lambda w: (w["state"] not in IN_FLIGHT, -w["id"]))
    return page("studio/monitor_waves.html", who, poll=poll, waves=items, in_flight=IN_FLIGHT)


def setup(app: web.Application) -> None:
    """The studio's fieldwork monitor, wave launch, preview and mention review."""
    r = app.router
    r.add_get(r"/studio/trackers/{poll_id}/fieldwork", fieldwork_page)
    r.add_get(r"/studio/waves/{wave_id}", wave_page)
    r.add_get(r"/studio/waves/{wave_id}/live", live)
    r.add_get(r"/studio/waves/{wave_id}/confirm", confirm_page)
    r.add_post(r"/studio/waves/{wave_id}/{action:pause|resume|cancel}", act_on_wave)
    launch.setup(app)
    preview.setup(app)
    review.setup(app)
