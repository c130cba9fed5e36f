"""The questionnaire as data: screens of questions that a page renderer walks one screen at a time.

Answer shapes (what :func:`recognition.questionnaire.validate_answer` returns and the flow functions read):

===============  =======================================  ==============================================
type             without rows                             with rows (one answer per row, e.g. per brand)
===============  =======================================  ==============================================
``single``       option code (``str``)                    ``{row_code: option_code}``
``multi``        list of option codes                     --
``text-list``    list of texts (first = top of mind) or   --
                 an exclusive option code (``dont_know``)
``grid-yes-no``  --                                       ``{row_code: "yes" | "no"}``
``scale-0-10``   ``int``                                  ``{row_code: int}``
``number``       ``int``                                  --
===============  =======================================  ==============================================

A question is shown when all its ``conditions`` hold; when it has a ``brand_filter``, only the brands that pass
are offered (options or rows whose code is a brand id), and the question is skipped if none pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from recognition.questionnaire.config import QuestionnaireConfig

QuestionType = Literal["single", "multi", "text-list", "grid-yes-no", "scale-0-10", "number"]


@dataclass(frozen=True)
class Option:
    """An answer option, or a row of a grid. ``exclusive`` options (none, don't know) exclude all others and
    stay at the end when the list is randomised, as do ``anchored`` ones ("another reason"). ``brand`` marks options/rows that are tracked brands."""

    code: str
    label: str
    exclusive: bool = False
    brand: bool = False
    anchored: bool = False
    logo_url: str | None = None

    @property
    def stays_last(self) -> bool:
        """Kept at the end, in its place, when the list is randomised."""
        return self.exclusive or self.anchored


@dataclass(frozen=True)
class Condition:
    """Holds when the answer to ``question_id`` (row ``row`` of a grid) is one of ``codes``; ``negate`` flips it.

    A missing answer (question not shown) counts as "not one of ``codes``": e.g. a respondent never asked about
    the own brand's usage is a non-customer. ``name`` says what the condition means ("category_user", ...)."""

    name: str
    question_id: str
    codes: tuple[str, ...]
    row: str | None = None
    negate: bool = False


@dataclass(frozen=True)
class BrandFilter:
    """Offer only the brands chosen in ``question_id`` (a multi question) or, for a grid with ``codes``, the rows
    answered with one of ``codes``. ``name``: "aware_brands", "used_brands"."""

    name: str
    question_id: str
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """One question. ``prompt`` and labels are in ``language``; ``boxes`` is the number of text boxes
    (text-list); ``minimum``/``maximum`` bound numbers; ``expected`` is the instructed answer of an attention
    check."""

    id: str
    type: QuestionType
    prompt: str
    language: str
    options: tuple[Option, ...] = ()
    rows: tuple[Option, ...] = ()
    note: str = ""
    randomise: bool = False
    required: bool = True
    conditions: tuple[Condition, ...] = ()
    brand_filter: BrandFilter | None = None
    boxes: int = 0
    minimum: int | None = None
    maximum: int | None = None
    expected: str | None = None

    @property
    def shows_brands(self) -> bool:
        return any(o.brand for o in self.options + self.rows)

    def option(self, code: str) -> Option | None:
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Screen:
    """One page. ``shows_brands``: the page names a tracked brand (texts, options or rows); once such a page has
    been shown, the unaided screen is locked (see :func:`recognition.questionnaire.can_revisit`)."""

    id: str
    module: str
    questions: tuple[Question, ...]
    shows_brands: bool = False


@dataclass(frozen=True)
class Questionnaire:
    """A built questionnaire: the config it came from and its screens in order."""

    config: QuestionnaireConfig
    screens: tuple[Screen, ...]

    @property
    def language(self) -> str:
        return self.config.language

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for s in self.screens for q in s.questions)

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def screen(self, screen_id: str) -> Screen:
        for s in self.screens:
            if s.id == screen_id:
                return s
        raise KeyError(screen_id)

    def screen_of(self, question_id: str) -> Screen:
        for s in self.screens:
            if any(q.id == question_id for q in s.questions):
                return s
        raise KeyError(question_id)

    @property
    def attention_check(self) -> tuple[str, str] | None:
        """``(question_id, expected option code)`` of the instructed-response item, or None when switched off."""
        for q in self.questions:
            if q.expected is not None:
                return q.id, q.expected
        return None
