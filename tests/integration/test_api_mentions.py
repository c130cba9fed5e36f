"""Coded-mention review and recode over the API: unmatched fragments with counts, a recode in a new frame
version that re-codes the answers, reprocesses the published wave (its unaided estimate follows) and is audited."""

from __future__ import annotations

import asyncpg

from recognition.polls.questionnaire import default_frame
from recognition.settings import Settings
from recognition.store import mentions as mentions_store
from recognition.store import polls as polls_store
from tests.integration.api_support import api_client, make_world, problem


async def _type_unaided(pool: asyncpg.Pool, wave_id: int, poll_id: int, count: int) -> list[int]:
    """``count`` respondents of the wave typed "Acme" and "Zoomerz"; their boxes are coded with the frame."""
    async with pool.acquire() as conn:
        poll = await polls_store.get_poll(conn, poll_id)
        assert poll is not None
        frame = await mentions_store.current_frame(conn, poll.id, default_frame(poll))
        ids = [
            r["id"]
            for r in await conn.fetch(
                "SELECT id FROM respondents WHERE wave_id = $1 AND status = 'complete' ORDER BY id LIMIT $2",
                wave_id,
                count,
            )
        ]
        for rid in ids:
            await conn.execute(
                """INSERT INTO answers (respondent_id, question_id, value) VALUES ($1, 'unaided', $2)
                   ON CONFLICT (respondent_id, question_id) DO UPDATE SET value = EXCLUDED.value""",
                rid,
                ["Acme", "Zoomerz"],
            )
            await mentions_store.store_coding(conn, rid, wave_id, ["Acme", "Zoomerz"], frame)
    return ids


async def _unaided_velo(pool: asyncpg.Pool, wave_id: int) -> float:
    async with pool.acquire() as conn:
        value = await conn.fetchval(
            """SELECT estimate FROM estimates WHERE wave_id = $1 AND metric = 'unaided' AND brand = 'velo'
                  AND segment = 'all' AND base = 'total'""",
            wave_id,
        )
    return float(value)


async def test_review_lists_fragments_and_recode_reprocesses(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await make_world(pool, settings)
    async with api_client(settings, pool) as (client, _):
        url = f"/api/v1/polls/{world.poll_id}/mentions"
        empty = await client.get(url, headers=world.auth("viewer"))
        assert empty.status == 200
        assert (await empty.json())["frame_version"] == 1 and (await empty.json())["fragments"] == []

        typed = await _type_unaided(pool, world.wave_id, world.poll_id, 5)
        before = await _unaided_velo(pool, world.wave_id)
        review = await (await client.get(url, headers=world.auth("viewer"))).json()
        assert review["fragments"] == [{"text": "zoomerz", "count": 5}]
        assert review["learned_aliases"] == [] and review["not_brand"] == []
        only_wave = await client.get(f"{url}?wave_id={world.wave_id}&limit=1", headers=world.auth("viewer"))
        assert (await only_wave.json())["fragments"] == [{"text": "zoomerz", "count": 5}]

        forbidden = await client.post(
            url + "/recode", json={"fragment": "Zoomerz", "brand_id": "velo"}, headers=world.auth("viewer")
        )
        await problem(forbidden, 403)
        resp = await client.post(
            url + "/recode", json={"fragment": "Zoomerz", "brand_id": "velo"}, headers=world.auth("editor")
        )
        assert resp.status == 200, await resp.text()
        assert await resp.json() == {
            "frame_version": 2,
            "recoded": 5,
            "affected_waves": [world.wave_id],
            "reprocessed_waves": [world.wave_id],
        }
        after = await (await client.get(url, headers=world.auth("viewer"))).json()
        assert after["frame_version"] == 2 and after["fragments"] == []
        assert after["learned_aliases"] == [{"alias": "zoomerz", "brand": "velo"}]

    # the wave was processed again: those who typed Zoomerz (and had not recalled Velo) now count for Velo
    async with pool.acquire() as conn:
        newly = await conn.fetchval(
            """SELECT count(*) FROM answers WHERE question_id = 'unaided_coded' AND respondent_id = ANY($1)
                  AND value::text LIKE '%velo%'""",
            typed,
        )
        entry = await conn.fetchrow(
            "SELECT action, target_id, details FROM audit_log WHERE action = 'mentions.recode'"
        )
    assert newly == 5
    assert await _unaided_velo(pool, world.wave_id) > before
    assert entry is not None and entry["target_id"] == str(world.poll_id)
    assert entry["details"]["fragment"] == "Zoomerz" and entry["details"]["frame_version"] == 2


async def test_recode_rejects_what_the_frame_cannot_take(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await make_world(pool, settings, sample_size=60)
    async with api_client(settings, pool) as (client, _):
        url = f"/api/v1/polls/{world.poll_id}/mentions/recode"
        editor = world.auth("editor")
        unknown = await problem(
            await client.post(url, json={"fragment": "zoomerz", "brand_id": "nike"}, headers=editor), 422
        )
        assert unknown["errors"][0]["field"] == "brand_id"
        own_name = await problem(
            await client.post(url, json={"fragment": "Stride", "brand_id": "velo"}, headers=editor), 422
        )
        assert own_name["errors"][0]["field"] == "fragment" and "stride" in own_name["detail"]
        missing = await problem(await client.post(url, json={"fragment": "x"}, headers=editor), 400)
        assert missing["errors"] == [{"field": "brand_id", "message": "required"}]
        not_brand = await client.post(url, json={"fragment": "no idea", "brand_id": None}, headers=editor)
        assert not_brand.status == 200
        assert (await not_brand.json())["reprocessed_waves"] == []  # nothing was coded differently
        review = await (
            await client.get(f"/api/v1/polls/{world.poll_id}/mentions", headers=world.auth("viewer"))
        ).json()
        assert review["not_brand"] == ["no idea"] and review["frame_version"] == 2
