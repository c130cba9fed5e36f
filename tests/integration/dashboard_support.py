"""Helpers for the dashboard and studio tests: read a form's CSRF token, sign in as a browser does, and give
the demo tracker mentions its coder cannot place."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from recognition.polls.questionnaire import default_frame
from recognition.store import mentions as mentions_store
from recognition.store import polls as polls_store

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


async def sign_in(client: TestClient, key: str, next_url: str = "/dashboard", **headers: str) -> Any:
    """Open the sign-in form (which sets its cookie and token), then post the key."""
    form = await client.get("/dashboard/login")
    token = csrf_of(await form.text())
    return await client.post(
        "/dashboard/login",
        data={"api_key": key, "next": next_url, "csrf": token},
        headers=headers,
        allow_redirects=False,
    )


async def plant_unplaced(pool: asyncpg.Pool, poll_id: int, text: str, n: int) -> None:
    """``n`` respondents of the poll's latest wave wrote ``text`` (a spelling the coder cannot place) in their
    first unaided box, coded with the current frame as the survey codes them."""
    async with pool.acquire() as conn:
        poll = await polls_store.get_poll(conn, poll_id)
        assert poll is not None
        frame = await mentions_store.current_frame(conn, poll_id, default_frame(poll))
        rows = await conn.fetch(
            """SELECT r.id, r.wave_id, a.value FROM respondents r
                      JOIN answers a ON a.respondent_id = r.id AND a.question_id = 'unaided'
               WHERE r.wave_id = (SELECT max(id) FROM waves WHERE poll_id = $1) AND r.status = 'complete'
               ORDER BY r.id LIMIT $2""",
            poll_id,
            n,
        )
        assert len(rows) == n
        for row in rows:
            boxes = [text, *row["value"][1:]]
            await conn.execute(
                "UPDATE answers SET value = $2 WHERE respondent_id = $1 AND question_id = 'unaided'",
                row["id"],
                boxes,
            )
            await mentions_store.store_coding(conn, row["id"], row["wave_id"], boxes, frame)
