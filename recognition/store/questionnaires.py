"""Questionnaire versions of a poll: the stored definition of each version (the plain data of
:meth:`recognition.questionnaire.QuestionnaireConfig.to_dict`).

A change to a poll that affects comparability (wording, brand list, attributes, modules, language, options — see
:func:`recognition.questionnaire.comparability_changes`) starts a new version (:func:`record_change`); the waves
fielded afterwards carry it, and trends mark a break where it changes."""

from __future__ import annotations

from typing import Any

import asyncpg

from recognition.polls.model import Poll
from recognition.polls.questionnaire import poll_questionnaire
from recognition.populations import load_margins
from recognition.questionnaire import comparability_changes, version_key


async def questionnaire_definition(
    conn: asyncpg.Connection, poll_id: int, version: int
) -> dict[str, Any] | None:
    """The stored questionnaire settings of a poll's version, or None (the poll's default applies)."""
    value = await conn.fetchval(
        "SELECT definition FROM questionnaire_versions WHERE poll_id = $1 AND version = $2", poll_id, version
    )
    return dict(value) if value else None


async def store_version(
    conn: asyncpg.Connection,
    poll_id: int,
    version: int,
    checksum: str,
    definition: dict[str, Any],
    *,
    replace: bool,
) -> None:
    """Store a version's definition (``replace``: overwrite one stored before; else keep it)."""
    await conn.execute(
        """INSERT INTO questionnaire_versions (poll_id, version, checksum, definition) VALUES ($1, $2, $3, $4)
           ON CONFLICT (poll_id, version) DO UPDATE SET checksum = EXCLUDED.checksum, definition = EXCLUDED.definition
           WHERE $5""",
        poll_id,
        version,
        checksum,
        definition,
        replace,
    )


async def set_current_version(conn: asyncpg.Connection, poll_id: int, version: int) -> None:
    await conn.execute("UPDATE polls SET questionnaire_version = $2 WHERE id = $1", poll_id, version)


async def record_change(conn: asyncpg.Connection, before: Poll, after: Poll) -> list[str]:
    """Compare the questionnaire ``before`` asked with the one ``after`` implies; if comparability changed,
    store both versions' definitions and move the poll to the new version. Returns the changes (empty: none)."""
    stored = await questionnaire_definition(conn, before.id, before.questionnaire_version)
    old = poll_questionnaire(before, load_margins(before.population), stored)
    new = poll_questionnaire(after, load_margins(after.population))
    old_key, new_key = version_key(old), version_key(new)
    if old_key == new_key:
        return []
    changes = comparability_changes(old, new) or ["questionnaire changed"]
    version = before.questionnaire_version + 1
    await store_version(
        conn, before.id, before.questionnaire_version, old_key, old.config.to_dict(), replace=False
    )
    await store_version(conn, before.id, version, new_key, new.config.to_dict(), replace=True)
    await set_current_version(conn, before.id, version)
    return changes
