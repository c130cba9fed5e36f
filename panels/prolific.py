"""Prolific's researcher API (``https://api.prolific.com/api/v1/``, header ``Authorization: Token <token>``).

Mapping onto :class:`panels.base.Provider`:

- feasibility: ``POST /eligibility-count/`` (how many participants Prolific can reach) and ``POST
  /study-cost-calculator/`` (the total cost of the places, service fee included): the price per complete is that
  total over the places;
- a project is a *study*: ``POST /studies/`` with ``internal_name`` = the wave's reference (found again after a
  crash by listing ``GET /studies/``), ``external_study_url`` = the survey with ``{{%PROLIFIC_PID%}}``,
  ``{{%STUDY_ID%}}`` and ``{{%SESSION_ID%}}``, ``total_available_places`` = the target, the reward, the
  ``study_type`` (a representative sample of the poll's population by default: ``US_REP_SAMPLE``,
  ``UK_REP_SAMPLE``) and three completion codes derived from the reference: a complete and a quality terminate
  wait for review (``MANUALLY_REVIEW``), a screen-out is paid a fixed amount (``FIXED_SCREEN_OUT_PAYMENT``: the
  only way Prolific allows screening out, used for over-quota exits too);
- launch / pause / resume / close: ``POST /studies/{id}/transition/`` PUBLISH / PAUSE / START / STOP; status
  UNPUBLISHED → draft, SCHEDULED / PUBLISHING / ACTIVE → live, PAUSED → paused, AWAITING REVIEW / COMPLETED →
  closed. Prolific does not recognise a repeated request, so creating and transitions are sent once per attempt
  and, when the answer is lost, the study is read before trying again;
- the submission feed: ``GET /submissions/?study=`` page by page, the finished ones (awaiting review, approved,
  rejected), all of them each time ``GET /studies/{id}/submissions/counts/`` shows more finished than last time
  (the pages are no snapshot; the books pass over submissions they hold);
- reconciliation: ``POST /submissions/bulk-approve/`` (up to 1,000 at once), and ``POST
  /submissions/{id}/transition/`` REJECT with a ``rejection_category`` and a message of at least 100 characters
  (documented as idempotent, so both are retried safely);
- entry: the participant and session must belong to the wave's study: ``GET /submissions/{SESSION_ID}/`` must
  name the same participant and study and be in progress; exit: the completion page with the outcome's code;
- webhooks: ``X-Prolific-Request-Signature`` = base64(HMAC-SHA256(secret, timestamp + body)) with
  ``X-Prolific-Request-Timestamp`` (Unix seconds), which must lie within :data:`WEBHOOK_TOLERANCE` seconds of now
  (a captured request cannot be replayed later; deduplication on ``X-Event-ID`` covers replays inside the
  window). A signed body that is not a JSON object raises ``ValueError`` (the receiver answers 400).

Prolific has no test link to hand out: its test mode copies a *draft* study for the workspace's test participants
(see ``docs/providers.md``), so :meth:`test_link` is None and the service's own test link is the way in.
"""

from __future__ import annotations

import asyncio
import hashlib
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
    ProviderRejected,
    ProviderUnavailable,
    Submission,
    SubmissionPage,
    WaveAccess,
    WebhookEvent,
)
from panels.http import CallObserver, ResilientClient, RetryPolicy
from panels.prolific_study import (
    FINISHED,
    IN_PROGRESS,
    REPRESENTATIVE,
    STATUS,
    completion_codes,
    project_of,
    study_body,
    webhook_event,
)

__all__ = ["FINISHED", "IN_PROGRESS", "WEBHOOK_TOLERANCE", "ProlificProvider", "completion_codes"]

_PROLIFIC_ID = re.compile(r"^[0-9a-f]{24}$")
#: Seconds a webhook's signed timestamp may differ from this host's clock.
WEBHOOK_TOLERANCE = 300.0
REJECT_MESSAGE = (
    "Thank you for taking part. Unfortunately this submission did not meet the study's data quality "
    "requirements ({reason}), so it cannot be approved. Reason code: {code}."
)
BULK = 1000
ATTEMPTS = 8  # tries of a request Prolific does not recognise when repeated (reading the study in between)


