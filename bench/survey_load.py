"""Load on the hosted survey: many concurrent simulated respondents taking the whole survey over HTTP.

    python bench/survey_load.py [--concurrency 200] [--respondents 600] [--think 1.0] [--ramp 5] [--max-seconds 120] [--json]

The survey server (``create_app`` with a fresh embedded PostgreSQL) and a bare aiohttp server (one handler that
returns a page of the same size) run in their own processes on 127.0.0.1; this process plays the respondents.
Each respondent enters through a signed link, then for every screen waits a think time (uniform in
[0, 2 × --think] seconds), fills the form (:mod:`panels.simulated.taker`) and POSTs it (the answer is the next page), until the exit redirect.
At most ``--concurrency`` respondents are in the survey at once (the first of them arriving spread over ``--ramp``
seconds rather than in one instant); ``--respondents`` take it in all. The same
respondent pattern (same concurrency, think time and number of requests) is then run against the bare handler.

Reported: completes (exits) per second, page latency p50/p99 (every GET and POST, entry included) for both
servers, the survey's p50/p99 per kind of request (entry link, page shown, screen answered), and the p99 ratio survey / bare. Goal: p99 under 100 ms at 200 concurrent respondents. Traffic goes to
loopback only, and every loop is bounded by count and by --max-seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import shutil
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

HOST = "127.0.0.1"
SECRET = "b" * 40
PANEL = "https://panel.invalid"  # the simulated provider's address: admitting and exits need no call to it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _settings(data_dir: str, url: str) -> Any:
    from recognition.settings import load_settings

    return load_settings(
        env={},
        overrides={
            "data_dir": data_dir,
            "database.url": url,
            "survey.secret": "s" * 64,
            "database.pool_max": 20,
            "database.pool_min": 20,
            "scheduling.enabled": False,  # only the survey pages are measured: no fieldwork driving the wave
            "alerts.enabled": False,
            "panels.simulator_url": PANEL,
        },
    )


def _serve_survey(data_dir: str, url: str, port: int) -> None:
    from recognition.app import create_app
    from recognition.waves.quality import QualityRules
    from recognition.web.keys import QUALITY_RULES

    app = create_app(_settings(data_dir, url))
    app[QUALITY_RULES] = QualityRules(speeder_floor_seconds=0.0)
    web.run_app(app, host=HOST, port=port, print=None, access_log=None)


def _serve_bare(port: int, size: int) -> None:
    body = "<!doctype html><html><body><form method=post>" + "x" * size + "</form></body></html>"

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=body, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_post("/", page)
    web.run_app(app, host=HOST, port=port, print=None, access_log=None)


async def _prepare(data_dir: str) -> tuple[str, int, Any]:
    from recognition.db import EmbeddedPostgres, connect, migrate
    from recognition.store import orgs, polls, waves
    from recognition.store import survey as store
    from recognition.store.survey import SurveyAccess

    server = EmbeddedPostgres(Path(data_dir))
    url = await asyncio.to_thread(server.start)
    conn = await connect(url)
    try:
        await migrate(conn)
        org = await orgs.ensure_organisation(conn, "bench")
        brands = [
            {"id": "acme", "name": "Acme"},
            {"id": "stride", "name": "Stride"},
            {"id": "northpeak", "name": "North Peak"},
            {"id": "velo", "name": "Velo"},
            {"id": "kinetic", "name": "Kinetic"},
            {"id": "summit", "name": "Summit Athletics"},
        ]
        poll = await polls.create_poll(
            conn,
            org,
            name="load",
            category="sportswear",
            brands=brands,
            own_brand="acme",
            population="us",
            sample_size=100_000,
        )
        wave, _ = await waves.create_wave(conn, poll.id, datetime(2026, 3, 2, tzinfo=UTC), 100_000)
        await waves.transition(conn, wave.id, "scheduled", "launching")
        await waves.transition(conn, wave.id, "launching", "fielding")
        await store.set_access(
            conn, SurveyAccess(wave.id, "simulated", "load", f"ref-{wave.id}", SECRET, None)
        )
    finally:
        await conn.close()
    return url, wave.id, server


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # entry, page (GET), answer (POST)
    exits: int = 0
    failures: int = 0
    pages: int = 0


async def _timed(run: Run, request: Any, kind: str = "page") -> aiohttp.ClientResponse:
    start = time.perf_counter()
    resp: aiohttp.ClientResponse = await request
    await resp.read()
    elapsed = time.perf_counter() - start
    run.latencies.append(elapsed)
    run.by_kind.setdefault(kind, []).append(elapsed)
    return resp


async def _respondent(
    base: str,
    wave_id: int,
    pid: str,
    think: float,
    run: Run,
    connector: aiohttp.TCPConnector,
    rng: random.Random,
    deadline: float,
) -> None:
    from panels.links import entry_query
    from panels.simulated.taker import Persona, fill, parse_form

    persona = Persona(unaided=rng.choice([("Acme", "Stride"), ("north peak",), ("Velo", "Kinetic", "dunno")]))
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP-address host
    async with aiohttp.ClientSession(connector=connector, connector_owner=False, cookie_jar=jar) as http:
        url = f"{base}/survey/{wave_id}/start?{entry_query(SECRET, wave_id, pid)}"
        resp: aiohttp.ClientResponse | None = None  # a page in hand: an answered screen replies with the next
        for _ in range(60):
            if time.monotonic() > deadline:
                return
            if resp is None:
                kind = "entry" if "/start?" in url else "page"
                resp = await _timed(run, http.get(url, allow_redirects=False), kind)
                if resp.status == 303:
                    url = base + resp.headers["Location"]
                    resp = None
                    continue
            form = parse_form(await resp.text())
            if resp.status != 200 or form is None:
                run.failures += 1
                return
            resp = None
            run.pages += 1
            await asyncio.sleep(rng.uniform(0, 2 * think))
            resp = await _timed(
                run,
                http.post(base + form.action, data=fill(form, rng, persona), allow_redirects=False),
                "answer",
            )
            if resp.status == 200:
                continue
            location = resp.headers.get("Location", "")
            if resp.status != 303:
                run.failures += 1
                return
            if location.startswith(PANEL + "/"):
                run.exits += 1
                return
            url = base + location
            resp = None
    run.failures += 1


async def _bare_respondent(
    base: str,
    requests: int,
    think: float,
    run: Run,
    connector: aiohttp.TCPConnector,
    rng: random.Random,
    deadline: float,
) -> None:
    async with aiohttp.ClientSession(connector=connector, connector_owner=False) as http:
        for i in range(requests):
            if time.monotonic() > deadline:
                return
            await _timed(run, http.get(base + "/"))
            if i % 2 == 0:
                await asyncio.sleep(rng.uniform(0, 2 * think))
        run.exits += 1


async def _drive(
    make: Any, respondents: int, concurrency: int, max_seconds: float, ramp: float
) -> tuple[Run, float]:
    run = Run()
    gate = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    deadline = time.monotonic() + max_seconds
    start = time.perf_counter()

    async def one(i: int) -> None:
        async with (
            gate
        ):  # taken in order: the first ``concurrency`` respondents hold the places from the start
            if i < concurrency and ramp > 0:  # and arrive spread over the ramp
                await asyncio.sleep(ramp * i / concurrency)
            await make(i, run, connector, deadline)

    try:
        await asyncio.gather(*(one(i) for i in range(respondents)))
    finally:
        await connector.close()
    return run, time.perf_counter() - start


async def _wait_up(url: str, seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < end:
            try:
                async with http.get(url) as resp:
                    await resp.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up")


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(run: Run, seconds: float) -> dict[str, Any]:
    return {
        "exits": run.exits,
        "failures": run.failures,
        "requests": len(run.latencies),
        "seconds": seconds,
        "completes_per_s": run.exits / seconds if seconds else 0.0,
        "requests_per_s": len(run.latencies) / seconds if seconds else 0.0,
        "p50_ms": 1000 * _quantile(run.latencies, 0.5),
        "p99_ms": 1000 * _quantile(run.latencies, 0.99),
        "mean_ms": 1000 * statistics.fmean(run.latencies) if run.latencies else float("nan"),
        "by_kind": {
            kind: {
                "requests": len(v),
                "p50_ms": 1000 * _quantile(v, 0.5),
                "p99_ms": 1000 * _quantile(v, 0.99),
            }
            for kind, v in sorted(run.by_kind.items())
        },
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = tempfile.mkdtemp(prefix="recognition-bench-")
    url, wave_id, pg = await _prepare(data_dir)
    ctx = multiprocessing.get_context("spawn")
    survey_port, bare_port = _free_port(), _free_port()
    survey_proc = ctx.Process(target=_serve_survey, args=(data_dir, url, survey_port), daemon=True)
    bare_proc = ctx.Process(target=_serve_bare, args=(bare_port, 6000), daemon=True)
    survey_proc.start()
    bare_proc.start()
    try:
        survey_base, bare_base = f"http://{HOST}:{survey_port}", f"http://{HOST}:{bare_port}"
        await _wait_up(f"{survey_base}/survey/{wave_id}")
        await _wait_up(bare_base + "/")
        rng = random.Random(args.seed)

        async def survey_one(i: int, run: Run, connector: aiohttp.TCPConnector, deadline: float) -> None:
            await _respondent(
                survey_base,
                wave_id,
                f"LOAD{i:06d}",
                args.think,
                run,
                connector,
                random.Random(rng.random()),
                deadline,
            )

        survey_run, survey_s = await _drive(
            survey_one, args.respondents, args.concurrency, args.max_seconds, args.ramp
        )
        per_respondent = max(
            2, round(len(survey_run.latencies) / max(1, survey_run.exits + survey_run.failures))
        )

        async def bare_one(i: int, run: Run, connector: aiohttp.TCPConnector, deadline: float) -> None:
            await _bare_respondent(
                bare_base, per_respondent, args.think, run, connector, random.Random(rng.random()), deadline
            )

        bare_run, bare_s = await _drive(
            bare_one, args.respondents, args.concurrency, args.max_seconds, args.ramp
        )
    finally:
        for proc in (survey_proc, bare_proc):
            proc.terminate()
            proc.join(10)
        await asyncio.to_thread(pg.stop)
        shutil.rmtree(data_dir, ignore_errors=True)
    survey, bare = _summary(survey_run, survey_s), _summary(bare_run, bare_s)
    return {
        "concurrency": args.concurrency,
        "respondents": args.respondents,
        "think_s": args.think,
        "requests_per_respondent": per_respondent,
        "survey": survey,
        "bare": bare,
        "p99_ratio": survey["p99_ms"] / bare["p99_ms"] if bare["p99_ms"] else float("nan"),
        "goal_p99_ms": 100.0,
        "goal_met": survey["p99_ms"] < 100.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--respondents", type=int, default=600)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time per page, seconds")
    parser.add_argument(
        "--ramp", type=float, default=5.0, help="seconds over which the first respondents arrive"
    )
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 1000 or not 1 <= args.respondents <= 20_000:
        parser.error("--concurrency must be 1..1000 and --respondents 1..20000")
    report = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    s, b = report["survey"], report["bare"]
    print(
        f"{report['respondents']} respondents, {report['concurrency']} at once, think time "
        f"{report['think_s']:.1f} s per page (mean), {report['requests_per_respondent']} requests each"
    )
    print(f"{'':24}{'completes/s':>12}{'requests/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'failures':>10}")
    for name, r in (("survey (PostgreSQL)", s), ("bare aiohttp handler", b)):
        print(
            f"{name:24}{r['completes_per_s']:12.1f}{r['requests_per_s']:12.1f}{r['p50_ms']:9.1f}"
            f"{r['p99_ms']:9.1f}{r['failures']:10d}"
        )
    for kind, k in s["by_kind"].items():
        print(f"  survey {kind:16}{'':24}{k['p50_ms']:9.1f}{k['p99_ms']:9.1f}   ({k['requests']} requests)")
    print(
        f"p99 ratio survey/bare: {report['p99_ratio']:.1f}×; goal p99 < 100 ms: "
        f"{'met' if report['goal_met'] else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
