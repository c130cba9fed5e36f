"""Headless Chromium for the browser tests, driven over the Chrome DevTools Protocol (a websocket; no Node).

``open_tab()`` starts Debian's ``chromium`` with a fresh profile and yields one attached :class:`Tab`. Under
``CI=true`` a missing browser fails the test; elsewhere it is skipped.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import itertools
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image

#: Where browser tests write their screenshots and printouts.
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
)


def need_browser() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (CI=true): install Debian's chromium package")
        pytest.skip("chromium is not installed")
    return path


class Tab:
    """One browser tab: protocol commands, page loads, and the errors the page reported."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.session: str | None = None
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.loaded = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            data = json.loads(msg.data)
            if "id" in data and data["id"] in self.pending:
                self.pending.pop(data["id"]).set_result(data)
            else:
                self.events.append(data)
                if data.get("method") == "Page.loadEventFired":
                    self.loaded.set()

    async def send(
        self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False
    ) -> dict[str, Any]:
        msg_id = next(self.ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if not browser and self.session:
            message["sessionId"] = self.session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = future
        await self.ws.send_str(json.dumps(message))
        reply = await asyncio.wait_for(future, 60)
        if "error" in reply:
            raise AssertionError(f"{method}: {reply['error']}")
        return reply.get("result", {})  # type: ignore[no-any-return]

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    async def goto(self, url: str) -> None:
        self.loaded.clear()
        await self.send("Page.navigate", {"url": url})
        await asyncio.wait_for(self.loaded.wait(), 30)

    async def navigate_by(self, action: str) -> None:
        """Run the JS ``action`` that triggers a navigation, and wait for the new page to load."""
        self.loaded.clear()
        await self.evaluate(action)
        await asyncio.wait_for(self.loaded.wait(), 30)

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads the page reported so far."""
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(str(params.get("exceptionDetails", {}).get("text")))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(str(params.get("args")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(str(params["entry"].get("text")) + " " + str(params["entry"].get("url", "")))
        return found


@contextlib.asynccontextmanager
async def open_tab() -> AsyncIterator[Tab]:
    """A fresh headless Chromium with one attached tab (Page, Runtime and Log events on); stopped afterwards."""
    binary = need_browser()
    profile = tempfile.mkdtemp(prefix="recognition-chromium-")
    proc = await asyncio.create_subprocess_exec(
        binary,
        *FLAGS,
        f"--user-data-dir={profile}",
        "--remote-debugging-port=0",
        "about:blank",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        active = Path(profile) / "DevToolsActivePort"  # "port\n/devtools/browser/<id>" once it listens
        url = None
        for _ in range(300):
            lines = active.read_text().split() if active.is_file() else []
            if len(lines) >= 2:
                url = f"ws://127.0.0.1:{lines[0]}{lines[1]}"
                break
            await asyncio.sleep(0.1)
        assert url, "chromium did not report its DevTools address"
        async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
            tab = Tab(ws)
            target = await tab.send("Target.createTarget", {"url": "about:blank"}, browser=True)
            attached = await tab.send(
                "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, browser=True
            )
            tab.session = attached["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                await tab.send(f"{domain}.enable")
            try:
                yield tab
            finally:
                tab.reader.cancel()
    finally:
        if proc.returncode is None:
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


def check_png(data: bytes, name: str, width: int, min_bytes: int = 30_000) -> None:
    """Assert ``data`` is a real screenshot ``width`` px wide (less a scrollbar) of at least ``min_bytes`` (a
    sparse page, e.g. a survey screen of a few lines, compresses smaller), not nearly blank; write it to
    :data:`ARTIFACTS` as ``name``.png."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > min_bytes, f"{name}: not a real screenshot"
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert width - 20 <= image.width <= width  # less a scrollbar
    colours = image.resize((64, 64)).getcolors(64 * 64)
    assert colours is not None and len(colours) > 20, f"{name}: the screenshot is nearly blank"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.png").write_bytes(data)


# --- driving a page as a user would ---------------------------------------------------------------------------


async def until(tab: Tab, expression: str, what: str = "", seconds: float = 15) -> Any:
    """The value of ``expression`` once it is truthy (the page fetches as it goes); fails after ``seconds``."""
    for _ in range(int(seconds * 10)):
        value = await tab.evaluate(expression)
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"the page never showed {what or expression}")


async def type_into(tab: Tab, selector: str, text: str) -> None:
    """Focus the field, clear it and type ``text`` as keystrokes would insert it."""
    await tab.evaluate(
        f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); e.value = ''; }})()"
    )
    await tab.send("Input.insertText", {"text": text})


