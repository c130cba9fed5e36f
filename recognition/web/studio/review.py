"""Mention review: the unaided mentions the coder could not place, coded by an editor into the code frame.

``/studio/trackers/{poll_id}/mentions`` lists the fragments of the tracker's unaided answers that the code frame
left uncoded, most frequent first, with the spellings learnt so far (the API's review,
:func:`recognition.web.api.mentions.poll_mentions`). Coding one to a brand, or to "not a brand", runs the API's
recode (:func:`recognition.web.api.mentions.recode_mention`): a new code frame version in which that spelling
is coded automatically from then on (:mod:`recognition.mentions.learning`), every stored answer of the tracker
coded again, the published waves whose coding changed processed again, and the change written to the audit log.
The page then says what changed: the respondents whose coding changed and the waves whose figures were redone.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from recognition.polls.model import Poll
from recognition.web.api import mentions
from recognition.web.studio.acting import (
    Refused,
    Visitor,
    act,
    page,
    poll_of,
    posted,
    refused_page,
    visitor,
)

REVIEW = next(op for op in mentions.OPS if op.handler is mentions.poll_mentions)
RECODE = next(op for op in mentions.OPS if op.handler is mentions.recode_mention)
#: The form's value for "not a brand" (no brand id can be empty).
NOT_A_BRAND = ""


def brand_names(poll: Poll) -> dict[str, str]:
    return {str(b["id"]): str(b.get("name", b["id"])) for b in poll.brands}


async def _render(
    request: web.Request, who: Visitor, poll: Poll, status: int = 200, **extra: Any
) -> web.Response:
    try:
        review = await act(request, who, REVIEW, {"poll_id": poll.id})
    except Refused as exc:
        return refused_page(exc)
    return page(
        "studio/review.html",
        who,
        status=status,
        poll=poll,
        review=review,
        brands=brand_names(poll),
        not_a_brand=NOT_A_BRAND,
        **{"result": None, "error": "", **extra},
    )


async def review_page(request: web.Request) -> web.Response:
    who = await visitor(request)
    return await _render(request, who, await poll_of(request, who))


async def recode(request: web.Request) -> web.Response:
    who, form = await posted(request)
    poll = await poll_of(request, who)
    fragment = form.get("fragment", "")
    brand = form.get("brand_id", NOT_A_BRAND)
    body = {"fragment": fragment, "brand_id": brand or None}
    try:
        result = await act(request, who, RECODE, {"poll_id": poll.id}, body)
    except Refused as exc:
        if exc.status == 403:
            raise web.HTTPForbidden(text=exc.message) from None
        return await _render(request, who, poll, status=exc.status, error=exc.message)
    named = brand_names(poll).get(brand, brand) if brand else None
    return await _render(request, who, poll, result={**result, "fragment": fragment, "brand": named})


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(r"/studio/trackers/{poll_id}/mentions", review_page)
    r.add_post(r"/studio/trackers/{poll_id}/mentions/recode", recode)
