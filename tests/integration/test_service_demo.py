"""The demo tracker asks its service features and service satisfaction: over real HTTP on a real database, the service analysis of a wave
is the Gabor–Granger statistics' own on the wave's design (read from the stored answers, not as the insight module
reads them), the dashboard shows what was stored, and the analysis is tracked over the published waves.

How well the simulated respondents' known willingness to pay is recovered, and that a feature costing more than its
buyers pay is one not to promise, is checked over many simulated waves (tests/unit/test_stats_pricing.py,
``recognition price-check``), not on the one realisation of a 200-respondent demo wave: there, evening advice is
"do not promise" most of the time and a paid add-on at 40 USD about one time in five, as its flip probability
says."""

from __future__ import annotations

import csv
import io
from typing import Any

import asyncpg
import numpy as np
import pytest
from aiohttp.test_utils import TestClient

from recognition.alerts.loop import evaluate_wave, wave_statuses
from recognition.demo import DEMO_SERVICE_FEATURES, ORGANISATION
from recognition.figures import StatisticsOptions
from recognition.populations import load_margins
from recognition.settings import Settings
from recognition.stats import bootstrap_weights, gabor_granger
from recognition.store import estimates as estimates_store
from recognition.store import orgs, responses, waves
from recognition.store import polls as polls_store
from recognition.waves.compute import weigh
from recognition.waves.insight import REPLICATES, SEED
from recognition.waves.loading import load_input
from tests.conftest import demo_db_url
from tests.integration.dashboard_support import sign_in

db_url = pytest.fixture(demo_db_url)


@pytest.fixture
async def world(pool: asyncpg.Pool, demo_template: dict[str, Any]) -> dict[str, Any]:
    poll_id = demo_template["poll"]["id"]
    async with pool.acquire() as conn:
        org = await orgs.organisation_id(conn, ORGANISATION)
        key = (await orgs.create_key(conn, org, "reader"))[0]
        latest = await waves.latest_published(conn, poll_id)
        assert latest is not None
    return {"poll": poll_id, "wave": latest.id, "auth": {"Authorization": f"Bearer {key}"}}


def _accepted(answers: dict[str, Any], feature: dict[str, Any]) -> tuple[float, float, float]:
    said = answers.get(f"service.{feature['id']}")
    if said != "pay":
        return 0.0, float(said == "standard"), 0.0
    for price in sorted(feature["prices"], reverse=True):
        if answers.get(f"service.{feature['id']}.at.{price:g}") == "yes":
            return float(price), 0.0, 1.0
    return 0.0, 0.0, 1.0


async def test_the_service_analysis_is_the_statistics_of_the_waves_design(
    client: TestClient, pool: asyncpg.Pool, settings: Settings, world: dict[str, Any]
) -> None:
    resp = await client.get(f"/api/v1/polls/{world['poll']}/service", headers=world["auth"])
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["note"] is None and body["wave_id"] == world["wave"]
    found = {f["id"]: f for f in body["service"]["features"]}
    assert list(found) == [f["id"] for f in DEMO_SERVICE_FEATURES]
    async with pool.acquire() as conn:
        poll = await polls_store.get_poll(conn, world["poll"])
        assert poll is not None
        wave = await waves.get_wave(conn, world["wave"])
        assert wave is not None
        margins = load_margins(poll.population)
        _, inp = await load_input(conn, poll, wave.id, wave.questionnaire_version, margins)
        rows = await responses.wave_respondents(conn, wave.id)
    assert [r.id for r in rows] == inp.respondent_ids
    options = StatisticsOptions.from_settings(settings)
    design = weigh(inp, margins, options).design
    reps = bootstrap_weights(design, replicates=REPLICATES, bounds=options.weight_bounds, seed=SEED).weights
    potential = np.asarray(inp.customer) != "current"
    for feature in DEMO_SERVICE_FEATURES:
        accepted, standard, pay = np.array([_accepted(r.answers, feature) for r in rows]).T
        assert pay.sum() > 0
        for base, mask in (("all", np.ones(len(rows), bool)), ("customer=non", potential)):
            want = gabor_granger(
                accepted * mask,
                standard * mask,
                pay * mask,
                feature["prices"],
                feature["cost"],
                design.w * mask,
                reps * mask,
                level=options.level,
            )
            got = next(b for b in found[feature["id"]]["bases"] if b["base"] == base)
            assert got["n"] == want.n and got["base_name"]
            assert [d["share"] for d in got["demand"]] == pytest.approx(list(want.demand), rel=1e-9)
            assert [d["share_low"] for d in got["demand"]] == pytest.approx(list(want.demand_low), rel=1e-9)
            assert (got["best_price"], got["best_price_low"], got["best_price_high"]) == (
                want.best_price,
                want.best_price_low,
                want.best_price_high,
            )
            assert got["recommendation"] == want.recommendation
            assert got["flip_probability"] == pytest.approx(want.flip_probability)


