"""Questionnaire versions: a change to a poll that affects comparability (wording, brand list, attributes,
modules, language, options — see :func:`recognition.questionnaire.comparability_changes`) starts a new version; the
waves fielded afterwards carry it, and trends mark a break where it changes."""

from __future__ import annotations

import asyncpg

from recognition.polls.model import Poll
from recognition.polls.questionnaire import poll_questionnaire
from recognition.populations import load_margins
from recognition.questionnaire import comparability_changes, version_key
from recognition.store import questionnaires as store


async def record_change(conn: asyncpg.Connection, before: Poll, after: Poll) -> list[str]:
    """Compare the questionnaire ``before`` asked with the one ``after`` implies; if comparability changed,
    store both versions' definitions and move the poll to the new version. Returns the changes (empty: none)."""
    stored = await store.questionnaire_definition(conn, before.id, before.questionnaire_version)
    old = poll_questionnaire(before, load_margins(before.population), stored)
    new = poll_questionnaire(after, load_margins(after.population))
    old_key, new_key = version_key(old), version_key(new)
    if old_key == new_key:
        return []
    changes = comparability_changes(old, new) or ["questionnaire changed"]
    version = before.questionnaire_version + 1
    await store.store_version(
        conn, before.id, before.questionnaire_version, old_key, old.config.to_dict(), replace=False
    )
    await store.store_version(conn, before.id, version, new_key, new.config.to_dict(), replace=True)
    await store.set_current_version(conn, before.id, version)
    return changes
