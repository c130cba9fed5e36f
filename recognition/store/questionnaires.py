"""Questionnaire versions of a poll. A change to a poll that affects comparability (wording, brand list,
attributes, modules, language, options — see :func:`recognition.questionnaire.comparability_changes`) stores a new
version; the waves fielded afterwards carry it, and trends mark a break where it changes."""

from __future__ import annotations

import asyncpg

from recognition.polls.questionnaire import poll_questionnaire
from recognition.populations import load_margins
from recognition.questionnaire import comparability_changes
from recognition.store.polls import Poll
from recognition.store.survey import questionnaire_definition


async def record_change(conn: asyncpg.Connection, before: Poll, after: Poll) -> list[str]:
    """Compare the questionnaire ``before`` asked with the one ``after`` implies; if comparability changed,
    store both versions' definitions and move the poll to the new version. Returns the changes (empty: none)."""
    stored = await questionnaire_definition(conn, before.id, before.questionnaire_version)
    old = poll_questionnaire(before, load_margins(before.population), stored)
    new = poll_questionnaire(after, load_margins(after.population))
    if old.version_key == new.version_key:
        return []
    changes = comparability_changes(old, new) or ["questionnaire changed"]
    version = before.questionnaire_version + 1
    await conn.execute(
        """INSERT INTO questionnaire_versions (poll_id, version, checksum, definition) VALUES ($1, $2, $3, $4)
           ON CONFLICT (poll_id, version) DO NOTHING""",
        before.id,
        before.questionnaire_version,
        old.version_key,
        old.config.to_dict(),
    )
    await conn.execute(
        """INSERT INTO questionnaire_versions (poll_id, version, checksum, definition) VALUES ($1, $2, $3, $4)
           ON CONFLICT (poll_id, version) DO UPDATE SET checksum = EXCLUDED.checksum,
                                                       definition = EXCLUDED.definition""",
        before.id,
        version,
        new.version_key,
        new.config.to_dict(),
    )
    await conn.execute("UPDATE polls SET questionnaire_version = $2 WHERE id = $1", before.id, version)
    return changes
