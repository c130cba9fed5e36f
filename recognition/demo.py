"""The demo: an organisation ``demo`` with a sportswear tracker (an own brand and five competitors, US adults),
waves run end to end through the simulated panel, and the results with the population truth beside them.

Every respondent takes the hosted survey over HTTP, as at a real panel: the simulated provider runs in a process
of its own (``recognition panel-sim``), its respondents (a lean HTTP client each) enter through the wave's signed
links on a survey server the demo runs on loopback for the duration of the fieldwork, answer page by page and go
back to the provider through the exit. Think time in the survey is scaled by :data:`DEMO_TIME_SCALE` (a 4-minute
interview takes about a second), and so is the survey's speeder rule.

The panel is any provider in :data:`DEMO_PROVIDERS` (``recognition demo --provider NAME``): the demo saves the
organisation's credentials for it, pointing its adapter at the simulator's faithful copy of the provider's API
(e.g. Prolific's studies, completion codes and submissions), so the waves take the same path as on the real
panel; each provider's tracker is a poll of its own.

Waves sit on fixed weekly slots from :data:`ANCHOR`, so running the demo again on the same data dir reuses the
published waves (a wave is unique per poll and slot) and runs only the missing ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

from panels.base import Provider
from panels.http import RetryPolicy
from panels.registry import KINDS, BuildContext, ProviderConfig, ProviderRegistry
from panels.simulated.apis import cint as sim_cint
from panels.simulated.apis import prolific as prolific_api
from panels.simulated.apis import purespectrum as purespectrum_api
from panels.simulated.apis import redirect as redirect_api
from panels.simulated.inprocess import InProcessPanel
from recognition import providers, sessions
from recognition.app import create_app
from recognition.demo_questions import DEMO_ENTRY_POINTS, DEMO_SERVICE_FEATURES, DEMO_SERVICE_SATISFACTION
from recognition.demo_report import provider_counts, wave_report
from recognition.errors import UserError
from recognition.polls.model import Poll
from recognition.settings import Settings
from recognition.store import notices, orgs, polls, waves
from recognition.store.waves import Wave
from recognition.waves.fieldwork import FieldworkOptions, run_wave
from recognition.waves.quality import QualityRules
from recognition.web.keys import QUALITY_RULES

log = logging.getLogger(__name__)

ORGANISATION = "demo"
POLL_NAME = "Sportswear brand tracker"
ANCHOR = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # a Monday
BRANDS = [
    {"id": "acme", "name": "Acme", "aliases": ["acme sports"]},
    {"id": "stride", "name": "Stride", "aliases": []},
    {"id": "northpeak", "name": "North Peak", "aliases": ["northpeak"]},
    {"id": "velo", "name": "Velo", "aliases": []},
    {"id": "kinetic", "name": "Kinetic", "aliases": []},
    {"id": "summit", "name": "Summit Athletics", "aliases": ["summit"]},
]

#: The credential fields that point a provider's adapter at the simulator's copy of its API, given the
#: simulator's base URL: the providers ``recognition demo --provider`` can field with (one entry per provider).
DEMO_PROVIDERS: dict[str, Callable[[str], dict[str, str]]] = {
    "simulated": lambda url: {"url": url},
    "prolific": prolific_api.simulator_credentials,
    "cint": sim_cint.credentials,
    "purespectrum": purespectrum_api.credentials,
    "redirect": redirect_api.credentials,
}


def poll_name(provider: str) -> str:
    """The demo tracker's name on ``provider`` (one poll per provider, so their waves stay apart)."""
    return POLL_NAME if provider == "simulated" else f"{POLL_NAME} on {KINDS[provider].title}"


#: The demo organisation's privacy notice, shown on its surveys' introduction.
DEMO_NOTICE = notices.SurveyNotice(operator="Acme Sportswear (demo organisation)")


async def ensure_demo_poll(conn: asyncpg.Connection, sample_size: int, provider: str = "simulated") -> Poll:
    org_id = await orgs.ensure_organisation(conn, ORGANISATION)
    if await notices.get_notice(conn, org_id) is None:
        await notices.set_notice(conn, org_id, DEMO_NOTICE)
    name = poll_name(provider)
    poll = await polls.find_poll(conn, org_id, name)
    if poll is not None:
        return poll
    try:
        return await polls.create_poll(
            conn,
            org_id,
            name=name,
            category="sportswear",
            brands=BRANDS,
            own_brand="acme",
            population="us",
            sample_size=sample_size,
            cost_per_complete=1.50,
            budget=50_000.0,
            # Weekly on Mondays; paused, because the demo runs its waves itself (serving the demo data must
            # not start buying new waves). Resume it through the API to let the scheduler take over.
            schedule={
                "kind": "cron",
                "cron": "0 7 * * 1",
                "timezone": "UTC",
                "fieldwork": "P3D",
                "paused": True,
            },
            provider=provider,
            entry_points=DEMO_ENTRY_POINTS,
            service_features=DEMO_SERVICE_FEATURES,
            service_satisfaction=DEMO_SERVICE_SATISFACTION,
        )
    except Exception:
        found = await polls.find_poll(conn, org_id, name)  # created concurrently by another demo
        if found is None:
            raise
        return found


