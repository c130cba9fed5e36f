"""The embedded PostgreSQL is stopped by the next clean exit even when a process that used it was SIGKILLed: the
dead process's PID must not keep the server alive forever."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys

import psutil

from recognition.db import HANDLE_STARTS, HANDLES, EmbeddedPostgres
from tests.conftest import outside_pytest_tmp

# A process that joins the server in the data dir, says so, and waits to be killed.
HOLDER = """
import sys, time
from pathlib import Path
from recognition.db import EmbeddedPostgres
EmbeddedPostgres(Path(sys.argv[1])).start()
print("joined", flush=True)
time.sleep(600)
"""


def _postmaster(pgdata: object) -> int:
    with open(os.path.join(str(pgdata), "postmaster.pid")) as fh:
        return int(fh.readline())


def test_a_sigkilled_holder_does_not_keep_the_server_running() -> None:
    folder = outside_pytest_tmp("recognition-test-handles-")
    postmaster = 0
    try:
        server = EmbeddedPostgres(folder)
        server.start()
        postmaster = _postmaster(server.pgdata)
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "joined"
        pids = json.loads((server.pgdata / HANDLES).read_text())
        assert sorted(pids) == sorted([os.getpid(), holder.pid])
        assert str(holder.pid) in json.loads((server.pgdata / HANDLE_STARTS).read_text())
        holder.send_signal(signal.SIGKILL)  # no cleanup runs: its PID stays listed
        holder.wait(timeout=30)
        holder.stdout.close()
        assert holder.pid in json.loads((server.pgdata / HANDLES).read_text())

        server.stop()  # the last live user exits cleanly
        assert (
            not psutil.pid_exists(postmaster) or psutil.Process(postmaster).status() == psutil.STATUS_ZOMBIE
        )
        assert json.loads((server.pgdata / HANDLES).read_text()) == []
    finally:
        if postmaster and psutil.pid_exists(postmaster):  # a failed run must not leave a server behind
            psutil.Process(postmaster).terminate()
            psutil.wait_procs([psutil.Process(postmaster)], timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
