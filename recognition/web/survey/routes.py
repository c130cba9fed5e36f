"""Respondent-facing survey pages: entry through a signed link, one screen per page, exit to the provider.

``GET /survey/{wave}/start?pid&exp&sig``  check the link, start or resume the respondent, set the session cookie
                                          (once fieldwork has ended, a newcomer leaves through the over-quota exit)
``GET /survey/{wave}``                    the introduction or the current screen
``POST /survey/{wave}``                   consent / decline, or the answers of the current screen, answered with
                                          the next screen's page (one request per screen); after the last
                                          screen: coding, quality rules and the 303 redirect to the exit URL

Pages are plain HTML forms (no JavaScript). The only cookie is the session token (HttpOnly, SameSite=Lax, path
limited to the wave); nothing about the request (IP address, user agent) is stored. Answers are final once a
screen is submitted: a submission for any screen other than the current one is not stored, and the unaided screen
in particular can never be answered again once a screen naming a brand has been shown.
"""

from __future__ import annotations

import logging
import math
import time

from aiohttp import web

from panels.base import Arrival, EntryRefused, ProviderError
from panels.links import TESTER_PREFIX, check_entry
from recognition import sessions
from recognition.questionnaire import (
    next_screen,
    randomise,
)
from recognition.sessions import report_token
from recognition.store import notices, responses
from recognition.store import pending_reports as reports_store
from recognition.store import survey as store
from recognition.store.survey import SurveyAccess
from recognition.store.waves import FIELDED, OPEN
from recognition.web.keys import AUTH_THROTTLE, PAGE_POOL, PROVIDERS, SETTINGS
from recognition.web.survey import pages
from recognition.web.survey import staff as staff_view
from recognition.web.survey.answering import finish, submit_answer
from recognition.web.survey.built import questionnaire_of
from recognition.web.survey.replies import COOKIE, Leaving, Reply, html, see_other, survey_path

log = logging.getLogger(__name__)
#: Refusals of honest arrivals (late, or a respondent opening their finished session again): not counted as failed
#: authentications; the others are forged, foreign or unknown links.
HONEST = frozenset({"expired", "closed", "repeated"})
#: Seconds a respondent is asked to wait before reloading when the provider could not confirm their link.
UNCONFIRMED_RETRY = 5


def setup(app: web.Application) -> None:
    app.router.add_get(r"/survey/{wave_id:\d{1,18}}/start", entry)
    app.router.add_get(r"/survey/{wave_id:\d{1,18}}", show_page)
    app.router.add_post(r"/survey/{wave_id:\d{1,18}}", submit)


# -- entry -------------------------------------------------------------------------------------------------------


