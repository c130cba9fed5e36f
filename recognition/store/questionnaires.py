"""Questionnaire versions of a poll: the stored definition of each version (the plain data of
:meth:`recognition.questionnaire.QuestionnaireConfig.to_dict`). Which change starts a new version is decided by
:mod:`recognition.polls.versions`."""

from __future__ import annotations

from typing import Any

import asyncpg


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
