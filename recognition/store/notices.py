"""The organisation's privacy notice for respondents (table ``survey_notices``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class SurveyNotice:
    """Who carries the survey out, where the full privacy policy is, and the organisation's own words on how
    answers are used (language → text; a language without them gets the service's)."""

    operator: str
    policy_url: str | None = None
    purpose: dict[str, str] = field(default_factory=dict)
    updated_at: datetime | None = None


_COLUMNS = "operator, policy_url, purpose, updated_at"


def _notice(row: asyncpg.Record | None) -> SurveyNotice | None:
    return None if row is None else SurveyNotice(row[0], row[1], dict(row[2]), row[3])


async def get_notice(conn: asyncpg.Connection, org_id: int) -> SurveyNotice | None:
    return _notice(
        await conn.fetchrow(f"SELECT {_COLUMNS} FROM survey_notices WHERE organisation_id = $1", org_id)
    )


async def notice_for_poll(conn: asyncpg.Connection, poll_id: int) -> SurveyNotice | None:
    """The notice of the organisation a poll belongs to, if it has set one."""
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM survey_notices
            WHERE organisation_id = (SELECT organisation_id FROM polls WHERE id = $1)""",
        poll_id,
    )
    return _notice(row)


async def set_notice(conn: asyncpg.Connection, org_id: int, notice: SurveyNotice) -> SurveyNotice:
    row = await conn.fetchrow(
        f"""INSERT INTO survey_notices (organisation_id, operator, policy_url, purpose)
            VALUES ($1, $2, $3, $4)
            ON CONFLICT (organisation_id) DO UPDATE
            SET operator = EXCLUDED.operator, policy_url = EXCLUDED.policy_url, purpose = EXCLUDED.purpose,
                updated_at = now()
            RETURNING {_COLUMNS}""",
        org_id,
        notice.operator,
        notice.policy_url,
        notice.purpose,
    )
    found = _notice(row)
    assert found is not None
    return found


async def delete_notice(conn: asyncpg.Connection, org_id: int) -> bool:
    return (await conn.execute("DELETE FROM survey_notices WHERE organisation_id = $1", org_id)) == "DELETE 1"
