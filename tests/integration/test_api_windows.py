"""Rolling-window scores over the API: windows of N published waves pooled and re-weighted as one sample, the
change against the previous non-overlapping window, JSON and CSV, pages and the window ending at a wave."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import asyncpg
import pytest

from recognition.settings import Settings
from recognition.store import polls as polls_store
from recognition.store import waves as waves_store
from tests.integration.api_support import SLOT, World, api_client, make_world, problem, publish_simulated_wave

N = 150  # an effective base above statistics.suppress_below in a single wave


async def _four_waves(pool: asyncpg.Pool, settings: Settings) -> tuple[World, list[int]]:
    world = await make_world(pool, settings, sample_size=N)
    ids = [world.wave_id]
    async with pool.acquire() as conn:
        poll = await polls_store.get_poll(conn, world.poll_id)
    assert poll is not None
    for week in (1, 2, 3):
        async with pool.acquire() as conn:
            wave, _ = await waves_store.create_wave(conn, poll.id, SLOT + timedelta(weeks=week), N)
        await publish_simulated_wave(pool, settings, poll, wave.id, N)
        ids.append(wave.id)
    return world, ids


async def test_window_scores_pool_waves_and_compare_non_overlapping_windows(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    world, ids = await _four_waves(pool, settings)
    async with api_client(settings, pool) as (client, _):
        url = f"/api/v1/polls/{world.poll_id}/scores?metric=aided&brand=acme"
        resp = await client.get(url + "&window=2", headers=world.auth("reader"))
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        assert body["window"] == 2 and body["next_cursor"] is None
        items = body["items"]
        assert [i["wave_id"] for i in items] == ids[1:]
        assert [i["window_waves"] for i in items] == [ids[0:2], ids[1:3], ids[2:4]]
        assert [i["previous_window_waves"] for i in items] == [[], [], ids[0:2]]
        first, _, last = (i["estimates"][0] for i in items)
        assert first["n"] == 2 * N and last["n"] == 2 * N
        assert first["change"] is None
        assert last["change"] == pytest.approx(last["estimate"] - first["estimate"])
        assert 0 <= last["p_value"] <= last["q_value"] <= 1 and isinstance(last["significant"], bool)
        assert first["ci_low"] < first["estimate"] < first["ci_high"]

        # the pooled sample, re-weighted as one, lands near the waves' own figures
        single = await (await client.get(url, headers=world.auth("reader"))).json()
        assert single["window"] == 1
        own = [w["estimates"][0]["estimate"] for w in single["items"]]
        assert abs(first["estimate"] - (own[0] + own[1]) / 2) < 0.05
        assert [w["estimates"][0]["n"] for w in single["items"]] == [N] * 4

        # one window by its last wave; pages of windows
        one = await (
            await client.get(url + f"&window=2&wave_id={ids[3]}", headers=world.auth("reader"))
        ).json()
        assert [i["window_waves"] for i in one["items"]] == [ids[2:4]]
        assert one["items"][0]["estimates"] == items[2]["estimates"]
        page1 = await (await client.get(url + "&window=2&limit=2", headers=world.auth("reader"))).json()
        assert [i["wave_id"] for i in page1["items"]] == ids[1:3] and page1["next_cursor"]
        page2 = await (
            await client.get(
                url + f"&window=2&limit=2&cursor={page1['next_cursor']}", headers=world.auth("reader")
            )
        ).json()
        assert [i["wave_id"] for i in page2["items"]] == ids[3:] and page2["next_cursor"] is None

        # CSV: one row per window × estimate, with the pooled and the previous waves
        text = await (await client.get(url + "&window=2&format=csv", headers=world.auth("reader"))).text()
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["window_waves"] for r in rows] == [f"{a};{b}" for a, b in zip(ids, ids[1:], strict=False)]
        assert rows[2]["previous_window_waves"] == f"{ids[0]};{ids[1]}"
        assert float(rows[2]["change"]) == pytest.approx(last["change"])

        # too few published waves for a window of four and a previous one: one window, no change
        four = await (await client.get(url + "&window=4", headers=world.auth("reader"))).json()
        assert [i["window_waves"] for i in four["items"]] == [ids]
        assert four["items"][0]["estimates"][0]["change"] is None
        bad = await problem(await client.get(url + "&window=13", headers=world.auth("reader")), 400)
        assert bad["errors"][0]["field"] == "window"
