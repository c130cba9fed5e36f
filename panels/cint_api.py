"""How the Cint adapter (:mod:`panels.cint`) talks to the Demand API: the buyer's account, the bodies of a project
and a draft target group (the ``create_project`` and ``create_target_group`` schemas, version 2025-12-18), the
resilient HTTP client able to upload a CSV (reconciliations are ``text/csv``) and the OAuth token it calls with."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from panels.base import Decision, ProjectSpec, ProviderRejected, ProviderUnavailable
from panels.cint_targeting import locale_for, profiles
from panels.http import ResilientClient, Response

NAME_LIMIT = 128  # characters in a project's or a target group's name
AUDIENCE = "https://api.luc.id"


@dataclass(frozen=True)
class CintAccount:
    """What Cint's API Starter Kit gives a buyer: the OAuth client, the account and the ids its target groups are
    created with, and the separate server-to-server (fulfillment) key."""

    client_id: str
    client_secret: str
    account_id: str
    project_manager_id: str
    business_unit_id: str
    s2s_key: str


@dataclass(frozen=True)
class Csv:
    """A request body sent as ``text/csv`` instead of JSON."""

    text: str


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with three fractional digits, as Cint writes its timestamps."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _named(name: str, reference: str) -> str:
    """``name (reference)`` within Cint's 128 characters, the reference always whole (a search finds it)."""
    suffix = f" ({reference})"
    return name[: NAME_LIMIT - len(suffix)].strip() + suffix


def project_body(spec: ProjectSpec, project_manager_id: str) -> dict[str, Any]:
    return {
        "name": _named(spec.name, spec.reference),
        "project_manager_id": project_manager_id,
        "project_customer_reference_number": spec.reference,
    }


def feasibility_body(
    spec: ProjectSpec, account: CintAccount, *, loi: int, incidence: float, window: tuple[str, str]
) -> dict[str, Any]:
    """``calculate-feasibility`` for the target group the wave would buy (at most 10,000 completes)."""
    unit = account.business_unit_id
    body: dict[str, Any] = {
        "business_unit_id": int(unit) if unit.isdigit() else unit,
        "locale": locale_for(spec.country),
        "expected_incidence_rate": incidence,
        "expected_length_of_interview_minutes": loi,
        "fielding_specification": {"start_at": window[0], "end_at": window[1]},
        "completes_goal": max(1, min(spec.target_n, 10_000)),
        "collects_pii": False,
    }
    targeting = profiles(spec.quotas, spec.country)
    if targeting:
        body["profiling"] = {"profile_adjustment_type": "nominal", "profiles": targeting}
    return body


def study_hint(spec: ProjectSpec) -> str:
    """What a local simulator plays its respondents from (``X-Sim-Study``; sent only when the adapter is told
    it talks to one): the study's brands, own brand and the wave's position."""
    topic = spec.topic
    return json.dumps(
        {
            "brands": list(topic.get("brands") or []),
            "own_brand": str(topic.get("own_brand") or ""),
            "wave_index": max(0, spec.wave_number - 1),
        },
        ensure_ascii=True,
        separators=(",", ":"),
    )


def target_group_body(
    spec: ProjectSpec,
    account: CintAccount,
    *,
    live_url: str,
    test_url: str,
    price: tuple[float, str],
    loi: int,
    incidence: float,
    window: tuple[str, str],
) -> dict[str, Any]:
    """A draft target group for the wave: open exchange, the suggested CPI, the wave's quotas as profiles."""
    body: dict[str, Any] = {
        "name": _named(spec.name, spec.reference),
        "business_unit_id": account.business_unit_id,
        "locale": locale_for(spec.country),
        "project_manager_id": account.project_manager_id,
        "study_type_code": "adhoc",
        "industry_code": "other",
        "collects_pii": False,
        "cost_per_interview": {"value": str(price[0]), "currency_code": price[1]},
        "fielding_specification": {"start_at": window[0], "end_at": window[1]},
        "fielding_assistant_assignment": {},
        "completes_goal": spec.target_n,
        "expected_length_of_interview_minutes": loi,
        "expected_incidence_rate": incidence,
        "allocations": {
            "open_exchange_allocations": {
                "blocked_supplier_ids": [],
                "exchange_min_percentage": 0,
                "exchange_max_percentage": 100,
                "groups": [],
            }
        },
        "live_url": live_url,
        "test_url": test_url,
        "target_group_customer_reference_number": spec.reference,
    }
    targeting = profiles(spec.quotas, spec.country)
    if targeting:
        body["profiling"] = {"profile_adjustment_type": "nominal", "profiles": targeting}
    return body


