"""The walking skeleton end to end, as a user runs it: ``recognition demo`` on the embedded database, then
``recognition serve`` on the same data dir, through real processes and real HTTP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import outside_pytest_tmp

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOGNITION_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recognition", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def demo_run() -> Iterator[tuple[Path, dict]]:
    data_dir = outside_pytest_tmp("recognition-test-demo-")
    # A smaller sample than the default keeps the suite quick; bench/demo_time.py times the default demo.
    proc = run_cli(
        "demo",
        "--waves",
        "3",
        "--sample-size",
        "200",
        "--no-serve",
        "--json",
        "--data-dir",
        str(data_dir),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    yield data_dir, json.loads(proc.stdout)
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.timeout(480)
def test_demo_json_has_estimates_with_cis_and_truth(demo_run: tuple[Path, dict]) -> None:
    _, report = demo_run
    assert report["poll"]["name"] and isinstance(report["poll"]["id"], int)
    assert len(report["waves"]) == 3
    brands = {"acme", "stride", "northpeak", "velo", "kinetic", "summit"}
    misses = total = 0
    for wave in report["waves"]:
        assert wave["state"] == "published" and wave["n"] == 200
        assert wave["launch_calls"] == 1 and wave["provider_completes"] == wave["stored_completes"]
        hosted = wave["survey_respondents"]  # every stored complete came through the hosted survey
        assert hosted.get("complete", 0) + hosted.get("quality_terminate", 0) == wave["stored_completes"]
        aided = {e["brand"]: e for e in wave["estimates"] if e["metric"] == "aided"}
        assert set(aided) == brands
        for e in wave["estimates"]:
            if e["truth"] is None:
                continue
            assert 0 <= e["ci_low"] <= e["estimate"] <= e["ci_high"] <= 1
            total += 1
            misses += not (e["ci_low"] <= e["truth"] <= e["ci_high"])
    # A sanity check, not the coverage test (that is `recognition simulate`, over hundreds of waves): the brands
    # of one wave share their respondents, so misses come in clusters; 95% intervals around weighted estimates
    # still cover the known truth for the large majority.
    assert total == 3 * 6 * 4 and misses / total <= 0.3, f"{misses}/{total} intervals missed the truth"


@pytest.mark.timeout(480)
def test_serve_serves_the_demo_data_and_stops_cleanly(demo_run: tuple[Path, dict]) -> None:
    data_dir, report = demo_run
    created = run_cli("keys", "create", "--org", "demo", "--role", "reader", "--data-dir", str(data_dir))
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "recognition", "serve", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base + "/healthz", server)
        poll_id = report["poll"]["id"]
        with pytest.raises(urllib.error.HTTPError) as anonymous:
            urllib.request.urlopen(f"{base}/api/v1/polls/{poll_id}/scores")
        assert anonymous.value.code == 401
        assert anonymous.value.headers["Content-Type"].startswith("application/problem+json")
        anonymous.value.close()
        request = urllib.request.Request(
            f"{base}/api/v1/polls/{poll_id}/scores?metric=aided", headers={"Authorization": f"Bearer {key}"}
        )
        with urllib.request.urlopen(request) as resp:
            body = json.loads(resp.read())
        assert [w["wave_id"] for w in body["items"]] == [w["id"] for w in report["waves"]]
        served = {e["brand"]: e["estimate"] for e in body["items"][-1]["estimates"]}
        printed = {
            e["brand"]: e["estimate"] for e in report["waves"][-1]["estimates"] if e["metric"] == "aided"
        }
        assert served == pytest.approx(printed)
        with urllib.request.urlopen(base + "/readyz") as resp:
            ready = json.loads(resp.read())
        assert ready["migrations"] == "current"
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "Traceback" not in err
    assert "invalid schedule" not in err  # the demo tracker's schedule is valid (and paused)
    assert f"serving on http://127.0.0.1:{port}" in out


def _wait_until_up(url: str, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited early: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up in {timeout}s")


@pytest.mark.timeout(120)
def test_port_in_use_is_one_clear_message(demo_run: tuple[Path, dict]) -> None:
    data_dir, _ = demo_run
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_cli("serve", "--data-dir", str(data_dir), "--port", str(port))
    assert proc.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_config_value_is_one_clear_message(tmp_path: Path) -> None:
    env = _env() | {"RECOGNITION_SERVER_PORT": "eighty"}
    proc = subprocess.run(
        [sys.executable, "-m", "recognition", "serve", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "recognition: error: setting 'server.port' from environment variable RECOGNITION_SERVER_PORT: "
        "expected a whole number, got 'eighty'"
    ]


def test_unreachable_database_is_one_clear_message(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = _env() | {
        "RECOGNITION_DATABASE_URL": f"postgresql://u:secretpw@127.0.0.1:{port}/db",
        "RECOGNITION_DATABASE_CONNECT_TIMEOUT": "3",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "recognition", "migrate", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"recognition: error: cannot reach the database at postgresql://127.0.0.1:{port}/db"
    )
    assert "secretpw" not in proc.stderr


@pytest.mark.timeout(480)
def test_export_banner_and_import_from_the_command_line(demo_run: tuple[Path, dict], tmp_path: Path) -> None:
    """The data commands as a user runs them on the demo's data dir: respondent-level files in the three formats
    (read back by the libraries made for them), a banner table, the exported history checked for import, and bad
    input answered in plain words."""
    pyreadstat = pytest.importorskip("pyreadstat")
    pq = pytest.importorskip("pyarrow.parquet")
    openpyxl = pytest.importorskip("openpyxl")
    data_dir, report = demo_run
    where = ("--data-dir", str(data_dir))
    poll_id = str(report["poll"]["id"])
    waves = [w["id"] for w in report["waves"]]
    n_all = sum(w["n"] for w in report["waves"])

    sav, mapping = tmp_path / "history.sav", tmp_path / "history-mapping.json"
    proc = run_cli("export", poll_id, "--out", str(sav), "--mapping", str(mapping), *where)
    assert proc.returncode == 0, proc.stderr
    assert f"of {len(waves)} wave(s)" in proc.stdout and mapping.exists()
    frame, meta = pyreadstat.read_sav(str(sav))
    assert len(frame) >= n_all and "weight" in frame.columns and meta.column_labels
    assert meta.variable_value_labels  # coded answers carry their labels
    proc = run_cli(
        "export", poll_id, "--out", str(tmp_path / "last.parquet"), "--from-wave", str(waves[-1]), *where
    )
    assert proc.returncode == 0, proc.stderr
    table = pq.read_table(tmp_path / "last.parquet")
    assert table.num_rows >= report["waves"][-1]["n"] and "weight" in table.column_names
    proc = run_cli("export", poll_id, "--out", str(tmp_path / "all.csv"), *where)
    assert proc.returncode == 0, proc.stderr
    header = (tmp_path / "all.csv").read_text().splitlines()[0]
    assert "weight" in header and "panel" not in header.lower()  # pseudonymous keys only

    proc = run_cli("banner", str(waves[-1]), "--out", str(tmp_path / "banner.xlsx"), *where)
    assert proc.returncode == 0, proc.stderr
    book = openpyxl.load_workbook(tmp_path / "banner.xlsx")
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None]
    assert any("aided" in c.lower() for c in cells) and any(c.lower().startswith("base") for c in cells)

    # the history checked in full against the poll it came from: every wave already there is named, and
    # nothing is stored (the import into another poll is tests/integration/test_history_import.py)
    proc = run_cli("import", poll_id, str(sav), "--mapping", str(mapping), "--dry-run", *where)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("already has a wave at") == len(waves)
    assert f"{len(waves)} problem(s) in the mapping or the data; nothing was stored" in proc.stderr

    for args, message in (
        (("export", "999999", "--out", str(tmp_path / "x.csv")), "no poll 999999"),
        (("banner", "999999", "--out", str(tmp_path / "x.xlsx")), "wave 999999 is not a published wave"),
        (("export", poll_id, "--out", str(tmp_path / "x.txt")), "'txt' is not one of csv, sav, parquet"),
    ):
        proc = run_cli(*args, *where)
        assert proc.returncode != 0 and message in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


@pytest.mark.timeout(300)
def test_the_served_demo_fields_a_wave_launched_after_it() -> None:
    """With nothing but ``recognition demo``: a wave launched on the served demo (as the studio's "Launch a wave
    now" does) is fielded on the demo's simulated panel and published."""
    data_dir = outside_pytest_tmp("recognition-test-demo-serve-")
    port = free_port()
    log = (data_dir / "demo.log").open("w+")  # its access log, read afterwards: a pipe left unread would fill
    demo = subprocess.Popen(
        [sys.executable, "-m", "recognition", "demo", "--waves", "1", "--sample-size", "50", "--quiet"]
        + ["--data-dir", str(data_dir), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=_env(),
    )
    try:
        assert demo.stdout is not None
        key = ""
        for line in demo.stdout:
            if "admin key (KEY" in line:
                key = line.rsplit(" ", 1)[-1].strip()
                break
        assert key.startswith("rk_"), "the demo printed no admin key"
        base = f"http://127.0.0.1:{port}/api/v1"
        auth = {"Authorization": f"Bearer {key}"}
        with urllib.request.urlopen(
            urllib.request.Request(f"{base}/polls", headers=auth), timeout=30
        ) as resp:
            poll_id = json.loads(resp.read())["items"][0]["id"]
        launch = urllib.request.Request(
            f"{base}/polls/{poll_id}/waves", method="POST", headers={**auth, "Idempotency-Key": "first"}
        )
        with urllib.request.urlopen(launch, timeout=30) as resp:
            assert resp.status == 202
            wave_id = json.loads(resp.read())["id"]
        state, detail = "", {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and state not in ("published", "failed", "cancelled"):
            time.sleep(1)
            with urllib.request.urlopen(
                urllib.request.Request(f"{base}/waves/{wave_id}", headers=auth)
            ) as resp:
                detail = json.loads(resp.read())
            state = detail["wave"]["state"]
        assert state == "published", detail
        assert detail["progress"]["completes"] >= 50, detail
    finally:
        demo.send_signal(signal.SIGINT)
        demo.communicate(timeout=60)
        log.seek(0)
        err = log.read()
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)
    assert demo.returncode == 0, err
    assert "Traceback" not in err
