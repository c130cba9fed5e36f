"""A spelling coded in review is coded automatically from then on: over real HTTP on a real database, a
respondent's unaided mention is left uncoded, an editor recodes it through the API, and the next respondent who
writes it is coded at the end of the survey with the new code-frame version. A brand alias added to the poll
afterwards makes one more version that keeps what review taught."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg

from panels.simulated.taker import Persona
from recognition.store import orgs
from recognition.store import polls as polls_store
from tests.integration.survey_world import BRANDS, World, entry, exit_parts, walk

ClientFactory = Callable[..., Any]


async def _coding(pool: asyncpg.Pool, wave_id: int) -> list[asyncpg.Record]:
    async with pool.acquire() as conn:
        return list(
            await conn.fetch(
                """SELECT c.respondent_id, c.frame_version, c.boxes, c.unmatched, a.value AS coded
                   FROM unaided_coding c JOIN answers a
                        ON a.respondent_id = c.respondent_id AND a.question_id = 'unaided_coded'
                   WHERE c.wave_id = $1 ORDER BY c.respondent_id""",
                wave_id,
            )
        )


async def test_a_recoded_spelling_is_coded_for_the_next_respondent(
    make_client: ClientFactory, world: World, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "survey-org")
        editor, _ = await orgs.create_key(conn, org, "editor")
    auth = {"Authorization": f"Bearer {editor}"}
    client = await make_client()
    url = f"/api/v1/polls/{world.poll_id}/mentions"

    first = await walk(client, entry(world.wave_id, "P-1"), persona=Persona(unaided=("Zoomerz", "Acme")))
    assert first.exit_url is not None and exit_parts(first.exit_url)[0] == "complete"
    [before] = await _coding(pool, world.wave_id)
    assert before["frame_version"] == 1 and before["coded"] == [[], ["acme"]]
    review = await (await client.get(url, headers=auth)).json()
    assert review["fragments"] == [{"text": "zoomerz", "count": 1}]

    resp = await client.post(f"{url}/recode", json={"fragment": "Zoomerz", "brand_id": "velo"}, headers=auth)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["frame_version"] == 2 and (await resp.json())["recoded"] == 1

    second = await walk(
        client, entry(world.wave_id, "P-2"), persona=Persona(unaided=("ZOOMERZ!", "Stride")), seed=2
    )
    assert second.exit_url is not None and exit_parts(second.exit_url)[0] == "complete"
    recoded, after = await _coding(pool, world.wave_id)
    assert recoded["coded"] == [["velo"], ["acme"]]  # the first respondent, recoded
    assert (
        after["frame_version"] == 2 and after["coded"] == [["velo"], ["stride"]] and after["unmatched"] == []
    )
    review = await (await client.get(url, headers=auth)).json()
    assert review["fragments"] == [] and review["learned_aliases"] == [{"alias": "zoomerz", "brand": "velo"}]

    # an alias added to the poll's brands: the next coding stores a frame with it, keeping the learnt alias
    async with pool.acquire() as conn:
        brands = [{**b, "aliases": ["Strider"]} if b["id"] == "stride" else b for b in BRANDS]
        await polls_store.update_poll(conn, world.poll_id, {"brands": brands})
    third = await walk(
        client, entry(world.wave_id, "P-3"), persona=Persona(unaided=("Strider", "zoomerz")), seed=3
    )
    assert third.exit_url is not None and exit_parts(third.exit_url)[0] == "complete"
    latest = (await _coding(pool, world.wave_id))[-1]
    assert latest["frame_version"] == 3 and latest["coded"] == [["stride"], ["velo"]]
    review = await (await client.get(url, headers=auth)).json()
    assert review["frame_version"] == 3 and review["learned_aliases"] == [
        {"alias": "zoomerz", "brand": "velo"}
    ]
