"""Studio pages on the demo data: how long each page of the tracker studio (and the dashboard's poll page) takes
to render, against a bare aiohttp handler serving the same bytes.

    python bench/studio_pages.py [--requests 50] [--waves 4] [--sample-size 500] [--json]

Runs ``recognition demo`` into a fresh data directory in a process of its own and, once its waves are published,
lets it serve as it does (its simulated panel too, which the editor's plan asks for a price); signs in with the
admin key it prints as an editor does (the sign-in form, then the session cookie) and asks each page
``--requests`` times, one request at a time: the tracker list, the editor (new and edit, and the checks it runs
as the editor goes through its steps: the definition's validation and plan, the schedule's next dates), the
questionnaire preview and one of its frames, the fieldwork page, a wave's monitor, the mention review, the launch
confirm step and the dashboard's poll page. Then a bare aiohttp server in its own process serves the bytes of
each page and is timed the same way. Reported per page: its first (uncached) time, p50/p95 against the bare
handler's and whether the p95 is under the goal (200 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.dashboard import free_port, start, wait_up  # noqa: E402

GOAL_MS = 200
#: The bare handler: one page per index, its bytes as recognition served them (JSON answers as JSON).
BARE = """
import sys
from aiohttp import web
bodies = [(open(p, "rb").read(), t) for p, t in zip(sys.argv[2::2], sys.argv[3::2])]
async def handle(request):
    body, kind = bodies[int(request.match_info["i"])]
    return web.Response(body=body, content_type=kind)