async def entry(request: web.Request) -> web.Response:
    """A respondent arriving from the panel. The wave's provider reads and verifies the arrival
    (:meth:`panels.base.Provider.admit`); a test link signed by the service admits a test respondent."""
    wave_id = int(request.match_info["wave_id"])
    throttle = request.app[AUTH_THROTTLE]  # forged links share the budget of failed authentication
    wait = throttle.retry_after(request)
    if wait > 0:
        page = html(pages.message_page("en", "throttled"), 429)
        page.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return page
    pool = request.app[PAGE_POOL]
    async with pool.acquire() as conn:
        ctx = await store.entry_context(conn, wave_id)
        access = await store.get_access(conn, wave_id) if ctx else None
        if ctx is None or access is None:
            throttle.failed(request)
            await store.record_refusal(conn, wave_id if ctx else None, None, "unknown_wave")
            return html(pages.message_page("en", "invalid"), 404)
        questionnaire, _ = await questionnaire_of(
            request.app, conn, ctx.poll_id, ctx.questionnaire_version, ctx.poll_updated_at
        )
    lang = questionnaire.language
    try:
        arrival = await admit(request, access)
    except EntryRefused as refused:
        if refused.reason not in HONEST:
            throttle.failed(request)
        key = _key(request, access.provider, refused.participant_id) if refused.participant_id else None
        async with pool.acquire() as conn:
            await store.record_refusal(
                conn, wave_id, key, refused.reason, as_respondent=refused.reason == "expired"
            )
        if refused.reason == "repeated":
            return html(pages.message_page(lang, "done"), 409)
        kind = refused.reason if refused.reason in ("expired", "closed") else "invalid"
        return html(pages.message_page(lang, kind), 410 if kind == "expired" else 403)
    except ProviderError as exc:
        # The provider could not confirm the link just now: no fault of the respondent, who may reload.
        log.warning(
            "wave %s: %s could not confirm an arrival (%s)", wave_id, access.provider, type(exc).__name__
        )
        page = html(pages.message_page(lang, "unavailable"), 503)
        page.headers["Retry-After"] = str(UNCONFIRMED_RETRY)
        return page
    key = _key(request, access.provider, arrival.participant_id)
    async with pool.acquire() as conn:
        if ctx.state not in OPEN and not arrival.test:
            # After fieldwork the panel may still send people (a redirect panel cannot be stopped): a newcomer
            # goes back through the over-quota exit, so the panel books them; before it, the wave is closed.
            if ctx.state in FIELDED and await store.record_over_quota(conn, wave_id, key):
                return await leave(request, access, arrival, "over_quota", None, lang)
            await store.record_refusal(conn, wave_id, key, "closed", as_respondent=True)
            return html(pages.message_page(lang, "closed"), 403)
        known = await store.respondent_status(conn, wave_id, key)
        if known is not None and known[1] != "started":
            await store.record_refusal(conn, wave_id, key, "repeated")
            return html(pages.message_page(lang, "done"), 409)
        if known is None and not arrival.test and await store.count_completes(conn, wave_id) >= ctx.target_n:
            if await store.record_over_quota(conn, wave_id, key):
                return await leave(request, access, arrival, "over_quota", None, lang)
            return html(pages.message_page(lang, "done"), 409)
        token = sessions.new_token()
        orders = randomise(questionnaire, sessions.new_token())
        _, status = await store.open_session(
            conn,
            wave_id,
            key,
            sessions.token_hash(token),
            sessions.seal(token, arrival),
            orders,
            kind=staff_view.kind_of(arrival),
            staff_round=staff_view.staff_round(arrival),
        )
    if status != "started":
        return html(pages.message_page(lang, "done"), 409)
    response = see_other(survey_path(wave_id))
    response.set_cookie(
        COOKIE, token, path=survey_path(wave_id), httponly=True, samesite="Lax", secure=request.secure
    )
    return response


async def admit(request: web.Request, access: SurveyAccess) -> Arrival:
    """The arrival a request carries: a staff link, a service-signed test link, or what the provider admits."""
    if "staff" in request.query:
        return await staff_view.admit_staff(request, access.wave_id, request.query.get("staff") or "")
    if request.query.get("test") == "1":
        try:
            pid = check_entry(access.secret, access.wave_id, request.query, time.time())
        except ValueError as exc:
            raise EntryRefused(str(exc.args[0]), exc.args[1]) from None
        if not pid.startswith(TESTER_PREFIX):  # a live link with test=1 added
            raise EntryRefused("bad_signature", pid)
        return Arrival("test-" + pid, {}, test=True)
    provider = await request.app[PROVIDERS].get(access.provider, access.organisation_id)
    if provider is None:
        raise EntryRefused("not_admitted")
    return await provider.admit(access.for_provider(), request.query, str(request.url))


def _key(request: web.Request, provider: str, participant_id: str) -> bytes:
    return responses.respondent_key(request.app[SETTINGS].survey_secret, provider, participant_id)


async def _keep(
    request: web.Request, access: SurveyAccess, arrival: Arrival, status: str, respondent_id: int, why: str
) -> None:
    """Keep an outcome for fieldwork to tell the provider (sealed: the provider's id never lies in the clear)."""
    sealed = sessions.seal(report_token(request.app[SETTINGS].survey_secret, respondent_id), arrival)
    async with request.app[PAGE_POOL].acquire() as conn:
        await reports_store.add_pending_report(conn, respondent_id, access.wave_id, status, sealed, why)


