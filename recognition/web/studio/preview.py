"""Preview a tracker's questionnaire as a respondent sees it, and make a test link.

``/studio/trackers/{poll_id}/preview?lang=de&width=390`` shows every screen of the tracker's current
questionnaire in one of its languages, each in a frame of a phone's (390 px) or a desktop's (1280 px) width. A
frame (``…/preview/frame?lang=de&screen=3``) is the survey's own page: the questionnaire the survey builds
(:func:`recognition.polls.questionnaire.poll_questionnaire`) rendered by the survey's templates
(:mod:`recognition.web.survey.pages`), as a respondent who uses the category and knows every brand would reach it
(:func:`walk`), so brand lists and follow-up questions are shown full. Its buttons send nothing (the frame's
policy allows no form to be sent); a test link takes the survey for real.

The test link button runs the API's test-link operation (:func:`recognition.web.api.waves.test_link`) for the
tracker's latest wave: a tester's answers are kept as a test and never counted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from recognition.polls.model import Poll
from recognition.polls.questionnaire import poll_questionnaire
from recognition.populations import load_margins
from recognition.questionnaire import (
    AnswerError,
    Question,
    Questionnaire,
    QuestionnaireError,
    shown_questions,
    validate_answer,
)
from recognition.questionnaire.texts import LANGUAGE_NAMES
from recognition.web.api import waves
from recognition.web.middleware import PAGE_POLICY
from recognition.web.studio.acting import Refused, Visitor, act, page, poll_of, posted, visitor
from recognition.web.survey.pages import intro_page, screen_page

#: The widths a screen is shown at: a phone's and a desktop's.
WIDTHS = {390: "Phone (390 px)", 1280: "Desktop (1280 px)"}
FRAME_HEIGHT = 760
#: The preview page frames its own frames; the frames may be framed by it and send no form.
PREVIEW_POLICY = PAGE_POLICY.replace("default-src 'none';", "default-src 'none'; frame-src 'self';")
FRAME_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
    "Cache-Control": "no-store",
}
TEST_LINK = next(op for op in waves.OPS if op.handler is waves.test_link)
LIST_WAVES = next(op for op in waves.OPS if op.handler is waves.list_waves)


def languages(poll: Poll) -> list[str]:
    """The tracker's languages: the one it is asked in first, then those its category has wording in."""
    own = [poll.language] + [lang for lang in sorted(poll.category_wording) if lang != poll.language]
    return [lang for lang in own if lang in LANGUAGE_NAMES]


def questionnaire_in(poll: Poll, language: str) -> Questionnaire:
    """The tracker's current questionnaire in ``language``, built as the survey builds it;
    :class:`QuestionnaireError` when the tracker lacks wording in that language."""
    return poll_questionnaire(dataclasses.replace(poll, language=language), load_margins(poll.population))


def _required_codes(questionnaire: Questionnaire) -> dict[str, set[str]]:
    """Per question, the codes that a later question's condition asks for."""
    wanted: dict[str, set[str]] = {}
    for question in questionnaire.questions:
        for condition in question.conditions:
            if not condition.negate:
                wanted.setdefault(condition.question_id, set()).update(condition.codes)
    return wanted


def _answer(question: Question, wanted: set[str], answers: Mapping[str, Any]) -> Any:
    choices = [o.code for o in question.options if not o.exclusive]
    if question.rows:
        pick = next((c for c in choices if c in wanted), choices[0] if choices else "")
        return {row.code: pick for row in question.rows}
    if question.type == "multi":
        return choices
    if question.type == "text-list":
        return ["…"]
    if question.type in ("scale-0-10", "number"):
        return str(question.expected or question.minimum or 7)
    return question.expected or next((c for c in choices if c in wanted), choices[0] if choices else "")


