"""Walking a questionnaire: what to show next given the answers so far, in which order, and what may be revisited.

``answers`` maps question ids to cleaned answers (see :mod:`recognition.questionnaire.model` for the shapes). A
question that was not shown simply has no entry.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from recognition.questionnaire.model import Condition, Option, Question, Questionnaire, Screen

Answers = Mapping[str, Any]

#: Modules whose screens can never be returned to once a screen naming a tracked brand has been shown.
LOCKED_AFTER_BRANDS: tuple[str, ...] = ("unaided",)


def _matches(value: Any, codes: tuple[str, ...]) -> bool:
    if isinstance(value, list | tuple | set | frozenset):
        return any(str(v) in codes for v in value)
    return value is not None and str(value) in codes


def condition_holds(condition: Condition, answers: Answers) -> bool:
    """Whether ``condition`` holds; a missing answer (or grid row) never matches the codes."""
    value = answers.get(condition.question_id)
    if condition.row is not None:
        value = value.get(condition.row) if isinstance(value, Mapping) else None
    return _matches(value, condition.codes) != condition.negate


def passing_brands(question: Question, answers: Answers) -> frozenset[str] | None:
    """Brand ids that pass the question's brand filter; None when the question has no filter (all brands)."""
    bf = question.brand_filter
    if bf is None:
        return None
    value = answers.get(bf.question_id)
    if bf.codes:
        if not isinstance(value, Mapping):
            return frozenset()
        return frozenset(str(row) for row, v in value.items() if str(v) in bf.codes)
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list | tuple):
        return frozenset(str(v) for v in value)
    return frozenset()


def _ordered(items: tuple[Option, ...], order: Sequence[str] | None) -> tuple[Option, ...]:
    if order is None:
        return items
    rank = {code: i for i, code in enumerate(order)}
    return tuple(sorted(items, key=lambda o: rank.get(o.code, len(rank))))


def _filter(items: tuple[Option, ...], passing: frozenset[str] | None) -> tuple[Option, ...]:
    return tuple(o for o in items if not o.brand or passing is None or o.code in passing)


def visible_options(
    question: Question, answers: Answers, order: Sequence[str] | None = None
) -> tuple[Option, ...]:
    """The options to offer, in the respondent's recorded ``order`` (from :func:`randomise`) when given."""
    return _ordered(_filter(question.options, passing_brands(question, answers)), order)


def visible_rows(
    question: Question, answers: Answers, order: Sequence[str] | None = None
) -> tuple[Option, ...]:
    """The grid rows to offer (e.g. the brands the respondent is aware of), in the recorded ``order``."""
    return _ordered(_filter(question.rows, passing_brands(question, answers)), order)


def _shown(question: Question, answers: Answers, pending: Collection[str] = ()) -> bool:
    """Conditions and brand filters that refer to a ``pending`` question (still to come) count as met."""
    for condition in question.conditions:
        if condition.question_id not in pending and not condition_holds(condition, answers):
            return False
    bf = question.brand_filter
    if bf is None or bf.question_id in pending:
        return True
    brand_items = [o for o in question.options + question.rows if o.brand]
    passing = passing_brands(question, answers) or frozenset()
    return any(o.code in passing for o in brand_items)


def is_shown(question: Question, answers: Answers) -> bool:
    """Whether ``question`` is asked, given the answers so far: all conditions hold and, for a brand-filtered
    question, at least one brand passes the filter."""
    return _shown(question, answers)


def shown_questions(screen: Screen, answers: Answers) -> tuple[Question, ...]:
    """The questions of ``screen`` to render."""
    return tuple(q for q in screen.questions if is_shown(q, answers))


def _brands_seen(questionnaire: Questionnaire, seen_screens: Iterable[str]) -> bool:
    seen = set(seen_screens)
    return any(s.shows_brands and s.id in seen for s in questionnaire.screens)


def _answered_screens(questionnaire: Questionnaire, answers: Answers) -> list[str]:
    return [s.id for s in questionnaire.screens if any(q.id in answers for q in s.questions)]


def _next_index(questionnaire: Questionnaire, answers: Answers) -> int | None:
    locked = _brands_seen(questionnaire, _answered_screens(questionnaire, answers))
    for i, screen in enumerate(questionnaire.screens):
        if locked and screen.module in LOCKED_AFTER_BRANDS:
            continue
        if any(q.id not in answers for q in shown_questions(screen, answers)):
            return i
    return None


def next_screen(questionnaire: Questionnaire, answers: Answers) -> Screen | None:
    """The first screen with a shown question not yet answered; None when the questionnaire is complete.

    An unaided screen left unanswered once a brand screen has been answered is skipped, never shown late."""
    i = _next_index(questionnaire, answers)
    return None if i is None else questionnaire.screens[i]


def screens_remaining(questionnaire: Questionnaire, answers: Answers) -> int:
    """Screens still to show, including the next one, for a progress indicator.

    Conditions that depend on questions not yet answered are assumed to be met, so the count can only fall as
    answers come in (e.g. image screens disappear when the respondent knows no brand)."""
    start = _next_index(questionnaire, answers)
    if start is None:
        return 0
    rest = questionnaire.screens[start:]
    pending = {q.id for s in rest for q in s.questions if q.id not in answers}
    count = 0
    for screen in rest:
        todo = [q for q in screen.questions if q.id not in answers]
        if any(_shown(q, answers, pending) for q in todo):
            count += 1
    return count


def can_revisit(questionnaire: Questionnaire, screen_id: str, history: Iterable[str] | Answers) -> bool:
    """Whether the respondent may go back to ``screen_id``.

    ``history`` is the ids of the screens shown so far, or the answers so far (a screen counts as shown when one
    of its questions has an answer). Only screens already shown can be revisited, and the unaided screen never
    once a screen naming a brand (the aided list onwards) has been shown: later answers would be primed."""
    seen = _answered_screens(questionnaire, history) if isinstance(history, Mapping) else list(history)
    if screen_id not in seen:
        return False
    screen = questionnaire.screen(screen_id)
    return not (screen.module in LOCKED_AFTER_BRANDS and _brands_seen(questionnaire, seen))


def randomise(questionnaire: Questionnaire, seed: int | str) -> dict[str, list[str]]:
    """Per-respondent order of every randomised question: rows for grids, options otherwise.

    Deterministic in ``(seed, question id)`` (``random.Random`` seeded with a string is stable across runs and
    platforms), so the order shown can be stored and reproduced, and adding a question does not reshuffle the
    others. Exclusive and anchored options ("none", "don't know", "another reason") stay last in their order."""
    orders: dict[str, list[str]] = {}
    for question in questionnaire.questions:
        if not question.randomise:
            continue
        items = question.rows or question.options
        movable = [o.code for o in items if not o.stays_last]
        random.Random(f"{seed}/{question.id}").shuffle(movable)
        orders[question.id] = movable + [o.code for o in items if o.stays_last]
    return orders
