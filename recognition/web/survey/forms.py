"""Form fields of a screen ↔ answers, and the view of a screen for the templates. Pure: no I/O.

Field names: ``{question id}`` for single/multi choices, number inputs and the text boxes of a text list (one
field per box, repeated); ``{question id}.option`` for the exclusive option beside text boxes ("don't know");
``{question id}:{row code}`` for each row of a grid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recognition.questionnaire import (
    UNAIDED,
    AnswerError,
    Option,
    Question,
    Questionnaire,
    Screen,
    screens_remaining,
    shown_questions,
    validate_answer,
    visible_options,
    visible_rows,
)
from recognition.web.survey.texts import t

Form = Mapping[str, Sequence[str]]
#: Characters no one types into a text box: C0 controls (NUL among them) other than tab and line breaks, DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: A question ending in one of these (before any closing quote) is a whole sentence: its error follows a space.
_SENTENCE_ENDS = ("?", ".", "!", ":", "…")
_CLOSING_QUOTES = "\"'”“’»«"


def _first(form: Form, name: str) -> str | None:
    values = form.get(name) or []
    return values[0] if values else None


def raw_value(question: Question, form: Form, answers: Mapping[str, Any]) -> Any:
    """The submitted value of ``question`` in the shape :func:`validate_answer` takes."""
    if question.rows:
        grid = {}
        for row in visible_rows(question, answers):
            value = _first(form, f"{question.id}:{row.code}")
            if value is not None and value != "":
                grid[row.code] = value
        return grid
    if question.type == "multi":
        return list(form.get(question.id) or [])
    if question.type == "text-list":
        texts = [t for t in (form.get(question.id) or []) if t.strip()]
        if any(
            _CONTROL.search(t) for t in texts
        ):  # a NUL cannot be stored; other controls mean nothing typed
            raise AnswerError(question, "err.characters")
        option = _first(form, f"{question.id}.option")
        if option and texts:
            exclusive = question.option(option)
            raise AnswerError(question, "err.exclusive", label=exclusive.label if exclusive else option)
        return option if option else texts
    return _first(form, question.id)


def read_screen(
    screen: Screen, form: Form, answers: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean answers of the screen's shown questions and the respondent-facing error per question id."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in shown_questions(screen, answers):
        try:
            cleaned[question.id] = validate_answer(question, raw_value(question, form, answers), answers)
        except AnswerError as exc:
            errors[question.id] = exc.reason
    return cleaned, errors


@dataclass(frozen=True)
class QuestionView:
    """One question as the template renders it. ``selected``: chosen option codes (or, for a grid,
    ``{row: code}``); ``texts``: text box contents; ``error``: message or empty."""

    question: Question
    options: tuple[Option, ...]
    rows: tuple[Option, ...]
    selected: Any
    texts: tuple[str, ...]
    error: str
    box_labels: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def summary(self) -> str:
        """The line of the error summary: the question, then its error message, joined so that no punctuation
        is doubled ("How old are you? Please choose one option.", never "you?: Please")."""
        prompt = self.question.prompt.rstrip()
        ends = prompt.rstrip(_CLOSING_QUOTES)
        return f"{prompt} {self.error}" if ends.endswith(_SENTENCE_ENDS) else f"{prompt}: {self.error}"

    @property
    def dom_id(self) -> str:
        return "q-" + "".join(c if c.isalnum() else "-" for c in self.question.id)


def _selected(question: Question, form: Form | None) -> Any:
    if form is None:
        return {} if question.rows else []
    if question.rows:
        return {k.split(":", 1)[1]: v[0] for k, v in form.items() if k.startswith(question.id + ":") and v}
    if question.type == "text-list":
        return [v for v in (form.get(question.id + ".option") or [])]
    return list(form.get(question.id) or [])


def box_labels(lang: str, question: Question) -> tuple[str, ...]:
    """The labels of a text question's boxes: the unaided question's brand boxes are numbered brands (the
    first one the first brand that comes to mind); any other text question's box is the respondent's comment."""
    if question.id != UNAIDED:
        return tuple(t(lang, "box_comment") for _ in range(question.boxes))
    return tuple(
        t(lang, "box_first") if i == 0 else t(lang, "box", number=i + 1) for i in range(question.boxes)
    )


def screen_view(
    questionnaire: Questionnaire,
    screen: Screen,
    answers: Mapping[str, Any],
    orders: Mapping[str, Sequence[str]],
    form: Form | None = None,
    errors: Mapping[str, str] | None = None,
) -> list[QuestionView]:
    """The shown questions of ``screen`` with their options and rows in the respondent's recorded order; with a
    rejected ``form``, the respondent's input and ``errors`` are carried back."""
    views = []
    lang = questionnaire.language
    for question in shown_questions(screen, answers):
        order = orders.get(question.id)
        texts = tuple((form or {}).get(question.id) or ()) if question.type == "text-list" else ()
        boxes = box_labels(lang, question)
        views.append(
            QuestionView(
                question=question,
                options=visible_options(question, answers, None if question.rows else order),
                rows=visible_rows(question, answers, order if question.rows else None),
                selected=_selected(question, form),
                texts=texts + ("",) * max(0, question.boxes - len(texts)),
                error=(errors or {}).get(question.id, ""),
                box_labels=boxes,
            )
        )
    return views


def progress(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(current step, total steps) of "Step k of n": n is every screen of the questionnaire, fixed for the
    respondent; k is n less the screens that can still be shown (the next one included) + 1, so a screen the
    answers removed counts as passed. k rises by at least one per screen, jumping past removed screens, and the
    last screen shown reads "n of n"."""
    total = len(questionnaire.screens)
    remaining = screens_remaining(questionnaire, answers)
    return min(max(total - remaining + 1, 1), total), total
