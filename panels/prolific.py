"""Prolific's researcher API (``https://api.prolific.com/api/v1/``, header ``Authorization: Token <token>``).

Mapping onto :class:`panels.base.Provider`:

- a project is a *study*: ``POST /studies/`` with ``internal_name`` = the wave's reference (so a study can be found
  again after a crash: ``GET /studies/`` filtered on it), ``external_study_url`` with Prolific's URL parameters,
  ``total_available_places`` = target, ``reward`` in cents and ``completion_codes`` (COMPLETED, SCREENED_OUT,
  FAILED_ATTENTION_CHECK) derived from the reference;
- launch / pause / close: ``POST /studies/{id}/transition/`` with PUBLISH / PAUSE / STOP; status UNPUBLISHED →
  draft, ACTIVE / PUBLISHING / SCHEDULED → live, PAUSED → paused, AWAITING REVIEW / COMPLETED → closed;
- progress: ``GET /studies/{id}/submissions/counts/``; submissions: ``GET /submissions/?study=&page=`` (finished
  ones: AWAITING REVIEW, APPROVED, REJECTED), read on from the latest ``completed_at`` seen;
- reconciliation: ``POST /submissions/{id}/transition/`` APPROVE, or REJECT with a ``rejection_category`` and a
  message of at least 100 characters (documented as idempotent), one call per submission;
- feasibility: ``POST /eligibility-count/`` and ``POST /study-cost-calculator/``;
- webhooks: ``X-Prolific-Request-Signature`` = base64(HMAC-SHA256(secret, timestamp + body)) with
  ``X-Prolific-Request-Timestamp`` (Unix seconds), which must lie within :data:`WEBHOOK_TOLERANCE` seconds of now
  (a captured request cannot be replayed later; deduplication on ``X-Event-ID`` covers replays inside the
  window). A signed body that is not a JSON object raises ``ValueError`` (the receiver answers 400).

Prolific's demographic filters need its own filter ids; quotas from the population are not sent (raking corrects
the sample). See ``docs/providers.md`` for configuring a real token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from panels.base import (
    REJECT_REASONS,
    Arrival,
    Decision,
    EntryRefused,
    Feasibility,
    Progress,
    Project,
    ProjectSpec,
    Submission,
    SubmissionPage,
    WaveAccess,
    WebhookEvent,
)
from panels.http import CallObserver, ResilientClient, RetryPolicy

_STATUS = {
    "UNPUBLISHED": "draft",
    "SCHEDULED": "live",
    "PUBLISHING": "live",
    "ACTIVE": "live",
    "PAUSED": "paused",
    "AWAITING REVIEW": "closed",
    "COMPLETED": "closed",
}
FINISHED = ("AWAITING REVIEW", "APPROVED", "REJECTED")
_PROLIFIC_ID = re.compile(r"^[0-9a-f]{24}$")
#: Seconds a webhook's signed timestamp may differ from this host's clock.
WEBHOOK_TOLERANCE = 300.0
REJECT_MESSAGE = (
    "Thank you for taking part. Unfortunately this submission did not meet the study's data quality "
    "requirements ({reason}), so it cannot be approved. Reason code: {code}."
)


def completion_codes(reference: str) -> dict[str, str]:
    """Deterministic completion codes per outcome for a study (so they survive a restart)."""
    digest = hashlib.sha256(reference.encode()).hexdigest().upper()
    return {
        "complete": "C" + digest[:7],
        "screened_out": "S" + digest[7:14],
        "quality_terminate": "Q" + digest[14:21],
    }


class ProlificProvider:
    name = "prolific"
    reports_submissions = True
    BASE_URL = "https://api.prolific.com/api/v1"
    RETURN_URL = "https://app.prolific.com/submissions/complete?cc="

    def __init__(
        self,
        token: str,
        *,
        base_url: str = BASE_URL,
        reward_cents: int = 150,
        estimated_minutes: int = 8,
        webhook_secret: str = "",
        policy: RetryPolicy | None = None,
        observer: CallObserver | None = None,
        webhook_tolerance: float = WEBHOOK_TOLERANCE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.webhook_tolerance = webhook_tolerance
        self.clock = clock
        self.http = ResilientClient(
            self.name, base_url, headers={"Authorization": f"Token {token}"}, policy=policy, observer=observer
        )
        self.reward_cents = reward_cents
        self.estimated_minutes = estimated_minutes
        self.webhook_secret = webhook_secret

    async def aclose(self) -> None:
        await self.http.aclose()

    def _project(self, study: Mapping[str, Any]) -> Project:
        return Project(
            id=str(study["id"]),
            reference=str(study.get("internal_name", "")),
            status=_STATUS.get(str(study.get("status")), "closed"),
            target_n=int(study.get("total_available_places", 0)),
            price=float(study.get("reward", self.reward_cents)) / 100,
        )

    async def feasibility(self, spec: ProjectSpec) -> Feasibility:
        count = (
            await self.http.request(
                "POST",
                "/eligibility-count/",
                json_body={"filters": []},
                idempotency_key=f"{spec.reference}:eligibility",
            )
        ).body
        cost = (
            await self.http.request(
                "POST",
                "/study-cost-calculator/",
                json_body={"reward": self.reward_cents, "total_available_places": spec.target_n},
                idempotency_key=f"{spec.reference}:cost",
            )
        ).body
        total = float(cost["total_cost"]) / 100
        return Feasibility(
            int(count["count"]) >= spec.target_n, int(count["count"]), round(total / spec.target_n, 4), "GBP"
        )

    async def create_project(self, spec: ProjectSpec, *, idempotency_key: str) -> Project:
        codes = completion_codes(spec.reference)
        body = {
            "name": spec.name,
            "internal_name": spec.reference,
            "description": "A short survey about brands you may know (about 8 minutes).",
            "external_study_url": self.entry_url(spec.survey_url),
            "prolific_id_option": "url_parameters",
            "total_available_places": spec.target_n,
            "estimated_completion_time": self.estimated_minutes,
            "reward": self.reward_cents,
            "completion_codes": [
                {"code": codes["complete"], "code_type": "COMPLETED", "actions": [], "actor": "researcher"},
                {
                    "code": codes["screened_out"],
                    "code_type": "SCREENED_OUT",
                    "actions": [],
                    "actor": "researcher",
                },
                {
                    "code": codes["quality_terminate"],
                    "code_type": "FAILED_ATTENTION_CHECK",
                    "actions": [],
                    "actor": "researcher",
                },
            ],
        }
        return self._project(
            (
                await self.http.request("POST", "/studies/", json_body=body, idempotency_key=idempotency_key)
            ).body
        )

    async def test_link(self, access: WaveAccess, survey_url: str) -> str | None:
        return None  # see docs/providers.md: preview the study in Prolific's own app

    async def check(self) -> None:
        """``GET /users/me/``: the account the token belongs to."""
        await self.http.request("GET", "/users/me/")

    async def find_project(self, reference: str) -> Project | None:
        body = (await self.http.request("GET", "/studies/")).body
        for study in body.get("results", []):
            if study.get("internal_name") == reference:
                return self._project(study)
        return None

    async def get_project(self, project_id: str) -> Project:
        return self._project((await self.http.request("GET", f"/studies/{project_id}/")).body)

    async def _transition(self, project_id: str, action: str, key: str) -> Project:
        r = await self.http.request(
            "POST", f"/studies/{project_id}/transition/", json_body={"action": action}, idempotency_key=key
        )
        return self._project(r.body)

    async def launch(self, project_id: str, *, idempotency_key: str) -> Project:
        return await self._transition(project_id, "PUBLISH", idempotency_key)

    async def pause(self, project_id: str) -> Project:
        return await self._transition(project_id, "PAUSE", f"{project_id}:pause")

    async def resume(self, project_id: str) -> Project:
        return await self._transition(project_id, "START", f"{project_id}:start")

    async def close(self, project_id: str) -> Project:
        return await self._transition(project_id, "STOP", f"{project_id}:stop")

    async def progress(self, project_id: str) -> Progress:
        counts = (await self.http.request("GET", f"/studies/{project_id}/submissions/counts/")).body
        study = await self.get_project(project_id)
        done = sum(int(counts.get(s, 0)) for s in FINISHED)
        return Progress(
            study.status, done, int(counts.get("SCREENED OUT", 0)), 0, int(counts.get("REJECTED", 0))
        )

    async def submissions(self, project_id: str, cursor: str) -> SubmissionPage:
        """Finished submissions completed after ``cursor`` (an ISO time); the cursor moves to the latest seen."""
        found: list[Submission] = []
        latest = cursor
        page = 1
        while True:
            body = (
                await self.http.request(
                    "GET", "/submissions/", params={"study": project_id, "page": str(page)}
                )
            ).body
            for s in body.get("results", []):
                done = str(s.get("completed_at") or "")
                if s.get("status") in FINISHED and done and done > cursor:
                    found.append(Submission(str(s["id"]), str(s["participant_id"]), "complete", {}))
                    latest = max(latest, done)
            if not (body.get("_links", {}).get("next") or {}).get("href"):
                return SubmissionPage(tuple(found), latest)
            page += 1

    async def reconcile(self, project_id: str, decisions: Sequence[Decision]) -> None:
        for d in decisions:
            if d.approve:
                body: dict[str, Any] = {"action": "APPROVE"}
            else:
                code = d.reason or "quality"
                body = {
                    "action": "REJECT",
                    "rejection_category": REJECT_REASONS.get(code, "OTHER"),
                    "message": REJECT_MESSAGE.format(reason=code.replace("_", " "), code=code),
                }
            await self.http.request(
                "POST",
                f"/submissions/{d.submission_id}/transition/",
                json_body=body,
                idempotency_key=f"{d.submission_id}:{body['action']}",
            )

    def entry_url(self, survey_url: str, access: WaveAccess | None = None) -> str:
        """The study's ``external_study_url``: Prolific fills in the participant, study and session ids."""
        sep = "&" if "?" in survey_url else "?"
        return (
            f"{survey_url}{sep}PROLIFIC_PID={{{{%PROLIFIC_PID%}}}}&STUDY_ID={{{{%STUDY_ID%}}}}"
            f"&SESSION_ID={{{{%SESSION_ID%}}}}"
        )

    async def admit(self, access: WaveAccess, query: Mapping[str, str], url: str) -> Arrival:
        """A participant of this wave's study: the study id must be the wave's (another study's participant is
        foreign), and the ids must look like Prolific's (24 hexadecimal digits)."""
        pid, study, session = (query.get(k, "") for k in ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID"))
        if not _PROLIFIC_ID.match(pid):
            raise EntryRefused("bad_id")
        if study != access.project_id:
            raise EntryRefused("foreign", pid)
        if not _PROLIFIC_ID.match(session):
            raise EntryRefused("bad_signature", pid)
        return Arrival(pid, {"session": session})

    async def finish(self, access: WaveAccess, arrival: Arrival, outcome: str) -> str:
        """Prolific's completion page with the outcome's code (over quota counts as a paid screen-out)."""
        codes = completion_codes(access.reference)
        code = codes["screened_out" if outcome == "over_quota" else outcome]
        return self.RETURN_URL + code

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent | None:
        lower = {k.lower(): v for k, v in headers.items()}
        signature = lower.get("x-prolific-request-signature", "")
        timestamp = lower.get("x-prolific-request-timestamp", "")
        if not self.webhook_secret or not signature or not timestamp:
            return None
        want = base64.b64encode(
            hmac.new(self.webhook_secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
        ).decode()
        if not hmac.compare_digest(signature, want):
            return None
        try:
            fresh = abs(self.clock() - float(timestamp)) <= self.webhook_tolerance
        except ValueError:
            fresh = False
        if not fresh:
            return None  # signed, but too old (or too far ahead) to be a delivery made now
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError):
            raise ValueError("the body is not JSON") from None
        if not isinstance(doc, dict):
            raise ValueError("the body is not a JSON object")
        return WebhookEvent(
            lower.get("x-event-id", str(doc.get("event_id", ""))),
            str(doc.get("event_type", "")),
            str(doc.get("resource_id", doc.get("study_id", ""))),
            doc,
        )
