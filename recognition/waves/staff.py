"""Staff rounds: an optional anonymous internal survey of a poll's sales and service staff.

An editor opens a round (API ``POST /api/v1/polls/{id}/staff-round``, CLI ``recognition staff-link``) and gets a
shared link::

    {base}/survey/{wave_id}/start?staff={token}

The token is 256 random bits, shown once; only its SHA-256 is stored (like a survey session's). Anyone with the
link takes the poll's newest hosted survey (the wave whose fieldwork created it) in its staff view — the aided
brand list and the image screens, framed "as you believe our customers would answer" — as a new anonymous *staff*
respondent each time: a random respondent key, no panel id, no screener, nothing from the request. Staff
respondents are never public (``respondents.kind = 'staff'``): no estimate, quota, completes count or provider
booking reads them. Opening a round again closes the open one (its link stops admitting); closing stops entries.
The gap against the public is :mod:`recognition.reports.staff_gap`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from recognition import sessions
from recognition.errors import UserError
from recognition.store import staff as staff_store


@dataclass(frozen=True)
class StaffLink:
    """A staff round just opened, with its shared link."""

    round_id: int
    poll_id: int
    wave_id: int = field(metadata={"doc": "the wave whose hosted survey staff take"})
    link: str = field(
        metadata={
            "doc": "the shared link (shown once: only its hash is stored; opening a new round replaces it)"
        }
    )
    opened_at: datetime


def staff_url(base_url: str, wave_id: int, token: str) -> str:
    return f"{base_url.rstrip('/')}/survey/{wave_id}/start?staff={token}"


async def open_staff_round(conn: asyncpg.Connection, poll_id: int, base_url: str) -> StaffLink:
    """Open a staff round for the poll (closing any open one) and make its link; a :class:`UserError` naming the
    poll when it has no hosted survey yet."""
    wave_id = await staff_store.survey_wave(conn, poll_id)
    if wave_id is None:
        raise UserError(
            f"poll {poll_id} has no survey yet: a staff round opens once a wave's fieldwork has started"
        )
    token = sessions.new_token()
    opened = await staff_store.open_round(conn, poll_id, wave_id, sessions.token_hash(token))
    return StaffLink(opened.id, poll_id, wave_id, staff_url(base_url, wave_id, token), opened.opened_at)
