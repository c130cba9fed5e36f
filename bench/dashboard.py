"""Dashboard page views under load: a two-year weekly tracker against a bare aiohttp handler serving the same bytes.

    python bench/dashboard.py [--waves 104] [--brands 12] [--viewers 20] [--requests 2000] [--json]

Builds a tracker of ``--waves`` published weekly waves × ``--brands`` brands × every metric (8 brand metrics and 4
image attributes) × 20 segments straight into the store (``tests/integration/tracker_world.py``; about 250,000
figures for the defaults), serves it with ``recognition serve`` in its own process, opens a share link, and has
``--viewers`` concurrent readers load the poll's page (four views: the page, a segment, another metric, the
printable summary) ``--requests`` times in all. Then a bare aiohttp server in its own process serves the bytes of
the same four pages and the same readers load them again. Reported: page views per second, p50/p95/p99 latency
for both, the ratio, and the first (uncached) view of each page. Target: p95 under 250 ms at 20 viewers on a
2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recognition.db import database  # noqa: E402
from recognition.settings import ensure_data_dir, load_settings  # noqa: E402
from tests.integration.tracker_world import make_tracker  # noqa: E402

BARE = """
import sys
from aiohttp import web
pages = {}
for i, path in enumerate(sys.argv[2:]):
    pages[path] = open(path, "rb").read()
bodies = list(pages.values())
async def handle(request):
    return web.Response(body=bodies[int(request.match_info["i"])], content_type="text/html")
app = web.Application()
app.router.add_get("/page/{i}", handle)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_up(url: str, proc: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(url) as resp:
                    if resp.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server at {url} did not start")
            await asyncio.sleep(0.3)


async def load(
    urls: list[str], viewers: int, requests: int, cookies: dict[str, str], limit_s: float = 120
) -> dict[str, float]:
    """``viewers`` concurrent readers, ``requests`` page views in all (cycling over ``urls``), at most
    ``limit_s`` seconds: views per second and latency percentiles in milliseconds."""
    latencies: list[float] = []
    counter = iter(range(requests))
    deadline = time.monotonic() + limit_s
    sizes: list[int] = []

    async def reader(http: aiohttp.ClientSession) -> None:
        for k in counter:
            if time.monotonic() > deadline:
                return
            t = time.perf_counter()
            async with http.get(urls[k % len(urls)]) as resp:
                body = await resp.read()
                assert resp.status == 200, (resp.status, urls[k % len(urls)])
            latencies.append(time.perf_counter() - t)
            sizes.append(len(body))

    connector = aiohttp.TCPConnector(limit=viewers)
    async with aiohttp.ClientSession(connector=connector, cookies=cookies) as http:
        start = time.perf_counter()
        await asyncio.gather(*(reader(http) for _ in range(viewers)))
        elapsed = time.perf_counter() - start
    ms = np.asarray(latencies) * 1000
    return {
        "views": len(latencies),
        "views_per_s": len(latencies) / elapsed,
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "p99_ms": float(np.percentile(ms, 99)),
        "mean_bytes": float(np.mean(sizes)),
    }


async def build(data_dir: Path, waves: int, brands: int) -> float:
    settings = ensure_data_dir(load_settings(env={}, overrides={"data_dir": str(data_dir)}))
    start = time.perf_counter()
    async with database(settings) as pool:
        await make_tracker(pool, waves=waves, brands=brands, org="bench")
    return time.perf_counter() - start


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A server process of its own (quiet), so it and the readers do not share one core."""
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cli(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "recognition", *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return proc.stdout


async def main(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="recognition-bench-dash-"))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        built = await build(data_dir, args.waves, args.brands)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        # Only the dashboard is measured: no alert sweep (it would evaluate all the waves at start) and no
        # schedules in the served instance.
        env = {
            **os.environ,
            "RECOGNITION_LOGGING_LEVEL": "warning",
            "RECOGNITION_ALERTS_ENABLED": "false",
            "RECOGNITION_SCHEDULING_ENABLED": "false",
        }
        server = start(
            sys.executable,
            "-m",
            "recognition",
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            env=env,
        )
        procs.append(server)
        await wait_up(f"{base}/healthz", server)
        link = cli("share", "1", "--days", "1", "--base-url", base, "--data-dir", str(data_dir)).strip()
        token = link.rsplit("/", 1)[1]
        paths = [
            "/shared/1",
            "/shared/1?segment=customer%3Dnon",
            "/shared/1?metric=consider",
            "/shared/1/summary",
        ]
        cold: list[float] = []
        pages: list[Path] = []
        cookies = {"recognition_share": token}
        async with aiohttp.ClientSession(cookies=cookies) as http:
            t = time.perf_counter()
            async with http.get(f"{base}/share/{token}") as resp:  # the link, redirected to its first page
                assert resp.status == 200
                await resp.read()
            first = (time.perf_counter() - t) * 1000
            for i, p in enumerate(paths):
                t = time.perf_counter()
                async with http.get(base + p) as resp:
                    body = await resp.read()
                    assert resp.status == 200, (p, resp.status)
                cold.append(first if i == 0 else (time.perf_counter() - t) * 1000)
                page = data_dir / f"page{i}.html"
                page.write_bytes(body)
                pages.append(page)
        service = await load([base + p for p in paths], args.viewers, args.requests, cookies)
        bare_port = free_port()
        bare = start(sys.executable, "-c", BARE, str(bare_port), *map(str, pages))
        procs.append(bare)
        bare_base = f"http://127.0.0.1:{bare_port}"
        await wait_up(f"{bare_base}/page/0", bare)
        baseline = await load(
            [f"{bare_base}/page/{i}" for i in range(len(paths))], args.viewers, args.requests, {}
        )
        return {
            "waves": args.waves,
            "brands": args.brands,
            "viewers": args.viewers,
            "build_s": built,
            "first_view_ms": dict(zip(paths, cold, strict=True)),
            "service": service,
            "bare_aiohttp": baseline,
            "p95_ratio": service["p95_ms"] / baseline["p95_ms"],
            "throughput_ratio": baseline["views_per_s"] / service["views_per_s"],
            "target_p95_ms": 250,
        }
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


def report(r: dict[str, Any]) -> str:
    s, b = r["service"], r["bare_aiohttp"]
    lines = [
        f"Dashboard under load: {r['waves']} weekly waves × {r['brands']} brands × all metrics and segments, "
        f"{r['viewers']} concurrent viewers (tracker written in {r['build_s']:.0f} s)",
        "first (uncached) view: " + ", ".join(f"{p} {ms:.0f} ms" for p, ms in r["first_view_ms"].items()),
        f"{'':22}{'views/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}",
        f"{'recognition':22}{s['views_per_s']:>10.0f}{s['p50_ms']:>10.1f}{s['p95_ms']:>10.1f}{s['p99_ms']:>10.1f}",
        f"{'bare aiohttp':22}{b['views_per_s']:>10.0f}{b['p50_ms']:>10.1f}{b['p95_ms']:>10.1f}{b['p99_ms']:>10.1f}",
        f"ratio: p95 {r['p95_ratio']:.1f}× the bare handler's, throughput {r['throughput_ratio']:.1f}× lower; "
        f"target p95 < {r['target_p95_ms']} ms: {'met' if s['p95_ms'] < r['target_p95_ms'] else 'NOT met'} "
        f"(pages of {s['mean_bytes'] / 1024:.0f} KiB on average)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--waves", type=int, default=104)
    parser.add_argument("--brands", type=int, default=12)
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    result = asyncio.run(main(arguments))
    print(json.dumps(result, indent=2) if arguments.json else report(result))
