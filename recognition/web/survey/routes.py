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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiohttp import web

from panels.base import Arrival, EntryRefused, ProviderError
from panels.links import TESTER_PREFIX, check_entry
from recognition import sessions
from recognition.polls.questionnaire import default_frame
from recognition.populations import with_derived
from recognition.questionnaire import (
    LOCKED_AFTER_BRANDS,
    Questionnaire,
    Screen,
    can_revisit,
    next_screen,
    randomise,
)
from recognition.sessions import report_token
from recognition.store import mentions as mentions_store
from recognition.store import notices, responses
from recognition.store import survey as store
from recognition.store.survey import SurveyAccess
from recognition.waves import quality
from recognition.web.keys import AUTH_THROTTLE, PAGE_POOL, PROVIDERS, QUALITY_RULES, SETTINGS
from recognition.web.survey import pages
from recognition.web.survey import staff as staff_view
from recognition.web.survey.built import questionnaire_of
from recognition.web.survey.forms import read_screen
from recognition.web.survey.texts import t

log = logging.getLogger(__name__)

COOKIE = "rsession"
#: States of a wave whose fieldwork has ended: a newcomer leaves through the over-quota exit.
FIELDED = frozenset({"closing", "processing", "published", "cancelled"})
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; "
    "base-uri 'none'; frame-ancestors 'none'",
}


def setup(app: web.Application) -> None:
    app.router.add_get(r"/survey/{wave_id:\d{1,18}}/start", entry)
    app.router.add_get(r"/survey/{wave_id:\d{1,18}}", show_page)
    app.router.add_post(r"/survey/{wave_id:\d{1,18}}", submit)


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=_HEADERS)


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={**_HEADERS, "Location": location})


def _path(wave_id: int) -> str:
    return f"/survey/{wave_id}"


# -- entry -------------------------------------------------------------------------------------------------------


