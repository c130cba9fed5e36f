"""Cint Exchange (Demand API, version 2025-12-18) as a :class:`panels.base.Provider`.

Three hosts, as Cint publishes them:

- **OAuth** (``https://auth.cint.com/oauth/token``): client credentials for a JWT (valid 24 h), cached until it
  expires and fetched again when the API answers 401, or 403 (how Cint answers an expired token).
- **Demand API** (``https://api.cint.com/v1``): ``Authorization: Bearer <JWT>`` and ``Cint-API-Version`` on every
  call, ``Idempotency-Key`` on every POST. A wave is one *project* (``project_customer_reference_number`` = the
  wave's reference, also in its name so a search finds it) holding one *target group*
  (``target_group_customer_reference_number`` = the reference) with ``live_url`` and ``test_url`` carrying
  ``[%RID%]``, the cost per interview Cint suggested, LOI, incidence and the wave's quotas as profiles
  (:mod:`panels.cint_targeting`). The service's project id is ``{project_id}:{target_group_id}``.
  Feasibility is ``calculate-feasibility`` for the described target group: its ``suggested_price`` is the price
  the poll's budget and cost use, and the target group is bought at it. Launching is an asynchronous
  *launch-from-draft* job, polled until ``Completed``; pause, resume and close act on the target group's
  fielding run with its ETag in ``If-Match`` (a 412 means it changed: read it again and decide again). Test
  runs go through Cint's test supplier (:mod:`panels.cint_testrun`).
  Cint creates a new target group for every create request, so the adapter looks for the wave's before creating
  one and after any failed attempt.
- **Server to server** (:mod:`panels.cint_s2s`): the RID validated on entry, the outcome posted before the
  respondent is sent to Cint's return page, so a redirect alone never books anything ("ghost completes").

``reports_submissions`` is False: Cint keeps no submission feed; the survey's stored completes are the record.
Quality terminates are booked as such at the exit; :meth:`CintProvider.reconcile` sends negative
reconciliations (RID and reason code, CSV) for completes found wanting later. Webhooks: ``Cint-Signature``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from panels.base import (
    Arrival,
    Decision,
    Feasibility,
    Progress,
    Project,
    ProjectSpec,
    ProviderRejected,
    ProviderUnavailable,
    SubmissionPage,
    WaveAccess,
    WebhookEvent,
)
from panels.cint_api import (
    CintAccount,
    CintHttp,
    Csv,
    DemandClient,
    Sleep,
    feasibility_body,
    header,
    ids,
    iso,
    project_body,
    reconciliation_file,
    study_hint,
    target_group_body,
)
from panels.cint_s2s import Fulfillment, live_url, test_url, verify_webhook
from panels.cint_testrun import test_run_link
from panels.http import CallObserver, RetryPolicy

API_URL = "https://api.cint.com/v1"
AUTH_URL = "https://auth.cint.com/oauth/token"
S2S_URL = "https://s2s.cint.com"
RETURN_URL = "https://samplicio.us/s/ClientCallBack.aspx?RID=[%RID%]"
API_VERSION = "2025-12-18"
_STATUS = {
    "draft": "draft",
    "scheduled": "live",
    "live": "live",
    "paused": "paused",
    "completed": "closed",
    "archived": "closed",
}
_ACTIONS = {"pause": ("live",), "resume": ("paused",), "complete": ("live", "paused", "scheduled")}
LAUNCH_TIMEOUT = 120.0  # seconds to wait for a launch job before trying again later

__all__ = ["CintAccount", "CintProvider"]


class CintProvider:
    name = "cint"
    reports_submissions = False

    def __init__(
        self,
        account: CintAccount,
        *,
        api_url: str = API_URL,
        auth_url: str = AUTH_URL,
        s2s_url: str = S2S_URL,
        return_url: str = RETURN_URL,
        api_version: str = API_VERSION,
        webhook_secret: str = "",
        test_entry_url: str = "",
        describe_study: bool = False,
        loi_minutes: int = 10,
        incidence: float = 0.9,
        field_days: int = 7,
        policy: RetryPolicy | None = None,
        observer: CallObserver | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.account = account
        version = {"Cint-API-Version": api_version}
        self.policy = policy or RetryPolicy()
        self.demand = DemandClient(
            account,
            CintHttp(self.name, api_url, headers=version, policy=policy, observer=observer),
            CintHttp(self.name, auth_url, policy=policy, observer=observer),
            attempts=self.policy.attempts,
            sleep=sleep,
        )
        s2s = {**version, "Authorization": account.s2s_key}
        self.fulfillment = Fulfillment(  # a breaker each: outcomes that cannot be posted do not stop entries
            CintHttp(self.name, s2s_url, headers=s2s, policy=policy, observer=observer),
            CintHttp(self.name, s2s_url, headers=s2s, policy=policy, observer=observer),
            return_url,
        )
        self.webhook_secret = webhook_secret
        self.test_entry_url = test_entry_url
        self.describe_study = describe_study
        self.loi_minutes = loi_minutes
        self.incidence = incidence
        self.field_days = field_days
        self._sleep = sleep
        self._quotes: dict[str, tuple[float, str]] = {}  # reference → (suggested CPI, currency)

    @property
    def _acct(self) -> str:
        return self.demand.account_path

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self.demand.call(method, path, **kwargs)

    async def aclose(self) -> None:
        await self.demand.aclose()
        await self.fulfillment.aclose()

    async def check(self) -> None:
        """One authenticated read of the account's projects, and (with an S2S key) one S2S read of an unknown
        RID, which Cint answers 404 when the key is accepted."""
        await self._call("GET", f"{self._acct}/projects", params={"page_size": "1"})
        if self.account.s2s_key:
            try:
                await self.fulfillment.validating.request(
                    "GET", f"/fulfillment/respondents/{uuid.UUID(int=0)}"
                )
            except ProviderRejected as exc:
                if exc.status != 404:
                    raise

    # --- projects -------------------------------------------------------------------------------------------------

    def _spec_times(self) -> tuple[str, str]:
        now = datetime.now(UTC)
        return iso(now), iso(now + timedelta(days=self.field_days))

    async def feasibility(self, spec: ProjectSpec) -> Feasibility:
        body = feasibility_body(
            spec, self.account, loi=self.loi_minutes, incidence=self.incidence, window=self._spec_times()
        )
        r = await self._call(
            "POST",
            f"{self._acct}/target-groups/calculate-feasibility",
            json_body=body,
            key=f"{spec.reference}:feasibility",
        )
        price = r.body["suggested_price"]
        reach = (r.body.get("suggested_completes_goal_range") or {}).get("max")
        if reach is None:
            reach = r.body.get("allocations", {}).get("open_exchange_allocations", {}).get("max_completes", 0)
        currency = str(price.get("currency_code", "USD"))
        self._quotes[spec.reference] = (float(price["value"]), currency)
        return Feasibility(int(reach) >= spec.target_n, int(reach), float(price["value"]), currency)

    async def create_project(self, spec: ProjectSpec, *, idempotency_key: str) -> Project:
        """The wave's project (idempotent by key at Cint) and its one target group (looked for first)."""
        if spec.reference not in self._quotes:
            await self.feasibility(spec)
        price, currency = self._quotes[spec.reference]
        r = await self._call(
            "POST",
            f"{self._acct}/projects",
            json_body=project_body(spec, self.account.project_manager_id),
            key=f"{idempotency_key}:project",
        )
        project_id = str(r.body["id"])
        body = target_group_body(
            spec,
            self.account,
            live_url=live_url(spec.survey_url),
            test_url=test_url(spec.survey_url),
            price=(price, currency),
            loi=self.loi_minutes,
            incidence=self.incidence,
            window=self._spec_times(),
        )
        headers = {"Idempotency-Key": f"{idempotency_key}:target-group"}
        if self.describe_study:
            headers["X-Sim-Study"] = study_hint(spec)
        for attempt in range(self.policy.attempts):
            found = await self.demand.find_target_group(project_id, spec.reference)
            if found is not None:
                return await self.get_project(f"{project_id}:{found}")
            try:  # Cint creates a new target group per request: never retried blindly
                r = await self._call(
                    "POST",
                    f"{self._acct}/projects/{project_id}/target-groups",
                    json_body=body,
                    headers=headers,
                )
                return await self.get_project(f"{project_id}:{r.body['id']}")
            except ProviderUnavailable:
                if attempt + 1 >= self.policy.attempts:
                    raise
                await self._sleep(self.demand.api.backoff(attempt))
        raise AssertionError("unreachable")

    async def find_project(self, reference: str) -> Project | None:
        found = await self.demand.find(reference)
        return None if found is None else await self.get_project(f"{found[0]}:{found[1]}")

    async def _overview(self, project_id: str) -> Mapping[str, Any] | None:
        """The launched target group's overview; None while it is a draft (Cint answers 404 then)."""
        pid, tg = ids(project_id)
        try:
            return (await self._call("GET", f"{self._acct}/projects/{pid}/target-groups/{tg}/overview")).body
        except ProviderRejected as exc:
            if exc.status != 404:
                raise
        return None

    async def get_project(self, project_id: str) -> Project:
        overview = await self._overview(project_id)
        if overview is not None:
            return Project(
                project_id,
                str(overview.get("target_group_customer_reference_number") or ""),
                _STATUS.get(str(overview["status"]), "closed"),
                int(overview["progress"]["filling_goal"]),
                float(overview["current_cost_per_interview"]["value"]),
            )
        pid, tg = ids(project_id)
        draft = (await self._call("GET", f"{self._acct}/projects/{pid}/target-groups/{tg}")).body
        return Project(
            project_id,
            str(draft.get("target_group_customer_reference_number") or ""),
            _STATUS.get(str(draft.get("status", "draft")), "closed"),
            int(draft.get("completes_goal", 0)),
            float((draft.get("cost_per_interview") or {}).get("value", 0.0)),
        )

    async def launch(self, project_id: str, *, idempotency_key: str) -> Project:
        """The launch-from-draft job (idempotent by key), polled until Cint reports it completed."""
        current = await self.get_project(project_id)
        if current.status != "draft":
            return current
        pid, tg = ids(project_id)
        base = f"{self._acct}/projects/{pid}/target-groups/{tg}/fielding-run-jobs/launch-from-draft"
        r = await self._call(
            "POST", base, json_body={"end_fielding_at": self._spec_times()[1]}, key=idempotency_key
        )
        location = header(r.headers, "location")
        job = location.rstrip("/").rsplit("/", 1)[-1] or str((r.body or {}).get("job_id", ""))
        wait, waited = 0.02, 0.0
        while True:
            status = (await self._call("GET", f"{base}/{job}")).body
            if status.get("status") == "Completed":
                return await self.get_project(project_id)
            if status.get("status") == "Failed":
                reason = status.get("failure_reason") or {}
                raise ProviderRejected(
                    self.name, f"launch of {project_id} failed: {reason.get('code', 'unknown')}"
                )
            if waited >= LAUNCH_TIMEOUT:
                raise ProviderUnavailable(self.name, f"launch job {job} of {project_id} still processing")
            await self._sleep(wait)
            waited += wait
            wait = min(1.0, wait * 2)

    async def _run(self, project_id: str) -> tuple[str, Mapping[str, Any], str] | None:
        """The target group's fielding run (its path, body and ETag); None before launch."""
        pid, tg = ids(project_id)
        runs = f"{self._acct}/projects/{pid}/target-groups/{tg}/fielding-runs"
        listed = (await self._call("GET", runs)).body.get("data") or []
        if not listed:
            return None
        path = f"{runs}/{listed[0]['id']}"
        r = await self._call("GET", path)
        return path, r.body, header(r.headers, "etag")

    async def _act(self, project_id: str, action: str) -> Project:
        """Pause, resume or complete the fielding run with its current ETag; a 412 (changed meanwhile) or 422
        (no longer in a state that allows it) is settled by reading the run again."""
        for _ in range(self.policy.attempts):
            run = await self._run(project_id)
            if run is None or run[1].get("status") not in _ACTIONS[action]:
                break
            path, body, etag = run
            try:
                await self._call(
                    "POST",
                    f"{path}/{action}",
                    headers={"If-Match": etag},
                    key=f"{project_id}:{action}:{body.get('version', '')}",
                )
                break
            except ProviderRejected as exc:
                if exc.status not in (412, 422):
                    raise
        return await self.get_project(project_id)

    async def pause(self, project_id: str) -> Project:
        return await self._act(project_id, "pause")

    async def resume(self, project_id: str) -> Project:
        return await self._act(project_id, "resume")

    async def close(self, project_id: str) -> Project:
        """Complete the fielding run. A target group never launched has nothing in the field: it is left a draft
        and reported closed."""
        project = await self._act(project_id, "complete")
        return Project(project.id, project.reference, "closed", project.target_n, project.price)

    async def progress(self, project_id: str) -> Progress:
        overview = await self._overview(project_id)
        if overview is None:
            return Progress("draft", 0)
        return Progress(
            _STATUS.get(str(overview["status"]), "closed"), int(overview["progress"]["current_completes"])
        )

    async def submissions(self, project_id: str, cursor: str) -> SubmissionPage:
        return SubmissionPage((), cursor)  # no feed at Cint: the survey's stored completes are the record

    async def reconcile(self, project_id: str, decisions: Sequence[Decision]) -> None:
        """Negative reconciliation of completes found wanting: one CSV of ``RID,reason code`` (a complete
        stands unless reversed, so approvals send nothing)."""
        file = reconciliation_file(project_id, decisions)
        if file is None:
            return
        text, key = file
        _, tg = ids(project_id)
        await self._call(
            "POST",
            f"{self._acct}/reconciliations",
            params={"name": f"{tg}-{key[:8]}.csv"},
            json_body=Csv(text),
            key=key,
        )

    # --- respondents ----------------------------------------------------------------------------------------------

    def entry_url(self, survey_url: str, access: WaveAccess | None = None) -> str:
        return live_url(survey_url)

    async def test_link(self, access: WaveAccess, survey_url: str) -> str | None:
        """Cint's test link for a test run of the wave's target group by its test supplier (supplier 980):
        the target group opened to the test supplier through the Target Group Allocations API and the
        ``links.test_screener`` Cint gives (:mod:`panels.cint_testrun`). A ``test_entry_url`` configured by hand
        (with ``[%TARGET_GROUP_ID%]``, ``[%PROJECT_ID%]``) is used instead, as given."""
        pid, tg = ids(access.project_id)
        if self.test_entry_url:
            return self.test_entry_url.replace("[%TARGET_GROUP_ID%]", tg).replace("[%PROJECT_ID%]", pid)
        return await test_run_link(self.demand, pid, tg)

    async def admit(self, access: WaveAccess, query: Mapping[str, str], url: str) -> Arrival:
        return await self.fulfillment.admit(query, url)

    async def finish(self, access: WaveAccess, arrival: Arrival, outcome: str) -> str:
        return await self.fulfillment.finish(arrival.participant_id, outcome)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent | None:
        return verify_webhook(self.webhook_secret, headers, body, time.time())


def from_fields(
    values: Mapping[str, str], *, policy: RetryPolicy | None = None, observer: CallObserver | None = None
) -> CintProvider:
    """The adapter for the credential fields of the registry's ``cint`` kind (:data:`panels.registry.KINDS`)."""
    account = CintAccount(
        values["client_id"],
        values["client_secret"],
        values["account_id"],
        values["project_manager_id"],
        values["business_unit_id"],
        values.get("s2s_key", ""),
    )
    return CintProvider(
        account,
        api_url=values.get("api_url") or API_URL,
        auth_url=values.get("auth_url") or AUTH_URL,
        s2s_url=values.get("s2s_url") or S2S_URL,
        return_url=values.get("return_url") or RETURN_URL,
        api_version=values.get("api_version") or API_VERSION,
        webhook_secret=values.get("webhook_secret", ""),
        test_entry_url=values.get("test_entry_url", ""),
        describe_study=values.get("simulation", "") == "on",
        policy=policy,
        observer=observer,
    )
