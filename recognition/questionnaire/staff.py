"""The staff view of a questionnaire: the brand questions a poll's sales and service staff answer in a staff
round, as they believe customers would. Pure: no I/O.

Staff see the aided brand list and the image screens of the poll's questionnaire, nothing else: no screener (no
personal data is asked), no unaided question (nothing to compare it with fairly). Their answers are read with the
same indicators as the public's (:func:`recognition.questionnaire.indicators.derive_indicators`).
"""

from __future__ import annotations

import dataclasses

from recognition.questionnaire.build import AIDED
from recognition.questionnaire.model import Questionnaire

#: The modules of the staff view, in the questionnaire's order.
STAFF_MODULES = frozenset({"aided", "image"})


def staff_questionnaire(questionnaire: Questionnaire) -> Questionnaire:
    """``questionnaire`` with only its staff screens (:data:`STAFF_MODULES`)."""
    screens = tuple(s for s in questionnaire.screens if s.module in STAFF_MODULES)
    return dataclasses.replace(questionnaire, screens=screens)


def staff_metrics(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The indicators a staff round measures: aided awareness and each image attribute."""
    on = questionnaire.config.module_on
    images = [f"image.{a.id}" for a in questionnaire.config.attributes] if on("image") else []
    return (AIDED, *images)
