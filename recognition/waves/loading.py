"""Reading a wave's valid completes as the statistics read them (:mod:`recognition.waves.inputs`)."""

from __future__ import annotations

from collections.abc import Mapping

import asyncpg

from recognition.polls.model import Poll
from recognition.polls.questionnaire import poll_questionnaire
from recognition.store import questionnaires as questionnaires_store
from recognition.store import responses
from recognition.waves.inputs import WaveInput, build_input, is_survey_answers


async def load_input(
    conn: asyncpg.Connection,
    poll: Poll,
    wave_id: int,
    questionnaire_version: int,
    margins: Mapping[str, Mapping[str, float]],
) -> tuple[list[responses.StoredRespondent], WaveInput]:
    """A wave's valid completes and their indicators (with the questionnaire version it was fielded with)."""
    rows = await responses.wave_respondents(conn, wave_id)
    questionnaire = None
    if any(is_survey_answers(r.answers) for r in rows):
        definition = await questionnaires_store.questionnaire_definition(conn, poll.id, questionnaire_version)
        questionnaire = poll_questionnaire(poll, margins, definition)
    return rows, build_input(rows, poll.brand_ids, list(margins), questionnaire)
