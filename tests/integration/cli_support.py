"""The service's command line run as an operator runs it: ``python -m recognition COMMAND …`` in a process of its
own, on the test's database, with a configuration file naming the public address ``https://tracker.example.com``."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from recognition.settings import Settings

BASE_URL = "https://tracker.example.com"


async def run_command(settings: Settings, tmp_path: Path, command: str, *args: str) -> tuple[int, str, str]:
    """``recognition COMMAND *args``: (exit code, out, err)."""
    config = tmp_path / "recognition.toml"
    config.write_text(
        f'[database]\nurl = "{settings.database_url}"\n[survey]\nsecret = "{settings.survey_secret}"\n'
        f'[server]\nbase_url = "{BASE_URL}"\n'
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "recognition",
        command,
        *args,
        "--data-dir",
        str(tmp_path),
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()
