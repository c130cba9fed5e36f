"""Respondent-level exports over real HTTP: SPSS .sav read back by pyreadstat (labels, value labels, weights)
with the weight variable set in the file header (read here from the bytes, as the system-file format documents
it), Parquet read back by pyarrow, CSV; R's haven and foreign read the .sav where R has them; roles and
organisation scope; a range of waves."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import struct
import subprocess
from datetime import timedelta
from pathlib import Path

import asyncpg
import openpyxl
import pyarrow.parquet as pq
import pyreadstat
import pytest

from recognition.settings import Settings
from recognition.store import estimates, polls, waves
from tests.integration.api_support import SLOT, api_client, make_world, problem, publish_simulated_wave


def header_weight_name(raw: bytes) -> str:
    """The weight variable's short name from a little-endian .sav: the int32 at offset 76 of the 176-byte
    header is the 1-based dictionary index (PSPP, "System File Format": weight_index); variable records
    (type 2) follow the header, 32 bytes plus an optional label and missing values, the name at bytes 24-32."""
    assert raw[:4] == b"$FL2" and struct.unpack_from("<i", raw, 64)[0] == 2
    wanted = struct.unpack_from("<i", raw, 76)[0]
    offset, index = 176, 0
    while struct.unpack_from("<i", raw, offset)[0] == 2:
        _, _, has_label, n_missing = struct.unpack_from("<4i", raw, offset)
        index += 1
        if index == wanted:
            return raw[offset + 24 : offset + 32].decode().strip()
        offset += 32
        if has_label:
            offset += 4 + (struct.unpack_from("<i", raw, offset)[0] + 3) // 4 * 4
        offset += 8 * n_missing
    raise AssertionError("no weight variable")


async def test_wave_exports_round_trip_in_every_format(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    world = await make_world(pool, settings)
    async with pool.acquire() as conn:
        stored = sorted((await estimates.weights(conn, world.wave_id)).values())
    async with api_client(settings, pool) as (client, _):
        url = f"/api/v1/waves/{world.wave_id}/respondents"
        editor = world.auth("editor")
        sav = await client.get(url + "?format=sav", headers=editor)
        assert sav.status == 200 and sav.content_type == "application/x-spss-sav"
        assert f'filename="wave-{world.wave_id}-respondents.sav"' in sav.headers["Content-Disposition"]
        raw = await sav.read()
        parquet = await (
            await client.get(url, headers={**editor, "Accept": "application/vnd.apache.parquet"})
        ).read()
        text = await (await client.get(url + "?format=csv", headers=editor)).text()
        await problem(await client.get(url, headers=world.auth("viewer")), 403)
        await problem(await client.get(url, headers={"Authorization": f"Bearer {world.foreign}"}), 404)

    (tmp_path / "w.sav").write_bytes(raw)
    frame, meta = pyreadstat.read_sav(str(tmp_path / "w.sav"))
    assert len(frame) == 200
    assert sorted(frame["weight"]) == pytest.approx(stored, rel=1e-15, abs=0)
    assert header_weight_name(raw) == "WEIGHT"
    labels = meta.column_names_to_labels
    assert labels["aided_acme"] == "Aided awareness: Acme" and labels["nps_stride"] == "NPS: Stride"
    assert labels["weight"].startswith("Final weight: raked to the us population margins")
    assert meta.variable_value_labels["aided_acme"] == {0.0: "no", 1.0: "yes"}
    assert meta.variable_value_labels["age"][1.0] == "18-24"
    assert meta.variable_value_labels["customer_status"] == {1.0: "current", 2.0: "lapsed", 3.0: "never"}
    assert set(frame["aided_acme"].dropna()) <= {0.0, 1.0}

    table = pq.read_table(io.BytesIO(parquet))
    assert table.schema.metadata[b"weight"] == b"weight"
    assert table.schema.field("aided_acme").metadata[b"label"] == b"Aided awareness: Acme"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert (
        [r["respondent"] for r in rows] == table.column("respondent").to_pylist() == list(frame["respondent"])
    )
    assert [float(r["weight"]) for r in rows] == table.column("weight").to_pylist() == list(frame["weight"])
    assert [r["age"] for r in rows] == [str(a) for a in table.column("age").to_pylist()]
    codes = {v: k for k, v in meta.variable_value_labels["age"].items()}
    assert [codes[r["age"]] for r in rows] == list(frame["age"])
    nps = [None if r["nps_acme"] == "" else int(r["nps_acme"]) for r in rows]
    assert nps == table.column("nps_acme").to_pylist()

    if shutil.which("Rscript") is None:
        pytest.skip("R is not installed: the .sav was not read by R")
    script = (
        f"for (pkg in c('haven', 'foreign')) if (requireNamespace(pkg, quietly = TRUE)) {{"
        f" d <- if (pkg == 'haven') haven::read_sav('{tmp_path / 'w.sav'}') else"
        f" foreign::read.spss('{tmp_path / 'w.sav'}', to.data.frame = TRUE);"
        f" cat(pkg, nrow(d), sprintf('%.12f', sum(d$weight)), '\\n') }}"
    )
    out = await asyncio.to_thread(
        subprocess.run, ["Rscript", "-e", script], capture_output=True, text=True, timeout=60, check=True
    )
    read = [line.split() for line in out.stdout.splitlines() if line.strip()]
    if not read:
        pytest.skip("R has neither haven nor foreign")
    for _pkg, n, total in read:
        assert int(n) == 200 and float(total) == pytest.approx(sum(stored), rel=1e-12)


async def test_a_range_of_waves_and_refusals(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await make_world(pool, settings, sample_size=120)
    async with pool.acquire() as conn:
        poll = await polls.get_poll(conn, world.poll_id)
        assert poll is not None
        second, _ = await waves.create_wave(conn, poll.id, SLOT + timedelta(days=7), 120)
    await publish_simulated_wave(pool, settings, poll, second.id, 150)
    async with api_client(settings, pool) as (client, _):
        editor = world.auth("editor")
        url = f"/api/v1/polls/{world.poll_id}/respondents"
        rows = list(csv.DictReader(io.StringIO(await (await client.get(url, headers=editor)).text())))
        assert [int(r["wave_id"]) for r in rows] == [world.wave_id] * 120 + [second.id] * 150
        only = await client.get(f"{url}?from_wave={second.id}&format=csv", headers=editor)
        assert {r["wave_id"] for r in csv.DictReader(io.StringIO(await only.text()))} == {str(second.id)}
        body = await problem(
            await client.get(f"{url}?from_wave={second.id}&to_wave={world.wave_id}", headers=editor), 400
        )
        assert body["errors"][0]["field"] == "from_wave"
        body = await problem(await client.get(f"{url}?to_wave=999999", headers=editor), 400)
        assert "999999" in body["detail"]
        async with pool.acquire() as conn:
            await conn.execute("UPDATE weighting_runs SET n_eff = 12 WHERE wave_id = $1", second.id)
        body = await problem(await client.get(url, headers=editor), 409)
        assert f"wave {second.id} has an effective base of 12.0" in body["detail"]


async def test_banner_table_holds_the_published_figures(settings: Settings, pool: asyncpg.Pool) -> None:
    world = await make_world(pool, settings, sample_size=400)
    async with pool.acquire() as conn:
        published = {(f.metric, f.brand, f.segment): f for f in await estimates.figures(conn, world.wave_id)}
    async with api_client(settings, pool) as (client, _):
        url = f"/api/v1/waves/{world.wave_id}/banner"
        viewer = world.auth("viewer")
        xlsx = await client.get(url, headers=viewer)
        assert xlsx.status == 200, await xlsx.text()
        assert xlsx.content_type.endswith("spreadsheetml.sheet")
        raw = await xlsx.read()
        text = await (await client.get(url + "?format=csv&banner=age,customer", headers=viewer)).text()
        body = await problem(await client.get(url + "?banner=shoe_size", headers=viewer), 400)
        assert "shoe_size" in body["detail"] and "age" in body["detail"]
        await problem(await client.get(url, headers=world.auth("reader")), 403)
    cells = list(csv.DictReader(io.StringIO(text)))
    assert {c["segment"] for c in cells} == {
        "all",
        *(f"age={a}" for a in ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")),
        "customer=current",
        "customer=lapsed",
        "customer=never",
    }
    for c in cells:
        figure = published[(c["metric"], c["brand"], c["segment"])]
        if figure.shown:
            assert float(c["estimate"]) == pytest.approx(figure.estimate, rel=1e-12)
        else:
            assert c["estimate"] == "" and c["letters"] == ""
        assert int(c["n"]) == figure.n
    assert any(c["letters"] for c in cells)

    sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(r for r in values if r[2] == "Total")
    label_row = next(r for r in values if r[0] == "Aided awareness: Acme")
    column = header.index("Age 18–24")
    assert label_row[column] == pytest.approx(published[("aided", "acme", "age=18-24")].estimate, rel=1e-12)
