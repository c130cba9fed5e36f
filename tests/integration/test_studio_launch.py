""" "Launch a wave now" on the studio's fieldwork page: the whole app on loopback with the simulated provider over
HTTP. The confirm step says what the launch buys; the confirmed form runs the API's launch operation with the
form's launch token as its Idempotency-Key, so the same form sent twice buys one wave; a viewer sees no button
and is refused; a wave already in flight is refused in the API's words."""

from __future__ import annotations

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from recognition.settings import Settings
from recognition.store import orgs
from tests.integration.dashboard_support import csrf_of, sign_in
from tests.integration.field_support import field
from tests.integration.test_wave_control import _app, _setup


async def _waves(pool: asyncpg.Pool, poll_id: int) -> list[int]:
    async with pool.acquire() as conn:
        return [r["id"] for r in await conn.fetch("SELECT id FROM waves WHERE poll_id = $1", poll_id)]


def _token(html: str) -> str:
    marker = 'name="launch_token" value="'
    assert marker in html, "the confirm page has no launch token"
    return html.split(marker, 1)[1].split('"', 1)[0]


async def test_an_editor_launches_one_wave_and_a_second_is_refused_in_the_apis_words(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    poll_id, editor = await _setup(pool, 5000)
    async with field(pool, settings, rate=20) as fw, TestClient(TestServer(_app(pool, fw))) as client:
        assert (await sign_in(client, editor)).status == 303
        listing = await (await client.get(f"/studio/trackers/{poll_id}/fieldwork")).text()
        assert f'href="/studio/trackers/{poll_id}/launch"' in listing and "Launch a wave now" in listing

        confirm = await client.get(f"/studio/trackers/{poll_id}/launch")
        html = await confirm.text()
        assert confirm.status == 200, html
        # 5000 completes at the tracker's 2.00 a complete (the simulated provider quotes no price)
        assert "A wave of 5000 completes is bought from simulated" in html
        assert "starts within seconds" in html
        form = {"csrf": csrf_of(html), "launch_token": _token(html)}
        url = f"/studio/trackers/{poll_id}/launch"
        first = await client.post(url, data=form, allow_redirects=False)
        again = await client.post(url, data=form, allow_redirects=False)  # the same form, sent twice
        assert first.status == again.status == 303
        assert first.headers["Location"] == again.headers["Location"]
        (wave_id,) = await _waves(pool, poll_id)
        assert first.headers["Location"] == f"/studio/waves/{wave_id}?done=launch"
        monitor = await (await client.get(first.headers["Location"])).text()
        assert "The wave is launched" in monitor

        # a new confirm page is a new launch: refused while the first wave is in flight, in the API's words
        html = await (await client.get(url)).text()
        refused = await client.post(
            url, data={"csrf": csrf_of(html), "launch_token": _token(html)}, allow_redirects=False
        )
        text = await refused.text()
        assert refused.status == 409, text
        assert f"The wave was not launched: poll {poll_id} already has wave {wave_id} in flight" in text
        assert await _waves(pool, poll_id) == [wave_id]

        # a form without its token or its CSRF token buys nothing
        missing = await client.post(url, data={"csrf": csrf_of(html)}, allow_redirects=False)
        assert missing.status == 400 and "no launch token" in await missing.text()
        forged = await client.post(url, data={"launch_token": "x"}, allow_redirects=False)
        assert forged.status == 403
        assert await _waves(pool, poll_id) == [wave_id]
    async with pool.acquire() as conn:
        actions = await conn.fetch("SELECT action FROM audit_log WHERE action = 'wave.launch'")
    assert len(actions) == 1


async def test_a_viewer_sees_no_launch_button_and_is_refused(settings: Settings, pool: asyncpg.Pool) -> None:
    poll_id, _ = await _setup(pool, 5000)
    async with pool.acquire() as conn:
        org = await conn.fetchval("SELECT organisation_id FROM polls WHERE id = $1", poll_id)
        viewer, _ = await orgs.create_key(conn, org, "viewer")
    async with field(pool, settings, rate=20) as fw, TestClient(TestServer(_app(pool, fw))) as client:
        assert (await sign_in(client, viewer)).status == 303
        listing = await (await client.get(f"/studio/trackers/{poll_id}/fieldwork")).text()
        assert "Launch a wave now" not in listing and f"/studio/trackers/{poll_id}/launch" not in listing
        confirm = await client.get(f"/studio/trackers/{poll_id}/launch")
        assert confirm.status == 403 and "needs the editor role" in await confirm.text()
        post = await client.post(
            f"/studio/trackers/{poll_id}/launch",
            data={"csrf": csrf_of(listing), "launch_token": "mine"},
            allow_redirects=False,
        )
        assert post.status == 403, await post.text()
        assert await _waves(pool, poll_id) == []
