"""Key drivers, the image map and mental availability (the demo asks category entry points) of the demo tracker
over real HTTP on a real database: the API's numbers are the statistics' own on the wave's design (weighted as its
figures), CSV carries the bases, bad parameters are 4xx naming them, and the poll's page shows a section for each."""

from __future__ import annotations

import csv
import io
from typing import Any

import asyncpg
import numpy as np
import pytest
from aiohttp.test_utils import TestClient

from recognition.demo import DEMO_ENTRY_POINTS, ORGANISATION
from recognition.figures import StatisticsOptions
from recognition.populations import load_margins
from recognition.reports.modelled import WITH_HISTORY, WITHOUT_HISTORY
from recognition.settings import Settings
from recognition.stats import (
    MODELLED_LABEL,
    SMOOTHED_LABEL,
    bootstrap_weights,
    fay_herriot,
    image_map_from_indicators,
    key_drivers,
    mental_availability,
    smooth_trend,
)
from recognition.store import estimates as estimates_store
from recognition.store import insight as insight_store
from recognition.store import orgs, responses, waves
from recognition.store import polls as polls_store
from recognition.waves.compute import weigh
from recognition.waves.insight import REPLICATES, SEED
from recognition.waves.loading import load_input
from recognition.waves.processing import fill_insight
from tests.conftest import demo_db_url
from tests.integration.dashboard_support import sign_in

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

db_url = pytest.fixture(demo_db_url)


@pytest.fixture
async def world(pool: asyncpg.Pool, demo_template: dict[str, Any]) -> dict[str, Any]:
    poll_id = demo_template["poll"]["id"]
    async with pool.acquire() as conn:
        org = await orgs.organisation_id(conn, ORGANISATION)
        keys = {role: (await orgs.create_key(conn, org, role))[0] for role in ("viewer", "reader")}
        latest = await waves.latest_published(conn, poll_id)
        assert latest is not None
    return {"poll": poll_id, "wave": latest.id, "keys": keys}


