"""Checking one answer as submitted by a form and returning its cleaned value (shapes: see ``model``).

Form values arrive as text: ``"7"`` for a scale, ``["nike", "puma"]`` for a multi choice, ``{"nike": "yes"}`` for
a grid. Errors are :class:`AnswerError` with a message in the questionnaire's language, meant for the respondent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from recognition.questionnaire.config import QuestionnaireError
from recognition.questionnaire.flow import visible_options, visible_rows
from recognition.questionnaire.model import Question
from recognition.questionnaire.texts import text

MAX_TEXT_LENGTH = 200
_INTEGER = re.compile(r"^[+-]?\d{1,9}$")


class AnswerError(QuestionnaireError):
    """An answer is not acceptable; ``key`` is the message's catalogue key, the message is for the respondent."""

    def __init__(self, question: Question, key: str, **params: object) -> None:
        super().__init__(question.id, text(question.language, key, **params))
        self.key = key


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict) and not value) or value == ""


def validate_answer(question: Question, value: Any, answers: Mapping[str, Any] | None = None) -> Any:
    """Clean ``value`` for ``question`` or raise :class:`AnswerError`.

    With ``answers`` (the answers so far), brand options and rows are limited to the ones the respondent was
    shown (e.g. only brands they are aware of) and every shown row must be answered; without, the full lists
    apply and any non-empty subset of rows is accepted. An optional question left blank gives None (or [])."""
    if isinstance(value, str):
        value = value.strip()
    if _blank(value) or (question.type == "text-list" and _all_blank(value)):
        if question.required:
            raise _missing(question)
        return [] if question.type in ("multi", "text-list") else None
    if question.rows:
        return _grid(question, value, answers)
    if question.type == "multi":
        return _multi(question, value, answers)
    if question.type == "text-list":
        return _texts(question, value)
    if question.type in ("scale-0-10", "number"):
        return _integer(question, value)
    return _single(question, value, answers)


def _all_blank(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) and not v.strip() for v in value)


def _missing(question: Question) -> AnswerError:
    if question.rows:
        return AnswerError(question, "err.every_row")
    if question.type == "multi":
        return AnswerError(question, "err.choose_at_least_one")
    if question.type == "text-list":
        exclusive = next((o for o in question.options if o.exclusive), None)
        if exclusive is not None:
            return AnswerError(question, "err.text_or_option", label=exclusive.label)
        return AnswerError(question, "err.text_required")
    if question.type in ("scale-0-10", "number"):
        return _number_error(question)
    return AnswerError(question, "err.choose_one")


def _codes(question: Question, answers: Mapping[str, Any] | None) -> set[str]:
    options = question.options if answers is None else visible_options(question, answers)
    return {o.code for o in options}


def _single(question: Question, value: Any, answers: Mapping[str, Any] | None) -> str:
    if not isinstance(value, str):
        raise AnswerError(question, "err.choose_one")
    if value not in _codes(question, answers):
        raise AnswerError(question, "err.unknown_option")
    return value


def _multi(question: Question, value: Any, answers: Mapping[str, Any] | None) -> list[str]:
    chosen = [value] if isinstance(value, str) else value
    if not isinstance(chosen, Sequence) or not all(isinstance(v, str) for v in chosen):
        raise AnswerError(question, "err.choose_at_least_one")
    allowed = _codes(question, answers)
    if any(v not in allowed for v in chosen):
        raise AnswerError(question, "err.unknown_option")
    picked = set(chosen)
    for option in question.options:
        if option.exclusive and option.code in picked and len(picked) > 1:
            raise AnswerError(question, "err.exclusive", label=option.label)
    return [o.code for o in question.options if o.code in picked]


def _texts(question: Question, value: Any) -> str | list[str]:
    if isinstance(value, str):
        if any(o.exclusive and o.code == value for o in question.options):
            return value
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise _missing(question)
    texts = [v.strip() for v in value if v.strip()]
    if len(texts) > question.boxes:
        raise AnswerError(question, "err.too_many_texts", boxes=question.boxes)
    if any(len(t) > MAX_TEXT_LENGTH for t in texts):
        raise AnswerError(question, "err.text_too_long", limit=MAX_TEXT_LENGTH)
    return texts


def _number_error(question: Question) -> AnswerError:
    low = question.minimum if question.minimum is not None else 0
    high = question.maximum if question.maximum is not None else 10
    return AnswerError(question, "err.enter_number", minimum=low, maximum=high)


def _integer(question: Question, value: Any) -> int:
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise _number_error(question)
    low = 0 if question.type == "scale-0-10" else question.minimum
    high = 10 if question.type == "scale-0-10" else question.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        raise _number_error(question)
    return number


def _cell(question: Question, value: Any, allowed: set[str]) -> str | int:
    if question.type == "scale-0-10":
        return _integer(question, value)
    if question.type == "grid-yes-no" and isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, str):
        value = value.strip()
    if not isinstance(value, str) or not value:
        raise AnswerError(question, "err.every_row")
    if value not in allowed:
        raise AnswerError(question, "err.unknown_option")
    return value


def _grid(question: Question, value: Any, answers: Mapping[str, Any] | None) -> dict[str, str | int]:
    if not isinstance(value, Mapping):
        raise AnswerError(question, "err.every_row")
    rows = question.rows if answers is None else visible_rows(question, answers)
    row_codes = [r.code for r in rows]
    if any(str(k) not in row_codes for k in value):
        raise AnswerError(question, "err.unknown_option")
    if answers is not None and any(_blank(value.get(code)) for code in row_codes):
        raise AnswerError(question, "err.every_row")
    allowed = {o.code for o in question.options}
    return {code: _cell(question, value[code], allowed) for code in row_codes if code in value}