#: Retries tuned for a loopback simulator: quick backoff, a breaker that recovers within a second.
DEMO_RETRY = RetryPolicy(
    attempts=8,
    backoff=0.02,
    max_backoff=0.5,
    max_retry_after=2.0,
    timeout=10.0,
    breaker_threshold=12,
    breaker_reset=0.5,
)


#: Wall-clock seconds per simulated second of a respondent's think time in the hosted survey.
DEMO_TIME_SCALE = 0.005
#: Completes per wave in the demo (every one takes the hosted survey over HTTP).
DEMO_SAMPLE = 500
#: Seconds between fieldwork's rounds in the demo: its respondents take a survey in seconds, so fieldwork looks
#: often (the service's own pace is ``fieldwork.poll_interval``, 5 s by default).
DEMO_POLL_INTERVAL = 0.1

#: (wave number, waves, state, valid completes, target) as fieldwork moves on.
ProgressFn = Callable[[int, int, str, int, int], None]


@contextlib.asynccontextmanager
async def simulator_process(faults: str, *, time_scale: float = DEMO_TIME_SCALE) -> AsyncIterator[str]:
    """``recognition panel-sim`` in a process of its own on a free loopback port for the block (its respondents
    then use the other core); yields its base URL."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "recognition",
        "panel-sim",
        "--port",
        "0",
        "--faults",
        faults,
        "--time-scale",
        str(time_scale),
        "--until-stdin-closes",  # it stops when this process ends, even killed: no simulator is left behind
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        match = re.search(r"https?://[^\s]+", line)
        if match is None:
            raise UserError(f"the simulated panel did not start: {line.strip()[:500] or 'no output'}")
        yield match.group(0)
    finally:
        if proc.returncode is None:
            proc.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 10)
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


@contextlib.asynccontextmanager
async def survey_server(
    pool: asyncpg.Pool,
    settings: Settings,
    *,
    time_scale: float = DEMO_TIME_SCALE,
    page_pool: asyncpg.Pool | None = None,
) -> AsyncIterator[str]:
    """The service's pages (hosted survey included) on a loopback port for the block; yields its base URL.
    The speeder rule's floor is scaled like the simulated respondents' think time.

    The port is remembered in the data directory and taken again by the next run: the panel keeps sending a
    wave's respondents to the address it was given at launch, so a demo stopped (or killed) mid-wave and started
    again must answer on the same one. Another free port is taken only when that one is busy."""
    app = create_app(dataclasses.replace(settings, scheduling_enabled=False), pool=pool, page_pool=page_pool)
    app[QUALITY_RULES] = QualityRules(speeder_floor_seconds=30.0 * time_scale)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    remembered = settings.data_dir / "demo-survey-port"
    try:
        wanted = int(remembered.read_text().strip()) if remembered.exists() else 0
    except ValueError:
        wanted = 0
    try:
        site = web.TCPSite(runner, "127.0.0.1", wanted)
        try:
            await site.start()
        except OSError:
            if wanted == 0:
                raise
            log.warning(
                "the demo survey's port %s is busy; its waves in the field lose their respondents", wanted
            )
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
        server = getattr(site, "_server", None)
        port = server.sockets[0].getsockname()[1] if server and server.sockets else 0
        remembered.write_text(f"{port}\n")
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def run_demo(
    pool: asyncpg.Pool,
    settings: Settings,
    *,
    n_waves: int,
    sample_size: int = DEMO_SAMPLE,
    progress: ProgressFn | None = None,
    faults: str = "none",
    provider_url: str | None = None,
    options: FieldworkOptions | None = None,
    provider: str = "simulated",
    page_pool: asyncpg.Pool | None = None,
) -> dict[str, Any]:
    """Run ``n_waves`` waves of the demo tracker on ``provider`` (a name in :data:`DEMO_PROVIDERS`); returns the
    demo report (see ``recognition demo --json``).

    The panel is the simulator: started in a process of its own with fault profile ``faults``, or the one already
    running at ``provider_url`` (e.g. ``recognition panel-sim``). The organisation's credentials for ``provider``
    are saved pointing at it (checked with a call, as a user's are), and the survey uses the same adapter. The
    survey's pages use ``page_pool`` when given (:func:`recognition.db.create_pool` with ``pages``)."""
    if provider not in DEMO_PROVIDERS:
        raise UserError(f"--provider {provider!r} is not one of {', '.join(sorted(DEMO_PROVIDERS))}")
    async with contextlib.AsyncExitStack() as stack:
        url = (
            provider_url.rstrip("/")
            if provider_url
            else await stack.enter_async_context(simulator_process(faults))
        )
        credentials = DEMO_PROVIDERS[provider](url)
        await _set_topic(url)
        await _save_credentials(pool, settings, provider, credentials)
        served = dataclasses.replace(settings, panels_simulator_url=url)
        survey_url = await stack.enter_async_context(survey_server(pool, served, page_pool=page_pool))
        options = dataclasses.replace(
            options or FieldworkOptions(poll_interval=DEMO_POLL_INTERVAL), survey_base_url=survey_url
        )
        kind = KINDS[provider]
        adapter = kind.build(kind.complete(credentials), BuildContext(DEMO_RETRY, None))
        try:
            report = await _run_demo(pool, settings, adapter, n_waves, sample_size, progress, options)
        finally:
            await adapter.aclose()
        counts = await provider_counts(url)
    for entry in report["waves"]:
        books = counts.get(sessions.project_reference(settings.survey_secret, entry["id"]), {})
        entry["launch_calls"] = books.get("launch_calls", 0)
        entry["provider_completes"] = books.get("provider_completes", 0)
        entry["provider_billed"] = books.get("billed", 0.0)
        entry["survey_returns"] = books.get("returns", {})
    return {**report, "provider": provider}


@contextlib.asynccontextmanager
async def serving_panel(
    pool: asyncpg.Pool, settings: Settings, *, faults: str, provider_url: str | None, provider: str
) -> AsyncIterator[None]:
    """The panel the served demo fields new waves with (one launched in the studio, of a tracker set up there):
    the simulator, started again in a process of its own (or the one at ``provider_url``), the demo
    organisation's credentials for ``provider`` and for ``simulated`` (a new tracker's default) pointing at it."""
    async with contextlib.AsyncExitStack() as stack:
        url = (
            provider_url.rstrip("/")
            if provider_url
            else await stack.enter_async_context(simulator_process(faults))
        )
        await _set_topic(url)
        for name in dict.fromkeys((provider, "simulated")):
            await _save_credentials(pool, settings, name, DEMO_PROVIDERS[name](url))
        yield


def served_app(
    pool: asyncpg.Pool, settings: Settings, page_pool: asyncpg.Pool | None = None
) -> web.Application:
    """The service the demo serves: its speeder rule's floor scaled like the simulated respondents' think time."""
    app = create_app(settings, pool=pool, page_pool=page_pool)
    app[QUALITY_RULES] = QualityRules(speeder_floor_seconds=30.0 * DEMO_TIME_SCALE)
    return app


async def _set_topic(simulator_url: str) -> None:
    """Tell the simulator what the tracker asks about: a real provider's API carries no brands, so its
    respondents learn them here (``PUT /_sim/topic``)."""
    topic = {"brands": BRANDS, "own_brand": "acme", "country": "us", "seed": 7}
    async with aiohttp.ClientSession() as s, s.put(f"{simulator_url}/_sim/topic", json=topic) as r:
        if r.status != 200:
            raise UserError(f"the simulator refused the demo's topic: {r.status} {await r.text()}")


async def _save_credentials(
    pool: asyncpg.Pool, settings: Settings, provider: str, credentials: dict[str, str]
) -> None:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, ORGANISATION)
    registry = ProviderRegistry(ProviderConfig(policy=DEMO_RETRY))
    try:
        await providers.save(pool, settings.survey_secret, registry, org, provider, credentials)
    finally:
        await registry.aclose()


