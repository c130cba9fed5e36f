"""History import: the demo tracker's own exported history, imported into another poll by the one processing
path, reproduces its published figures (waves and rolling windows) to 1e-9 — from CSV and from SPSS; with the
file's own weights the point estimates stay and the wave says how it was weighted; a bad mapping names the
column and code and stores nothing; trends mark the break "imported from …"."""

from __future__ import annotations

import copy
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from recognition.demo import BRANDS, ensure_demo_poll
from recognition.exports.dataset import import_mapping
from recognition.exports.files import render
from recognition.exports.respondents import respondent_table
from recognition.imports.history import import_history
from recognition.imports.mapping import MappingError
from recognition.settings import Settings
from recognition.store import estimates, orgs, polls, waves
from tests.conftest import DEMO_TEST_SAMPLE, demo_db_url
from tests.integration.api_support import api_client

NUMBERS = (
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n_eff",
    "deff",
    "change",
    "change_se",
    "p_value",
    "q_value",
)


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)  # type: ignore[arg-type]


async def _copy_poll(conn: asyncpg.Connection, name: str) -> polls.Poll:  # type: ignore[name-defined]
    org = await orgs.ensure_organisation(conn, "demo")
    return await polls.create_poll(
        conn,
        org,
        name=name,
        category="sportswear",
        brands=BRANDS,
        own_brand="acme",
        population="us",
        sample_size=200,
    )


async def _figures(conn: asyncpg.Connection, poll_id: int, window: int) -> list[list[object]]:
    out: dict[int, list[object]] = {}
    for row in await estimates.poll_figures(conn, poll_id, window=window):
        out.setdefault(row.wave_id, []).append(row.figure)
    return [sorted(fs, key=lambda f: f.key) for _, fs in sorted(out.items())]  # type: ignore[attr-defined]


db_url = pytest.fixture(demo_db_url)  # each test reads its own copy of the demo tracker (tests/conftest.py)


@pytest.mark.slow
async def test_demo_history_round_trips_to_1e_9(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path, demo_template: dict[str, Any]
) -> None:
    async with pool.acquire() as conn:
        demo = await ensure_demo_poll(conn, DEMO_TEST_SAMPLE)
        published = [w for w in await waves.list_waves(conn, demo.id) if w.state == "published"]
        assert len(published) == 3
        table = await respondent_table(
            conn, demo, published, secret=settings.survey_secret, floor=30, now=datetime.now(UTC)
        )
        copies = {fmt: await _copy_poll(conn, f"History from {fmt}") for fmt in ("csv", "sav", "given")}
        original = {k: await _figures(conn, demo.id, k) for k in (1, 2, 3)}
    assert any(m.startswith("image.") for m, _ in table.indicators.values())
    for fmt in ("csv", "sav"):
        (tmp_path / f"history.{fmt}").write_bytes(render(table, fmt))
        mapping = import_mapping(table, "the demo tracker", fmt)
        (tmp_path / f"{fmt}.json").write_text(json.dumps(mapping))
        report = await import_history(pool, settings, copies[fmt], tmp_path / f"history.{fmt}", mapping)
        assert [n for _, _, n in report.waves] == [
            table.column("wave_id").values.count(float(w.id)) for w in published
        ]
        async with pool.acquire() as conn:
            for k in (1, 2, 3):
                mine = await _figures(conn, copies[fmt].id, k)
                assert len(mine) == len(original[k]) and mine
                for got_wave, want_wave in zip(mine, original[k], strict=True):
                    assert [f.key for f in got_wave] == [f.key for f in want_wave]  # type: ignore[attr-defined]
                    for got, want in zip(got_wave, want_wave, strict=True):
                        assert got.n == want.n and got.base_status == want.base_status  # type: ignore[attr-defined]
                        assert got.significant == want.significant, (fmt, k, got.key)  # type: ignore[attr-defined]
                        for name in NUMBERS:
                            assert _same(getattr(got, name), getattr(want, name)), (fmt, k, got.key, name)  # type: ignore[attr-defined]

    given = import_mapping(table, "the demo tracker", "csv") | {"weighting": "given"}
    await import_history(pool, settings, copies["given"], tmp_path / "history.csv", given)
    async with pool.acquire() as conn:
        mine = await _figures(conn, copies["given"].id, 1)
        for got_wave, want_wave in zip(mine, original[1], strict=True):
            for got, want in zip(got_wave, want_wave, strict=True):
                assert _same(got.estimate, want.estimate)  # type: ignore[attr-defined]
        imported = [w for w in await waves.list_waves(conn, copies["given"].id)]
        run = await estimates.weighting_run(conn, imported[0].id)
        assert run is not None and run["method"] == "given" and "not raked" in run["warnings"][0]
        assert {w.source for w in imported} == {"the demo tracker"}

    async with pool.acquire() as conn:
        key, _ = await orgs.create_key(conn, demo.organisation_id, "reader")
    async with api_client(settings, pool) as (client, _):
        body = await (
            await client.get(
                f"/api/v1/polls/{copies['csv'].id}/trends?metric=aided&brand=acme",
                headers={"Authorization": f"Bearer {key}"},
            )
        ).json()
        points = body["series"][0]["points"]
        assert [p["break"] for p in points] == ["imported from the demo tracker", None, None]
        assert {p["source"] for p in points} == {"the demo tracker"}


