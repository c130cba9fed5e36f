"""Service features over real HTTP on a real database: a poll defined with its service features (worded per
language, each with its cost and price ladder) stores and returns them, its questionnaire asks them, bad ones are
422 problems naming the field in plain words; and a respondent walking the hosted survey answers the expectation
screen and, when they would pay, the ladder from the highest price down to their first yes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import asyncpg

from recognition.settings import Settings
from recognition.store import orgs
from tests.integration.api_support import api_client, problem
from tests.integration.survey_world import entry, exit_parts, make_world, walk

ClientFactory = Callable[..., Any]

FEATURES = [
    {
        "id": "install",
        "wording": {"en": "home installation", "de": "Aufbau zu Hause"},
        "cost": 35.0,
        "prices": [10.0, 20.0, 40.0, 80.0],
        "currency": "USD",
    },
    {
        "id": "evening",
        "wording": "phone support in the evening",
        "cost": 1.5,
        "prices": [2.0, 5.0, 9.0],
        "currency": "EUR",
    },
]
POLL: dict[str, Any] = {
    "name": "Sportswear with service",
    "category": "sportswear",
    "own_brand": "acme",
    "brands": [{"id": "acme", "name": "Acme"}, {"id": "stride", "name": "Stride"}],
    "population": "us",
    "sample_size": 200,
    "service_features": FEATURES,
}


async def _editor(pool: asyncpg.Pool) -> dict[str, str]:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "service-org")
        key, _ = await orgs.create_key(conn, org, "editor")
    return {"Authorization": f"Bearer {key}"}


async def test_a_poll_with_service_features_asks_them(settings: Settings, pool: asyncpg.Pool) -> None:
    editor = await _editor(pool)
    async with api_client(settings, pool) as (client, _):
        resp = await client.post("/api/v1/polls", headers=editor, json=POLL)
        assert resp.status == 201, await resp.text()
        poll = await resp.json()
        assert poll["service_features"] == FEATURES
        preview = await (await client.get(f"/api/v1/polls/{poll['id']}/questionnaire", headers=editor)).json()
        asked = [s["id"] for s in preview["screens"] if s["module"] == "service"]
        assert asked == [
            "service.install",
            "service.install.at.80",
            "service.install.at.40",
            "service.install.at.20",
            "service.install.at.10",
            "service.evening",
            "service.evening.at.9",
            "service.evening.at.5",
            "service.evening.at.2",
        ]
        screens = {s["id"]: s for s in preview["screens"]}
        question = screens["service.install.at.40"]["questions"][0]
        assert question["prompt"] == "Would you buy home installation from Acme for USD 40?"
        changed = await client.patch(
            f"/api/v1/polls/{poll['id']}", headers=editor, json={"service_features": FEATURES[1:]}
        )
        assert changed.status == 200, await changed.text()
        body = await changed.json()
        assert body["questionnaire_version"] == poll["questionnaire_version"] + 1
        assert body["service_features"] == FEATURES[1:]


async def test_bad_service_features_are_named_in_plain_words(settings: Settings, pool: asyncpg.Pool) -> None:
    editor = await _editor(pool)
    feature = FEATURES[1]
    cases = [
        ([{**feature, "prices": [5.0, 2.0, 9.0]}], "service_features[0].prices", "rise"),
        ([{**feature, "prices": [2.0, 5.0]}], "service_features[0].prices", "at least 3"),
        ([{**feature, "cost": -1}], "service_features[0].cost", "0"),
        ([{**feature, "currency": "euro"}], "service_features[0].currency", "such as EUR"),
        ([feature, feature], "service_features[1].id", "listed once"),
    ]
    async with api_client(settings, pool) as (client, _):
        for i, (features, field, words) in enumerate(cases):
            body = {**POLL, "name": f"Bad {i}", "service_features": features}
            created = await problem(await client.post("/api/v1/polls", headers=editor, json=body), 422)
            assert [e["field"] for e in created["errors"]] == [field], (features, created["errors"])
            message = created["errors"][0]["message"]
            assert words in message, (field, message)
            assert not re.search(r"\^|\[A-Z|Input should|pydantic", message), message


async def test_a_respondent_climbs_down_the_ladder_on_the_hosted_survey(
    make_client: ClientFactory, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        world = await make_world(conn, service_features=FEATURES[:1])
    seen_pay = False
    for seed in range(8):
        client = await make_client()
        visit = await walk(client, entry(world.wave_id, f"PANEL-SF-{seed}"), seed=seed, max_pages=60)
        assert visit.exit_url is not None and exit_parts(visit.exit_url)[0] == "complete"
        async with pool.acquire() as conn:
            rid = await conn.fetchval(
                "SELECT r.id FROM respondents r WHERE r.wave_id = $1 ORDER BY r.id DESC LIMIT 1",
                world.wave_id,
            )
            answers = {
                r["question_id"]: r["value"]
                for r in await conn.fetch("SELECT * FROM answers WHERE respondent_id = $1", rid)
            }
        ladder = [q for q in visit.pages if q.startswith("service.install.at.")]
        if answers["service.install"] != "pay":
            assert not ladder
            continue
        seen_pay = True
        said = [answers[q] for q in ladder]
        assert (
            ladder
            == [
                "service.install.at.80",
                "service.install.at.40",
                "service.install.at.20",
                "service.install.at.10",
            ][: len(ladder)]
        )
        assert all(a == "no" for a in said[:-1]) and (said[-1] == "yes" or len(ladder) == 4)
    assert seen_pay


async def test_service_satisfaction_is_asked_and_objectives_limit_the_share_dissatisfied(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    editor = await _editor(pool)
    body = {
        **POLL,
        "name": "Sportswear with satisfaction",
        "service_satisfaction": ["delivery_times", "staff"],
    }
    async with api_client(settings, pool) as (client, _):
        resp = await client.post("/api/v1/polls", headers=editor, json=body)
        assert resp.status == 201, await resp.text()
        poll = await resp.json()
        assert poll["service_satisfaction"] == ["delivery_times", "staff"]
        preview = await (await client.get(f"/api/v1/polls/{poll['id']}/questionnaire", headers=editor)).json()
        asked = [s["id"] for s in preview["screens"] if s["module"] == "satisfaction"]
        assert asked == ["satisfaction.delivery_times", "satisfaction.staff"]
        url = f"/api/v1/polls/{poll['id']}/objectives"
        limit = {
            "metric": "service.dissatisfied.delivery_times",
            "brand": "acme",
            "threshold": 0.1,
            "direction": "at_most",
            "label": "no more than 10% dissatisfied with delivery times",
        }
        created = await client.post(url, headers=editor, json=limit)
        assert created.status == 201, await created.text()
        refused = await problem(
            await client.post(url, headers=editor, json={**limit, "metric": "service.dissatisfied.returns"}),
            422,
        )
        assert [e["field"] for e in refused["errors"]] == ["metric"]
        assert "asks: delivery_times, staff" in refused["errors"][0]["message"]
        unknown = await problem(
            await client.post(url, headers=editor, json={**limit, "metric": "service.happy"}), 422
        )
        assert "service.dissatisfied.<dimension>" in unknown["errors"][0]["message"]
