"""Provider webhooks: ``POST /webhooks/{provider}/{organisation}`` (an organisation's own account, the address
fieldwork gives the provider) or ``POST /webhooks/{provider}`` (the instance's account), outside ``/api/v1`` (the
provider signs, no API key).

The body is verified with the provider adapter's own scheme (:meth:`panels.base.Provider.verify_webhook`:
``X-Sim-Signature`` for the simulator, ``X-Prolific-Request-Signature`` with its timestamp for Prolific, which
also refuses a timestamp outside its freshness window); an unsigned, wrongly signed or stale request is refused
with 401 and nothing is recorded, and counts as a failed authentication of the sender
(:mod:`recognition.web.throttle`: too many, and the sender is answered 429 for a while). A body that is signed
but is not an event (not a JSON object, or an id or type that is empty, too long or holds control characters)
is refused with 400. Bodies are limited like every request (the application's ``client_max_size``).

Providers deliver at least once and in no particular order, so each event is recorded once per (provider, event
id) (:func:`recognition.store.fieldwork.record_event`) and a redelivery is answered 200 like the first delivery,
so the provider stops retrying. Order carries no meaning here: the submission feed, read by fieldwork, stays the
record of who completed; events are an audit trail and never count a respondent.
"""

from __future__ import annotations

import logging

from aiohttp import web

from panels.base import WebhookEvent
from recognition.store import fieldwork as fw_store
from recognition.web.api.errors import Problem
from recognition.web.keys import AUTH_THROTTLE, POOL, PROVIDERS

log = logging.getLogger(__name__)
#: Longest event id, type or project id stored.
MAX_FIELD = 200


def _field_problem(value: str) -> str | None:
    if not value:
        return "is empty"
    if len(value) > MAX_FIELD:
        return f"is longer than {MAX_FIELD} characters"
    if not value.isprintable():
        return "holds control characters or text that is not valid Unicode"
    return None


def _check_event(event: WebhookEvent) -> None:
    errors = []
    for name, value in (("event_id", event.event_id), ("type", event.kind), ("project_id", event.project_id)):
        problem = _field_problem(value) if name != "project_id" or value else None
        if problem:
            errors.append({"field": name, "message": problem})
    if errors:
        fields = ", ".join(e["field"] for e in errors)
        raise Problem(400, "Bad Request", f"the event cannot be recorded: {fields}", errors=errors)


async def receive(request: web.Request) -> web.Response:
    name = request.match_info["provider"]
    org = request.match_info.get("org")
    if org is not None and not (org.isascii() and org.isdigit() and len(org) < 19):
        raise Problem(404, "Not Found", "no such webhook address")
    provider = await request.app[PROVIDERS].for_webhooks(name, int(org) if org is not None else None)
    if provider is None:
        raise Problem(404, "Not Found", f"no provider {name!r} is configured in this instance")
    throttle = request.app[AUTH_THROTTLE]
    throttle.refuse(request)
    body = await request.read()
    try:
        event = provider.verify_webhook(request.headers, body)
    except ValueError as exc:  # signed, but not an event
        raise Problem(400, "Bad Request", f"the signed body is not an event: {exc}") from None
    if event is None:
        throttle.failed(request)
        raise Problem(401, "Unauthorized", "the webhook signature does not verify (or is too old)")
    _check_event(event)
    async with request.app[POOL].acquire() as conn:
        new = await fw_store.record_event(conn, name, event.event_id, event.kind, event.project_id)
    log.debug("webhook %s %s from %s (%s)", event.kind, event.event_id, name, "new" if new else "again")
    return web.json_response({"event_id": event.event_id, "duplicate": not new})


def setup(app: web.Application) -> None:
    app.router.add_post("/webhooks/{provider}", receive)
    app.router.add_post("/webhooks/{provider}/{org}", receive)
