"""The Prolific adapter against a local fake of its researcher API that follows the published request and
response shapes (studies, transitions, submissions and counts, approve / reject with a rejection category,
completion codes, the webhook signature)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from panels.base import Decision, EntryRefused, ProjectSpec, Provider, WaveAccess
from panels.http import RetryPolicy
from panels.prolific import ProlificProvider, completion_codes

TOKEN = "test-token"
TRANSITIONS = {
    ("UNPUBLISHED", "PUBLISH"): "ACTIVE",
    ("ACTIVE", "PAUSE"): "PAUSED",
    ("PAUSED", "START"): "ACTIVE",
    ("ACTIVE", "STOP"): "AWAITING REVIEW",
    ("PAUSED", "STOP"): "AWAITING REVIEW",
}


class FakeProlific:
    def __init__(self) -> None:
        self.studies: dict[str, dict[str, Any]] = {}
        self.submissions: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.page_size = 2

    def _error(self, status: int, detail: str) -> web.Response:
        return web.json_response(
            {
                "error": {
                    "status": status,
                    "error_code": status * 100,
                    "title": "Error",
                    "detail": detail,
                    "additional_information": "",
                }
            },
            status=status,
        )

    @web.middleware
    async def auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Token {TOKEN}":
            return self._error(401, "Authentication credentials were not provided.")
        body = await request.json() if request.can_read_body else None
        self.requests.append((request.method, request.path, body))
        return await handler(request)

    async def create_study(self, request: web.Request) -> web.Response:
        body = await request.json()
        for required in (
            "name",
            "external_study_url",
            "total_available_places",
            "reward",
            "completion_codes",
        ):
            if required not in body:
                return self._error(400, f"{required}: This field is required.")
        sid = f"{len(self.studies) + 1:024x}"
        self.studies[sid] = {**body, "id": sid, "status": "UNPUBLISHED"}
        return web.json_response(self.studies[sid], status=201)

    async def list_studies(self, request: web.Request) -> web.Response:
        return web.json_response({"results": list(self.studies.values())})

    async def get_study(self, request: web.Request) -> web.Response:
        return web.json_response(self.studies[request.match_info["id"]])

    async def transition(self, request: web.Request) -> web.Response:
        study = self.studies[request.match_info["id"]]
        action = (await request.json())["action"]
        new = TRANSITIONS.get((study["status"], action))
        if new is None:
            return self._error(400, f"cannot {action} a study that is {study['status']}")
        study["status"] = new
        return web.json_response(study)

    async def list_submissions(self, request: web.Request) -> web.Response:
        study = request.query["study"]
        rows = [s for s in self.submissions.values() if s["study_id"] == study]
        page = int(request.query.get("page", "1"))
        chunk = rows[(page - 1) * self.page_size : page * self.page_size]
        more = page * self.page_size < len(rows)
        nxt = {"href": f"/api/v1/submissions/?study={study}&page={page + 1}"} if more else {"href": None}
        return web.json_response({"results": chunk, "_links": {"next": nxt}, "meta": {"count": len(rows)}})

    async def counts(self, request: web.Request) -> web.Response:
        out: dict[str, int] = {}
        for s in self.submissions.values():
            if s["study_id"] == request.match_info["id"]:
                out[s["status"]] = out.get(s["status"], 0) + 1
        return web.json_response(out)

    async def submission_transition(self, request: web.Request) -> web.Response:
        sub = self.submissions[request.match_info["id"]]
        body = await request.json()
        if sub["status"] not in ("AWAITING REVIEW", "APPROVED", "REJECTED"):
            return self._error(400, "Submission is not yet submitted.")
        if body["action"] == "REJECT" and (
            len(body.get("message", "")) < 100
            or body.get("rejection_category")
            not in (
                "TOO_QUICKLY",
                "TOO_SLOWLY",
                "FAILED_INSTRUCTIONS",
                "INCOMP_LONGITUDINAL",
                "FAILED_CHECK",
                "LOW_EFFORT",
                "MALINGERING",
                "NO_CODE",
                "BAD_CODE",
                "NO_DATA",
                "UNSUPP_DEVICE",
                "OTHER",
            )
        ):
            return self._error(400, "message must be at least 100 characters; rejection_category required")
        target = {"APPROVE": "APPROVED", "REJECT": "REJECTED"}[body["action"]]
        if sub["status"] not in ("AWAITING REVIEW", target):
            return self._error(400, f"submission is {sub['status']}")
        sub["status"] = target
        sub["rejection_category"] = body.get("rejection_category")
        return web.json_response(sub)

    async def eligibility(self, request: web.Request) -> web.Response:
        return web.json_response({"count": 52000})

    async def cost(self, request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(
            {"total_cost": round(body["reward"] * body["total_available_places"] * 1.333)}
        )

    async def me(self, request: web.Request) -> web.Response:
        return web.json_response({"id": "r" * 24, "user_type": "researcher"})

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self.auth])
        r = app.router
        r.add_get("/api/v1/users/me/", self.me)
        r.add_post("/api/v1/studies/", self.create_study)
        r.add_get("/api/v1/studies/", self.list_studies)
        r.add_get("/api/v1/studies/{id}/", self.get_study)
        r.add_post("/api/v1/studies/{id}/transition/", self.transition)
        r.add_get("/api/v1/studies/{id}/submissions/counts/", self.counts)
        r.add_get("/api/v1/submissions/", self.list_submissions)
        r.add_post("/api/v1/submissions/{id}/transition/", self.submission_transition)
        r.add_post("/api/v1/eligibility-count/", self.eligibility)
        r.add_post("/api/v1/study-cost-calculator/", self.cost)
        return app

    def participant_submits(self, study_id: str, n: int, *, status: str = "AWAITING REVIEW") -> list[str]:
        ids = []
        for _ in range(n):
            k = len(self.submissions) + 1
            sid = f"sub{k:04d}"
            self.submissions[sid] = {
                "id": sid,
                "participant_id": f"pp{k:04d}",
                "study_id": study_id,
                "status": status,
                "started_at": f"2026-03-02T10:{k:02d}:00Z",
                "completed_at": f"2026-03-02T10:{k:02d}:30Z" if status != "ACTIVE" else None,
            }
            ids.append(sid)
        return ids


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeProlific, ProlificProvider]]:
    state = FakeProlific()
    server = TestServer(state.app())
    await server.start_server()
    provider = ProlificProvider(
        TOKEN,
        base_url=str(server.make_url("/api/v1")),
        webhook_secret="whsec",
        policy=RetryPolicy(attempts=2, backoff=0.001),
    )
    yield state, provider
    await provider.aclose()
    await server.close()


SPEC = ProjectSpec(
    reference="rw9-abc",
    name="Brand tracker — wave 9",
    target_n=3,
    country="uk",
    survey_url="https://survey.example.org/s/9",
)


async def test_study_lifecycle(fake: tuple[FakeProlific, ProlificProvider]) -> None:
    state, provider = fake
    assert isinstance(provider, Provider)
    quote = await provider.feasibility(SPEC)
    assert quote.feasible and quote.price == pytest.approx(2.0, abs=0.01)
    project = await provider.create_project(SPEC, idempotency_key="rw9-abc:create")
    sent = state.requests[-1][2]
    assert sent["internal_name"] == "rw9-abc" and sent["prolific_id_option"] == "url_parameters"
    assert "PROLIFIC_PID={{%PROLIFIC_PID%}}" in sent["external_study_url"]
    assert {c["code_type"] for c in sent["completion_codes"]} == {
        "COMPLETED",
        "SCREENED_OUT",
        "FAILED_ATTENTION_CHECK",
    }
    assert project.status == "draft" and await provider.find_project("rw9-abc") == project
    assert await provider.find_project("nope") is None
    assert (await provider.launch(project.id, idempotency_key="k")).status == "live"
    assert (await provider.pause(project.id)).status == "paused"
    assert (await provider.close(project.id)).status == "closed"
    codes = completion_codes("rw9-abc")
    access = WaveAccess(9, project.id, "rw9-abc", "k" * 32, None)
    pid, session = "a" * 24, "b" * 24
    arrival = await provider.admit(
        access, {"PROLIFIC_PID": pid, "STUDY_ID": project.id, "SESSION_ID": session}, "https://s.example/x"
    )
    assert arrival.participant_id == pid and not arrival.test
    done = "https://app.prolific.com/submissions/complete?cc="
    assert await provider.finish(access, arrival, "complete") == done + codes["complete"]
    assert (
        await provider.finish(access, arrival, "over_quota") == done + codes["screened_out"]
    )  # a paid screen-out
    assert await provider.finish(access, arrival, "quality_terminate") == done + codes["quality_terminate"]
    for query, reason in (
        ({"PROLIFIC_PID": "x", "STUDY_ID": project.id, "SESSION_ID": session}, "bad_id"),
        ({"PROLIFIC_PID": pid, "STUDY_ID": "another-study", "SESSION_ID": session}, "foreign"),
        ({"PROLIFIC_PID": pid, "STUDY_ID": project.id}, "bad_signature"),
    ):
        with pytest.raises(EntryRefused) as refused:
            await provider.admit(access, query, "https://s.example/x")
        assert refused.value.reason == reason
    entry = provider.entry_url("https://s.example/survey/9/start", access)
    assert entry.endswith(
        "?PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}"
    )


async def test_submissions_counts_and_reconciliation(fake: tuple[FakeProlific, ProlificProvider]) -> None:
    state, provider = fake
    project = await provider.create_project(SPEC, idempotency_key="c")
    await provider.launch(project.id, idempotency_key="l")
    state.participant_submits(project.id, 3)
    state.participant_submits(project.id, 1, status="ACTIVE")  # still taking the survey
    page = await provider.submissions(project.id, "")
    assert [s.participant_id for s in page.submissions] == ["pp0001", "pp0002", "pp0003"]
    assert (await provider.submissions(project.id, page.cursor)).submissions == ()  # read on from the cursor
    state.participant_submits(project.id, 1)
    later = await provider.submissions(project.id, page.cursor)
    assert [s.submission_id for s in later.submissions] == ["sub0005"]
    decisions = [
        Decision("sub0001", True),
        Decision("sub0002", False, "speeder"),
        Decision("sub0003", False, "straight_lining"),
    ]
    await provider.reconcile(project.id, decisions)
    await provider.reconcile(project.id, decisions)  # idempotent: same decisions again are accepted
    assert state.submissions["sub0002"]["rejection_category"] == "TOO_QUICKLY"
    assert state.submissions["sub0003"]["rejection_category"] == "LOW_EFFORT"
    progress = await provider.progress(project.id)
    assert progress.completes == 4 and progress.rejected == 2


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return base64.b64encode(
        hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    ).decode()


async def test_webhook_signature(fake: tuple[FakeProlific, ProlificProvider]) -> None:
    _, provider = fake
    body = json.dumps({"event_type": "study.status.change", "resource_id": "s1", "status": "ACTIVE"}).encode()
    headers = {
        "X-Prolific-Request-Timestamp": "1767225600",
        "X-Event-ID": "ev-1",
        "X-Prolific-Request-Signature": sign("whsec", "1767225600", body),
    }
    provider.clock = lambda: 1767225600.0 + 60
    event = provider.verify_webhook(headers, body)
    assert event is not None and event.event_id == "ev-1" and event.project_id == "s1"
    assert provider.verify_webhook({**headers, "X-Prolific-Request-Timestamp": "1767225601"}, body) is None
    assert provider.verify_webhook(headers, body + b" ") is None


async def test_bad_token_is_refused(fake: tuple[FakeProlific, ProlificProvider]) -> None:
    state, provider = fake
    wrong = ProlificProvider("wrong", base_url=provider.http.base_url)
    from panels.base import ProviderRejected

    await provider.check()  # the right token
    with pytest.raises(ProviderRejected) as err:
        await wrong.check()
    await wrong.aclose()
    assert err.value.status == 401
