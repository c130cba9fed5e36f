"""The dashboard in headless Chromium, as an executive opens it: ``recognition demo``, an objective, ``recognition
serve``, then the link printed by ``recognition share``. Driven over the DevTools protocol (aiohttp websocket):
no console errors (the Content-Security-Policy would report any inline script or style it blocks), charts,
cards, objectives and the summary present, accessible names, chart text readable on a 390 px phone, tooltips and
brand toggles working, screenshots at 390 and 1280 px of the poll page and the printable summary (written to
``tests/artifacts/``), the printable summary printed by the browser (charts on it, starting on page 1, no share
token anywhere) and the service's own PDF (charts, no token).

Without Chromium the test is skipped, except under CI=true, where a missing browser is a failure.
"""

from __future__ import annotations

import base64
import http.cookiejar
import io
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pypdf
import pytest

from tests.conftest import outside_pytest_tmp
from tests.e2e.browser import ARTIFACTS, Tab, check_png, need_browser
from tests.e2e.test_demo_cli import _env, free_port, run_cli

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # the demo it reads takes minutes


@pytest.fixture(scope="module")
def share_link() -> Iterator[str]:
    need_browser()
    data_dir = outside_pytest_tmp("recognition-test-dash-")
    proc = run_cli(
        "demo",
        "--waves",
        "5",
        "--sample-size",
        "200",
        "--no-serve",
        "--quiet",
        "--data-dir",
        str(data_dir),
        timeout=400,
    )
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


def _pdf_pages(data: bytes, name: str) -> list[str]:
    assert data.startswith(b"%PDF"), f"{name}: not a PDF"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(data)
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


ACCESSIBILITY = """(() => {
  const unnamedImages = [...document.querySelectorAll('[role=img]')].filter(e => !e.getAttribute('aria-label'));
  const unlabelled = [...document.querySelectorAll('select, input:not([type=hidden]), textarea')]
      .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'));
  const buttons = [...document.querySelectorAll('button, a')].filter(e => !e.textContent.trim());
  return {images: unnamedImages.length, controls: unlabelled.length, buttons: buttons.length,
          lang: document.documentElement.lang, h1: document.querySelectorAll('h1').length};
})()"""

CONTENT = """(() => {
  const visible = [...document.querySelectorAll('figure.chart svg')].filter(s => s.getBoundingClientRect().width > 200);
  const texts = visible.flatMap(s => [...s.querySelectorAll('text')]).map(t => t.getBoundingClientRect().height)
      .filter(h => h > 0);
  return {
    charts: visible.filter(s => s.querySelectorAll('path, line, polyline, rect').length > 5).length,
    smallestText: Math.min(...texts),
    tiles: [...document.querySelectorAll('.tile h3')].map(h => h.textContent),
    values: [...document.querySelectorAll('.tile .value')].map(v => v.textContent),
    objective: document.querySelector('.objectives tbody tr')?.textContent || '',
    summary: [...document.querySelectorAll('ol.summary li')].map(li => li.textContent.trim()),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    logo: document.querySelector('.bar .brand').getAttribute('href'),
    html: document.documentElement.outerHTML,
  };
})()"""

INSIGHT = """(() => {
  const first = document.getElementById('drivers').getBoundingClientRect();
  const last = document.getElementById('mental-availability').getBoundingClientRect();
  const charts = [...document.querySelectorAll('#drivers figure.chart, #image-map figure.chart')].length;
  return {top: first.top + window.scrollY, height: last.bottom - first.top, charts};
})()"""

LAYERS = """(() => {
  const svg = name => document.getElementById('cap-' + name).closest('figure').querySelector('.chart-wide svg');
  const labels = [...svg('position_map').querySelectorAll('text')].slice(1).map(t => t.getBBox());
  const overlapping = [];
  labels.forEach((a, i) => labels.slice(i + 1).forEach((b, j) => {
    if (a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5
        && b.y < a.y + a.height - 0.5) overlapping.push([i, i + 1 + j]);
  }));
  const trend = svg('brand_trend');
  return {labels: labels.length, overlapping,
          smoothed: trend.querySelectorAll('.series.smoothed polyline').length,
          legend: [...trend.querySelectorAll('.legend-item')].map(l => l.textContent)};
})()"""

EXPLORE = """(() => {
  const mark = document.querySelector('figure.chart .chart-wide .mark');
  mark.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: 10, clientY: 10}));
  const tip = document.querySelector('.chart-tip')?.textContent || '';
  const legend = [...document.querySelectorAll('figure.chart .chart-wide .legend-item')][1];
  legend.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  const id = legend.getAttribute('data-series');
  const off = legend.closest('figure').querySelector('.chart-wide .series[data-series="' + id + '"]')
      .classList.contains('off');
  return {tip, off, pressed: legend.getAttribute('aria-pressed')};
})()"""


async def _shot(page: Tab, url: str, width: int, height: int, name: str) -> dict:
    await page.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500},
    )
    await page.goto(url)
    content: dict = await page.evaluate(CONTENT)
    shot = await page.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    check_png(base64.b64decode(shot["data"]), name, width)
    return content


