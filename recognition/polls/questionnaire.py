"""Which questionnaire and code frame a poll uses. Pure: no I/O.

A wave is asked the questionnaire of its ``questionnaire_version``: the stored definition of that version
(``questionnaire_versions.definition``, the plain data of :meth:`QuestionnaireConfig.to_dict`) when there is one,
else the poll's default questionnaire: its brands (aliases included, the poll's own brand marked), its category
wording, English, every optional module, and the population's weighting variables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recognition.mentions.coding import Brand as FrameBrand
from recognition.mentions.coding import CodeFrame
from recognition.polls.model import Poll
from recognition.questionnaire import Questionnaire, QuestionnaireConfig, build
from recognition.questionnaire.config import KNOWN_WEIGHTING_VARIABLES


def poll_config(
    poll: Poll, margins: Mapping[str, Mapping[str, float]], definition: Mapping[str, Any] | None = None
) -> QuestionnaireConfig:
    """The questionnaire settings of ``poll`` (``definition`` when stored, else the default described above)."""
    if definition is not None:
        return QuestionnaireConfig.from_dict(definition)
    brands = []
    for b in poll.brands:
        item: dict[str, Any] = {"id": b["id"], "name": b.get("name", b["id"])}
        if b.get("aliases"):
            item["aliases"] = list(b["aliases"])
        if b.get("logo_url"):
            item["logo_url"] = b["logo_url"]
        if b["id"] == poll.own_brand:
            item["own"] = True
        brands.append(item)
    return QuestionnaireConfig.from_dict(
        {
            "brands": brands,
            "category": poll.category,
            "weighting_variables": [v for v in margins if v in KNOWN_WEIGHTING_VARIABLES],
        }
    )


def poll_questionnaire(
    poll: Poll, margins: Mapping[str, Mapping[str, float]], definition: Mapping[str, Any] | None = None
) -> Questionnaire:
    return build(poll_config(poll, margins, definition), margins)


def default_frame(poll: Poll) -> CodeFrame:
    """Version 1 of a poll's code frame: its brands with their names and aliases."""
    return CodeFrame(
        tuple(
            FrameBrand(str(b["id"]), str(b.get("name", b["id"])), tuple(b.get("aliases") or ()))
            for b in poll.brands
        )
    )