async def choose(tab: Tab, selector: str, value: str) -> None:
    """Set a field (a select's option) and fire the events a user's choice fires."""
    await tab.evaluate(
        f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.value = {json.dumps(value)};"
        " e.dispatchEvent(new Event('input', {bubbles: true}));"
        " e.dispatchEvent(new Event('change', {bubbles: true})); })()"
    )


async def viewport(tab: Tab, width: int) -> None:
    """A phone's (under 500 px) or a desktop's screen ``width`` px wide."""
    await tab.send(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": 844 if width < 500 else 900,
            "deviceScaleFactor": 1,
            "mobile": width < 500,
        },
    )
    await asyncio.sleep(0.2)


async def shoot(tab: Tab, name: str, width: int, min_bytes: int = 30_000) -> None:
    """A screenshot of the whole page at ``width`` px, which must not scroll sideways (see :func:`check_png`)."""
    await viewport(tab, width)
    overflow = await tab.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page is {overflow} px wider than the screen"
    shot = await tab.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    check_png(base64.b64decode(shot["data"]), name, width, min_bytes)


async def sign_in(tab: Tab, base: str, key: str, path: str = "/studio") -> None:
    """Open ``path`` signed out, be sent to the sign-in form, sign in with ``key`` and be back at ``path``."""
    await tab.goto(base + path)
    assert "/dashboard/login" in await tab.evaluate("location.pathname")
    await choose(tab, "#api_key", key)
    await tab.navigate_by("document.querySelector('form.login').submit()")
    where = await tab.evaluate("location.pathname + location.search + ' ' + document.body.innerText")
    assert where.startswith(path + " "), where


# --- the studio's editor --------------------------------------------------------------------------------------

#: What the editor's plan says it is for, once it has one.
PLAN_N = "((document.querySelector('#plan .plan-n') || {}).textContent || '')"


async def plan_for(tab: Tab, n: int) -> None:
    """Type ``n`` completes per wave and wait for the plan of ``n``."""
    await type_into(tab, "#f-sample-size", str(n))
    await until(tab, f"{PLAN_N} === 'With {n} completes per wave:'", f"the plan for {n} completes")


async def open_new_tracker(tab: Tab) -> None:
    """From the tracker list, "New tracker", until its first plan is shown."""
    await tab.navigate_by("document.querySelector('a.button.primary').click()")
    assert await tab.evaluate("location.pathname") == "/studio/trackers/new"
    await until(tab, PLAN_N, "the first plan")


async def fill_german_tracker(tab: Tab) -> None:
    """The editor's steps for a German tracker (population de, language de): its name and category, two brands
    (Nordlauf, with aliases, and Sprintwerk) and her own image attribute "Grip" / "Griffigkeit"."""
    await type_into(tab, "#f-name", "Laufschuhe DE")
    await type_into(tab, "#f-category-de", "Laufschuhe")
    await type_into(tab, "#brand-rows li:nth-child(1) .brand-name", "Nordlauf")
    await type_into(tab, "#brand-rows li:nth-child(1) .brand-aliases", "Nordlaufschuhe, nordluaf")
    await type_into(tab, "#brand-rows li:nth-child(2) .brand-name", "Sprintwerk")
    await choose(tab, "#f-population", "de")
    await choose(tab, "#f-language", "de")
    await tab.evaluate("document.getElementById('add-attribute').click()")
    await type_into(tab, "#attribute-rows li .attr-en", "Grip")
    await type_into(tab, "#attribute-rows li .attr-de", "Griffigkeit")


async def _rows(tab: Tab, list_id: str) -> int:
    return int(await tab.evaluate(f"document.getElementById('{list_id}').children.length"))


async def add_entry_point(tab: Tab, english: str, german: str) -> str:
    """Add a buying situation worded in English and German; the selector of its row."""
    await tab.evaluate("document.getElementById('add-entry-point').click()")
    assert await tab.evaluate("document.activeElement.classList.contains('ep-wording')")  # focus moves in
    row = f"#entry-point-rows li:nth-child({await _rows(tab, 'entry-point-rows')})"
    await type_into(tab, f"{row} .ep-wording[data-lang=en]", english)
    await type_into(tab, f"{row} .ep-wording[data-lang=de]", german)
    return row


async def add_objective(tab: Tab, metric: str, brand: str, limit: str) -> str:
    """Add an objective row (``limit`` as typed: % or NPS points); the selector of its row."""
    await tab.evaluate("document.getElementById('add-objective').click()")
    row = f"#objective-rows li:nth-child({await _rows(tab, 'objective-rows')})"
    await choose(tab, f"{row} .obj-metric", metric)
    await tab.evaluate(f"document.querySelector('{row} .obj-brand').dispatchEvent(new Event('focus'))")
    await choose(tab, f"{row} .obj-brand", brand)
    await type_into(tab, f"{row} .obj-threshold", limit)
    return row
