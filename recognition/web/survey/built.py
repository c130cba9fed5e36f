"""The built questionnaire of a poll version for the survey's pages, cached on the application."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from recognition.polls.model import Poll
from recognition.polls.questionnaire import poll_questionnaire
from recognition.populations import load_margins
from recognition.questionnaire import Questionnaire
from recognition.store import polls as polls_store
from recognition.store import questionnaires as questionnaires_store
from recognition.web.keys import QUESTIONNAIRES

#: Built questionnaires kept at most (the cache is emptied when full).
CACHE_LIMIT = 256


async def questionnaire_of(
    app: web.Application, conn: asyncpg.Connection, poll_id: int, version: int, updated_at: Any
) -> tuple[Questionnaire, Poll]:
    """The built questionnaire of a poll version, cached per (poll, version, poll's last change)."""
    cache = app[QUESTIONNAIRES]
    key = (poll_id, version, updated_at)
    hit = cache.get(key)
    if hit is not None:
        return hit
    poll = await polls_store.get_poll(conn, poll_id)
    assert poll is not None
    definition = await questionnaires_store.questionnaire_definition(conn, poll_id, version)
    built = (poll_questionnaire(poll, load_margins(poll.population), definition), poll)
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    cache[key] = built
    return built