async def test_bad_mappings_name_column_and_code_and_store_nothing(
    settings: Settings, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    lines = ["wave,age,gender,region,education,usage,q1_acme,q1_stride,score_acme"]
    levels = {"age": ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]}
    for i in range(60):
        age = levels["age"][i % 6]
        lines.append(
            f"1,{age},{'female' if i % 2 else 'male'},{['Northeast', 'Midwest', 'South', 'West'][i % 4]},"
            f"{['hs_or_less', 'some_college_associate', 'bachelors_plus'][i % 3]},{1 + i % 3},{i % 2},"
            f"{'7' if i == 5 else (i + 1) % 2},{'' if i % 4 == 0 else i % 11}"
        )
    (tmp_path / "old.csv").write_text("\n".join(lines) + "\n")
    mapping = {
        "source": "Old provider",
        "wave": {"column": "wave", "dates": {"1": "2025-03-03"}},
        "variables": {v: {"column": v} for v in ("age", "gender", "region", "education")},
        "customer": {"column": "usage", "codes": {"1": "current", "2": "lapsed", "3": "never"}},
        "metrics": {
            "aided": {"columns": {"acme": "q1_acme", "stride": "q1_stride"}},
            "nps": {"columns": {"acme": "score_acme"}, "scale": "0-10"},
        },
    }
    async with pool.acquire() as conn:
        poll = await _copy_poll(conn, "Old history")
    with pytest.raises(MappingError) as caught:
        await import_history(pool, settings, poll, tmp_path / "old.csv", mapping)
    assert caught.value.problems == [
        ("metrics.aided", 'column "q1_stride": code "7" is not mapped (data rows 6)'),
    ]
    broken = copy.deepcopy(mapping)
    broken["variables"]["age"]["codes"] = {"18-24": "18-24"}
    broken["metrics"]["prefer"] = {"columns": {"nobody": "q1_acme"}}
    del broken["customer"]
    with pytest.raises(MappingError) as caught:
        await import_history(pool, settings, poll, tmp_path / "old.csv", broken)
    messages = dict(caught.value.problems)
    assert messages["customer"].startswith("required")
    assert messages["metrics.prefer.columns"].startswith("'nobody' is not a brand of the poll")
    broken = copy.deepcopy(mapping)
    broken["variables"]["age"]["codes"] = {"18-24": "18-24"}
    broken["metrics"]["aided"]["codes"] = {"0": 0, "1": 1, "7": None}
    with pytest.raises(MappingError) as caught:
        await import_history(pool, settings, poll, tmp_path / "old.csv", broken)
    assert caught.value.problems[0] == (
        "variables.age",
        'column "age": code "25-34" is not mapped (data rows 2, 8, 14, 20, 26 and 5 more)',
    )
    broken = copy.deepcopy(mapping)
    broken["metrics"]["service_feature.install.wtp"] = {"columns": {"acme": "q1_stride"}}
    broken["metrics"]["service.happy"] = {"columns": {"acme": "q1_stride"}}
    with pytest.raises(MappingError) as caught:
        await import_history(pool, settings, poll, tmp_path / "old.csv", broken)
    messages = dict(caught.value.problems)
    assert messages["metrics.service_feature.install.wtp"].startswith(
        'a willingness-to-pay column needs "scale": "price"'
    )
    assert "service.dissatisfied.<dimension>" in messages["metrics.service.happy"]
    async with pool.acquire() as conn:
        assert await waves.list_waves(conn, poll.id) == []
    fixed = copy.deepcopy(mapping)
    fixed["metrics"]["aided"]["codes"] = {"0": 0, "1": 1, "7": None}
    report = await import_history(pool, settings, poll, tmp_path / "old.csv", fixed)
    assert [n for _, _, n in report.waves] == [60]
    async with pool.acquire() as conn:
        [wave] = await waves.list_waves(conn, poll.id)
        assert wave.state == "published" and wave.source == "Old provider"
        figures = {f.key[:3]: f for f in await estimates.figures(conn, wave.id)}
    assert ("familiar", "acme", "all") not in figures  # a metric the file lacks has no figure, not 0
    assert figures[("nps", "acme", "all")].n == 45