class ProlificProvider:
    name = "prolific"
    reports_submissions = True
    BASE_URL = "https://api.prolific.com/api/v1"
    COMPLETION_URL = "https://app.prolific.com/submissions/complete"

    def __init__(
        self,
        token: str,
        *,
        base_url: str = BASE_URL,
        completion_url: str = COMPLETION_URL,
        study_type: str = "",
        reward_cents: int = 150,
        estimated_minutes: int = 8,
        screen_out_cents: int = 20,
        webhook_secret: str = "",
        policy: RetryPolicy | None = None,
        observer: CallObserver | None = None,
        webhook_tolerance: float = WEBHOOK_TOLERANCE,
        clock: Callable[[], float] = time.time,
        page_size: int = 200,
    ) -> None:
        self.webhook_tolerance = webhook_tolerance
        self.clock = clock
        self.http = ResilientClient(
            self.name, base_url, headers={"Authorization": f"Token {token}"}, policy=policy, observer=observer
        )
        self.completion_url = completion_url
        self.study_type = study_type
        self.reward_cents = reward_cents
        self.estimated_minutes = estimated_minutes
        self.screen_out_cents = screen_out_cents
        self.webhook_secret = webhook_secret
        self.page_size = page_size

    async def aclose(self) -> None:
        await self.http.aclose()

    def _project(self, study: Mapping[str, Any]) -> Project:
        return project_of(study)

    def _study_type(self, country: str) -> str:
        study_type = self.study_type or REPRESENTATIVE.get(country.lower(), "")
        if not study_type:
            raise ProviderRejected(
                self.name,
                f"Prolific's representative samples cover {' and '.join(sorted(REPRESENTATIVE))}, not "
                f"population {country!r}: set the credential field study_type (e.g. SINGLE)",
            )
        return study_type

    async def feasibility(self, spec: ProjectSpec) -> Feasibility:
        self._study_type(spec.country)
        key = f"{spec.reference}:feasibility"
        count = await self.http.request(
            "POST", "/eligibility-count/", json_body={"filters": []}, idempotency_key=key + ":count"
        )
        cost = await self.http.request(
            "POST",
            "/study-cost-calculator/",
            json_body={"reward": self.reward_cents, "total_available_places": spec.target_n},
            idempotency_key=key + ":cost",
        )
        me = (await self.http.request("GET", "/users/me/")).body
        available = int(count.body["count"])
        price = float(cost.body["total_cost"]) / max(spec.target_n, 1) / 100
        return Feasibility(
            available >= spec.target_n, available, round(price, 4), str(me.get("currency_code", "GBP"))
        )

    def _study_body(self, spec: ProjectSpec) -> dict[str, Any]:
        return study_body(
            spec,
            external_study_url=self.entry_url(spec.survey_url),
            study_type=self._study_type(spec.country),
            reward_cents=self.reward_cents,
            estimated_minutes=self.estimated_minutes,
            screen_out_cents=self.screen_out_cents,
        )

    async def create_project(self, spec: ProjectSpec, *, idempotency_key: str) -> Project:
        """Create the draft study once: Prolific would create a second one for a repeated request, so each try
        is sent once and a lost answer is settled by looking the study up by its reference."""
        body = self._study_body(spec)
        for attempt in range(ATTEMPTS):
            try:
                return self._project((await self.http.request("POST", "/studies/", json_body=body)).body)
            except ProviderUnavailable:
                found = await self.find_project(spec.reference)
                if found is not None:
                    return found
            await asyncio.sleep(self.http.backoff(attempt))
        raise ProviderUnavailable(self.name, f"creating the study {spec.reference} failed {ATTEMPTS} times")

    async def test_link(self, access: WaveAccess, survey_url: str) -> str | None:
        return None  # Prolific's test mode works on draft studies only (see the module docstring)

    async def check(self) -> None:
        """``GET /users/me/``: the account the token belongs to."""
        await self.http.request("GET", "/users/me/")

    async def _pages(self, path: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        """Every item of a paged list (``results`` and ``_links.next``)."""
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            query = {**params, "page": str(page), "page_size": str(self.page_size)}
            body = (await self.http.request("GET", path, params=query)).body
            out += body.get("results", [])
            if not (body.get("_links", {}).get("next") or {}).get("href"):
                return out
            page += 1

    async def find_project(self, reference: str) -> Project | None:
        for study in await self._pages("/studies/", {}):
            if study.get("internal_name") == reference:
                return self._project(study)
        return None

    async def _study(self, project_id: str) -> dict[str, Any]:
        body: dict[str, Any] = (await self.http.request("GET", f"/studies/{project_id}/")).body
        return body

    async def get_project(self, project_id: str) -> Project:
        return self._project(await self._study(project_id))

    async def _transition(
        self, project_id: str, action: str, done: Callable[[str], bool], *, ask_when_lost: bool = True
    ) -> Project:
        """Send a study transition once per try; when it is refused (or its answer lost, with
        ``ask_when_lost``), read the study: the transition may have taken effect already (``done`` says so from
        the status)."""
        for attempt in range(ATTEMPTS):
            refused: ProviderRejected | None = None
            try:
                r = await self.http.request(
                    "POST", f"/studies/{project_id}/transition/", json_body={"action": action}
                )
                return self._project(r.body)
            except ProviderRejected as exc:
                if exc.status != 400:
                    raise
                refused = exc
            except ProviderUnavailable:
                if not ask_when_lost:
                    await asyncio.sleep(self.http.backoff(attempt))
                    continue
            study = await self._study(project_id)
            if done(str(study.get("status"))):
                return self._project(study)
            if refused is not None:
                raise refused
            await asyncio.sleep(self.http.backoff(attempt))
        raise ProviderUnavailable(self.name, f"{action} of study {project_id} failed {ATTEMPTS} times")

    async def launch(self, project_id: str, *, idempotency_key: str) -> Project:
        return await self._transition(project_id, "PUBLISH", lambda s: s != "UNPUBLISHED")

    async def pause(self, project_id: str) -> Project:
        return await self._transition(project_id, "PAUSE", lambda s: s != "ACTIVE")

    async def resume(self, project_id: str) -> Project:
        return await self._transition(project_id, "START", lambda s: s != "PAUSED")

    async def close(self, project_id: str) -> Project:
        """STOP, sent again when its answer is lost: a study whose places are all taken also reads AWAITING
        REVIEW or COMPLETED, yet recruits again after a rejection until it is stopped; a repeated STOP is refused,
        and the status then shows it ended."""
        return await self._transition(
            project_id, "STOP", lambda s: STATUS.get(s) == "closed", ask_when_lost=False
        )

    async def _counts(self, project_id: str) -> dict[str, int]:
        body = (await self.http.request("GET", f"/studies/{project_id}/submissions/counts/")).body
        return {str(k): int(v or 0) for k, v in body.items()}

    async def progress(self, project_id: str) -> Progress:
        counts = await self._counts(project_id)
        study = await self.get_project(project_id)
        return Progress(
            study.status,
            sum(counts.get(s, 0) for s in FINISHED),
            counts.get("SCREENED OUT", 0),
            0,
            counts.get("REJECTED", 0),
            sum(counts.get(s, 0) for s in IN_PROGRESS),
        )

    async def submissions(self, project_id: str, cursor: str) -> SubmissionPage:
        """Every finished submission, whenever the study's count of finished submissions moved on (the cursor is
        that count). The list comes in pages and is no snapshot: a submission listed in progress on an early page
        can finish before a later one is read, behind anything finished there, so no high-water mark of
        completion times is safe. The whole list is given again instead; the books pass over what they hold."""
        seen_n = cursor.split("|", 1)[0]
        counts = await self._counts(project_id)
        finished = str(sum(counts.get(s, 0) for s in FINISHED))
        if finished == seen_n:
            return SubmissionPage((), cursor)
        found = tuple(
            Submission(str(s["id"]), str(s["participant_id"]), "complete", {})
            for s in await self._pages("/submissions/", {"study": project_id})
            if s.get("status") in FINISHED
        )
        return SubmissionPage(found, finished)

    async def reconcile(self, project_id: str, decisions: Sequence[Decision]) -> None:
        """Approvals in bulk (asynchronous at Prolific; repeats are ignored), rejections one by one."""
        approve = [d.submission_id for d in decisions if d.approve]
        for start in range(0, len(approve), BULK):
            batch = approve[start : start + BULK]
            key = hashlib.sha256(",".join(batch).encode()).hexdigest()[:32]
            await self.http.request(
                "POST",
                "/submissions/bulk-approve/",
                json_body={"submission_ids": batch},
                idempotency_key=f"{project_id}:approve:{key}",
            )
        for d in decisions:
            if d.approve:
                continue
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
                idempotency_key=f"{d.submission_id}:REJECT",
            )

    def entry_url(self, survey_url: str, access: WaveAccess | None = None) -> str:
        """The study's ``external_study_url``: Prolific fills in the participant, study and session ids."""
        sep = "&" if "?" in survey_url else "?"
        return (
            f"{survey_url}{sep}PROLIFIC_PID={{{{%PROLIFIC_PID%}}}}&STUDY_ID={{{{%STUDY_ID%}}}}"
            f"&SESSION_ID={{{{%SESSION_ID%}}}}"
        )

    async def admit(self, access: WaveAccess, query: Mapping[str, str], url: str) -> Arrival:
        """A participant of this wave's study, taking it now: ids in Prolific's shape, the wave's study (another
        study's participant is foreign), and Prolific's own record of the session (``GET /submissions/{id}/``)
        naming the same participant and study, still in progress — so a changed id or a made-up session is
        refused (``not_admitted``), and a participant opening their finished session again is told they took
        part (``repeated``). When Prolific cannot be asked, :class:`ProviderError` is raised: the
        link may be good (the survey asks the respondent to reload in a moment)."""
        pid, study, session = (query.get(k, "") for k in ("PROLIFIC_PID", "STUDY_ID", "SESSION_ID"))
        if not _PROLIFIC_ID.match(pid):
            raise EntryRefused("bad_id")
        if study != access.project_id:
            raise EntryRefused("foreign", pid)
        if not _PROLIFIC_ID.match(session):
            raise EntryRefused("bad_signature", pid)
        if access.expires_at is not None and self.clock() > access.expires_at:
            raise EntryRefused("expired", pid)
        try:
            record = (await self.http.request("GET", f"/submissions/{session}/", waiting=True)).body
        except ProviderRejected as exc:
            if exc.status in (403, 404):  # no such session, or another workspace's
                raise EntryRefused("not_admitted", pid) from None
            raise
        participant = record.get("participant", record.get("participant_id"))
        if participant != pid or record.get("study_id") != study:
            raise EntryRefused("not_admitted", pid)
        if record.get("status") not in IN_PROGRESS:  # their own session, finished: they opened it again
            raise EntryRefused("repeated", pid)
        return Arrival(pid, {"session": session})

    async def finish(self, access: WaveAccess, arrival: Arrival, outcome: str) -> str:
        """Prolific's completion page with the outcome's code (over quota ends as a paid screen-out)."""
        codes = completion_codes(access.reference)
        code = codes["screened_out" if outcome == "over_quota" else outcome]
        return f"{self.completion_url}?cc={code}"

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent | None:
        """Signed with the workspace's secret over timestamp + body and sent within the tolerance; None otherwise
        (a stale timestamp is a replay). A signed body that is not a JSON object raises ``ValueError``."""
        return webhook_event(self.webhook_secret, self.webhook_tolerance, self.clock(), headers, body)
