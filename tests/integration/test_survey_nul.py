"""A NUL in a survey answer is a clear 422 on the page, never a server error, and nothing is stored for that
screen; bytes that are no UTF-8 (a lone surrogate) never reach the database as such (they are read as U+FFFD)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import asyncpg
import pytest

from panels.simulated.taker import fill, parse_form
from tests.integration.survey_world import World, entry, walk

ClientFactory = Callable[..., Any]


@pytest.mark.parametrize("typed", ["A%00B", "Acme%ED%A0%80"], ids=["nul", "lone-surrogate"])
async def test_a_nul_or_broken_text_in_an_answer_is_refused_on_the_page(
    make_client: ClientFactory, world: World, pool: asyncpg.Pool, typed: str
) -> None:
    client = await make_client()
    visit = await walk(client, entry(world.wave_id, "PANEL-NUL"), stop_after="screener")
    form = parse_form(visit.last_body)
    assert form is not None and dict(form.hidden).get("screen") == "unaided"
    fields = fill(form, random.Random(1))
    body = "&".join(
        f"{quote(k)}={typed if k == 'unaided' else quote(v)}" for k, v in fields
    )  # percent-encoded as a browser sends a form, the unaided box carrying the bad text
    resp = await client.post(
        form.action,
        data=body.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
    )
    async with pool.acquire() as conn:
        stored = await conn.fetch(
            "SELECT a.value FROM answers a JOIN respondents r ON r.id = a.respondent_id "
            "WHERE r.wave_id = $1 AND a.question_id = 'unaided'",
            world.wave_id,
        )
    if "%00" in typed:
        assert resp.status == 422, (resp.status, await resp.text())
        assert "letters, digits and punctuation" in await resp.text() and stored == []
    else:
        (row,) = stored  # every box the bad text was typed into holds it read as replacement characters
        assert resp.status == 200 and row["value"] and set(row["value"]) == {"Acme\ufffd\ufffd\ufffd"}
