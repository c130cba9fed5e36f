"""The scores endpoint over real HTTP on a real database: auth first, organisation scope, problem+json errors,
suppression of low bases."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from recognition.figures import Figure, WeightingRow
from recognition.store import orgs, polls, waves
from recognition.store.estimates import replace_wave_results

BRANDS = [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]


def _row(brand: str, estimate: float, status: str = "ok", metric: str = "aided") -> Figure:
    return Figure(
        metric=metric,
        brand=brand,
        segment="all",
        base="total",
        kind="proportion",
        estimate=estimate,
        se=0.01,
        ci_low=estimate - 0.02,
        ci_high=estimate + 0.02,
        ci_method="logit",
        level=0.95,
        n=500,
        n_eff=400.0 if status == "ok" else 20.0,
        deff=1.2,
        base_status=status,
    )


@pytest.fixture
async def world(pool: asyncpg.Pool) -> dict[str, object]:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "acme-corp")
        other = await orgs.ensure_organisation(conn, "other-corp")
        poll = await polls.create_poll(
            conn, org, name="t", category="c", brands=BRANDS, own_brand="a", population="us", sample_size=500
        )
        wave, _ = await waves.create_wave(conn, poll.id, datetime(2026, 1, 5, tzinfo=UTC), 500)
        for a, b in (
            ("scheduled", "launching"),
            ("launching", "fielding"),
            ("fielding", "closing"),
            ("closing", "processing"),
            ("processing", "published"),
        ):
            assert await waves.transition(conn, wave.id, a, b)
        weighting = WeightingRow("raking", True, 5, 1e-12, 500, 400.0, 1.25, 0.5, 2.0, [])
        changed = replace(_row("a", 0.6), change=0.05, change_se=0.01, p_value=0.001, q_value=0.002)
        await replace_wave_results(
            conn,
            wave.id,
            weighting,
            [],
            [
                replace(changed, significant=True),
                _row("b", 0.3, "suppressed"),
                replace(_row("a", 0.25, metric="image.sporty"), change=0.0, significant=False),
            ],
        )
        reader, _ = await orgs.create_key(conn, org, "reader")
        foreign, _ = await orgs.create_key(conn, other, "admin")
        revoked, _ = await orgs.create_key(conn, org, "admin")
        await orgs.revoke_key(conn, org, revoked.split("_")[0] + "_" + revoked.split("_")[1])
    return {"poll": poll.id, "wave": wave.id, "reader": reader, "foreign": foreign, "revoked": revoked}


async def _problem(resp: object, status: int) -> dict[str, object]:
    assert resp.status == status  # type: ignore[attr-defined]
    assert resp.content_type == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = await resp.json(content_type=None)  # type: ignore[attr-defined]
    assert body["status"] == status and body["title"]
    return body


async def test_anonymous_and_bad_keys_get_401(client: TestClient, world: dict[str, object]) -> None:
    url = f"/api/v1/polls/{world['poll']}/scores"
    await _problem(await client.get(url), 401)
    await _problem(await client.get(url, headers={"Authorization": "Basic abc"}), 401)
    await _problem(await client.get(url, headers={"Authorization": "Bearer rk_nope_nope"}), 401)
    body = await _problem(await client.get(url, headers={"Authorization": f"Bearer {world['revoked']}"}), 401)
    assert "revoked" in str(body["detail"])
    # authentication comes before routing: an unknown /api/v1 path is 401 too when anonymous
    await _problem(await client.get("/api/v1/no/such/route"), 401)


async def test_reader_sees_scores_with_low_bases_suppressed(
    client: TestClient, world: dict[str, object]
) -> None:
    resp = await client.get(
        f"/api/v1/polls/{world['poll']}/scores?metric=aided",
        headers={"Authorization": f"Bearer {world['reader']}"},
    )
    assert resp.status == 200
    body = await resp.json()
    [wave] = body["items"]
    rows = {e["brand"]: e for e in wave["estimates"]}
    assert rows["a"]["estimate"] == pytest.approx(0.6) and rows["a"]["n_eff"] == 400.0
    assert (
        rows["b"]["base_status"] == "suppressed" and rows["b"]["estimate"] is None and rows["b"]["n"] == 500
    )


async def test_other_organisations_poll_is_not_found(client: TestClient, world: dict[str, object]) -> None:
    resp = await client.get(
        f"/api/v1/polls/{world['poll']}/scores", headers={"Authorization": f"Bearer {world['foreign']}"}
    )
    await _problem(resp, 404)


async def test_bad_path_parameter_names_the_field(client: TestClient, world: dict[str, object]) -> None:
    resp = await client.get(
        "/api/v1/polls/abc/scores", headers={"Authorization": f"Bearer {world['reader']}"}
    )
    body = await _problem(resp, 400)
    assert body["errors"] == [{"field": "poll_id", "message": "not a whole number: 'abc'"}]


async def test_health_and_readiness(client: TestClient) -> None:
    assert (await (await client.get("/healthz")).json()) == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["migrations"] == "current"


async def test_image_metrics_pass_the_metric_filter(client: TestClient, world: dict[str, object]) -> None:
    reader = {"Authorization": f"Bearer {world['reader']}"}
    resp = await client.get(f"/api/v1/polls/{world['poll']}/scores?metric=image.sporty", headers=reader)
    assert resp.status == 200, await resp.text()
    [item] = (await resp.json())["items"]
    assert [(e["metric"], e["brand"], e["estimate"]) for e in item["estimates"]] == [
        ("image.sporty", "a", 0.25)
    ]
    trend = await client.get(f"/api/v1/polls/{world['poll']}/trends?metric=image.sporty", headers=reader)
    assert [s["brand"] for s in (await trend.json())["series"]] == ["a"]


async def test_unknown_segment_or_brand_is_a_400_naming_the_known_ones(
    client: TestClient, world: dict[str, object]
) -> None:
    reader = {"Authorization": f"Bearer {world['reader']}"}
    for path in ("scores", "trends"):
        resp = await client.get(
            f"/api/v1/polls/{world['poll']}/{path}?metric=aided&segment=age=12-17", headers=reader
        )
        body = await _problem(resp, 400)
        [error] = body["errors"]  # type: ignore[misc]
        assert error["field"] == "segment"
        for known in ("all", "age=18-24", "gender=female", "customer=non"):
            assert known in error["message"]
        resp = await client.get(f"/api/v1/polls/{world['poll']}/{path}?metric=aided&brand=zz", headers=reader)
        body = await _problem(resp, 400)
        assert body["errors"] == [{"field": "brand", "message": "not a brand of this poll; one of a, b"}]
    ok = await client.get(f"/api/v1/polls/{world['poll']}/scores?segment=age=18-24", headers=reader)
    assert ok.status == 200  # a known segment with no figures yet is simply empty


async def test_csv_booleans_are_lowercase_and_pages_use_items(
    client: TestClient, world: dict[str, object]
) -> None:
    reader = {"Authorization": f"Bearer {world['reader']}"}
    resp = await client.get(f"/api/v1/polls/{world['poll']}/scores?format=csv", headers=reader)
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    flags = {(r["metric"], r["brand"]): r["significant"] for r in rows}
    assert flags == {("aided", "a"): "true", ("aided", "b"): "", ("image.sporty", "a"): "false"}
    names = {
        (r["metric_name"], r["brand_name"], r["segment_name"]) for r in rows
    }  # plain words beside the ids
    assert names == {
        ("Aided awareness", "A", "Everybody"),
        ("Aided awareness", "B", "Everybody"),
        ("Image: sporty", "A", "Everybody"),
    }
    body = await (await client.get(f"/api/v1/polls/{world['poll']}/scores", headers=reader)).json()
    assert set(body) == {"poll", "window", "items", "next_cursor"}
    assert body["items"][0]["source"] is None and body["items"][0]["break"] is None


async def test_trends_carry_the_least_squares_trend_of_the_last_waves(
    client: TestClient, world: dict[str, object], pool: asyncpg.Pool
) -> None:
    """Three more published waves with brand a at 0.62, 0.64, 0.66 after 0.60: exactly on a line with equal se,
    so the trend is the OLS slope 0.02 with se = 0.01/√5 (Σ(t − t̄)² = 5 for t = 0..3), t on 2 df."""
    async with pool.acquire() as conn:
        for i, estimate in enumerate((0.62, 0.64, 0.66), start=2):
            wave, _ = await waves.create_wave(
                conn,
                int(world["poll"]),
                datetime(2026, 1, 5, tzinfo=UTC) + timedelta(weeks=i),
                500,  # type: ignore[call-overload]
            )
            for a, b in (
                ("scheduled", "launching"),
                ("launching", "fielding"),
                ("fielding", "closing"),
                ("closing", "processing"),
                ("processing", "published"),
            ):
                assert await waves.transition(conn, wave.id, a, b)
            weighting = WeightingRow("raking", True, 5, 1e-12, 500, 400.0, 1.25, 0.5, 2.0, [])
            await replace_wave_results(conn, wave.id, weighting, [], [_row("a", estimate), _row("b", 0.3)])
    reader = {"Authorization": f"Bearer {world['reader']}"}
    body = await (
        await client.get(f"/api/v1/polls/{world['poll']}/trends?metric=aided", headers=reader)
    ).json()
    a, b = body["series"]
    se = 0.01 / 5**0.5
    assert len(a["trend"]["wave_ids"]) == 4 and a["trend"]["df"] == 2
    assert abs(a["trend"]["slope"] - 0.02) < 1e-9 and abs(a["trend"]["se"] - se) < 1e-9
    assert abs(a["trend"]["change"] - 0.06) < 1e-9
    # b's first wave is suppressed: three usable waves, all 0.30, so a flat trend on one degree of freedom
    assert b["trend"]["df"] == 1 and abs(b["trend"]["slope"]) < 1e-12 and not b["trend"]["significant"]
    short = await client.get(
        f"/api/v1/polls/{world['poll']}/trends?metric=aided&trend_waves=3", headers=reader
    )
    assert len((await short.json())["series"][0]["trend"]["wave_ids"]) == 3
    bad = await client.get(f"/api/v1/polls/{world['poll']}/trends?metric=aided&trend_waves=2", headers=reader)
    assert bad.status == 400