async def _run_demo(
    pool: asyncpg.Pool,
    settings: Settings,
    provider: Provider,
    n_waves: int,
    sample_size: int,
    progress: ProgressFn | None,
    options: FieldworkOptions | None,
) -> dict[str, Any]:
    say = progress or (lambda *_: None)
    async with pool.acquire() as conn:
        poll = await ensure_demo_poll(conn, sample_size, provider.name)
    panel = InProcessPanel(poll, ANCHOR)
    report_waves = []
    for i in range(n_waves):
        slot = ANCHOR + timedelta(days=7 * i)
        async with pool.acquire() as conn:
            wave, _ = await waves.create_wave(conn, poll.id, slot, poll.sample_size)
        if wave.state in ("published", "failed", "cancelled"):
            say(i + 1, n_waves, wave.state, 0, wave.target_n)
        else:

            def show(w: Wave, state: str, have: int, target: int, number: int = i + 1) -> None:
                say(number, n_waves, state, have, target)

            try:
                await run_wave(pool, settings, wave.id, provider, progress=show, options=options)
            except Exception as exc:  # noqa: BLE001 - the wave is marked failed with the reason; go on
                say(i + 1, n_waves, f"failed: {type(exc).__name__}: {exc}", 0, wave.target_n)
        async with pool.acquire() as conn:
            current = await waves.get_wave(conn, wave.id)
            assert current is not None
            say(i + 1, n_waves, current.state, 0, current.target_n)
            report_waves.append(await wave_report(conn, current, panel))
    return {"poll": {"id": poll.id, "name": poll.name}, "waves": report_waves}
