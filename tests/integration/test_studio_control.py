"""Pause, resume and cancel confirmed on the studio's fieldwork monitor reach the provider's project: the whole
app on loopback, the simulated provider over HTTP and its respondents taking the hosted survey; each action is
written to the audit log as the API writes it."""

from __future__ import annotations

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from recognition.settings import Settings
from tests.integration.dashboard_support import csrf_of, sign_in
from tests.integration.field_support import field
from tests.integration.test_fieldwork import book_of
from tests.integration.test_wave_control import _app, _eventually, _setup


async def test_pause_resume_and_cancel_confirmed_on_the_page_reach_the_provider(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    poll_id, editor = await _setup(pool, 5000)
    async with field(pool, settings, rate=20) as fw, TestClient(TestServer(_app(pool, fw))) as client:
        auth = {"Authorization": f"Bearer {editor}"}
        wave_id = (await (await client.post(f"/api/v1/polls/{poll_id}/waves", headers=auth)).json())["id"]

        async def state() -> str:
            return str((await (await client.get(f"/studio/waves/{wave_id}/live")).json())["state"])

        assert (await sign_in(client, editor)).status == 303

        async def fielding() -> bool:
            detail = await (await client.get(f"/api/v1/waves/{wave_id}", headers=auth)).json()
            return detail["wave"]["state"] == "fielding" and bool(
                (detail["fieldwork"] or {}).get("project_id")
            )

        await _eventually(fielding)
        book = book_of(fw.sim, fw.settings, wave_id)
        assert book is not None

        async def confirm(action: str, *words: str) -> None:
            page = await client.get(f"/studio/waves/{wave_id}/confirm?action={action}")
            html = await page.text()
            assert page.status == 200, html
            for word in words:
                assert word in html, (action, word)
            done = await client.post(
                f"/studio/waves/{wave_id}/{action}", data={"csrf": csrf_of(html)}, allow_redirects=False
            )
            assert done.status == 303 and done.headers["Location"] == f"/studio/waves/{wave_id}?done={action}"

        monitor = await (await client.get(f"/studio/waves/{wave_id}")).text()
        assert f"/studio/waves/{wave_id}/confirm?action=pause" in monitor
        await confirm("pause", "Respondents already in the survey can finish", "You can resume")
        await _eventually(lambda: book.status == "paused")
        monitor = await (await client.get(f"/studio/waves/{wave_id}?done=pause")).text()
        assert "Pause requested" in monitor and "/confirm?action=resume" in monitor
        await confirm("resume", "send respondents again")
        await _eventually(lambda: book.status == "live")
        await _eventually(lambda: len(book.completed) >= 3)
        await confirm("cancel", "cannot be resumed", "leave as over quota", "is billed")
        assert await state() == "cancelled"
        await _eventually(lambda: book.status == "closed", seconds=10)
    async with pool.acquire() as conn:
        actions = [
            r["action"]
            for r in await conn.fetch(
                "SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id", str(wave_id)
            )
        ]
    assert actions[-3:] == ["wave.pause", "wave.resume", "wave.cancel"]
