"""The contract under SIGKILL, for every provider: kill the service at random moments during fieldwork, restart
it, and check that nothing was bought twice, lost or counted twice: every wave reaches a terminal state once, each
launch reaches the provider once, and each complete the provider counts is stored once.

The service runs as ``recognition demo`` in a process of its own, its panel the simulator's copy of the provider's
API (one world per entry of :data:`tests.integration.contract.worlds.WORLDS`, as in the rest of the contract
suite), so a kill can land anywhere: in a provider call, between a call and its record, in the middle of a
respondent's answers or of the wave's processing."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator

import asyncpg
import pytest

from tests.conftest import outside_pytest_tmp
from tests.integration.contract.worlds import WORLDS

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("world", sorted(WORLDS))]

#: Kills per provider; each process is killed at a random moment of its fieldwork, so across the providers some 50
#: kills land in every state of a wave.
KILLS = int(os.environ.get("RECOGNITION_TEST_KILLS", "8"))
WAVES = 2


def _env(db_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOGNITION_")}
    env |= {
        "PYTHONUNBUFFERED": "1",
        "RECOGNITION_DATABASE_URL": db_url,
        "RECOGNITION_LOGGING_LEVEL": "warning",
    }
    return env


@pytest.fixture
def simulator() -> Iterator[str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "recognition",
            "panel-sim",
            "--port",
            "0",
            "--faults",
            "light",
            "--rate",
            "48",
            "--time-scale",  # respondents take 0.5 to 1.4 s over the survey: a wave fields in a few seconds
            "0.002",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "simulated panel provider on " in line, proc.stderr.read() if proc.stderr else line
        yield line.split(" on ")[1].split()[0]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)


@pytest.mark.timeout(600)
async def test_random_sigkills_during_fieldwork(world: str, db_url: str, simulator: str) -> None:
    data_dir = outside_pytest_tmp("recognition-test-kill-")
    cmd = [
        sys.executable,
        "-m",
        "recognition",
        "demo",
        "--waves",
        str(WAVES),
        "--sample-size",
        "50",
        "--no-serve",
        "--json",
        "--quiet",
        "--provider",
        world,
        "--provider-url",
        simulator,
        "--data-dir",
        str(data_dir),
    ]
    rng = random.Random(f"2026-{world}")
    states_at_kill: list[str] = []
    conn = await asyncpg.connect(db_url)
    try:
        for _ in range(KILLS):
            proc = await asyncio.create_subprocess_exec(
                *cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(db_url)
            )
            # Wait until the process is at work on a wave (start-up time varies with the machine's load), then
            # kill it at a random moment of its fieldwork.
            for _ in range(400):
                busy = await conn.fetchval(
                    "SELECT count(*) FROM waves WHERE state IN ('launching', 'fielding', 'closing', 'processing')"
                )
                if busy or proc.returncode is not None:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(rng.uniform(0.0, 1.5))
            if proc.returncode is None:
                proc.send_signal(signal.SIGKILL)
            await asyncio.wait_for(proc.wait(), 30)
            states_at_kill.append(
                ",".join(r["state"] for r in await conn.fetch("SELECT state FROM waves ORDER BY id"))
            )
        final = await asyncio.create_subprocess_exec(
            *cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(db_url)
        )
        # The last run fields whatever the killed ones left: every wave, on a slow machine.
        out, err = await asyncio.wait_for(final.communicate(), 420)
        assert final.returncode == 0, err.decode()
        report = json.loads(out)
        events = await conn.fetch("SELECT wave_id, from_state, to_state FROM wave_events ORDER BY id")
    finally:
        await conn.close()
        shutil.rmtree(data_dir, ignore_errors=True)
    assert len(report["waves"]) == WAVES
    for wave in report["waves"]:
        assert wave["state"] == "published"
        assert wave["launch_calls"] == 1
        assert wave["provider_completes"] == wave["stored_completes"] > 0
        assert wave["n"] == 50
    moves: dict[int, list[str]] = {}
    for e in events:
        moves.setdefault(e["wave_id"], []).append(e["to_state"])
    for wave_id, states in moves.items():  # each state entered once, in order, one terminal state
        assert states == ["scheduled", "launching", "fielding", "closing", "processing", "published"], (
            wave_id,
            states,
        )
    mid_fieldwork = sum(
        any(s in ("launching", "fielding", "closing", "processing") for s in k.split(","))
        for k in states_at_kill
    )
    assert mid_fieldwork >= KILLS // 3, f"only {mid_fieldwork} of {KILLS} kills landed during fieldwork"
