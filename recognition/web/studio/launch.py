"""Launching a wave from the studio: "Launch a wave now" on a tracker's fieldwork page.

``/studio/trackers/{poll_id}/launch`` is the confirm step: it says what a launch does — a wave of the tracker's
sample size is bought from its panel provider at about the plan's cost (:func:`recognition.web.api.polls.plan_poll`)
and starts within seconds — and carries a fresh launch token in its form. The confirmed form (origin and CSRF
token checked, the editor role needed) runs the API's own launch operation
(:func:`recognition.web.api.waves.launch_wave`) with that token as its ``Idempotency-Key``, so a form sent twice
buys one wave; then the new wave's monitor opens. A refusal (a wave already in flight, a tracker not active) is
shown in the API's words.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from recognition.web.api import polls, waves
from recognition.web.studio.acting import Refused, Visitor, act, page, poll_of, posted, refused_page, visitor

LAUNCH = next(op for op in waves.OPS if op.handler is waves.launch_wave)
PLAN = next(op for op in polls.OPS if op.handler is polls.plan_poll)
#: The confirm form's field carrying the launch token (the launch's Idempotency-Key).
TOKEN = "launch_token"


def consequences(poll: Any, plan: dict[str, Any]) -> list[str]:
    """What launching a wave of ``poll`` will do, in plain words, for the confirm step."""
    currency = plan.get("currency") or ""
    cost = f"{plan['cost_per_wave']:,.2f} {currency}".strip()
    price = f"{plan['cost_per_complete']:,.2f} {currency}".strip()
    source = "the provider's quote" if plan.get("price_source") == "provider" else "the tracker's set price"
    lines = [
        f"A wave of {poll.sample_size} completes is bought from {poll.provider}: about {cost} "
        f"({price} per complete, at {source}; the price is quoted again at launch).",
        "Its fieldwork starts within seconds: respondents are sent to the survey, and the wave is weighted "
        "and published once its completes are in.",
        "You can pause or cancel it from its monitor; what was bought until then is billed.",
    ]
    if plan.get("within_budget") is False:
        lines.append(
            "At this price a wave exceeds the tracker's budget per wave: the launch will be refused."
        )
    return lines


def _page(who: Visitor, poll: Any, plan: dict[str, Any], error: str = "", status: int = 200) -> web.Response:
    return page(
        "studio/launch_confirm.html",
        who,
        status=status,
        poll=poll,
        consequences=consequences(poll, plan),
        token=secrets.token_urlsafe(24),
        error=error,
    )


async def confirm_page(request: web.Request) -> web.Response:
    who = await visitor(request)
    poll = await poll_of(request, who)
    if not who.editor:
        return refused_page(
            Refused(403, f"launching a wave needs the editor role; your key is a {who.key.role}")
        )
    try:
        plan = await act(request, who, PLAN, {"poll_id": poll.id})
    except Refused as exc:
        return refused_page(exc)
    return _page(who, poll, plan)


async def launch(request: web.Request) -> web.StreamResponse:
    who, form = await posted(request)
    poll = await poll_of(request, who)
    token = form.get(TOKEN, "").strip()
    try:
        if not token:
            raise Refused(400, "the launch form has no launch token: open the confirm page again and confirm")
        wave = await act(request, who, LAUNCH, {"poll_id": poll.id, "Idempotency-Key": token})
    except Refused as exc:
        if exc.status in (401, 403, 404):
            return refused_page(exc)
        try:
            plan = await act(request, who, PLAN, {"poll_id": poll.id})
        except Refused:
            return refused_page(exc)
        return _page(who, poll, plan, error=exc.message, status=exc.status)
    raise web.HTTPSeeOther(f"/studio/waves/{wave['id']}?done=launch")


def setup(app: web.Application) -> None:
    """The launch confirm step and its form."""
    app.router.add_get(r"/studio/trackers/{poll_id}/launch", confirm_page)
    app.router.add_post(r"/studio/trackers/{poll_id}/launch", launch)
