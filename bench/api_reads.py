"""Cached score reads against a bare aiohttp handler, measured in the same run.

    python bench/api_reads.py [--seconds 5] [--concurrency 50] [--json]

Two servers run in turn in a child process, on the same machine, loaded by the same client (``--concurrency``
keep-alive connections from this process, each sending its next request as soon as the last answer arrives):

* **bare**: an aiohttp application with one handler that returns the scores document as fixed bytes;
* **recognition**: the full application (problem, auth, rate-limit, ETag and metrics middlewares, the request
  checks, the response cache) answering ``GET /api/v1/polls/{id}/scores?metric=aided`` for a reader key, on an
  embedded PostgreSQL seeded with one poll of four published waves × six brands × eight metrics × 21 segments.

The client discards one warm-up second, then counts answers and their latencies for ``--seconds``. Printed:
requests per second, p50/p99 latency of each server, and the ratio recognition/bare. Goal: ratio ≥ 0.5 and
recognition p99 < 20 ms at 50 concurrent clients. The client shares the machine, so both figures include its cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BRANDS = [{"id": f"b{i}", "name": f"Brand {i}"} for i in range(6)]
METRICS = ("unaided", "top_of_mind", "aided", "total_awareness", "familiar", "consider", "prefer", "nps")
SEGMENTS = [
    "all",
    *(f"age={a}" for a in ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")),
    *(f"region={r}" for r in ("Northeast", "Midwest", "South", "West")),
    "gender=female",
    "gender=male",
    *(f"education={e}" for e in ("low", "mid", "high")),
    *(f"customer={c}" for c in ("current", "lapsed", "never", "non")),
]


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


async def _seed(url: str) -> tuple[int, str]:
    from recognition.db import connect, migrate
    from recognition.figures import Figure, WeightingRow
    from recognition.store import orgs, polls, waves
    from recognition.store.estimates import replace_wave_results

    conn = await connect(url)
    try:
        await migrate(conn)
        org = await orgs.ensure_organisation(conn, "bench")
        poll = await polls.create_poll(
            conn,
            org,
            name="bench",
            category="c",
            brands=BRANDS,
            own_brand="b0",
            population="us",
            sample_size=1000,
        )
        for w in range(4):
            wave, _ = await waves.create_wave(
                conn, poll.id, datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=7 * w), 1000
            )
            for a, b in (
                ("scheduled", "launching"),
                ("launching", "fielding"),
                ("fielding", "closing"),
                ("closing", "processing"),
                ("processing", "published"),
            ):
                await waves.transition(conn, wave.id, a, b)
            rows = [
                Figure(
                    metric=m,
                    brand=b["id"],
                    segment=s,
                    base="total",
                    kind="proportion",
                    estimate=0.4,
                    se=0.015,
                    ci_low=0.37,
                    ci_high=0.43,
                    ci_method="logit",
                    level=0.95,
                    n=1000,
                    n_eff=800.0,
                    deff=1.25,
                    base_status="ok",
                    change=0.01,
                    change_se=0.02,
                    p_value=0.6,
                    q_value=0.8,
                    significant=False,
                )
                for m in METRICS
                for b in BRANDS
                for s in SEGMENTS
            ]
            await replace_wave_results(
                conn, wave.id, WeightingRow("raking", True, 5, 0.0, 1000, 800.0, 1.25, 0.3, 3.0, []), [], rows
            )
        key, _ = await orgs.create_key(conn, org, "reader")
        return poll.id, key
    finally:
        await conn.close()


def _serve(kind: str, url: str, body: bytes, port_queue: Any, stop: Any) -> None:
    from aiohttp import web

    async def main() -> None:
        pool = None
        if kind == "bare":

            async def handler(request: web.Request) -> web.Response:
                return web.Response(body=body, content_type="application/json")

            app = web.Application()
            app.router.add_get("/scores", handler)
        else:
            from recognition.app import create_app
            from recognition.db import create_pool
            from recognition.settings import load_settings
            from recognition.web.api.limits import RATE_LIMIT

            settings = load_settings(
                env={}, overrides={"database.url": url, "survey.secret": "s" * 64, "logging.level": "warning"}
            )
            pool = await create_pool(url, min_size=2, max_size=10)
            app = create_app(settings, pool=pool)
            app[RATE_LIMIT].rate = app[RATE_LIMIT].burst = 1e9
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port_queue.put(runner.addresses[0][1])
        await asyncio.get_running_loop().run_in_executor(None, stop.wait)
        await runner.cleanup()
        if pool is not None:
            await pool.close()

    asyncio.run(main())


async def _load(name: str, url: str, headers: dict[str, str], seconds: float, concurrency: int) -> Result:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        warm_until = time.perf_counter() + 1.0
        end = warm_until + seconds

        async def worker() -> None:
            nonlocal errors
            while (now := time.perf_counter()) < end:
                async with session.get(url) as resp:
                    await resp.read()
                    ok = resp.status == 200
                done = time.perf_counter()
                if now >= warm_until:
                    latencies.append(done - now)
                    errors += not ok

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return Result(name, len(latencies), seconds, len(latencies) / seconds, pick(0.5), pick(0.99), errors)


def _run_server(
    kind: str, url: str, body: bytes, path: str, headers: dict[str, str], args: argparse.Namespace
) -> Result:
    ctx = multiprocessing.get_context("spawn")
    ports, stop = ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=_serve, args=(kind, url, body, ports, stop), daemon=True)
    proc.start()
    try:
        port = ports.get(timeout=60)
        return asyncio.run(
            _load(kind, f"http://127.0.0.1:{port}{path}", headers, args.seconds, args.concurrency)
        )
    finally:
        stop.set()
        proc.join(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import urllib.request

    from recognition.db import EmbeddedPostgres

    folder = Path(tempfile.mkdtemp(prefix="recognition-bench-pg-"))
    server = EmbeddedPostgres(folder)
    try:
        url = server.start()
        poll_id, key = asyncio.run(_seed(url))
        path = f"/api/v1/polls/{poll_id}/scores?metric=aided"
        headers = {"Authorization": f"Bearer {key}"}
        # the bare handler serves exactly the bytes the API answers
        ctx = multiprocessing.get_context("spawn")
        ports, stop = ctx.Queue(), ctx.Event()
        proc = ctx.Process(target=_serve, args=("recognition", url, b"", ports, stop), daemon=True)
        proc.start()
        port = ports.get(timeout=60)
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
        with urllib.request.urlopen(request) as resp:
            body = resp.read()
        stop.set()
        proc.join(timeout=30)
        bare = _run_server("bare", url, body, "/scores", {}, args)
        ours = _run_server("recognition", url, b"", path, headers, args)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    ratio = ours.rps / bare.rps if bare.rps else 0.0
    report = {
        "bare": asdict(bare),
        "recognition": asdict(ours),
        "ratio": ratio,
        "body_bytes": len(body),
        "concurrency": args.concurrency,
        "goal_met": ratio >= 0.5 and ours.p99_ms < 20 and not ours.errors,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for r in (bare, ours):
            print(
                f"{r.name:<12} {r.rps:9.0f} req/s   p50 {r.p50_ms:6.2f} ms   p99 {r.p99_ms:6.2f} ms   "
                f"errors {r.errors}"
            )
        print(
            f"ratio recognition/bare: {ratio:.2f}   body {len(body)} bytes   concurrency {args.concurrency}   "
            f"goal (≥ 0.5, p99 < 20 ms): {'met' if report['goal_met'] else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
