"""Prolific's webhooks in the simulator, as Prolific documents them, and the error answers its API shares.

- ``POST /hooks/secrets/`` {workspace_id} creates the workspace's signing secret (one active secret per
  workspace: a new one replaces the old); ``GET /hooks/secrets/?workspace_id=`` lists it;
- ``GET /hooks/event-types/``;
- ``POST /hooks/subscriptions/`` {workspace_id, event_type, target_url} answers with the subscription (not yet
  enabled) and an ``X-Hook-Secret`` header; ``POST /hooks/subscriptions/{id}/`` {secret} with that value confirms
  it; ``GET /hooks/subscriptions/?workspace_id=`` lists them. A workspace without a secret cannot subscribe.

Each event goes to every enabled subscription of its type, as JSON (``resource_id``, ``event_type``, …), with
``X-Prolific-Request-Signature`` = base64(HMAC-SHA256(secret, timestamp + body)), ``X-Prolific-Request-Timestamp``
(Unix seconds when the request is sent), ``X-Event-ID`` (the same on every redelivery) and ``X-Timestamp`` (when
the event happened). Delivery is at least once and in no guaranteed order (the fault profile duplicates and holds
back deliveries, :mod:`panels.simulated.webhooks`). Unlike Prolific, which requires ``https://`` addresses that
the internet can reach, the simulator also delivers to ``http://`` on loopback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

EVENT_TYPES = ("study.status.change", "submission.status.change")


def error(status: int, detail: Any, *, title: str = "") -> web.Response:
    """Prolific's error answer: ``{"error": {status, error_code, title, detail, additional_information}}``."""
    titles = {400: "Bad request", 401: "Unauthorized", 404: "Not found", 405: "Method not allowed"}
    return web.json_response(
        {
            "error": {
                "status": status,
                "error_code": status * 1000,
                "title": title or titles.get(status, "Error"),
                "detail": detail,
                "additional_information": "",
            }
        },
        status=status,
    )


async def read_body(request: web.Request) -> dict[str, Any] | web.Response:
    """The JSON object a request carries, or the error answer to send."""
    try:
        body = await request.json()
    except ValueError:
        return error(400, "JSON parse error - the request body is not valid JSON.")
    return body if isinstance(body, dict) else error(400, "Expected a JSON object.")


@dataclass
class Subscription:
    id: str
    workspace_id: str
    event_type: str
    target_url: str
    confirm_secret: str
    is_enabled: bool = False

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "workspace_id": self.workspace_id,
            "event_type": self.event_type,
            "target_url": self.target_url,
            "is_enabled": self.is_enabled,
        }


class Hooks:
    """Secrets and subscriptions of the simulator's Prolific account; turns events into signed deliveries."""

    def __init__(self, seed: int = 0x40C5) -> None:
        self.rng = random.Random(seed)
        self.secrets: dict[str, dict[str, str]] = {}  # workspace → {id, value}
        self.subscriptions: dict[str, Subscription] = {}

    def _id(self) -> str:
        return f"{self.rng.getrandbits(96):024x}"

    def collect(self, events: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
        """One delivery per event and enabled subscription of its type: (target URL, delivery)."""
        out = []
        for kind, payload in events:
            for sub in self.subscriptions.values():
                if sub.is_enabled and sub.event_type == kind and sub.workspace_id in self.secrets:
                    event = {"event_id": self._id(), "workspace_id": sub.workspace_id, "payload": payload}
                    out.append((sub.target_url, {**event, "at": int(time.time())}))
        return out

    def render(self, event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        """Body and headers of one delivery, signed with the workspace's current secret at the time of sending."""
        body = json.dumps(event["payload"]).encode()
        timestamp = str(int(time.time()))
        secret = self.secrets.get(str(event["workspace_id"]), {}).get("value", "")
        signature = base64.b64encode(
            hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
        ).decode()
        return body, {
            "Content-Type": "application/json",
            "X-Prolific-Request-Signature": signature,
            "X-Prolific-Request-Timestamp": timestamp,
            "X-Event-ID": str(event["event_id"]),
            "X-Timestamp": str(event["at"]),
        }

    # --- handlers ---------------------------------------------------------------------------------------------

    async def create_secret(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        if isinstance(body, web.Response):
            return body
        workspace = str(body.get("workspace_id") or "")
        if not workspace:
            return error(400, {"workspace_id": ["This field is required."]})
        self.secrets[workspace] = {
            "id": self._id(),
            "value": base64.b64encode(self.rng.randbytes(48)).decode(),
        }
        return web.json_response({**self.secrets[workspace], "workspace_id": workspace}, status=201)

    async def list_secrets(self, request: web.Request) -> web.Response:
        workspace = request.query.get("workspace_id", "")
        found = self.secrets.get(workspace)
        return web.json_response({"results": [{**found, "workspace_id": workspace}] if found else []})

    async def event_types(self, request: web.Request) -> web.Response:
        return web.json_response({"results": [{"event_type": t} for t in EVENT_TYPES]})

    async def subscribe(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        if isinstance(body, web.Response):
            return body
        workspace, kind = str(body.get("workspace_id") or ""), str(body.get("event_type") or "")
        url = str(body.get("target_url") or "")
        problems = {
            name: ["This field is required."]
            for name, value in (("workspace_id", workspace), ("event_type", kind), ("target_url", url))
            if not value
        }
        if problems:
            return error(400, problems)
        if kind not in EVENT_TYPES:
            return error(400, {"event_type": [f"{kind!r} is not a valid event type."]})
        if workspace not in self.secrets:
            return error(400, "Subscriptions can only be created for workspaces with a secret.")
        sub = Subscription(self._id(), workspace, kind, url, self._id())
        self.subscriptions[sub.id] = sub
        return web.json_response(sub.public(), status=201, headers={"X-Hook-Secret": sub.confirm_secret})

    async def confirm(self, request: web.Request) -> web.Response:
        sub = self.subscriptions.get(request.match_info["id"])
        if sub is None:
            return error(404, "Not found.")
        body = await read_body(request)
        if isinstance(body, web.Response):
            return body
        if not hmac.compare_digest(str(body.get("secret") or ""), sub.confirm_secret):
            return error(
                400, {"secret": ["The secret does not match the X-Hook-Secret of the subscription."]}
            )
        sub.is_enabled = True
        return web.json_response(sub.public())

    async def list_subscriptions(self, request: web.Request) -> web.Response:
        workspace = request.query.get("workspace_id", "")
        return web.json_response(
            {"results": [s.public() for s in self.subscriptions.values() if s.workspace_id == workspace]}
        )

    def install(self, api: web.Application) -> None:
        api.router.add_post("/hooks/secrets/", self.create_secret)
        api.router.add_get("/hooks/secrets/", self.list_secrets)
        api.router.add_get("/hooks/event-types/", self.event_types)
        api.router.add_post("/hooks/subscriptions/", self.subscribe)
        api.router.add_get("/hooks/subscriptions/", self.list_subscriptions)
        api.router.add_post("/hooks/subscriptions/{id}/", self.confirm)
