"""The respondent side of the simulated PureSpectrum (:mod:`panels.simulated.apis.purespectrum`): the transaction
status call and transaction look-up of the Buy API, and the browser landings outside the faulted prefix: the
``surveydone`` return (the hash must hold; the first final status stays) and a survey's test link."""

from __future__ import annotations

import hmac

from aiohttp import web

from panels.simulated.apis.purespectrum_books import (
    ST_DESCRIPTION,
    SurveyLink,
    books_of,
    ps_error,
    ps_hash,
    survey_of,
)

RETURN_PATH = "/spectrumsurveys/surveydone"
START_PATH = "/spectrumsurveys/startsurvey"


async def transaction_status(request: web.Request) -> web.Response:
    survey = survey_of(request)
    if isinstance(survey, web.Response):
        return survey
    if "st" not in request.query:
        return ps_error(400, 1002, "Insufficient parameters - please check your request", key="ps_error")
    try:
        st = int(request.query["st"])
    except ValueError:
        st = 0
    if st not in ST_DESCRIPTION:
        return ps_error(400, 1001, "Incorrect status code", key="ps_error")
    transaction = survey.transactions.get(request.match_info["tid"])
    if transaction is None:
        return ps_error(
            400,
            1004,
            "Transaction ID Not found. Please check the survey id and transaction ID",
            key="ps_error",
        )
    if not books_of(request).set_status(survey, transaction, st, "s2s"):
        return ps_error(400, 1003, "This transaction id already has a final status", key="ps_error")
    return web.json_response([])


async def transaction_info(request: web.Request) -> web.Response:
    survey = survey_of(request)
    if isinstance(survey, web.Response):
        return survey
    t = survey.transactions.get(request.match_info["tid"])
    if t is None:
        return ps_error(404, 1004, "Transaction ID Not found")
    return web.json_response(
        [
            {
                "Survey ID": t.survey_id,
                "Transaction ID": t.tid,
                "Respondent Status Code": t.status or 0,
                "Respondent Status Description": ST_DESCRIPTION.get(t.status or 0, "In progress"),
                "Expected Buyer CPI": survey.cpi,
                "Test": t.test,
            }
        ]
    )


async def survey_done(request: web.Request) -> web.Response:
    """A respondent's browser back from the buyer's survey: ``st`` first and ``transaction_id`` second, the hash
    must hold (else the attempt is recorded as fraudulent), and the first final status stays."""
    books = books_of(request)
    raw = str(request.url)
    base, _, given = raw.rpartition("&ps_hash=")
    tid, st_text = request.query.get("transaction_id", ""), request.query.get("st", "")
    survey = next((s for s in books.surveys.values() if tid in s.transactions), None)
    if survey is None or not st_text.isdigit() or int(st_text) not in ST_DESCRIPTION:
        return web.Response(status=404, text="unknown transaction", content_type="text/plain")
    order = base.partition("?")[2].split("&")[:2]
    in_order = len(order) == 2 and order[0].startswith("st=") and order[1].startswith("transaction_id=")
    if not in_order or not hmac.compare_digest(given.lower(), ps_hash(base, books.hash_secret)):
        survey.fraudulent += 1
        return _page("fraudulent", "the return link's ps_hash does not hold", 403)
    survey.landings += 1
    transaction = survey.transactions[tid]
    booked = books.set_status(survey, transaction, int(st_text), "redirect")
    final = ST_DESCRIPTION.get(transaction.status or 0, "")
    return _page(final, "booked" if booked else "already final")


def _page(status: str, note: str, code: int = 200) -> web.Response:
    return web.Response(
        status=code,
        text='<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PureSpectrum</title>'
        f'<link rel="icon" href="data:,"></head><body><h1 id="status">{status}</h1><p id="booked">{note}</p>'
        "</body></html>",
        content_type="text/html",
    )


async def start_test(request: web.Request) -> web.Response:
    """A survey's test link: a test transaction, sent to the buyer's ``test_url`` (or ``live_url``)."""
    books = books_of(request)
    try:
        survey = books.surveys[int(request.query.get("survey_id", ""))]
    except (KeyError, ValueError):
        return web.Response(status=404, text="unknown survey", content_type="text/plain")
    books.minted += 1
    url = str(survey.doc.get("test_url") or survey.doc["live_url"])
    link = SurveyLink(books, survey.ps_id, url).for_participant(f"TEST{books.minted:08d}", test=True)
    raise web.HTTPFound(link)
