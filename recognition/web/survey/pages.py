"""Rendering of the survey pages with Jinja2 (``recognition/templates/survey/``), autoescaped. Pure apart from
reading and compiling the templates once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import jinja2

from recognition.questionnaire import MAX_TEXT_LENGTH, Questionnaire, Screen
from recognition.store.notices import SurveyNotice
from recognition.web.survey.forms import Form, progress, screen_view
from recognition.web.survey.texts import t


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("recognition", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,  # compiled once: no check of the template files on every page
    )


def _render(name: str, lang: str, **context: Any) -> str:
    def tr(key: str, **params: object) -> str:
        return t(lang, key, **params)

    return environment().get_template(name).render(lang=lang, t=tr, **context)


def message_page(lang: str, kind: str) -> str:
    """A plain page for ``kind`` in (invalid, expired, closed, done, nosession, notfound, throttled,
    unavailable, test, staff)."""
    heading = t(lang, f"msg.{kind}.heading")
    return _render(
        "survey/message.html", lang, title=heading, heading=heading, body=t(lang, f"msg.{kind}.body")
    )


def intro_page(
    questionnaire: Questionnaire, action: str, notice: SurveyNotice | None = None, frame: str = ""
) -> str:
    """The introduction: what the survey is about, who carries it out and how answers are used (the
    organisation's notice, :mod:`recognition.web.api.notice`; without one, the service's own words and no
    name), that answers are anonymous and taking part voluntary, and the one cookie. ``frame``: a line shown
    first (a staff round's "answer as you believe our customers would")."""
    lang = questionnaire.language
    return _render(
        "survey/intro.html",
        lang,
        title=t(lang, "intro.heading"),
        category=questionnaire.config.category,
        action=action,
        frame=frame,
        operator=notice.operator if notice else None,
        policy_url=notice.policy_url if notice else None,
        purpose=(notice.purpose.get(lang) if notice else None)
        or t(lang, "intro.purpose", category=questionnaire.config.category),
    )


def screen_page(
    questionnaire: Questionnaire,
    screen: Screen,
    answers: Mapping[str, Any],
    orders: Mapping[str, Sequence[str]],
    action: str,
    *,
    form: Form | None = None,
    errors: Mapping[str, str] | None = None,
    notice: str = "",
) -> str:
    lang = questionnaire.language
    views = screen_view(questionnaire, screen, answers, orders, form, errors)
    step, total = progress(questionnaire, answers)
    title = views[0].question.prompt if views else t(lang, "title")
    if errors:
        title = f"{t(lang, 'errors.heading')} – {title}"
    return _render(
        "survey/screen.html",
        lang,
        title=title,
        screen=screen,
        views=views,
        step=step,
        total=total,
        last=step == total,
        errors=bool(errors),
        notice=notice,
        action=action,
        max_text=MAX_TEXT_LENGTH,
    )
