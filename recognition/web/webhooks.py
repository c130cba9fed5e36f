"""Provider webhooks: ``POST /webhooks/{provider}/{organisation}`` (an organisation's own account, the address
fieldwork gives the provider) or ``POST /webhooks/{provider}`` (the instance's account), outside ``/api/v1`` (the
provider signs, no API key).

The body is verified with the provider adapter's own scheme (:meth:`panels.base.Provider.verify_webhook`:
``X-Sim-Signature`` for the simulator, ``X-Prolific-Request-Signature`` for Prolific); an unsigned or wrongly
signed request is refused with 401 and nothing is recorded. Providers deliver at least once and in no particular
order, so each event is recorded once per (provider, event id) (:func:`recognition.store.fieldwork.record_event`)
and a redelivery is answered 200 like the first delivery, so the provider stops retrying. Order carries no
meaning here: the submission feed, read by fieldwork, stays the record of who completed; events are an audit
trail and never count a respondent.
"""

from __future__ import annotations

import logging

from aiohttp import web

from recognition.store import fieldwork as fw_store
from recognition.web.api.errors import Problem
from recognition.web.keys import POOL, PROVIDERS

log = logging.getLogger(__name__)


async def receive(request: web.Request) -> web.Response:
    name = request.match_info["provider"]
    org = request.match_info.get("org")
    if org is not None and not (org.isascii() and org.isdigit() and len(org) < 19):
        raise Problem(404, "Not Found", "no such webhook address")
    provider = await request.app[PROVIDERS].for_webhooks(name, int(org) if org is not None else None)
    if provider is None:
        raise Problem(404, "Not Found", f"no provider {name!r} is configured in this instance")
    body = await request.read()
    event = provider.verify_webhook(request.headers, body)
    if event is None:
        raise Problem(401, "Unauthorized", "the webhook signature does not verify")
    if not event.event_id or not event.kind:
        raise Problem(400, "Bad Request", "the event has no id or no type")
    async with request.app[POOL].acquire() as conn:
        new = await fw_store.record_event(conn, name, event.event_id, event.kind, event.project_id)
    log.debug("webhook %s %s from %s (%s)", event.kind, event.event_id, name, "new" if new else "again")
    return web.json_response({"event_id": event.event_id, "duplicate": not new})


def setup(app: web.Application) -> None:
    app.router.add_post("/webhooks/{provider}", receive)
    app.router.add_post("/webhooks/{provider}/{org}", receive)