def _parse(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


class CintHttp(ResilientClient):
    """The shared resilient client (retries, backoff, ``Retry-After``, breaker); a :class:`Csv` body goes out as
    ``text/csv``."""

    async def _once(
        self,
        method: str,
        path: str,
        json_body: Any,
        params: Any,
        headers: Any,
        timeout: float | None = None,
    ) -> Response:
        if not isinstance(json_body, Csv):
            return await super()._once(method, path, json_body, params, headers, timeout)
        session = self._get_session()
        async with session.request(
            method,
            self.base_url + path,
            data=json_body.text.encode(),
            params=params,
            headers={**headers, "Content-Type": "text/csv"},
        ) as resp:
            return Response(resp.status, _parse(await resp.read()), dict(resp.headers))


Sleep = Callable[[float], Awaitable[None]]


class DemandClient:
    """The Demand API with OAuth client credentials: a JWT fetched from the token endpoint, cached until it
    expires (a minute early, or a tenth of its lifetime for short ones) and fetched again when a call is refused
    with 401, or 403 (how Cint answers an expired token); ``Cint-API-Version`` on every call."""

    def __init__(
        self,
        account: CintAccount,
        api: CintHttp,
        auth: CintHttp,
        *,
        attempts: int,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.account = account
        self.api = api
        self.auth = auth
        self.attempts = attempts
        self._sleep = sleep
        self._token: str | None = None
        self._token_until = 0.0
        self._lock = asyncio.Lock()

    @property
    def account_path(self) -> str:
        return f"/demand/accounts/{self.account.account_id}"

    async def aclose(self) -> None:
        await self.api.aclose()
        await self.auth.aclose()

    async def bearer(self, stale: str | None = None) -> str:
        """The cached JWT, or a new one when it expired, none is held, or ``stale`` (refused) is the one held."""
        async with self._lock:
            if self._token is None or time.monotonic() >= self._token_until or self._token == stale:
                body = await self._grant()
                lifetime = float(body.get("expires_in", 86400))
                self._token = str(body["access_token"])
                self._token_until = time.monotonic() + lifetime - min(60.0, lifetime / 10)
            return self._token

    async def _grant(self) -> Mapping[str, Any]:
        """``POST /oauth/token``; safe to repeat, so transient failures are retried here."""
        body = {
            "grant_type": "client_credentials",
            "client_id": self.account.client_id,
            "client_secret": self.account.client_secret,
            "audience": AUDIENCE,
            "auth_scopes": "app:api",
        }
        for attempt in range(self.attempts):
            try:
                granted: Mapping[str, Any] = (await self.auth.request("POST", "", json_body=body)).body
                return granted
            except ProviderUnavailable:
                if attempt + 1 >= self.attempts:
                    raise
                await self._sleep(self.auth.backoff(attempt))
        raise AssertionError("unreachable")

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """One call with the bearer token (``key``: the POST's idempotency key, which also lets the client retry
        it); once more with a fresh token when the token is refused."""
        token = await self.bearer()
        for attempt in (0, 1):
            try:
                return await self.api.request(
                    method,
                    path,
                    json_body=json_body,
                    params=params,
                    idempotency_key=key,
                    headers={**(headers or {}), "Authorization": f"Bearer {token}"},
                )
            except ProviderRejected as exc:
                if exc.status not in (401, 403) or attempt:
                    raise
                token = await self.bearer(stale=token)
        raise AssertionError("unreachable")

    async def find_target_group(self, project_id: str, reference: str) -> str | None:
        """The id of the project's target group with ``target_group_customer_reference_number`` = ``reference``
        (paged through with ``start_after``); None when there is none."""
        params = {"target_group_customer_reference_numbers": reference, "page_size": "100"}
        while True:
            path = f"{self.account_path}/projects/{project_id}/target-groups"
            body = (await self.call("GET", path, params=params)).body
            for tg in body.get("target_groups") or []:
                if tg.get("target_group_customer_reference_number") == reference:
                    return str(tg["id"])
            if not body.get("has_more") or not body.get("next_cursor"):
                return None
            params = {**params, "start_after": str(body["next_cursor"])}

    async def find(self, reference: str) -> tuple[str, str] | None:
        """(project id, target group id) of the wave with ``reference`` (the projects searched by it, then the
        project's target groups); None when Cint has no such target group."""
        params = {"search_string": reference, "page_size": "100"}
        while True:
            body = (await self.call("GET", f"{self.account_path}/projects", params=params)).body
            for p in body.get("projects") or []:
                if p.get("project_customer_reference_number") == reference:
                    tg = await self.find_target_group(str(p["id"]), reference)
                    return None if tg is None else (str(p["id"]), tg)
            if not body.get("has_more") or not body.get("next_cursor"):
                return None
            params = {**params, "start_after": str(body["next_cursor"])}


#: Reconciliation reason codes (Cint's "Reconciliation reason codes") for the service's quality reasons.
REASON_CODES = {
    "speeder": "933",
    "straight_lining": "932",
    "attention_check": "930",
    "duplicate": "930",
    "no_code": "935",
}
NO_REASON = "26"


def reconciliation_file(project_id: str, decisions: Sequence[Decision]) -> tuple[str, str] | None:
    """Negative reconciliations as Cint takes them: ``RID,reason code`` per line (text/csv, no header) for the
    rejected decisions, with an idempotency key derived from the target group and the file; None when there is
    nothing to reverse (a complete stands unless reversed)."""
    lines = [
        f"{d.submission_id},{REASON_CODES.get(d.reason or '', NO_REASON)}" for d in decisions if not d.approve
    ]
    if not lines:
        return None
    text = "\n".join(lines) + "\n"
    digest = hashlib.sha256(f"{project_id}\n{text}".encode()).digest()
    return text, str(uuid.UUID(bytes=digest[:16], version=4))


def ids(project_id: str) -> tuple[str, str]:
    """(project id, target group id) of the service's project id ``{project}:{target group}``."""
    pid, sep, tg = project_id.partition(":")
    if not sep or not pid or not tg:
        raise ProviderRejected("cint", f"not a Cint project id (project:target group): {project_id!r}")
    return pid, tg


def header(headers: Mapping[str, str], name: str) -> str:
    """A response header by its lower-case ``name`` (empty when absent)."""
    return next((v for k, v in headers.items() if k.lower() == name), "")