async def test_share_link_opens_the_dashboard(share_link: str, page: Tab) -> None:
    token = share_link.rsplit("/", 1)[1]
    content = await _shot(page, share_link, 1280, 900, "poll-1280")
    assert content["charts"] >= 5, {k: v for k, v in content.items() if k != "html"}
    assert {
        "Unaided awareness",
        "Top of mind",
        "Aided awareness",
        "Consideration",
        "Preference",
        "NPS",
    } <= set(content["tiles"])
    assert any(t.startswith("Image: ") for t in content["tiles"])  # image results shown
    assert all(v.endswith("%") or v.lstrip("\u2212").isdigit() for v in content["values"]), content["values"]
    assert "Aided at least 97%" in content["objective"] and "breached" in content["objective"]
    assert content["summary"][0].startswith("breached") and "Objective breached" in content["summary"][0]
    assert any(s.startswith("No significant change in") for s in content["summary"])
    assert token not in content["html"] and content["logo"].startswith("/shared/")
    assert "customer=non" not in content["html"].split('id="f-segment"')[0]  # no raw segment codes
    assert await page.evaluate(ACCESSIBILITY) == {
        "images": 0,
        "controls": 0,
        "buttons": 0,
        "lang": "en",
        "h1": 1,
    }
    explored = await page.evaluate(EXPLORE)
    assert "%" in explored["tip"] and explored["off"] and explored["pressed"] == "false"

    # Where users look beyond the shares, from the first demo on: key drivers, the image map, mental availability
    # (the demo asks its buying situations), how much service is too much (its service features), modelled segments.
    for caption in ("cap-drivers_consider", "cap-drivers_prefer", "cap-position_map"):
        assert f'id="{caption}"' in content["html"], caption
    assert '<table class="mental">' in content["html"] and "From 5 category entry points" in content["html"]
    assert (
        '<table class="service">' in content["html"] and "do not promise" in content["html"]
    )  # service features
    assert '<span class="tag">modelled</span>' in content["html"]
    # The image map's labels, measured by the browser, overlap none; the brand trend carries the own brand's
    # smoothed line as a second, labelled layer beside the raw series.
    layers = await page.evaluate(LAYERS)
    assert layers["labels"] >= 6 and layers["overlapping"] == [], layers
    assert layers["smoothed"] >= 1 and "smoothed (local level)" in layers["legend"], layers
    # The summary tells what goes with consideration where the drivers say so clearly (the demo's do).
    assert any(" goes with consideration" in s and "explained variance" in s for s in content["summary"])
    box = await page.evaluate(INSIGHT)
    assert box["height"] > 600 and box["charts"] == 3, box
    clip = {"x": 0, "y": box["top"], "width": 1280, "height": box["height"], "scale": 1}
    shot = await page.send(
        "Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True}
    )
    check_png(base64.b64decode(shot["data"]), "poll-insight-1280", 1280)

    # On a phone the page reflows without sideways scrolling, and chart text stays readable.
    shared = share_link.split("/share/")[0] + "/shared/1"
    phone = await _shot(page, shared + "?segment=customer%3Dnon&window=3", 390, 844, "poll-390")
    assert phone["charts"] >= 4 and phone["overflow"] <= 1, {k: v for k, v in phone.items() if k != "html"}
    assert phone["smallestText"] >= 9, phone["smallestText"]
    assert "Potential customers" in phone["html"]

    # The printable summary, on a desktop and a phone, then printed by the browser with its header and footer.
    summary = await _shot(page, shared + "/summary", 1280, 900, "summary-1280")
    assert summary["charts"] >= 2 and len(summary["summary"]) >= 2
    assert (await _shot(page, shared + "/summary", 390, 844, "summary-390"))["overflow"] <= 1
    printed = await page.send(
        "Page.printToPDF",
        {"printBackground": False, "displayHeaderFooter": True, "preferCSSPageSize": True},
    )
    pages = _pdf_pages(base64.b64decode(printed["data"]), "summary-printed")
    assert "summary" in pages[0] and "Objective breached" in pages[0]  # starts on page 1
    assert "awareness to preference" in "".join(pages) and "by brand" in "".join(pages)  # charts printed
    assert all(token not in p for p in pages)
    assert page.errors() == []


def test_pdf_download_has_the_charts_and_no_token(share_link: str) -> None:
    token = share_link.rsplit("/", 1)[1]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(share_link, timeout=60) as resp:
        assert resp.status == 200 and token not in resp.url
    with opener.open(share_link.split("/share/")[0] + "/shared/1/summary.pdf", timeout=60) as resp:
        assert resp.headers["Content-Type"] == "application/pdf"
        data = resp.read()
    pages = _pdf_pages(data, "summary-download")
    text = "".join(pages)
    assert "Sportswear brand tracker: summary" in pages[0] and "Objective breached" in pages[0]
    assert "awareness to preference" in text and "by brand" in text and "this wave" in text  # the charts
    assert token not in text and token.encode() not in data
