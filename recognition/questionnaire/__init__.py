"""The brand-tracking questionnaire: configuration, model, versions, flow, answer checks and indicators.

Pure code (no I/O). A poll's settings become a :class:`QuestionnaireConfig` (:meth:`QuestionnaireConfig.from_dict`);
:func:`build` turns it and the population margins into a frozen :class:`Questionnaire` of :class:`Screen` objects
that the survey pages render one at a time (:func:`next_screen`, :func:`shown_questions`, :func:`visible_options`,
:func:`visible_rows`), in a per-respondent order (:func:`randomise`). :func:`validate_answer` cleans form input;
:func:`derive_indicators` turns a completed respondent into the metric indicators of METHODS.md.
"""

from recognition.questionnaire.answers import MAX_TEXT_LENGTH, AnswerError, validate_answer
from recognition.questionnaire.build import UNAIDED, build
from recognition.questionnaire.config import (
    CORE_MODULES,
    DEFAULT_ATTRIBUTES,
    MODULES,
    OPTIONAL_MODULES,
    Attribute,
    Brand,
    EntryPoint,
    QuestionnaireConfig,
    QuestionnaireError,
    ServiceFeature,
)
from recognition.questionnaire.flow import (
    LOCKED_AFTER_BRANDS,
    can_revisit,
    condition_holds,
    is_shown,
    next_screen,
    passing_brands,
    randomise,
    screens_remaining,
    shown_questions,
    visible_options,
    visible_rows,
)
from recognition.questionnaire.indicators import (
    customer_status,
    derive_indicators,
    indicator_names,
    nps_score,
)
from recognition.questionnaire.model import (
    BrandFilter,
    Condition,
    Option,
    Question,
    Questionnaire,
    QuestionType,
    Screen,
)
from recognition.questionnaire.texts import LANGUAGES, TEXTS
from recognition.questionnaire.versions import canonical, comparability_changes, version_key

__all__ = [
    "CORE_MODULES",
    "DEFAULT_ATTRIBUTES",
    "LANGUAGES",
    "LOCKED_AFTER_BRANDS",
    "MAX_TEXT_LENGTH",
    "MODULES",
    "OPTIONAL_MODULES",
    "TEXTS",
    "UNAIDED",
    "AnswerError",
    "Attribute",
    "EntryPoint",
    "ServiceFeature",
    "Brand",
    "BrandFilter",
    "Condition",
    "Option",
    "Question",
    "QuestionType",
    "Questionnaire",
    "QuestionnaireConfig",
    "QuestionnaireError",
    "Screen",
    "build",
    "can_revisit",
    "canonical",
    "comparability_changes",
    "condition_holds",
    "customer_status",
    "derive_indicators",
    "indicator_names",
    "is_shown",
    "next_screen",
    "nps_score",
    "passing_brands",
    "randomise",
    "screens_remaining",
    "shown_questions",
    "validate_answer",
    "version_key",
    "visible_options",
    "visible_rows",
]
