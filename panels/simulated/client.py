"""The adapter for the simulated provider's API (:mod:`panels.simulated.server`), through the resilient client."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from panels.base import (
    Arrival,
    Decision,
    EntryRefused,
    Feasibility,
    Progress,
    Project,
    ProjectSpec,
    ProviderRejected,
    Submission,
    SubmissionPage,
    WaveAccess,
    WebhookEvent,
)
from panels.http import CallObserver, ResilientClient, RetryPolicy
from panels.links import check_entry, exit_query
from panels.simulated.webhooks import SIGNATURE_HEADER, verify

#: The wave id in the hosted survey's entry URL (``…/survey/{wave}/start``), which its entry links sign.
_SURVEY_WAVE = re.compile(r"/survey/(\d+)/start$")

RECONCILE_BATCH = 500


class SimulatedProvider:
    name = "simulated"
    reports_submissions = True

    def __init__(
        self,
        base_url: str,
        *,
        policy: RetryPolicy | None = None,
        webhook_secret: str = "",
        seed: int = 7,
        observer: CallObserver | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = ResilientClient(self.name, self.base_url, policy=policy, observer=observer)
        self.webhook_secret = webhook_secret
        self.seed = seed

    async def aclose(self) -> None:
        await self.http.aclose()

    def _spec_body(self, spec: ProjectSpec) -> dict[str, Any]:
        return {
            "reference": spec.reference,
            "name": spec.name,
            "target_n": spec.target_n,
            "country": spec.country,
            "quotas": [{"variable": q.variable, "level": q.level, "limit": q.limit} for q in spec.quotas],
            "survey_url": spec.survey_url,
            "webhook_url": spec.webhook_url,
            "simulation": self._simulation(spec),
        }

    def _simulation(self, spec: ProjectSpec) -> dict[str, Any]:
        """What the simulator plays its respondents from: the study's brands (with the own brand, which decides
        customer status), the wave's position (the simulated population drifts from wave to wave), the seed,
        and the buyer's survey with the secret that signs each respondent's entry link."""
        topic = spec.topic
        sim: dict[str, Any] = {
            "brands": list(topic.get("brands") or []),
            "own_brand": str(topic.get("own_brand") or ""),
            "wave_index": max(0, spec.wave_number - 1),
            "seed": self.seed,
        }
        wave = _SURVEY_WAVE.search(spec.survey_url)
        if wave and spec.entry_secret:
            sim["survey"] = {
                "entry_url": spec.survey_url,
                "wave_id": int(wave.group(1)),
                "secret": spec.entry_secret,
            }
        return sim

    @staticmethod
    def _project(body: Mapping[str, Any]) -> Project:
        return Project(
            id=str(body["id"]),
            reference=str(body["reference"]),
            status=str(body["status"]),
            target_n=int(body["target_n"]),
            price=float(body.get("price", 0.0)),
        )

    async def feasibility(self, spec: ProjectSpec) -> Feasibility:
        body = self._spec_body(spec)
        del body["simulation"], body["webhook_url"]
        r = await self.http.request(
            "POST", "/v1/feasibility", json_body=body, idempotency_key=f"{spec.reference}:feasibility"
        )
        return Feasibility(
            bool(r.body["feasible"]),
            int(r.body["available"]),
            float(r.body["price"]),
            str(r.body.get("currency", "USD")),
        )

    async def create_project(self, spec: ProjectSpec, *, idempotency_key: str) -> Project:
        r = await self.http.request(
            "POST", "/v1/projects", json_body=self._spec_body(spec), idempotency_key=idempotency_key
        )
        return self._project(r.body)

    async def test_link(self, access: WaveAccess, survey_url: str) -> str | None:
        return None  # no test mode of its own: use the service's test link

    async def check(self) -> None:
        await self.http.request("GET", "/v1/projects", params={"reference": "-"})

    async def find_project(self, reference: str) -> Project | None:
        r = await self.http.request("GET", "/v1/projects", params={"reference": reference})
        found = [self._project(p) for p in r.body["projects"]]
        return found[0] if found else None

    async def get_project(self, project_id: str) -> Project:
        return self._project((await self.http.request("GET", f"/v1/projects/{project_id}")).body)

    async def launch(self, project_id: str, *, idempotency_key: str) -> Project:
        r = await self.http.request(
            "POST", f"/v1/projects/{project_id}/launch", idempotency_key=idempotency_key
        )
        return self._project(r.body)

    async def pause(self, project_id: str) -> Project:
        r = await self.http.request(
            "POST", f"/v1/projects/{project_id}/pause", idempotency_key=f"{project_id}:pause"
        )
        return self._project(r.body)

    async def resume(self, project_id: str) -> Project:
        r = await self.http.request(
            "POST", f"/v1/projects/{project_id}/resume", idempotency_key=f"{project_id}:resume"
        )
        return self._project(r.body)

    async def close(self, project_id: str) -> Project:
        r = await self.http.request(
            "POST", f"/v1/projects/{project_id}/close", idempotency_key=f"{project_id}:close"
        )
        return self._project(r.body)

    async def progress(self, project_id: str) -> Progress:
        b = (await self.http.request("GET", f"/v1/projects/{project_id}/progress")).body
        return Progress(str(b["status"]), int(b["completes"]), 0, int(b["over_quota"]), int(b["rejected"]))

    async def submissions(self, project_id: str, cursor: str) -> SubmissionPage:
        after = cursor or "0"
        b = (
            await self.http.request("GET", f"/v1/projects/{project_id}/submissions", params={"after": after})
        ).body
        subs = tuple(
            Submission(
                str(s["submission_id"]), str(s["participant_id"]), str(s["status"]), s.get("data") or {}
            )
            for s in b["submissions"]
        )
        return SubmissionPage(subs, str(b["next"]))

    async def reconcile(self, project_id: str, decisions: Sequence[Decision]) -> None:
        for start in range(0, len(decisions), RECONCILE_BATCH):
            batch = decisions[start : start + RECONCILE_BATCH]
            body = {
                "decisions": [
                    {
                        "submission_id": d.submission_id,
                        "action": "approve" if d.approve else "reject",
                        "reason": d.reason,
                    }
                    for d in batch
                ]
            }
            key = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32]
            r = await self.http.request(
                "POST",
                f"/v1/projects/{project_id}/reconcile",
                json_body=body,
                idempotency_key=f"{project_id}:reconcile:{key}",
            )
            results = r.body.get("results", {})
            if results.get("unknown") or results.get("conflict"):
                raise ProviderRejected(self.name, f"reconciliation of {project_id} not accepted: {results}")

    def entry_url(self, survey_url: str, access: WaveAccess) -> str:
        """The simulator signs each respondent's link itself (``pid``, ``sig``) with the wave's secret."""
        return survey_url

    async def admit(self, access: WaveAccess, query: Mapping[str, str], url: str) -> Arrival:
        try:
            pid = check_entry(access.secret, access.wave_id, query, time.time(), access.expires_at)
        except ValueError as exc:
            raise EntryRefused(str(exc.args[0]), exc.args[1]) from None
        return Arrival(pid)

    async def finish(self, access: WaveAccess, arrival: Arrival, outcome: str) -> str:
        """The simulator's return landing, signed so it can tell the outcome came from the survey."""
        query = exit_query(access.secret, arrival.participant_id, outcome)
        return f"{self.base_url}/return/{access.project_id}?{query}"

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent | None:
        """``X-Sim-Signature`` (:func:`panels.simulated.webhooks.verify`: signed with the secret, at most five
        minutes old); None when it does not verify."""
        if not verify(self.webhook_secret, headers.get(SIGNATURE_HEADER, ""), body):
            return None
        try:
            doc = json.loads(body)
            return WebhookEvent(
                str(doc["event_id"]), str(doc["type"]), str(doc["project_id"]), doc.get("data") or {}
            )
        except (ValueError, KeyError, TypeError):
            return None  # signed but malformed: not an event this adapter understands