async def test_the_service_analysis_is_tracked_over_the_waves_and_served_as_csv(
    client: TestClient, world: dict[str, Any]
) -> None:
    base = f"/api/v1/polls/{world['poll']}"
    track = await (await client.get(f"{base}/service/track", headers=world["auth"])).json()
    waves_seen = list(dict.fromkeys(r["wave_id"] for r in track["waves"]))
    assert len(waves_seen) == 3 and waves_seen[-1] == world["wave"]
    assert len(track["waves"]) == 3 * len(DEMO_SERVICE_FEATURES) * 3
    for row in track["waves"]:
        assert row["best_price_low"] <= row["best_price"] <= row["best_price_high"]
        assert (
            0
            <= row["share_at_best_price_low"]
            <= row["share_at_best_price"]
            <= row["share_at_best_price_high"]
        )
    resp = await client.get(f"{base}/service?format=csv", headers=world["auth"])
    assert resp.status == 200 and resp.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert len(rows) == sum(len(f["prices"]) for f in DEMO_SERVICE_FEATURES) * 3
    assert {r["base"] for r in rows} == {"all", "customer=current", "customer=non"} and rows[0]["n_eff"]
    # each row carries its feature's cost and where the cost comes from, as the JSON says
    service = await (await client.get(f"{base}/service", headers=world["auth"])).json()
    features = {f["id"]: f for f in service["service"]["features"]}
    for row in rows:
        feature = features[row["feature"]]
        assert row["cost_source"] == feature["cost_source"] == "fielding"
        assert float(row["cost"]) == feature["cost"] and row["currency"] == feature["currency"]
    resp = await client.get(f"{base}/service/track?format=csv", headers=world["auth"])
    tracked = list(csv.DictReader(io.StringIO(await resp.text())))
    assert resp.status == 200 and len(tracked) == len(track["waves"])
    assert {r["cost_source"] for r in tracked} == {r["cost_source"] for r in track["waves"]} == {"fielding"}
    resp = await client.get(f"{base}/service?wave_id=987654", headers=world["auth"])
    assert resp.status == 404 and "987654" in await resp.text()


async def test_a_limit_on_dissatisfaction_raises_an_alert_like_every_objective(
    client: TestClient, pool: asyncpg.Pool, world: dict[str, Any], demo_keys: dict[str, str]
) -> None:
    """The demo asks satisfaction with delivery times of everyone who used a brand; the share dissatisfied with
    Acme is a published figure among its raters, and "at most 1% dissatisfied" is breached and raises an alert."""
    async with pool.acquire() as conn:
        figures = await estimates_store.figures_by_key(conn, world["wave"])
    figure = figures[("service.dissatisfied.delivery_times", "acme", "all", "total")]
    assert figure.shown and 0 < figure.estimate < 0.4  # type: ignore[operator]
    raters = figures[("aided", "acme", "all", "total")].n
    assert 0 < figure.n < raters  # only those who used Acme rate it
    limit = {
        "metric": "service.dissatisfied.delivery_times",
        "brand": "acme",
        "threshold": 0.01,
        "direction": "at_most",
        "label": "no more than 1% dissatisfied with delivery times",
    }
    resp = await client.post(
        f"/api/v1/polls/{world['poll']}/objectives",
        headers={"Authorization": f"Bearer {demo_keys['editor']}"},
        json=limit,
    )
    assert resp.status == 201, await resp.text()
    objective_id = (await resp.json())["id"]
    async with pool.acquire() as conn:
        statuses = await wave_statuses(conn, world["poll"], world["wave"])
        events = await evaluate_wave(conn, world["wave"])
    mine = next(s for s in statuses if s.objective_id == objective_id)
    assert mine.status == "breached"
    raised = [e for e in events if e.payload.get("objective_id") == objective_id]
    assert [e.kind for e in raised] == ["objective.breached"], [e.payload for e in events]
    assert raised[0].payload["text"].startswith("Dissatisfied with the service: Delivery times of Acme (all)")


async def test_the_poll_page_shows_the_service_recommendations(
    client: TestClient, world: dict[str, Any], demo_keys: dict[str, str]
) -> None:
    assert (await sign_in(client, demo_keys["viewer"])).status == 303
    html = await (await client.get(f"/dashboard/polls/{world['poll']}")).text()
    section = html[html.index('id="h-service"') :]
    section = section[: section.index("</section>")]
    assert "How much service is too much" in section
    rows = section.split("<tr")[2:]  # after the head
    assert len(rows) == 2 * len(DEMO_SERVICE_FEATURES)  # everybody and potential customers per feature
    stored = await (await client.get(f"/api/v1/polls/{world['poll']}/service", headers=world["auth"])).json()
    words = {"standard": "include as standard", "paid_add_on": "offer as a paid add-on"}
    words["do_not_promise"] = "do not promise"
    for feature in DEMO_SERVICE_FEATURES:
        row = next(r for r in rows if feature["wording"] in r and "potential customers" not in r)
        analysed = next(f for f in stored["service"]["features"] if f["id"] == feature["id"])
        everyone = next(b for b in analysed["bases"] if b["base"] == "all")
        assert words[everyone["recommendation"]] in row, (feature["id"], row)
        assert f"{feature['cost']:.2f} USD" in row and "effective n" in row