async def entry(request: web.Request) -> web.Response:
    """A respondent arriving from the panel. The wave's provider reads and verifies the arrival
    (:meth:`panels.base.Provider.admit`); a test link signed by the service admits a test respondent."""
    wave_id = int(request.match_info["wave_id"])
    throttle = request.app[AUTH_THROTTLE]  # forged links share the budget of failed authentication
    wait = throttle.retry_after(request)
    if wait > 0:
        page = _html(pages.message_page("en", "throttled"), 429)
        page.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return page
    pool = request.app[PAGE_POOL]
    async with pool.acquire() as conn:
        ctx = await store.entry_context(conn, wave_id)
        access = await store.get_access(conn, wave_id) if ctx else None
        if ctx is None or access is None:
            throttle.failed(request)
            await store.record_refusal(conn, wave_id if ctx else None, None, "unknown_wave")
            return _html(pages.message_page("en", "invalid"), 404)
        questionnaire, _ = await questionnaire_of(
            request.app, conn, ctx.poll_id, ctx.questionnaire_version, ctx.poll_updated_at
        )
    lang = questionnaire.language
    try:
        arrival = await admit(request, access)
    except EntryRefused as refused:
        if refused.reason not in ("expired", "closed"):  # honest late arrivals; the rest is forged or foreign
            throttle.failed(request)
        key = _key(request, access.provider, refused.participant_id) if refused.participant_id else None
        async with pool.acquire() as conn:
            await store.record_refusal(
                conn, wave_id, key, refused.reason, as_respondent=refused.reason == "expired"
            )
        kind = refused.reason if refused.reason in ("expired", "closed") else "invalid"
        return _html(pages.message_page(lang, kind), 410 if kind == "expired" else 403)
    key = _key(request, access.provider, arrival.participant_id)
    async with pool.acquire() as conn:
        if ctx.state != "fielding" and not arrival.test:
            # After fieldwork the panel may still send people (a redirect panel cannot be stopped): a newcomer
            # goes back through the over-quota exit, so the panel books them; before it, the wave is closed.
            if ctx.state in FIELDED and await store.record_over_quota(conn, wave_id, key):
                return await _leave(request, access, arrival, "over_quota", None)
            await store.record_refusal(conn, wave_id, key, "closed", as_respondent=True)
            return _html(pages.message_page(lang, "closed"), 403)
        known = await store.respondent_status(conn, wave_id, key)
        if known is not None and known[1] != "started":
            await store.record_refusal(conn, wave_id, key, "repeated")
            return _html(pages.message_page(lang, "done"), 409)
        if known is None and not arrival.test and await store.count_completes(conn, wave_id) >= ctx.target_n:
            if await store.record_over_quota(conn, wave_id, key):
                return await _leave(request, access, arrival, "over_quota", None)
            return _html(pages.message_page(lang, "done"), 409)
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
        return _html(pages.message_page(lang, "done"), 409)
    response = _see_other(_path(wave_id))
    response.set_cookie(
        COOKIE, token, path=_path(wave_id), httponly=True, samesite="Lax", secure=request.secure
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
        await store.add_pending_report(conn, respondent_id, access.wave_id, status, sealed, why)


async def _leave(
    request: web.Request, access: SurveyAccess, arrival: Arrival, status: str, respondent_id: int | None
) -> web.Response:
    """Book the outcome with the provider and send the respondent where it says (a tester: the survey's own page).
    Told server to server, the outcome is kept (sealed) while it is told, so a wave closing meanwhile waits for it;
    if the provider cannot be reached it stays kept and fieldwork tells it later; the respondent goes on."""
    if arrival.test:
        return _html(pages.message_page("en", "staff" if staff_view.kind_of(arrival) == "staff" else "test"))
    provider = await request.app[PROVIDERS].get(access.provider, access.organisation_id)
    if provider is None:
        return _html(pages.message_page("en", "done"))
    rid = None if provider.reports_submissions else respondent_id  # told server to server: kept meanwhile
    if rid is not None:
        await _keep(request, access, arrival, status, rid, "being told")
    try:
        url = await provider.finish(access.for_provider(), arrival, status)
    except ProviderError as exc:
        if respondent_id is None:
            raise
        if rid is None:
            await _keep(request, access, arrival, status, respondent_id, str(exc))
        else:
            async with request.app[PAGE_POOL].acquire() as conn:
                await store.report_failed(conn, rid, str(exc))
        log.warning("wave %s: the provider was not told an outcome (%s); it will be", access.wave_id, exc)
        return _html(pages.message_page("en", "done"))
    if rid is not None:
        async with request.app[PAGE_POOL].acquire() as conn:
            await store.report_done(conn, rid)
    response = _see_other(url)
    response.del_cookie(COOKIE, path=_path(access.wave_id))
    return response


# -- pages -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaving:
    """A respondent whose final status is stored and committed: the provider is told next (:func:`_leave`)."""

    access: SurveyAccess
    arrival: Arrival
    status: str
    respondent_id: int


Reply = web.Response | Leaving


async def _deliver(request: web.Request, reply: Reply) -> web.Response:
    if isinstance(reply, Leaving):
        return await _leave(request, reply.access, reply.arrival, reply.status, reply.respondent_id)
    return reply


async def show_page(request: web.Request) -> web.Response:
    return await _deliver(request, await _show(request))


async def submit(request: web.Request) -> web.Response:
    return await _deliver(request, await _submit(request))


async def _show(request: web.Request) -> Reply:
    wave_id = int(request.match_info["wave_id"])
    token = request.cookies.get(COOKIE) or ""
    async with request.app[PAGE_POOL].acquire() as conn:
        found = await store.session_and_answers(conn, wave_id, sessions.token_hash(token)) if token else None
        if found is None:
            return _html(pages.message_page("en", "nosession"), 400)
        session, answers = found
        questionnaire = await staff_view.questionnaire_for(request.app, conn, session)
        line = staff_view.frame(questionnaire, session)  # a staff member's "as customers would answer"
        if session.status != "started":
            return _html(pages.message_page(questionnaire.language, "done"))
        if not session.consented:
            notice = await notices.notice_for_poll(conn, session.poll_id)
            return _html(pages.intro_page(questionnaire, _path(wave_id), notice, line))
        screen = next_screen(questionnaire, answers)
        if screen is None:  # every screen answered but not finished (e.g. interrupted): finish now
            async with conn.transaction():
                locked = await store.find_session(conn, wave_id, sessions.token_hash(token), lock=True)
                if locked is None or locked.status != "started":
                    return _html(pages.message_page(questionnaire.language, "done"))
                return await _finish(request, conn, locked, token, questionnaire, answers)
        if screen.id not in session.shown:
            await store.mark_shown(conn, session.respondent_id, screen.id)  # its own transaction, relaxed
    return _html(
        pages.screen_page(questionnaire, screen, answers, session.orders, _path(wave_id), notice=line)
    )


async def _submit(request: web.Request) -> Reply:
    wave_id = int(request.match_info["wave_id"])
    token = request.cookies.get(COOKIE)
    data = await request.post()
    form: dict[str, list[str]] = {}
    for name, value in data.items():
        if isinstance(value, str):
            form.setdefault(name, []).append(value)
    async with request.app[PAGE_POOL].acquire() as conn:
        quick = await _answer_as_read(request, conn, wave_id, token, form) if token else None
        if quick is not None:
            return quick
        return await _submit_locked(request, conn, wave_id, token, form)


async def _answer_as_read(
    request: web.Request, conn: asyncpg.Connection, wave_id: int, token: str, form: Mapping[str, list[str]]
) -> web.Response | None:
    """The common case, in two statements and no transaction held across them: a screen answered in order and
    well, followed by another screen. Its answers are stored only if the session is still as read (a
    compare-and-set, :func:`recognition.store.survey.save_answers`); anything else — consent, a stale or locked
    screen, errors, the last screen, a session changed meanwhile — returns None for :func:`_submit_locked`."""
    found = await store.session_and_answers(conn, wave_id, sessions.token_hash(token))
    if found is None:
        return None
    session, answers = found
    if session.status != "started" or not session.consented:
        return None
    questionnaire = await staff_view.questionnaire_for(request.app, conn, session)
    screen = next_screen(questionnaire, answers)
    if screen is None or (form.get("screen") or [""])[0] != screen.id:
        return None
    cleaned, errors = read_screen(screen, form, answers)
    if errors:
        return None
    answers.update({k: v for k, v in cleaned.items() if v is not None})
    following = next_screen(questionnaire, answers)
    if following is None:
        return None
    shown = following.id if following.id not in session.shown else None
    if not await store.save_answers(
        conn, session.respondent_id, cleaned, shown=shown, unchanged_since=session.updated_at
    ):
        return None
    return _next_page(session, questionnaire, answers, following)


async def _submit_locked(
    request: web.Request,
    conn: asyncpg.Connection,
    wave_id: int,
    token: str | None,
    form: Mapping[str, list[str]],
) -> Reply:
    """A submission handled with the session locked for the whole transaction."""
    async with conn.transaction():
        found = (
            await store.session_and_answers(
                conn, wave_id, sessions.token_hash(token), lock=True, relaxed=True
            )
            if token
            else None
        )  # page progress is committed relaxed; _end() restores a synchronous commit for the exit
        if found is None:
            return _html(pages.message_page("en", "nosession"), 400)
        session, answers = found
        questionnaire = await staff_view.questionnaire_for(request.app, conn, session)
        if session.status != "started":
            return _html(pages.message_page(questionnaire.language, "done"))
        if not session.consented:
            return await _consent(request, conn, session, token, questionnaire, answers, form)
        assert token is not None
        return await _answer(request, conn, session, token, questionnaire, answers, form)


async def _consent(
    request: web.Request,
    conn: asyncpg.Connection,
    session: store.Session,
    token: str | None,
    questionnaire: Questionnaire,
    answers: dict[str, Any],
    form: Mapping[str, list[str]],
) -> Reply:
    action = (form.get("action") or [""])[0]
    if action == "decline" and token is not None:
        return await _end(request, conn, session, token, "screened_out")
    if action == "start":
        await store.consent(conn, session.respondent_id)
        screen = next_screen(questionnaire, answers)
        if screen is not None:
            if screen.id not in session.shown:
                await store.mark_shown(conn, session.respondent_id, screen.id)
            return _next_page(session, questionnaire, answers, screen)
    return _see_other(_path(session.wave_id))


def _next_page(
    session: store.Session, questionnaire: Questionnaire, answers: dict[str, Any], screen: Screen
) -> web.Response:
    """The page of the respondent's current ``screen`` (already marked shown): what an accepted POST answers
    with, so a screen costs one request and not a redirect and a second one. Reloading it posts the same form
    again, which is a stale submission and is sent (303) to the current screen; answers given are final."""
    line = staff_view.frame(questionnaire, session)
    path = _path(session.wave_id)
    return _html(pages.screen_page(questionnaire, screen, answers, session.orders, path, notice=line))


async def _answer(
    request: web.Request,
    conn: asyncpg.Connection,
    session: store.Session,
    token: str,
    questionnaire: Questionnaire,
    answers: dict[str, Any],
    form: Mapping[str, list[str]],
) -> Reply:
    screen = next_screen(questionnaire, answers)
    if screen is None:
        return await _finish(request, conn, session, token, questionnaire, answers)
    submitted = (form.get("screen") or [""])[0]
    action = _path(session.wave_id)
    if submitted != screen.id:
        locked = any(
            s.id == submitted and s.module in LOCKED_AFTER_BRANDS for s in questionnaire.screens
        ) and not can_revisit(questionnaire, submitted, session.shown)
        if not locked:
            return _see_other(
                action
            )  # a stale page (e.g. resubmitted after going back): show the current one
        await store.mark_shown(conn, session.respondent_id, screen.id)
        notice = t(questionnaire.language, "locked")
        return _html(
            pages.screen_page(questionnaire, screen, answers, session.orders, action, notice=notice), 409
        )
    cleaned, errors = read_screen(screen, form, answers)
    if errors:
        line = staff_view.frame(questionnaire, session)
        page = pages.screen_page(
            questionnaire, screen, answers, session.orders, action, form=form, errors=errors, notice=line
        )
        return _html(page, 422)
    answers.update({k: v for k, v in cleaned.items() if v is not None})
    following = next_screen(questionnaire, answers)
    shown = following.id if following is not None and following.id not in session.shown else None
    await store.save_answers(conn, session.respondent_id, cleaned, shown=shown)  # one round trip for both
    if following is None:
        return await _finish(request, conn, session, token, questionnaire, answers)
    return _next_page(session, questionnaire, answers, following)


async def _finish(
    request: web.Request,
    conn: asyncpg.Connection,
    session: store.Session,
    token: str,
    questionnaire: Questionnaire,
    answers: dict[str, Any],
) -> Reply:
    """Code the unaided boxes, judge quality and end the respondent (the caller holds the session lock).

    A respondent who finishes after the wave stopped fielding (target reached, deadline passed) ends as
    ``over_quota``: fieldwork has closed the provider's project and counted its completes. The wave's row is
    share-locked, so the move out of ``fielding`` waits for finishes in flight and none slips past it."""
    state = await store.share_wave_state(conn, session.wave_id)
    if state != "fielding" and not session.test:  # a tester may try the survey at any time
        return await _end(request, conn, session, token, "over_quota")
    if session.kind == "staff":  # a belief about customers: no coding, no quality rules, no demographics
        return await _end(request, conn, session, token, "complete")
    rules = request.app[QUALITY_RULES]
    _, poll = await questionnaire_of(
        request.app, conn, session.poll_id, session.questionnaire_version, session.poll_updated_at
    )
    unaided = answers.get("unaided")
    frame = await mentions_store.current_frame(conn, poll.id, default_frame(poll))
    await mentions_store.store_coding(
        conn, session.respondent_id, session.wave_id, unaided if isinstance(unaided, list) else [], frame
    )
    timing = await store.timing(conn, session.respondent_id, session.wave_id)
    fingerprint = quality.fingerprint(answers, rules)
    duplicate = fingerprint is not None and await store.is_duplicate(
        conn, session.wave_id, fingerprint, session.respondent_id
    )
    reasons = quality.quality_reasons(
        questionnaire,
        answers,
        duration=timing.elapsed,
        median=timing.median,
        n_completes=timing.completes,
        duplicate=duplicate,
        rules=rules,
    )
    status = "quality_terminate" if reasons else "complete"
    asked = {
        v: str(answers[f"screener.{v}"])
        for v in questionnaire.config.weighting_variables
        if f"screener.{v}" in answers
    }
    demographics = with_derived(poll.population, asked)  # the region from the Land, never asked twice
    return await _end(
        request,
        conn,
        session,
        token,
        status,
        reasons=reasons,
        demographics=demographics,
        fingerprint=fingerprint,
    )


async def _end(
    request: web.Request,
    conn: asyncpg.Connection,
    session: store.Session,
    token: str,
    status: str,
    *,
    reasons: tuple[str, ...] = (),
    demographics: dict[str, str] | None = None,
    fingerprint: bytes | None = None,
) -> Reply:
    """Store the respondent's final status (once), then book it with the provider (after the caller's
    transaction commits: a slow provider never holds the wave's lock)."""
    await store.strict_commit(conn)
    if not await store.finish(
        conn,
        session.respondent_id,
        status=status,
        reasons=reasons,
        demographics=demographics,
        fingerprint=fingerprint,
    ):
        return _html(pages.message_page("en", "done"))
    access = await store.get_access(conn, session.wave_id)
    if access is None or session.exit_ref is None:
        log.warning(
            "respondent %s of wave %s ended %s with no way back",
            session.respondent_id,
            session.wave_id,
            status,
        )
        return _html(pages.message_page("en", "done"))
    return Leaving(access, sessions.unseal(token, session.exit_ref), status, session.respondent_id)