def _auth(world: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {world['keys']['reader']}"}


async def _wave_data(pool: asyncpg.Pool, settings: Settings, world: dict[str, Any]) -> dict[str, Any]:
    """The wave's respondents and its design, as the statistics read them (not as the insight module does)."""
    async with pool.acquire() as conn:
        poll = await polls_store.get_poll(conn, world["poll"])
        assert poll is not None
        wave = await waves.get_wave(conn, world["wave"])
        assert wave is not None
        margins = load_margins(poll.population)
        _, inp = await load_input(conn, poll, wave.id, wave.questionnaire_version, margins)
    options = StatisticsOptions.from_settings(settings)
    design = weigh(inp, margins, options).design
    brands = poll.brand_ids
    attributes = sorted({m for m, _ in inp.indicators if m.startswith("image.")})

    def cube(metrics: list[str]) -> np.ndarray:
        return np.stack([np.column_stack([inp.indicators[(m, b)] for m in metrics]) for b in brands], axis=1)

    return {
        "inp": inp,
        "design": design,
        "options": options,
        "brands": brands,
        "attributes": attributes,
        "x": cube(attributes),
        "y": cube(["consider", "prefer"]),
        "aware": cube(["total_awareness"])[:, :, 0] == 1,
        "non_customer": np.asarray(inp.customer) != "current",
    }


async def test_drivers_are_the_statistics_of_the_waves_design(
    client: TestClient, pool: asyncpg.Pool, settings: Settings, world: dict[str, Any]
) -> None:
    resp = await client.get(f"/api/v1/polls/{world['poll']}/drivers", headers=_auth(world))
    assert resp.status == 200
    body = await resp.json()
    assert body["wave_id"] == world["wave"] and body["note"] is None
    assert [(d["outcome"], d["base"]) for d in body["drivers"]] == [
        ("consider", "all"),
        ("prefer", "all"),
        ("consider", "customer=non"),
        ("prefer", "customer=non"),
    ]
    w = await _wave_data(pool, settings, world)
    reps = bootstrap_weights(w["design"], replicates=REPLICATES, bounds=w["options"].weight_bounds, seed=SEED)
    for base, segment in (("all", True), ("customer=non", w["non_customer"][:, None])):
        expected = key_drivers(
            w["x"],
            w["y"],
            w["design"],
            reps,
            domain=w["aware"] & segment,
            attribute_names=w["attributes"],
            outcome_names=["consider", "prefer"],
        )
        for result in expected:
            got = next(d for d in body["drivers"] if d["outcome"] == result.outcome and d["base"] == base)
            shares = {a["attribute"]: a for a in got["attributes"]}
            assert sorted(shares) == w["attributes"]
            for j, attribute in enumerate(result.attributes):
                assert shares[attribute]["share"] == pytest.approx(result.share[j], abs=1e-9)
                assert shares[attribute]["share_low"] == pytest.approx(result.share_low[j], abs=1e-9)
                assert shares[attribute]["share_high"] == pytest.approx(result.share_high[j], abs=1e-9)
            assert got["r_squared"] == pytest.approx(result.r_squared, abs=1e-12)
            assert (got["n"], got["rows"], got["replicates"]) == (result.n, result.rows, REPLICATES)
            assert got["n_eff"] == pytest.approx(result.n_eff)
            assert "relative weights" in got["method"] and "re-raked" in got["method"]
    # The demo's respondents associate some attributes with what they consider more than others: the drivers
    # find that (the largest share well above an even split).
    consider = body["drivers"][0]
    assert max(a["share"] for a in consider["attributes"]) > 1.5 / len(consider["attributes"])


async def test_image_map_is_the_correspondence_analysis_of_the_wave(
    client: TestClient, pool: asyncpg.Pool, settings: Settings, world: dict[str, Any]
) -> None:
    resp = await client.get(
        f"/api/v1/polls/{world['poll']}/image-map?wave_id={world['wave']}", headers=_auth(world)
    )
    assert resp.status == 200
    placed = (await resp.json())["image_map"]
    w = await _wave_data(pool, settings, world)
    expected = image_map_from_indicators(
        w["x"], w["design"], brand_names=w["brands"], attribute_names=w["attributes"]
    )
    brands = {b["brand"]: b for b in placed["brands"]}
    for i, brand in enumerate(expected.row_names):
        assert brands[brand]["x"] == pytest.approx(expected.row_principal[i, 0], abs=1e-9)
        assert brands[brand]["y"] == pytest.approx(expected.row_principal[i, 1], abs=1e-9)
    attributes = {a["attribute"]: a for a in placed["attributes"]}
    for j, attribute in enumerate(expected.column_names):
        assert attributes[attribute]["x"] == pytest.approx(expected.column_principal[j, 0], abs=1e-9)
    assert placed["inertia_explained"] == pytest.approx(float(expected.share[:2].sum()))
    assert placed["n"] == expected.n and placed["n_eff"] == pytest.approx(expected.n_eff)
    assert brands["acme"]["name"] == "Acme" and "Correspondence analysis" in placed["method"]


async def test_csv_carries_the_bases(client: TestClient, world: dict[str, Any]) -> None:
    url = f"/api/v1/polls/{world['poll']}/drivers?format=csv&outcome=consider&base=customer%3Dnon"
    resp = await client.get(url, headers=_auth(world))
    assert resp.status == 200 and resp.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert (
        rows
        and {r["outcome"] for r in rows} == {"consider"}
        and {r["base"] for r in rows} == {"customer=non"}
    )
    assert all(int(r["n"]) > 0 and float(r["n_eff"]) > 0 and r["method"] for r in rows)
    assert {r["base_name"] for r in rows} == {"Potential customers"}
    assert sum(float(r["share"]) for r in rows) == pytest.approx(1.0)
    resp = await client.get(
        f"/api/v1/polls/{world['poll']}/image-map", headers={**_auth(world), "Accept": "text/csv"}
    )
    points = list(csv.DictReader(io.StringIO(await resp.text())))
    assert {p["kind"] for p in points} == {"brand", "attribute"}
    assert all(p["n"] and p["n_eff"] and p["inertia_explained"] for p in points)


async def test_bad_parameters_are_named(client: TestClient, world: dict[str, Any]) -> None:
    base = f"/api/v1/polls/{world['poll']}"
    resp = await client.get(f"{base}/drivers?outcome=loyalty", headers=_auth(world))
    assert resp.status == 400
    assert any(e["field"] == "outcome" for e in (await resp.json())["errors"])
    resp = await client.get(f"{base}/drivers?base=age%3D18-24", headers=_auth(world))
    assert resp.status == 400 and "base" in await resp.text()
    resp = await client.get(f"{base}/image-map?wave_id=987654", headers=_auth(world))
    assert resp.status == 404 and "987654" in await resp.text()
    resp = await client.get(f"{base}/mental-availability?wave_id=zero", headers=_auth(world))
    assert resp.status == 400 and "wave_id" in await resp.text()


async def test_mental_availability_is_the_statistics_of_the_waves_design(
    client: TestClient, pool: asyncpg.Pool, settings: Settings, world: dict[str, Any]
) -> None:
    """The demo asks its buying situations; the API's numbers are :func:`mental_availability` of the stored
    answers (which brands came to mind in each situation) on the wave's design, and no entry point is published
    as a figure."""
    resp = await client.get(f"/api/v1/polls/{world['poll']}/mental-availability", headers=_auth(world))
    assert resp.status == 200
    body = await resp.json()
    assert body["note"] is None
    found = body["mental_availability"]
    assert found["entry_points"] == len(DEMO_ENTRY_POINTS)
    w = await _wave_data(pool, settings, world)
    async with pool.acquire() as conn:
        rows = await responses.wave_respondents(conn, world["wave"])
        published = await conn.fetch(
            "SELECT DISTINCT metric FROM estimates WHERE wave_id = $1", world["wave"]
        )
    assert [r.id for r in rows] == w["inp"].respondent_ids
    links = np.array(
        [
            [
                [int(b in (r.answers.get(f"entry_point.{e['id']}") or [])) for b in w["brands"]]
                for e in DEMO_ENTRY_POINTS
            ]
            for r in rows
        ]
    )
    assert links.sum() > 0
    expected = mental_availability(links, w["design"], brand_names=w["brands"], level=w["options"].level)
    assert [b["brand"] for b in found["brands"]] == w["brands"]
    for j, got in enumerate(found["brands"]):
        for measure in ("mental_market_share", "mental_penetration", "network_size"):
            want = getattr(expected, measure)
            for key in ("estimate", "se", "ci_low", "ci_high"):
                assert got[measure][key] == pytest.approx(float(getattr(want, key)[j]), rel=1e-9, abs=1e-12)
            assert got[measure]["n"] == int(want.n[j])
    own = next(b for b in found["brands"] if b["brand"] == "acme")
    assert 0 < own["mental_penetration"]["estimate"] < 1
    metrics = {r["metric"] for r in published}
    assert any(m.startswith("image.") for m in metrics)
    assert not any(m.startswith("entry_point.") for m in metrics)


async def test_poll_page_shows_the_sections(client: TestClient, world: dict[str, Any]) -> None:
    assert (await sign_in(client, world["keys"]["viewer"])).status == 303
    html = await (await client.get(f"/dashboard/polls/{world['poll']}")).text()
    for heading in (
        "Key drivers: what goes with consideration and preference",
        "Image map",
        "Mental availability",
    ):
        assert heading in html
    assert 'id="cap-drivers_consider"' in html and 'id="cap-position_map"' in html
    assert "Potential customers" in html and "effective n" in html
    modelled = html[html.index('id="h-modelled"') :]
    assert "Segments, modelled: Aided awareness of Acme" in modelled
    assert (
        modelled.count('<span class="tag">modelled</span>') >= 10
    )  # every segment of every modelled variable


async def test_smoothed_trend_sits_beside_the_raw_series(client: TestClient, world: dict[str, Any]) -> None:
    base = f"/api/v1/polls/{world['poll']}"
    resp = await client.get(f"{base}/smoothed-trends?metric=aided", headers=_auth(world))
    assert resp.status == 200
    body = await resp.json()
    assert body["label"] == SMOOTHED_LABEL and "local-level" in body["method"]
    trends = await (await client.get(f"{base}/trends?metric=aided", headers=_auth(world))).json()
    published = {s["brand"]: [p["estimate"] for p in s["points"]] for s in trends["series"]}
    for series in body["series"]:
        raw = [p["raw"] for p in series["points"]]
        assert [r["estimate"] for r in raw] == published[series["brand"]]  # the raw series, unchanged
        assert all(r["n"] > 0 and r["n_eff"] > 0 for r in raw)
        expected = smooth_trend(np.array([r["estimate"] for r in raw]), np.array([r["se"] for r in raw]))
        got = [p["smoothed"]["estimate"] for p in series["points"]]
        assert got == pytest.approx(list(expected.smoothed), abs=1e-12)
        assert series["signal_variance"] == pytest.approx(float(expected.signal_variance))
    resp = await client.get(
        f"{base}/smoothed-trends?metric=aided&brand=acme&format=csv", headers=_auth(world)
    )
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert len(rows) == 3 and {r["smoothed_label"] for r in rows} == {SMOOTHED_LABEL}
    assert all(r["estimate"] and r["smoothed"] and r["n_eff"] for r in rows)
    bad = await client.get(f"{base}/smoothed-trends?metric=aided&brand=nobody", headers=_auth(world))
    assert bad.status == 400 and "brand" in await bad.text()


async def test_modelled_segments_sit_beside_the_direct_estimates(
    client: TestClient, pool: asyncpg.Pool, world: dict[str, Any]
) -> None:
    url = f"/api/v1/polls/{world['poll']}/modelled-segments?metric=consider&brand=stride"
    resp = await client.get(url, headers=_auth(world))
    assert resp.status == 200
    body = await resp.json()
    assert body["label"] == MODELLED_LABEL and body["wave_id"] == world["wave"]
    async with pool.acquire() as conn:
        published = [w.id for w in await waves.list_waves(conn, world["poll"]) if w.state == "published"]
        now = await estimates_store.figures(conn, world["wave"], metric="consider", brand="stride")
        before = await estimates_store.figures(conn, published[-2], metric="consider", brand="stride")
    direct = {f.segment: f for f in now}
    previous = {f.segment: f for f in before}
    age = next(g for g in body["groups"] if g["variable"] == "age")
    segments = [s["segment"] for s in age["segments"]]
    assert segments == sorted(s for s in direct if s.startswith("age="))
    for s in age["segments"]:  # the direct estimate is the published figure, unchanged, with its base
        f = direct[s["segment"]].public()
        assert (s["direct"]["estimate"], s["direct"]["n"]) == (f.estimate, f.n)
        assert s["direct"]["n_eff"] == pytest.approx(f.n_eff)
    shown = [direct[s].shown for s in segments]
    y = np.array([direct[s].estimate if ok else np.nan for s, ok in zip(segments, shown, strict=True)])
    psi = np.array([direct[s].se ** 2 if ok else np.nan for s, ok in zip(segments, shown, strict=True)])
    # The previous wave's estimates are the covariate when every level has a shown one, else the intercept alone.
    with_history = all(previous[s].shown for s in segments)
    history = np.array([[previous[s].estimate] for s in segments]) if with_history else None
    expected = fay_herriot(y, psi, history, names=segments, proportion=True)
    assert age["note"] is None
    assert (WITH_HISTORY if with_history else WITHOUT_HISTORY) in age["method"]
    for d, s in enumerate(age["segments"]):
        assert s["modelled"]["label"] == MODELLED_LABEL
        assert s["modelled"]["estimate"] == pytest.approx(expected.estimate[d], abs=1e-12)
        assert s["modelled"]["gamma"] == pytest.approx(expected.gamma[d], abs=1e-12)
    resp = await client.get(url + "&format=csv", headers=_auth(world))
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert {r["variable"] for r in rows} >= {"age", "gender", "customer"}
    assert all(r["n"] and r["n_eff"] and r["base_status"] for r in rows)
    assert {r["modelled_label"] for r in rows if r["modelled_estimate"]} == {MODELLED_LABEL}
    bad = await client.get(f"/api/v1/polls/{world['poll']}/modelled-segments", headers=_auth(world))
    assert bad.status == 400 and "metric" in await bad.text()


async def test_a_wave_published_without_insight_says_so_until_filled(
    client: TestClient, pool: asyncpg.Pool, settings: Settings, world: dict[str, Any]
) -> None:
    async with pool.acquire() as conn:
        stored = await insight_store.wave_insight(conn, world["wave"])
        await conn.execute("DELETE FROM wave_insight WHERE wave_id = $1", world["wave"])  # as before 0014
        poll = await polls_store.get_poll(conn, world["poll"])
    assert poll is not None and stored is not None
    url = f"/api/v1/polls/{world['poll']}/drivers"
    body = await (await client.get(url, headers=_auth(world))).json()
    assert body["drivers"] == [] and "recognition insight" in body["note"]
    filled = await fill_insight(pool, poll, settings)
    assert filled == [world["wave"]]
    async with pool.acquire() as conn:
        assert await insight_store.wave_insight(conn, world["wave"]) == stored  # the same as at publishing
    assert await fill_insight(pool, poll, settings) == []
