"""Cint's server-to-server (fulfillment) API and the respondent's way in and out, for :mod:`panels.cint`.

The S2S host (``https://s2s.cint.com``) takes the separate S2S key in ``Authorization``; Cint does not require
``Cint-API-Version`` there (it is sent anyway). A respondent arrives at the target group's ``live_url`` (or its
``test_url``, for Cint's test supplier) with their RID in place of ``[%RID%]``:

- **entry**: ``GET /fulfillment/respondents/{rid}`` → 404 for a RID Cint does not know (``not_admitted``);
  otherwise the session's status (1 = in survey, the only one admitted) and the entry link Cint sent, which must
  be this wave's survey with this RID (``foreign`` otherwise: another target group's respondent), and which says
  whether the respondent came through the test URL;
- **exit**: ``POST /fulfillment/respondents/transition`` ``{"id": rid, "status": code}`` (5 complete,
  2 screen-out, 3 quota full, 4 quality terminate) *before* the browser goes to Cint's return page. A second
  transition of the same RID is answered 422: the outcome is booked already.

Webhooks carry ``Cint-Signature: t=<unix>,v1=<hex>``, the HMAC-SHA256 of ``"{t}.{body}"`` under the
subscription's secret (used as given, as Cint's documented example does).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from panels.base import Arrival, EntryRefused, ProviderRejected, WebhookEvent
from panels.http import ResilientClient

log = logging.getLogger(__name__)

#: S2S transition codes per outcome.
S2S_CODES = {"complete": 5, "screened_out": 2, "over_quota": 3, "quality_terminate": 4}
IN_SURVEY = 1  # the S2S status of a respondent who entered and has no outcome yet
#: The query parameter that tells the target group's ``test_url`` from its ``live_url``.
TEST_MARKER = "cint_test"
WEBHOOK_TOLERANCE = 300  # seconds allowed between a webhook's ``t`` and now
_RID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")


def live_url(survey_url: str) -> str:
    """The target group's ``live_url``: Cint puts each respondent's RID in place of ``[%RID%]``."""
    return f"{survey_url}{'&' if '?' in survey_url else '?'}RID=[%RID%]"


def test_url(survey_url: str) -> str:
    """The target group's ``test_url``: the live URL with :data:`TEST_MARKER`."""
    return f"{live_url(survey_url)}&{TEST_MARKER}=1"


def _same_entry(href: str, url: str, rid: str) -> bool:
    """Cint's entry link for the RID points at this wave's survey: same path, same RID."""
    link, here = urlsplit(href), urlsplit(url)
    query = parse_qs(link.query)
    return bool(link.path) and link.path == here.path and (query.get("RID") or query.get("rid")) == [rid]


class Fulfillment:
    """The S2S calls of one Cint account: validations and transitions through clients of their own (each with
    its circuit breaker), so outcomes Cint cannot take for a while do not stop respondents entering."""

    def __init__(self, validating: ResilientClient, transitions: ResilientClient, return_url: str) -> None:
        self.validating = validating
        self.transitions = transitions
        self.return_url = return_url

    async def aclose(self) -> None:
        await self.validating.aclose()
        await self.transitions.aclose()

    async def admit(self, query: Mapping[str, str], url: str) -> Arrival:
        """Validate the RID the respondent arrived with (see the module docstring)."""
        rid = query.get("RID") or query.get("rid") or ""
        if not _RID.match(rid):
            raise EntryRefused("bad_id")
        try:
            body = (
                await self.validating.request("GET", f"/fulfillment/respondents/{rid}", waiting=True)
            ).body
        except ProviderRejected as exc:
            if exc.status in (404, 422):
                raise EntryRefused("not_admitted", rid) from None
            raise
        links = body.get("links") if isinstance(body, dict) else None
        hrefs = [str(link.get("href") or "") for link in links or [] if isinstance(link, dict)]
        entry = next((h for h in hrefs if _same_entry(h, url, rid)), None)
        if entry is None:
            raise EntryRefused("foreign", rid)
        if body.get("status") != IN_SURVEY:  # this entry link's session has its outcome: opened again
            raise EntryRefused("repeated", rid)
        test = parse_qs(urlsplit(entry).query).get(TEST_MARKER) == ["1"]
        return Arrival(rid, {"rid": rid}, test=test)

    async def finish(self, rid: str, outcome: str) -> str:
        """Post the outcome, then the return page's address. 422 (already transitioned: an earlier attempt got
        through) and 404 (a session Cint does not know) need nothing more; anything else raises, and the survey
        keeps the outcome for fieldwork to tell later."""
        code = S2S_CODES[outcome]
        try:
            await self.transitions.request(
                "POST",
                "/fulfillment/respondents/transition",
                json_body={"id": rid, "status": code},
                idempotency_key=f"{rid}:{code}",
            )
        except ProviderRejected as exc:
            if exc.status == 404:
                log.warning(
                    "cint: Cint does not know a respondent whose outcome was %s; nothing booked", outcome
                )
            elif exc.status != 422:
                raise
        return self.return_url.replace("[%RID%]", quote(rid))


def verify_webhook(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> WebhookEvent | None:
    """The event when ``Cint-Signature`` verifies under ``secret`` with ``t`` within
    :data:`WEBHOOK_TOLERANCE` seconds of ``now``; None otherwise. Its project is ``project:target group``."""
    lower = {k.lower(): v for k, v in headers.items()}
    if not secret:
        return None
    stamp, given = None, []
    for part in lower.get("cint-signature", "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            stamp = value
        elif name == "v1":
            given.append(value)
    if stamp is None or abs(now - int(stamp)) > WEBHOOK_TOLERANCE:
        return None
    want = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(want, g) for g in given):
        return None
    try:
        doc = json.loads(body)
        payload: dict[str, Any] = doc.get("payload") or doc.get("data") or {}
        tg = str(payload.get("target_group_id", ""))
        project = f"{payload['project_id']}:{tg}" if payload.get("project_id") and tg else tg
        return WebhookEvent(str(doc["id"]), str(doc["type"]), project, payload)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # signed, but not an event this adapter understands
