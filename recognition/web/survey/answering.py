"""Answering the survey: consent, a screen's answers, and the end of the questionnaire (coding, quality rules, the
final status). An answered screen replies with the next screen's page; the exit is a :class:`Leaving` for
:func:`recognition.web.survey.routes.leave` (see :mod:`recognition.web.survey.routes` for the whole flow)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import asyncpg
from aiohttp import web

from recognition import sessions
from recognition.polls.questionnaire import default_frame
from recognition.populations import with_derived
from recognition.questionnaire import (
    LOCKED_AFTER_BRANDS,
    Questionnaire,
    Screen,
    can_revisit,
    next_screen,
)
from recognition.store import mentions as mentions_store
from recognition.store import survey as store
from recognition.store.waves import OPEN
from recognition.waves import quality
from recognition.web.keys import PAGE_POOL, QUALITY_RULES
from recognition.web.survey import pages
from recognition.web.survey import staff as staff_view
from recognition.web.survey.built import questionnaire_of
from recognition.web.survey.forms import read_screen
from recognition.web.survey.replies import COOKIE, Leaving, Reply, html, see_other, survey_path
from recognition.web.survey.texts import t

log = logging.getLogger(__name__)


async def submit_answer(request: web.Request) -> Reply:
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
    following, shown = _advance(session, questionnaire, answers, cleaned)
    if following is None:
        return None
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
            return html(pages.message_page("en", "nosession"), 400)
        session, answers = found
        questionnaire = await staff_view.questionnaire_for(request.app, conn, session)
        if session.status != "started":
            return html(pages.message_page(questionnaire.language, "done"))
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
        return await _end(request, conn, session, token, "screened_out", questionnaire.language)
    if action == "start":
        await store.consent(conn, session.respondent_id)
        screen = next_screen(questionnaire, answers)
        if screen is not None:
            if screen.id not in session.shown:
                await store.mark_shown(conn, session.respondent_id, screen.id)
            return _next_page(session, questionnaire, answers, screen)
    return see_other(survey_path(session.wave_id))


def _advance(
    session: store.Session, questionnaire: Questionnaire, answers: dict[str, Any], cleaned: Mapping[str, Any]
) -> tuple[Screen | None, str | None]:
    """Take a screen's answers into ``answers``: the screen that follows (None: the questionnaire is done) and the
    id to mark shown with them (None when it was shown before)."""
    answers.update({k: v for k, v in cleaned.items() if v is not None})
    following = next_screen(questionnaire, answers)
    return following, following.id if following is not None and following.id not in session.shown else None


def _next_page(
    session: store.Session, questionnaire: Questionnaire, answers: dict[str, Any], screen: Screen
) -> web.Response:
    """The page of the respondent's current ``screen`` (already marked shown): what an accepted POST answers
    with, so a screen costs one request and not a redirect and a second one. Reloading it posts the same form
    again, which is a stale submission and is sent (303) to the current screen; answers given are final."""
    line = staff_view.frame(questionnaire, session)
    path = survey_path(session.wave_id)
    return html(pages.screen_page(questionnaire, screen, answers, session.orders, path, notice=line))


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
        return await finish(request, conn, session, token, questionnaire, answers)
    submitted = (form.get("screen") or [""])[0]
    action = survey_path(session.wave_id)
    if submitted != screen.id:
        locked = any(
            s.id == submitted and s.module in LOCKED_AFTER_BRANDS for s in questionnaire.screens
        ) and not can_revisit(questionnaire, submitted, session.shown)
        if not locked:
            return see_other(action)  # a stale page (e.g. resubmitted after going back): show the current one
        await store.mark_shown(conn, session.respondent_id, screen.id)
        notice = t(questionnaire.language, "locked")
        return html(
            pages.screen_page(questionnaire, screen, answers, session.orders, action, notice=notice), 409
        )
    cleaned, errors = read_screen(screen, form, answers)
    if errors:
        line = staff_view.frame(questionnaire, session)
        page = pages.screen_page(
            questionnaire, screen, answers, session.orders, action, form=form, errors=errors, notice=line
        )
        return html(page, 422)
    following, shown = _advance(session, questionnaire, answers, cleaned)
    await store.save_answers(conn, session.respondent_id, cleaned, shown=shown)  # one round trip for both
    if following is None:
        return await finish(request, conn, session, token, questionnaire, answers)
    return _next_page(session, questionnaire, answers, following)


async def finish(
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
    if state not in OPEN and not session.test:  # a tester may try the survey at any time
        return await _end(request, conn, session, token, "over_quota", questionnaire.language)
    if session.kind == "staff":  # a belief about customers: no coding, no quality rules, no demographics
        return await _end(request, conn, session, token, "complete", questionnaire.language)
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
        questionnaire.language,
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
    lang: str,
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
        return html(pages.message_page(lang, "done"))
    access = await store.get_access(conn, session.wave_id)
    if access is None or session.exit_ref is None:
        log.warning(
            "respondent %s of wave %s ended %s with no way back",
            session.respondent_id,
            session.wave_id,
            status,
        )
        return html(pages.message_page(lang, "done"))
    return Leaving(access, sessions.unseal(token, session.exit_ref), status, session.respondent_id, lang)
