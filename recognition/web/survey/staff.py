"""Staff rounds on the hosted survey (:mod:`recognition.waves.staff`): a staff member enters through the round's
shared link (``/survey/{wave}/start?staff={token}``), is admitted as a new anonymous *staff* respondent (never
public: never counted, estimated or booked with the provider), takes the staff view of the questionnaire
(:func:`recognition.questionnaire.staff.staff_questionnaire`) with a line above every screen asking them to answer
as they believe customers would, and ends on the survey's own thank-you page.
"""

from __future__ import annotations

import asyncpg
from aiohttp import web

from panels.base import Arrival, EntryRefused
from recognition import sessions
from recognition.questionnaire import Questionnaire
from recognition.questionnaire.staff import staff_questionnaire
from recognition.store import staff
from recognition.store.survey import Session
from recognition.web.keys import PAGE_POOL
from recognition.web.survey.built import questionnaire_of
from recognition.web.survey.texts import t

#: The arrival context naming a staff member's round.
STAFF_ROUND = "staff_round"


async def admit_staff(request: web.Request, wave_id: int, token: str) -> Arrival:
    """A staff member through the round's shared link: each entry a new anonymous staff respondent (a random id,
    nothing from the request), never public. A token no round has is forged; a closed round admits no one."""
    async with request.app[PAGE_POOL].acquire() as conn:
        found = await staff.round_of_link(conn, wave_id, sessions.token_hash(token))
    if found is None:
        raise EntryRefused("bad_signature")
    if found.closed_at is not None:
        raise EntryRefused("closed")
    return Arrival("staff-" + sessions.new_token(), {STAFF_ROUND: str(found.id)}, test=True)


def staff_round(arrival: Arrival) -> int | None:
    value = arrival.context.get(STAFF_ROUND)
    return int(value) if value else None


def kind_of(arrival: Arrival) -> str:
    """Whom the respondent's answers speak for: ``staff``, ``test`` or ``public`` (the only kind ever counted)."""
    if staff_round(arrival) is not None:
        return "staff"
    return "test" if arrival.test else "public"


async def questionnaire_for(
    app: web.Application, conn: asyncpg.Connection, session: Session
) -> Questionnaire:
    """The questionnaire as the session's respondent takes it: a staff member, only its staff view."""
    built, _ = await questionnaire_of(
        app, conn, session.poll_id, session.questionnaire_version, session.poll_updated_at
    )
    return staff_questionnaire(built) if session.kind == "staff" else built


def frame(questionnaire: Questionnaire, session: Session) -> str:
    """The line above every screen: a staff member answers as they believe customers would."""
    return t(questionnaire.language, "staff.frame") if session.kind == "staff" else ""
