"""Starting a staff round from the studio: "Start a staff round" on a tracker's fieldwork page.

The form (origin and CSRF token checked, the editor role needed) runs the API's own operation
(:func:`recognition.web.api.staff.open_staff_round_op`, as ``recognition staff-link`` does): a new round of the
anonymous internal survey in which sales and service staff answer as they believe customers would, closing any
round still open. The page that answers shows the shared link once — only its hash is stored — with what it is for;
a refusal (no wave has created the tracker's survey yet) is shown in the API's words.
"""

from __future__ import annotations

from aiohttp import web

from recognition.web.api import staff
from recognition.web.studio.acting import Refused, act, page, poll_of, posted, refused_page

OPEN = next(op for op in staff.OPS if op.handler is staff.open_staff_round_op)


async def start_round(request: web.Request) -> web.StreamResponse:
    who, _ = await posted(request)
    poll = await poll_of(request, who)
    try:
        opened = await act(request, who, OPEN, {"poll_id": poll.id})
    except Refused as exc:
        if exc.status in (401, 403, 404):
            return refused_page(exc)
        return page(
            "studio/staff_link.html", who, status=exc.status, poll=poll, opened=None, error=exc.message
        )
    return page(
        "studio/staff_link.html",
        who,
        status=201,
        poll=poll,
        opened=opened,
        error="",
        headers={"Cache-Control": "no-store"},
    )


def setup(app: web.Application) -> None:
    app.router.add_post(r"/studio/trackers/{poll_id}/staff-round", start_round)