async def leave(
    request: web.Request,
    access: SurveyAccess,
    arrival: Arrival,
    status: str,
    respondent_id: int | None,
    lang: str,
) -> web.Response:
    """Book the outcome with the provider and send the respondent where it says (a tester: the survey's own page).
    Told server to server, the outcome is kept (sealed) while it is told, so a wave closing meanwhile waits for it;
    if the provider cannot be reached it stays kept and fieldwork tells it later; the respondent goes on. A
    latecomer turned away over quota (no ``respondent_id``) whose provider cannot be told is simply thanked: the
    provider times their session out."""
    if arrival.test:
        return html(pages.message_page(lang, "staff" if staff_view.kind_of(arrival) == "staff" else "test"))
    provider = await request.app[PROVIDERS].get(access.provider, access.organisation_id)
    if provider is None:
        return html(pages.message_page(lang, "done"))
    rid = None if provider.reports_submissions else respondent_id  # told server to server: kept meanwhile
    if rid is not None:
        await _keep(request, access, arrival, status, rid, "being told")
    try:
        url = await provider.finish(access.for_provider(), arrival, status)
    except ProviderError as exc:
        if respondent_id is None:
            log.warning(
                "wave %s: the provider was not told of a latecomer over quota (%s)", access.wave_id, exc
            )
            return html(pages.message_page(lang, "closed"))
        if rid is None:
            await _keep(request, access, arrival, status, respondent_id, str(exc))
        else:
            async with request.app[PAGE_POOL].acquire() as conn:
                await reports_store.report_failed(conn, rid, str(exc))
        log.warning("wave %s: the provider was not told an outcome (%s); it will be", access.wave_id, exc)
        return html(pages.message_page(lang, "done"))
    if rid is not None:
        async with request.app[PAGE_POOL].acquire() as conn:
            await reports_store.report_done(conn, rid)
    response = see_other(url)
    response.del_cookie(COOKIE, path=survey_path(access.wave_id))
    return response


# -- pages -------------------------------------------------------------------------------------------------------


async def _deliver(request: web.Request, reply: Reply) -> web.Response:
    if isinstance(reply, Leaving):
        return await leave(
            request, reply.access, reply.arrival, reply.status, reply.respondent_id, reply.language
        )
    return reply


async def show_page(request: web.Request) -> web.Response:
    return await _deliver(request, await _show(request))


async def submit(request: web.Request) -> web.Response:
    return await _deliver(request, await submit_answer(request))


async def _show(request: web.Request) -> Reply:
    wave_id = int(request.match_info["wave_id"])
    token = request.cookies.get(COOKIE) or ""
    async with request.app[PAGE_POOL].acquire() as conn:
        found = await store.session_and_answers(conn, wave_id, sessions.token_hash(token)) if token else None
        if found is None:
            return html(pages.message_page("en", "nosession"), 400)
        session, answers = found
        questionnaire = await staff_view.questionnaire_for(request.app, conn, session)
        line = staff_view.frame(questionnaire, session)  # a staff member's "as customers would answer"
        if session.status != "started":
            return html(pages.message_page(questionnaire.language, "done"))
        if not session.consented:
            notice = await notices.notice_for_poll(conn, session.poll_id)
            return html(pages.intro_page(questionnaire, survey_path(wave_id), notice, line))
        screen = next_screen(questionnaire, answers)
        if screen is None:  # every screen answered but not finished (e.g. interrupted): finish now
            async with conn.transaction():
                locked = await store.find_session(conn, wave_id, sessions.token_hash(token), lock=True)
                if locked is None or locked.status != "started":
                    return html(pages.message_page(questionnaire.language, "done"))
                return await finish(request, conn, locked, token, questionnaire, answers)
        if screen.id not in session.shown:
            await store.mark_shown(conn, session.respondent_id, screen.id)  # its own transaction, relaxed
    return html(
        pages.screen_page(questionnaire, screen, answers, session.orders, survey_path(wave_id), notice=line)
    )
