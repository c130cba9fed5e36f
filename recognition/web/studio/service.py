"""Service decisions: per service feature of a tracker, the analysis' recommendation and the editor's choice to
follow it or override it.

``/studio/trackers/{poll_id}/service`` lists the tracker's service features as the promise reads them (the API's
promise, :func:`recognition.web.api.promise.service_promise`): what the latest wave's analysis recommends and
where each feature stands now. An editor decides a feature — include as standard, offer as a paid add-on at a
price, or do not promise, with an optional note — through the API's own decision operation
(:func:`recognition.web.api.promise.decide_service_feature`), or follows the analysis again by clearing the
decision (:func:`recognition.web.api.promise.withdraw_service_decision`). The API checks the body and the role
and writes the audit entry; a refusal is shown in its words beside the feature. Viewers see the features without
the forms.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from recognition.polls.model import Poll
from recognition.reports.promise import CHOICE_WORDS, LISTS, analysis_words
from recognition.web.api import promise
from recognition.web.dashboard.serving import numbers_of
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

READ = next(op for op in promise.OPS if op.handler is promise.service_promise)
DECIDE = next(op for op in promise.OPS if op.handler is promise.decide_service_feature)
CLEAR = next(op for op in promise.OPS if op.handler is promise.withdraw_service_decision)
#: The form's choice meaning "follow the analysis" (no decision of the marketer's).
FOLLOW = "follow"


def decision_body(form: dict[str, str]) -> dict[str, Any]:
    """The decision operation's body from the form's text fields: a price typed as a number is sent as one (the
    API's checks name anything else); an empty price or note is left out."""
    body: dict[str, Any] = {"choice": form.get("choice", "")}
    price = form.get("price", "").strip().replace(",", ".")
    if price:
        try:
            body["price"] = float(price)
        except ValueError:
            body["price"] = form.get("price", "")
    note = form.get("note", "").strip()
    if note:
        body["note"] = note
    return body


def features(poll: Poll, found: dict[str, Any]) -> list[dict[str, Any]]:
    """The promise's items in the order the poll lists its features."""
    order = [f["id"] for f in poll.service_features or []]
    items = [item for name in LISTS for item in found[name]]
    return sorted(items, key=lambda i: order.index(i["id"]) if i["id"] in order else len(order))


async def _render(
    request: web.Request, who: Visitor, poll: Poll, status: int = 200, **extra: Any
) -> web.Response:
    try:
        found = await act(request, who, READ, {"poll_id": poll.id})
    except Refused as exc:
        return refused_page(exc)
    return page(
        "studio/service.html",
        who,
        status=status,
        poll=poll,
        promise=found,
        items=features(poll, found),
        words=analysis_words,
        choices=CHOICE_WORDS,
        follow=FOLLOW,
        fmt=numbers_of(request),
        **{"done": request.query.get("done", ""), "error": "", "failed": "", "form": {}, **extra},
    )


async def service_page(request: web.Request) -> web.Response:
    who = await visitor(request)
    return await _render(request, who, await poll_of(request, who))


async def decide(request: web.Request) -> web.StreamResponse:
    who, form = await posted(request)
    poll = await poll_of(request, who)
    feature = request.match_info["feature_id"]
    clear = request.match_info.get("clear") == "clear" or form.get("choice") == FOLLOW
    params = {"poll_id": poll.id, "feature_id": feature}
    try:
        if clear:
            await act(request, who, CLEAR, params)
        else:
            await act(request, who, DECIDE, params, decision_body(form))
    except Refused as exc:
        if exc.status in (403, 404):  # the wrong role, or no such feature: nothing to show beside a feature
            return refused_page(exc)
        return await _render(
            request, who, poll, status=exc.status, error=exc.message, failed=feature, form=form
        )
    raise web.HTTPSeeOther(f"/studio/trackers/{poll.id}/service?done={'cleared' if clear else 'decided'}")


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(r"/studio/trackers/{poll_id}/service", service_page)
    r.add_post(r"/studio/trackers/{poll_id}/service/{feature_id}", decide)
    r.add_post(r"/studio/trackers/{poll_id}/service/{feature_id}/{clear:clear}", decide)