app = web.Application()
app.router.add_route("*", "/page/{i}", handle)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def serve_demo(
    data_dir: Path, port: int, waves: int, sample_size: int
) -> tuple[subprocess.Popen[str], str, float]:
    """``recognition demo`` into ``data_dir`` (its tracker, its waves fielded on the simulated panel), then serving
    on ``port`` as it does, its panel too (the demo organisation's price quotes are asked from it): the process,
    the admin key it prints and the seconds the waves took."""
    env = {
        **os.environ,
        "RECOGNITION_LOGGING_LEVEL": "warning",
        "RECOGNITION_ALERTS_ENABLED": "false",
        "RECOGNITION_SCHEDULING_ENABLED": "false",
    }
    args = ["demo", "--quiet", "--waves", str(waves), "--sample-size", str(sample_size), "--port", str(port)]
    start_s = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "recognition", *args, "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "admin key (KEY" in line:
            threading.Thread(target=proc.stdout.read, daemon=True).start()  # whatever it prints next
            return proc, line.rsplit(":", 1)[1].strip(), time.perf_counter() - start_s
    raise SystemExit(f"recognition demo ended ({proc.wait()}) without serving")


async def sign_in(http: aiohttp.ClientSession, base: str, key: str) -> None:
    """As the browser does: the sign-in form (its cookie and token), then the key posted with them."""
    async with http.get(f"{base}/dashboard/login") as resp:
        token = CSRF_FIELD.search(await resp.text())
    assert token, "the sign-in form has no token"
    form = {"api_key": key, "next": "/studio", "csrf": token.group(1)}
    async with http.post(f"{base}/dashboard/login", data=form, headers={"Origin": base}) as resp:
        assert resp.status == 200 and resp.url.path == "/studio", (resp.status, resp.url)


async def ids(http: aiohttp.ClientSession, base: str, key: str) -> tuple[dict[str, Any], int]:
    """The demo tracker's definition (as the API renders it) and its latest wave, read over the API."""
    auth = {"Authorization": f"Bearer {key}"}
    async with http.get(f"{base}/api/v1/polls", headers=auth) as resp:
        poll = (await resp.json())["items"][0]
    async with http.get(f"{base}/api/v1/polls/{poll['id']}/waves", headers=auth) as resp:
        waves = (await resp.json())["items"]
    return poll, max(int(w["id"]) for w in waves)


def requests_of(poll: dict[str, Any], wave: int) -> list[tuple[str, str, str, Any]]:
    """(name, method, path, JSON body) of each page and editor check timed."""
    p = poll["id"]
    definition = {
        k: poll[k]
        for k in ("name", "brands", "own_brand", "population", "language", "sample_size", "provider")
    }
    definition.update(category=poll["category_wording"] or poll["category"], schedule=poll["schedule"])
    for k in ("attributes", "modules", "entry_points", "budget"):
        if poll.get(k) is not None:
            definition[k] = poll[k]
    schedule = {"schedule": {"kind": "cron", "cron": "0 7 * * 1", "timezone": "Europe/Berlin"}, "count": 4}
    return [
        ("tracker list", "GET", "/studio", None),
        ("editor: new tracker", "GET", "/studio/trackers/new", None),
        ("editor: edit tracker", "GET", f"/studio/trackers/{p}/edit", None),
        ("editor: check and plan", "POST", "/studio/api/polls/validate", definition),
        ("editor: schedule dates", "POST", "/studio/api/schedule/preview", schedule),
        ("preview", "GET", f"/studio/trackers/{p}/preview?lang=en&width=390", None),
        ("preview: one frame", "GET", f"/studio/trackers/{p}/preview/frame?lang=en&screen=3", None),
        ("fieldwork", "GET", f"/studio/trackers/{p}/fieldwork", None),
        ("monitor", "GET", f"/studio/waves/{wave}", None),
        ("mention review", "GET", f"/studio/trackers/{p}/mentions", None),
        ("launch confirm", "GET", f"/studio/trackers/{p}/launch", None),
        ("dashboard poll page", "GET", f"/dashboard/polls/{p}", None),
    ]


async def timed(
    http: aiohttp.ClientSession, method: str, url: str, body: Any, headers: dict[str, str]
) -> tuple[float, bytes, str]:
    t = time.perf_counter()
    async with http.request(method, url, json=body, headers=headers) as resp:
        data = await resp.read()
        assert resp.status == 200, (resp.status, url, data[:300])
        kind = resp.content_type
    return (time.perf_counter() - t) * 1000, data, kind


def percentiles(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"p50_ms": float(np.percentile(a, 50)), "p95_ms": float(np.percentile(a, 95))}


async def measure(base: str, key: str, n: int, folder: Path) -> list[dict[str, Any]]:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of 127.0.0.1
    rows: list[dict[str, Any]] = []
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        await sign_in(http, base, key)
        poll, wave = await ids(http, base, key)
        async with http.get(f"{base}/studio/trackers/{poll['id']}/edit") as resp:
            csrf = CSRF_META.search(await resp.text())
        assert csrf, "the editor has no CSRF token"
        headers = {"Origin": base, "X-CSRF-Token": csrf.group(1)}
        for i, (name, method, path, body) in enumerate(requests_of(poll, wave)):
            first, data, kind = await timed(http, method, base + path, body, headers)
            times = [(await timed(http, method, base + path, body, headers))[0] for _ in range(n)]
            saved = folder / f"page{i}"
            saved.write_bytes(data)
            rows.append(
                {
                    "page": name,
                    "path": path,
                    "bytes": len(data),
                    "kind": kind,
                    "file": str(saved),
                    "first_ms": first,
                    **percentiles(times),
                }  # fmt: skip
            )
    return rows


async def baseline(rows: list[dict[str, Any]], n: int, procs: list[subprocess.Popen[Any]]) -> None:
    port = free_port()
    args = [x for r in rows for x in (r["file"], r["kind"])]
    bare = start(sys.executable, "-c", BARE, str(port), *args)
    procs.append(bare)
    base = f"http://127.0.0.1:{port}"
    await wait_up(f"{base}/page/0", bare)
    async with aiohttp.ClientSession() as http:
        for i, row in enumerate(rows):
            method = "POST" if row["path"].startswith("/studio/api/") else "GET"
            await timed(http, method, f"{base}/page/{i}", None, {})
            times = [(await timed(http, method, f"{base}/page/{i}", None, {}))[0] for _ in range(n)]
            row["bare"] = percentiles(times)
            row["p95_ratio"] = row["p95_ms"] / row["bare"]["p95_ms"]
            row["under_goal"] = row["p95_ms"] < GOAL_MS


async def main(args: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="recognition-bench-studio-"))
    procs: list[subprocess.Popen[Any]] = []
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server, key, seeded = serve_demo(folder / "data", port, args.waves, args.sample_size)
        procs.append(server)
        await wait_up(f"{base}/healthz", server)
        rows = await measure(base, key, args.requests, folder)
        await baseline(rows, args.requests, procs)
        return {
            "requests": args.requests,
            "seed_s": seeded,
            "load_avg": os.getloadavg(),
            "goal_p95_ms": GOAL_MS,
            "pages": [{k: v for k, v in r.items() if k not in ("file", "kind")} for r in rows],
        }
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(folder, ignore_errors=True)


def report(r: dict[str, Any]) -> str:
    seeded = f", demo waves run in {r['seed_s']:.0f} s"
    lines = [
        f"Studio pages on the demo data: {r['requests']} requests each, one at a time "
        f"(load average {r['load_avg'][0]:.1f}{seeded})",
        f"{'page':26}{'first':>8}{'p50':>8}{'p95':>8}{'bare p50':>10}{'bare p95':>10}{'p95 ratio':>11}"
        f"{'kB':>6}  p95 < {r['goal_p95_ms']} ms",
    ]
    for p in r["pages"]:
        lines.append(
            f"{p['page']:26}{p['first_ms']:>8.1f}{p['p50_ms']:>8.1f}{p['p95_ms']:>8.1f}"
            f"{p['bare']['p50_ms']:>10.2f}{p['bare']['p95_ms']:>10.2f}{p['p95_ratio']:>10.0f}×"
            f"{p['bytes'] / 1000:>6.0f}  {'yes' if p['under_goal'] else 'NO'}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--waves", type=int, default=4, help="the demo's waves (its default)")
    parser.add_argument("--sample-size", type=int, default=500, help="the demo's completes per wave")
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    result = asyncio.run(main(arguments))
    print(json.dumps(result, indent=2) if arguments.json else report(result))
