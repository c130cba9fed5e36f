"""The dashboard in headless Chromium, as an executive opens it: ``recognition demo``, an objective, ``recognition
serve``, then the link printed by ``recognition share``. Driven over the DevTools protocol (aiohttp websocket):
no console errors, charts, KPIs, objectives and summary present, accessible names, screenshots on a desktop and a
phone that are real pictures, and a printable summary (PDF through the browser's print path).

Without Chromium the test is skipped, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.conftest import outside_pytest_tmp
from tests.e2e.browser import Tab, need_browser, open_tab
from tests.e2e.test_demo_cli import _env, free_port, run_cli

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ.get("RECOGNITION_TEST_SCREENSHOTS", tempfile.gettempdir())) / "recognition-dashboard"


@pytest.fixture(scope="module")
def share_link() -> Iterator[str]:
    need_browser()
    data_dir = outside_pytest_tmp("recognition-test-dash-")
    proc = run_cli("demo", "--waves", "6", "--no-serve", "--quiet", "--data-dir", str(data_dir), timeout=300)
    assert proc.returncode == 0, proc.stderr
    proc = run_cli(
        "objective",
        "1",
        "aided",
        "acme",
        "at_least",
        "0.97",
        "--label",
        "Aided at least 97%",
        "--data-dir",
        str(data_dir),
    )
    assert proc.returncode == 0, proc.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "recognition", "serve", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=_env(),
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.3)
        proc = run_cli(
            "share", "1", "--days", "3", "--base-url", f"http://127.0.0.1:{port}", "--data-dir", str(data_dir)
        )
        assert proc.returncode == 0, proc.stderr
        link = proc.stdout.strip().splitlines()[-1]
        assert link.startswith(f"http://127.0.0.1:{port}/share/")
        yield link
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
async def page() -> AsyncIterator[Tab]:
    async with open_tab() as tab:
        yield tab


def _check_png(data: bytes, name: str, width: int) -> None:
    from PIL import Image

    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000, f"{name}: not a real screenshot"
    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert width - 20 <= image.width <= width  # less a scrollbar
    colours = image.resize((64, 64)).getcolors(64 * 64)
    assert colours is not None and len(colours) > 20, f"{name}: the screenshot is nearly blank"
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / f"{name}.png").write_bytes(data)


ACCESSIBILITY = """(() => {
  const unnamedImages = [...document.querySelectorAll('[role=img]')].filter(e => !e.getAttribute('aria-label'));
  const unlabelled = [...document.querySelectorAll('select, input:not([type=hidden]), textarea')]
      .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'));
  const buttons = [...document.querySelectorAll('button, a')].filter(e => !e.textContent.trim());
  return {images: unnamedImages.length, controls: unlabelled.length, buttons: buttons.length,
          lang: document.documentElement.lang, h1: document.querySelectorAll('h1').length};
})()"""

CONTENT = """(() => ({
  charts: [...document.querySelectorAll('figure.chart svg')].filter(s => s.getBoundingClientRect().width > 200
      && s.querySelectorAll('path, line').length > 5).length,
  tiles: [...document.querySelectorAll('.tile h3')].map(h => h.textContent),
  values: [...document.querySelectorAll('.tile .value')].map(v => v.textContent),
  objective: document.querySelector('.objectives tbody tr')?.textContent || '',
  summary: document.querySelectorAll('ol.summary li').length,
  overflow: document.documentElement.scrollWidth - window.innerWidth,
}))()"""


async def test_share_link_opens_the_dashboard(share_link: str, page: Tab) -> None:
    await page.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
    )
    await page.goto(share_link)
    content = await page.evaluate(CONTENT)
    assert content["charts"] >= 4, content
    assert {
        "Unaided awareness",
        "Top of mind",
        "Aided awareness",
        "Consideration",
        "Preference",
        "NPS",
    } <= set(content["tiles"])
    assert all(v.endswith("%") or v.lstrip("-−").isdigit() for v in content["values"]), content["values"]
    assert "Aided at least 97%" in content["objective"] and "breached" in content["objective"]
    assert content["summary"] >= 5
    assert await page.evaluate(ACCESSIBILITY) == {
        "images": 0,
        "controls": 0,
        "buttons": 0,
        "lang": "en",
        "h1": 1,
    }
    shot = await page.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    _check_png(base64.b64decode(shot["data"]), "desktop", 1280)

    # On a phone the page reflows without sideways scrolling, charts included.
    await page.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
    )
    await page.goto(share_link + "?segment=customer%3Dnon&window=3")
    content = await page.evaluate(CONTENT)
    assert content["charts"] >= 3 and content["overflow"] <= 1, content
    shot = await page.send("Page.captureScreenshot", {"format": "png"})
    _check_png(base64.b64decode(shot["data"]), "phone", 390)

    # The printable summary, printed by the browser.
    await page.goto(share_link.replace("/share/", "/share/", 1) + "/summary")
    assert await page.evaluate("document.querySelectorAll('ol.summary li').length") >= 5
    pdf = base64.b64decode((await page.send("Page.printToPDF", {"printBackground": False}))["data"])
    assert pdf.startswith(b"%PDF") and len(pdf) > 5_000
    assert page.errors() == []
