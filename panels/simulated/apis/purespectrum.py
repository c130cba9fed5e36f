"""A faithful local copy of PureSpectrum's Buy API, served by the simulator under ``/purespectrum`` (the adapter's
``api_url`` is ``{simulator}/purespectrum``), over the simulator's shared books.

Endpoints (header ``access-token``; errors ``{"ps_api_response_code", "ps_api_response_message"}``, the
transaction status call's ``{"ps_error_code", "ps_error_message"}``):

- ``POST /buyers/v2/feasibility`` → ``total_feasibility``, ``recommended_cpi``, per-quota counts;
- ``POST /buyers/v2/surveys`` (no idempotency: a repeat creates a second survey), ``GET /buyers/v2/surveys``
  (``status`` 11|22|33|44, default live; ``targeting``, ``limit``, ``page``), ``GET /buyers/v2/surveys/{id}``,
  ``PATCH /buyers/v2/surveys/{id}`` (JSON Patch: ``/ps_survey_status``, ``/completes_required``,
  ``/offer_price``), ``GET /buyers/v2/surveys/{id}/performance``;
- ``POST /buyers/v2/surveys/{id}/transactions/{tid}/status?st=…`` (17, 18, 20, 21, 30; 1003 once final) and
  ``GET /buyers/v3/surveys/{id}/transactions/{tid}``.

Browser landings, outside the faulted prefix: ``GET /spectrumsurveys/surveydone?st=…&transaction_id=…&ps_hash=…``
(the return: checks the hash, sets the status unless it is already final) and ``GET /spectrumsurveys/startsurvey``
(a survey's test link: a test transaction sent to the ``test_url``). ``PUT /_sim/purespectrum/topic`` sets what
new surveys' respondents answer about; ``GET /_sim/purespectrum`` shows the books (surveys, statuses, bills).
Live surveys send respondents on their own (a background tick), since a buyer without a feed never asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from panels.simulated.apis.purespectrum_books import (
    ACCESS_TOKEN,
    HASH_SECRET,
    PS_BOOKS,
    PsBooks,
    PsSurvey,
    SurveyLink,
    authorised,
    books_of,
    ps_error,
    read_json,
    survey_of,
)
from panels.simulated.apis.purespectrum_respondents import (
    RETURN_PATH,
    START_PATH,
    start_test,
    survey_done,
    transaction_info,
    transaction_status,
)
from panels.simulated.state import STATE

PREFIX = "/purespectrum/"
TICK = 0.02  # seconds between the respondents' arrivals at live surveys
REQUIRED_SURVEY = (
    "survey_title",
    "survey_category_code",
    "survey_localization",
    "completes_required",
    "expected_ir",
    "expected_loi",
    "live_url",
    "field_time",
)
REQUIRED_FEASIBILITY = (
    "survey_localization",
    "completes_required",
    "expected_ir",
    "expected_loi",
    "field_time",
)
COUNTRY = {"en_US": "us", "en_UK": "uk", "en_GB": "uk", "de_DE": "de"}
REACH = {"us": 506_804, "uk": 182_000, "de": 141_000}
#: PureSpectrum's qualification and condition codes, read back into the population's variables and levels.
GENDER = {"111": "male", "112": "female"}
EDUCATION = {
    "us": {
        "111": "hs_or_less",
        "112": "hs_or_less",
        "113": "some_college_associate",
        "114": "bachelors_plus",
    },
    "other": {"111": "isced_0_2", "112": "isced_3_4", "113": "isced_3_4", "114": "isced_5_8"},
}


def recommended_cpi(loi: float, ir: float, quotas: int) -> float:
    """The simulated rate card: 1.06 at a 10-minute LOI and 70% incidence with one quota (PureSpectrum's
    documented feasibility example), rising with the length, the rarity of the target and the quota cells."""
    return round(
        1.06 * math.sqrt(max(loi, 1) / 10) * math.sqrt(70 / max(ir, 1)) * (1 + 0.01 * max(0, quotas - 1)), 2
    )


def cell(criteria: list[dict[str, Any]], country: str) -> tuple[str, str] | None:
    """The population cell (variable, level) of a quota with one criterion, or None."""
    if len(criteria) != 1:
        return None
    c = criteria[0]
    code, conditions = int(c.get("qualification_code", 0)), [str(x) for x in c.get("condition_codes") or []]
    if code == 211 and conditions and conditions[0] in GENDER:
        return "gender", GENDER[conditions[0]]
    if code == 216 and conditions:
        table = EDUCATION["us" if country == "us" else "other"]
        return ("education", table[conditions[0]]) if conditions[0] in table else None
    if code == 212 and c.get("range_sets"):
        r = c["range_sets"][0]
        low, high = int(r["from"]), int(r["to"])
        return "age", f"{low}+" if high >= 99 else f"{low}-{high}"
    return None


async def feasibility(request: web.Request) -> web.Response:
    if not authorised(request):
        return ps_error(401, 1009, "Invalid access-token")
    body = await read_json(request)
    if not isinstance(body, dict) or any(k not in body for k in REQUIRED_FEASIBILITY):
        return ps_error(400, 1002, f"Insufficient parameters: {', '.join(REQUIRED_FEASIBILITY)} and quotas")
    reach = REACH.get(COUNTRY.get(str(body["survey_localization"]), ""), 0)
    quotas = body.get("quotas") or []
    return web.json_response(
        {
            "quotas": [{"buyer_quota_id": q.get("buyer_quota_id"), "count": reach} for q in quotas],
            "max_feasibility": 0,
            "recommended_cpi": recommended_cpi(body["expected_loi"], body["expected_ir"], len(quotas)),
            "feasibility_cpi": recommended_cpi(body["expected_loi"], body["expected_ir"], len(quotas)),
            "unused_criterias": [],
            "unused_qualifications": [],
            "total_feasibility": reach,
            "difficult_quotas": [],
        }
    )


async def create_survey(request: web.Request) -> web.Response:
    if not authorised(request):
        return ps_error(401, 1009, "Invalid access-token")
    body = await read_json(request)
    missing = [k for k in REQUIRED_SURVEY if not isinstance(body, dict) or body.get(k) in (None, "")]
    if missing:
        return ps_error(400, 1002, f"Insufficient parameters: {', '.join(missing)}")
    books, state = books_of(request), request.app[STATE]
    country = COUNTRY.get(str(body["survey_localization"]))
    if country is None:
        return ps_error(400, 1010, f"Unknown survey_localization {body['survey_localization']}")
    books.next_id += 1
    ps_id = books.next_id
    quotas = []
    limits: dict[tuple[str, str], int] = {}
    for i, q in enumerate(body.get("quotas") or []):
        quotas.append({**q, "ps_quota_id": f"{ps_id:08x}-0000-4000-8000-{i:012x}"})
        found = cell(list(q.get("criteria") or []), country)
        if found is not None:
            limits[found] = int(q.get("required_count", 0))
    price = body.get("offer_price")
    if price is None:
        price = recommended_cpi(body["expected_loi"], body["expected_ir"], len(quotas))
    origin = f"{request.scheme}://{request.host}"
    doc = {
        **body,
        "quotas": quotas,
        "qualifications": body.get("qualifications") or [],
        "ps_survey_id": ps_id,
        "ps_survey_status": 11,
        "offer_price": price,
        "billing_id": f"PS{ps_id}",
        "survey_external_id": str(body.get("survey_external_id") or ""),
        "test_ps_survey_entry_link": f"{origin}{START_PATH}?survey_id={ps_id}&ps_redirect_test=1&supplier_id=23",
    }
    link = SurveyLink(books, ps_id, str(body["live_url"]))
    project = state.add_project(
        f"ps-{ps_id}",
        doc["survey_external_id"] or str(ps_id),
        name=str(body["survey_title"]),
        target_n=int(body["completes_required"]),
        country=country,
        quotas=limits,
        price=float(price),
        simulation=dict(books.topic),
        link=link,
    )
    books.surveys[ps_id] = PsSurvey(ps_id, doc, project)
    return web.json_response(doc, status=201)


async def list_surveys(request: web.Request) -> web.Response:
    if not authorised(request):
        return ps_error(401, 1009, "Invalid access-token")
    try:
        status = int(request.query.get("status", "22"))
        limit = max(1, int(request.query.get("limit", "100")))
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        return ps_error(400, 1002, "status, limit and page are whole numbers")
    rows = [s.doc for s in books_of(request).surveys.values() if s.status == status]
    rows = rows[(page - 1) * limit : page * limit]
    if request.query.get("targeting") == "0":
        rows = [{k: v for k, v in r.items() if k not in ("qualifications", "quotas")} for r in rows]
    return web.json_response(rows)


async def get_survey(request: web.Request) -> web.Response:
    survey = survey_of(request)
    return survey if isinstance(survey, web.Response) else web.json_response(survey.doc)


async def patch_survey(request: web.Request) -> web.Response:
    survey = survey_of(request)
    if isinstance(survey, web.Response):
        return survey
    ops = await read_json(request)
    if not isinstance(ops, list) or not ops:
        return ps_error(400, 1002, "Expected a JSON Patch: a list of operations")
    for op in ops:
        path, value = op.get("path") if isinstance(op, dict) else None, op.get("value")
        if op.get("op") != "replace" or path not in (
            "/ps_survey_status",
            "/completes_required",
            "/offer_price",
        ):
            return ps_error(400, 1002, f"Unsupported operation on {path}")
        if path == "/ps_survey_status":
            problem = _move(request, survey, value)
            if problem is not None:
                return problem
        else:
            survey.doc[path[1:]] = value
    return web.json_response(survey.doc)


def _move(request: web.Request, survey: PsSurvey, value: Any) -> web.Response | None:
    allowed = {11: (22, 44), 22: (33, 44), 33: (22, 44), 44: ()}
    if value == survey.status:
        return None
    if value not in allowed.get(survey.status, ()):
        return ps_error(400, 1011, f"Survey status cannot change from {survey.status} to {value}")
    if value == 22 and survey.status == 11:
        survey.launches += 1
        survey.project.launch_calls += 1
    survey.doc["ps_survey_status"] = value
    survey.project.set_status({22: "live", 33: "paused", 44: "closed"}[value], time.monotonic())
    return None


async def performance(request: web.Request) -> web.Response:
    survey = survey_of(request)
    if isinstance(survey, web.Response):
        return survey
    s = survey.statuses
    return web.json_response(
        {
            "ps_survey_status": survey.status,
            "completes_fielded": survey.completes,
            "completes_goal": int(survey.doc.get("completes_required") or 0),
            "cpi_forecast_at_launch": f"{survey.cpi:.2f}",
            "current_cpi": f"{survey.cpi:.2f}",
            "current_cost": f"{survey.billed:.2f}",
            "over_quota_count": s[17],
            "drop_off_count": survey.project.dropped,
            "quality_termination_count": s[20],
            "termination_count": s[18] + s[30],
        }
    )


async def set_topic(request: web.Request) -> web.Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        return web.json_response({"error": "expected {brands, own_brand, wave_index, seed}"}, status=400)
    books_of(request).topic = {**books_of(request).topic, **body}
    return web.json_response(books_of(request).topic)


async def books_view(request: web.Request) -> web.Response:
    return web.json_response({"surveys": [s.stats() for s in books_of(request).surveys.values()]})


def install(app: web.Application) -> None:
    books = PsBooks()
    app[PS_BOOKS] = books

    async def tick(app_: web.Application) -> AsyncIterator[None]:
        async def run() -> None:
            state = app_[STATE]
            while True:
                for survey in list(books.surveys.values()):
                    if survey.status == 22:
                        survey.project.advance(state.rate, state.faults, walkers=state.walkers)
                await asyncio.sleep(TICK)

        task = asyncio.get_running_loop().create_task(run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(tick)
    base = PREFIX.rstrip("/")
    app.router.add_post(f"{base}/buyers/v2/feasibility", feasibility)
    app.router.add_post(f"{base}/buyers/v2/surveys", create_survey)
    app.router.add_get(f"{base}/buyers/v2/surveys", list_surveys)
    app.router.add_get(f"{base}/buyers/v2/surveys/{{id}}", get_survey)
    app.router.add_patch(f"{base}/buyers/v2/surveys/{{id}}", patch_survey)
    app.router.add_get(f"{base}/buyers/v2/surveys/{{id}}/performance", performance)
    app.router.add_post(f"{base}/buyers/v2/surveys/{{id}}/transactions/{{tid}}/status", transaction_status)
    app.router.add_get(f"{base}/buyers/v3/surveys/{{id}}/transactions/{{tid}}", transaction_info)
    app.router.add_get(RETURN_PATH, survey_done)
    app.router.add_get(START_PATH, start_test)
    app.router.add_put("/_sim/purespectrum/topic", set_topic)
    app.router.add_get("/_sim/purespectrum", books_view)


def credentials(simulator_url: str) -> dict[str, str]:
    """The PureSpectrum adapter's credentials for the simulated buyer account."""
    base = simulator_url.rstrip("/")
    return {
        "access_token": ACCESS_TOKEN,
        "hash_secret": HASH_SECRET,
        "api_url": base + PREFIX.rstrip("/"),
        "return_url": base + RETURN_PATH,
    }