def walk(questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """The answers before each screen of a respondent who qualifies and knows every brand (the preview's
    respondent): entry ``i`` holds the answers given on the screens before screen ``i``."""
    wanted = _required_codes(questionnaire)
    answers: dict[str, Any] = {}
    before = []
    for screen in questionnaire.screens:
        before.append(dict(answers))
        for question in shown_questions(screen, answers):
            try:
                answers[question.id] = validate_answer(
                    question, _answer(question, wanted.get(question.id, set()), answers), answers
                )
            except AnswerError:
                continue
    return before


def _choice(request: web.Request, poll: Poll) -> tuple[str, int]:
    lang = _lang(request, poll)
    raw = request.query.get("width", "390")
    if not raw.isdigit() or int(raw) not in WIDTHS:
        raise Refused(400, f"width: choose {' or '.join(str(w) for w in WIDTHS)}")
    return lang, int(raw)


async def _render(
    request: web.Request, who: Visitor, poll: Poll, status: int = 200, **extra: Any
) -> web.Response:
    try:
        lang, width = _choice(request, poll)
    except Refused as exc:
        lang, width, extra["error"], status = poll.language, 390, exc.message, exc.status
    screens: list[str] = []
    problem = ""
    try:
        questionnaire = questionnaire_in(poll, lang)
        screens = [s.id for s in questionnaire.screens]
    except QuestionnaireError as exc:
        problem = f"The tracker cannot be asked in {LANGUAGE_NAMES[lang]} yet: {exc}"
    return page(
        "studio/preview.html",
        who,
        status=status,
        headers={"Content-Security-Policy": PREVIEW_POLICY},
        poll=poll,
        lang=lang,
        width=width,
        languages=languages(poll),
        all_languages=LANGUAGE_NAMES,
        widths=WIDTHS,
        screens=screens,
        problem=problem,
        height=FRAME_HEIGHT,
        **{"links": None, "error": "", **extra},
    )


async def preview_page(request: web.Request) -> web.Response:
    who = await visitor(request)
    return await _render(request, who, await poll_of(request, who))


async def frame(request: web.Request) -> web.Response:
    """One screen of the questionnaire, as the survey renders it (0: the welcome page)."""
    who = await visitor(request)
    poll = await poll_of(request, who)
    try:
        lang = _lang(request, poll)
        questionnaire = questionnaire_in(poll, lang)
    except (Refused, QuestionnaireError) as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    raw = request.query.get("screen", "0")
    if not raw.isdigit() or int(raw) > len(questionnaire.screens):
        raise web.HTTPNotFound(text=f"screen: choose 0 to {len(questionnaire.screens)}")
    index = int(raw)
    if index == 0:
        html = intro_page(questionnaire, "#")
    else:
        screen = questionnaire.screens[index - 1]
        html = screen_page(questionnaire, screen, walk(questionnaire)[index - 1], {}, "#")
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=FRAME_HEADERS)


def _lang(request: web.Request, poll: Poll) -> str:
    lang = request.query.get("lang", poll.language)
    if lang not in LANGUAGE_NAMES:
        raise Refused(400, f"lang: choose one of {', '.join(LANGUAGE_NAMES)}")
    return lang


async def make_test_link(request: web.Request) -> web.Response:
    who, _ = await posted(request)
    poll = await poll_of(request, who)
    try:
        listed = await act(request, who, LIST_WAVES, {"poll_id": poll.id, "limit": 200})
        if not listed["items"]:
            raise Refused(
                409, "the tracker has no wave yet: a test link exists once a wave's fieldwork started"
            )
        wave_id = max(w["id"] for w in listed["items"])
        links = await act(request, who, TEST_LINK, {"wave_id": wave_id})
    except Refused as exc:
        if exc.status == 403:
            raise web.HTTPForbidden(text=exc.message) from None
        return await _render(request, who, poll, status=exc.status, error=exc.message)
    return await _render(request, who, poll, links=links)


def setup(app: web.Application) -> None:
    r = app.router
    r.add_get(r"/studio/trackers/{poll_id}/preview", preview_page)
    r.add_get(r"/studio/trackers/{poll_id}/preview/frame", frame)
    r.add_post(r"/studio/trackers/{poll_id}/preview/test-link", make_test_link)
