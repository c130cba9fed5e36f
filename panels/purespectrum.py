"""PureSpectrum's Buy API (``https://api.spectrumsurveys.com/buyers/v2``, header ``access-token``; staging
``https://staging.spectrumsurveys.com/buyers/v2``).

Mapping onto :class:`panels.base.Provider`:

- a project is a *survey*: ``POST /buyers/v2/surveys`` with ``survey_external_id`` = the wave's reference (found
  again after a crash by listing ``GET /buyers/v2/surveys?status=11|22|33|44``), ``completes_required`` = target,
  ``offer_price`` = the feasibility's ``recommended_cpi``, ``live_url`` = the survey's entry URL with
  ``transaction_id=[%%ps_transaction_id%%]`` and ``test_url`` the same with ``ps_test=1``, and the wave's quotas
  as qualifications and quotas (gender 211, age 212 in years (unit 311), education 216; other weighting variables
  are not sent and raking corrects them). PureSpectrum documents no idempotency key, so a create whose answer was
  lost is settled by looking the survey up by its reference before trying again;
- status: ``ps_survey_status`` 11 draft, 22 live, 33 paused, 44 closed, changed with ``PATCH /surveys/{id}``
  (a JSON Patch replacing ``/ps_survey_status``); progress from ``GET /surveys/{id}/performance``;
- feasibility and price: ``POST /buyers/v2/feasibility`` (``total_feasibility``, ``recommended_cpi``);
- entry: PureSpectrum sends each respondent to the ``live_url`` with their transaction id, the survey id (when
  the buyer settings pass it) and ``ps_hash = sha1(url + secret)``; :meth:`PureSpectrumProvider.admit` checks the
  hash, then asks ``GET /buyers/v3/surveys/{id}/transactions/{tid}`` whether PureSpectrum knows the transaction
  and that it belongs to this survey;
- exit: :meth:`PureSpectrumProvider.finish` first sets the transaction's status server to server
  (``POST /buyers/v2/surveys/{id}/transactions/{tid}/status?st=…``: 21 complete, 18 terminate, 17 over quota,
  20 quality termination; the final word, whatever the browser does next; a repeat answered "already has a
  final status" (``ps_error_code`` 1003) means an earlier attempt went through), then sends the browser to
  ``…/surveydone?st=…&transaction_id=…&ps_hash=…``.

There is no submission feed (``reports_submissions`` is False): the survey's stored outcomes are the books, and
PureSpectrum bills completes (status 21) × the survey's CPI. See ``docs/providers.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from panels.base import (
    Arrival,
    Decision,
    EntryRefused,
    Feasibility,
    Progress,
    Project,
    ProjectSpec,
    ProviderRejected,
    ProviderUnavailable,
    Quota,
    SubmissionPage,
    WaveAccess,
    WebhookEvent,
)
from panels.http import CallObserver, ResilientClient, RetryPolicy
from panels.url_hash import PURESPECTRUM, LinkHashError, verify_received

API_URL = "https://api.spectrumsurveys.com"
STAGING_API_URL = "https://staging.spectrumsurveys.com"
RETURN_URL = "https://spectrumsurveys.com/surveydone"
TRANSACTION_PLACEHOLDER = "[%%ps_transaction_id%%]"

STATUS = {11: "draft", 22: "live", 33: "paused", 44: "closed"}
STATUS_CODE = {v: k for k, v in STATUS.items()}
#: ``st`` codes of a respondent's outcome.
ST = {"complete": 21, "screened_out": 18, "over_quota": 17, "quality_terminate": 20}
LOCALIZATION = {"us": "en_US", "uk": "en_UK", "gb": "en_UK", "de": "de_DE"}
#: PureSpectrum qualification codes for the population variables they can target.
GENDER, AGE, EDUCATION, AGE_UNIT = 211, 212, 216, 311
GENDER_CODES = {"male": ["111"], "female": ["112"]}
EDUCATION_CODES = {
    "hs_or_less": ["111", "112"],
    "some_college_associate": ["113"],
    "bachelors_plus": ["114", "115", "116", "117", "118"],
    "isced_0_2": ["111"],
    "isced_3_4": ["112", "113"],
    "isced_5_8": ["114", "115", "116", "117", "118"],
}
_AGE = re.compile(r"^(\d{2})(?:-(\d{2})|\+)$")
_TRANSACTION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_FINAL_STATUS = re.compile(r"ps_error_code\"?\s*:\s*1003\b")
CREATE_ATTEMPTS = 5


def criterion(quota: Quota) -> dict[str, Any] | None:
    """The PureSpectrum criterion of one quota cell, or None when PureSpectrum cannot target the variable."""
    if quota.variable == "gender" and quota.level in GENDER_CODES:
        return {"qualification_code": GENDER, "condition_codes": GENDER_CODES[quota.level]}
    if quota.variable == "education" and quota.level in EDUCATION_CODES:
        return {"qualification_code": EDUCATION, "condition_codes": EDUCATION_CODES[quota.level]}
    match = _AGE.match(quota.level) if quota.variable == "age" else None
    if match:
        low, high = int(match.group(1)), int(match.group(2) or 99)
        return {"qualification_code": AGE, "range_sets": [{"from": low, "to": high, "units": AGE_UNIT}]}
    return None


def targeting(quotas: Sequence[Quota]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(qualifications, quotas) for PureSpectrum: every targetable cell a quota of its own (``buyer_quota_id`` =
    ``variable:level``), and per variable one qualification admitting all its cells."""
    qualifications: dict[int, dict[str, Any]] = {}
    out = []
    for q in quotas:
        crit = criterion(q)
        if crit is None:
            continue
        out.append(
            {"buyer_quota_id": f"{q.variable}:{q.level}", "required_count": q.limit, "criteria": [crit]}
        )
        code = int(crit["qualification_code"])
        qual = qualifications.setdefault(code, {"qualification_code": code})
        if "condition_codes" in crit:
            held = qual.setdefault("condition_codes", [])
            held.extend(c for c in crit["condition_codes"] if c not in held)
        else:
            qual.setdefault("range_sets", []).extend(crit["range_sets"])
    return list(qualifications.values()), out


class PureSpectrumProvider:
    name = "purespectrum"
    reports_submissions = False

    def __init__(
        self,
        access_token: str,
        hash_secret: str,
        *,
        api_url: str = API_URL,
        return_url: str = RETURN_URL,
        category_code: int = 231,
        incidence: int = 80,
        minutes: int = 8,
        field_days: int = 3,
        policy: RetryPolicy | None = None,
        observer: CallObserver | None = None,
    ) -> None:
        self.http = ResilientClient(
            self.name, api_url, headers={"access-token": access_token}, policy=policy, observer=observer
        )
        self.hash_secret = hash_secret
        self.return_url = return_url
        self.category_code = category_code
        self.incidence = incidence
        self.minutes = minutes
        self.field_days = field_days
        self._prices: dict[str, float] = {}  # recommended CPI per project reference, from feasibility

    async def aclose(self) -> None:
        await self.http.aclose()

    # --- surveys -----------------------------------------------------------------------------------------

    def _localization(self, spec: ProjectSpec) -> str:
        return LOCALIZATION.get(spec.country.lower(), f"en_{spec.country.upper()}")

    @staticmethod
    def _project(body: Mapping[str, Any]) -> Project:
        price = body.get("offer_price")
        return Project(
            id=str(body["ps_survey_id"]),
            reference=str(body.get("survey_external_id") or ""),
            status=STATUS.get(int(body.get("ps_survey_status", 44)), "closed"),
            target_n=int(body.get("completes_required", 0)),
            price=float(price) if price is not None else 0.0,
        )

    async def feasibility(self, spec: ProjectSpec) -> Feasibility:
        _, quotas = targeting(spec.quotas)
        if not quotas:  # PureSpectrum's feasibility needs at least one target: the whole population
            quotas = [
                {
                    "buyer_quota_id": "all",
                    "required_count": spec.target_n,
                    "criteria": [criterion(Quota("age", "18+", spec.target_n))],
                }
            ]
        body = {
            "survey_localization": self._localization(spec),
            "completes_required": spec.target_n,
            "expected_ir": self.incidence,
            "expected_loi": self.minutes,
            "field_time": self.field_days,
            "quotas": quotas,
        }
        r = await self.http.request(
            "POST", "/buyers/v2/feasibility", json_body=body, idempotency_key=f"{spec.reference}:feasibility"
        )
        total = int(r.body.get("total_feasibility", 0))
        price = float(r.body["recommended_cpi"])
        self._prices[spec.reference] = price
        return Feasibility(total >= spec.target_n, total, price, "USD")

    def entry_url(self, survey_url: str, access: WaveAccess | None = None) -> str:
        """The survey's ``live_url``: PureSpectrum puts the respondent's transaction id in place of the
        placeholder (and appends the survey id and ``ps_hash``)."""
        sep = "&" if "?" in survey_url else "?"
        return f"{survey_url}{sep}transaction_id={TRANSACTION_PLACEHOLDER}"

    async def create_project(self, spec: ProjectSpec, *, idempotency_key: str) -> Project:
        price = self._prices.get(spec.reference)
        if price is None:
            price = (await self.feasibility(spec)).price
        qualifications, quotas = targeting(spec.quotas)
        live = self.entry_url(spec.survey_url)
        body = {
            "survey_title": spec.name,
            "survey_category_code": self.category_code,
            "survey_localization": self._localization(spec),
            "completes_required": spec.target_n,
            "expected_ir": self.incidence,
            "expected_loi": self.minutes,
            "live_url": live,
            "test_url": f"{live}&ps_test=1",
            "field_time": self.field_days,
            "offer_price": price,
            "survey_external_id": spec.reference,
            "qualifications": qualifications,
            "quotas": quotas,
        }
        last: ProviderUnavailable | None = None
        for _ in range(CREATE_ATTEMPTS):
            try:  # sent once per attempt (no idempotency key: PureSpectrum would create a second survey)
                return self._project(
                    (await self.http.request("POST", "/buyers/v2/surveys", json_body=body)).body
                )
            except ProviderUnavailable as exc:
                last = exc
                found = await self.find_project(spec.reference)  # did the lost attempt create it?
                if found is not None:
                    return found
        assert last is not None
        raise last

    async def find_project(self, reference: str) -> Project | None:
        for status in STATUS:
            page = 1
            while True:
                r = await self.http.request(
                    "GET",
                    "/buyers/v2/surveys",
                    params={"status": str(status), "targeting": "0", "limit": "100", "page": str(page)},
                )
                rows = r.body if isinstance(r.body, list) else []
                for row in rows:
                    if str(row.get("survey_external_id") or "") == reference:
                        return self._project(row)
                if len(rows) < 100:
                    break
                page += 1
        return None

    async def get_project(self, project_id: str) -> Project:
        return self._project((await self.http.request("GET", f"/buyers/v2/surveys/{project_id}")).body)

    async def _set_status(self, project_id: str, status: str, key: str) -> Project:
        patch = [{"op": "replace", "path": "/ps_survey_status", "value": STATUS_CODE[status]}]
        r = await self.http.request(
            "PATCH", f"/buyers/v2/surveys/{project_id}", json_body=patch, idempotency_key=key
        )
        return self._project(r.body)

    async def launch(self, project_id: str, *, idempotency_key: str) -> Project:
        return await self._set_status(project_id, "live", idempotency_key)

    async def pause(self, project_id: str) -> Project:
        return await self._set_status(project_id, "paused", f"{project_id}:pause")

    async def resume(self, project_id: str) -> Project:
        return await self._set_status(project_id, "live", f"{project_id}:resume")

    async def close(self, project_id: str) -> Project:
        return await self._set_status(project_id, "closed", f"{project_id}:close")

    async def progress(self, project_id: str) -> Progress:
        b = (await self.http.request("GET", f"/buyers/v2/surveys/{project_id}/performance")).body
        return Progress(
            STATUS.get(int(b.get("ps_survey_status", 44)), "closed"),
            int(b.get("completes_fielded", 0)),
            int(b.get("termination_count", 0)),
            int(b.get("over_quota_count", 0)),
            int(b.get("quality_termination_count", 0)),
        )

    async def submissions(self, project_id: str, cursor: str) -> SubmissionPage:
        return SubmissionPage((), cursor)  # no feed: the survey's stored outcomes are the books

    async def reconcile(self, project_id: str, decisions: Sequence[Decision]) -> None:
        return None  # outcomes are final when told (quality terminations are told as st=20)

    async def test_link(self, access: WaveAccess, survey_url: str) -> str | None:
        """The survey's ``test_ps_survey_entry_link``: PureSpectrum's test mode, which sends a test respondent
        through its screener to the ``test_url`` (admitted as a test, never estimated)."""
        body = (await self.http.request("GET", f"/buyers/v2/surveys/{access.project_id}")).body
        link = body.get("test_ps_survey_entry_link")
        return str(link) if link else None

    async def check(self) -> None:
        """One page of live surveys: works only with a valid ``access-token``."""
        await self.http.request(
            "GET", "/buyers/v2/surveys", params={"status": "22", "targeting": "0", "limit": "1"}
        )

    # --- entry and exit ----------------------------------------------------------------------------------

    async def admit(self, access: WaveAccess, query: Mapping[str, str], url: str) -> Arrival:
        """A respondent PureSpectrum sent to this survey: a transaction id, the survey's own id (another survey's
        respondent is foreign), a ``ps_hash`` that holds, and a transaction PureSpectrum knows for this survey."""
        tid = query.get("transaction_id", "")
        if not _TRANSACTION.match(tid):
            raise EntryRefused("bad_id")
        if not query.get("ps_hash"):
            raise EntryRefused("unsigned", tid)
        if query.get("survey_id", access.project_id) != access.project_id:
            raise EntryRefused("foreign", tid)
        try:
            verify_received(PURESPECTRUM, url, self.hash_secret)
        except LinkHashError as exc:
            raise EntryRefused(exc.reason, tid) from None
        try:
            r = await self.http.request(
                "GET",
                f"/buyers/v3/surveys/{access.project_id}/transactions/{quote(tid, safe='')}",
                waiting=True,
            )
        except ProviderRejected as exc:
            if exc.status in (403, 404):
                raise EntryRefused("not_admitted", tid) from None
            raise
        rows = r.body if isinstance(r.body, list) else [r.body]
        if not rows or str(rows[0].get("Survey ID", access.project_id)) != access.project_id:
            raise EntryRefused("foreign", tid)
        return Arrival(tid, {}, test=query.get("ps_test") == "1")

    async def finish(self, access: WaveAccess, arrival: Arrival, outcome: str) -> str:
        """Tell PureSpectrum the outcome server to server, then send the browser to the hashed ``surveydone``."""
        st = ST[outcome]
        tid = arrival.participant_id
        try:
            await self.http.request(
                "POST",
                f"/buyers/v2/surveys/{access.project_id}/transactions/{quote(tid, safe='')}/status",
                params={"st": str(st)},
                idempotency_key=f"{access.project_id}:{tid}:status",
            )
        except ProviderRejected as exc:
            if exc.status != 400 or not _FINAL_STATUS.search(str(exc)):
                raise  # 1003 "already has a final status": an earlier attempt, whose answer was lost, got there
        return PURESPECTRUM.sign(
            f"{self.return_url}?st={st}&transaction_id={quote(tid, safe='')}", self.hash_secret
        )

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent | None:
        return None  # PureSpectrum's status events arrive by subscription on request; fieldwork does not need them
