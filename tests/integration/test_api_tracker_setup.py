"""A German coffee-chain tracker set up over real HTTP as marketing would: own brand and five competitors (with
aliases and misspellings), 500 completes every two weeks, a budget, German, the organisation's own image
attributes; its questionnaire previewed. And every invalid definition answered as one 422 problem listing every
problem, by field, in plain words."""

from __future__ import annotations

import re
from typing import Any

import asyncpg

from recognition.mentions.coding import code_text
from recognition.polls.questionnaire import default_frame
from recognition.questionnaire.texts import TEXTS
from recognition.settings import Settings
from recognition.store import orgs
from recognition.store import polls as polls_store
from tests.integration.api_support import api_client, problem

TRACKER: dict[str, Any] = {
    "name": "Kaffeehausketten-Tracker",
    "category": {"en": "coffee shop chains", "de": "Kaffeehausketten"},
    "own_brand": "bohnenwerk",
    "brands": [
        {"id": "bohnenwerk", "name": "Bohnenwerk", "aliases": ["Bohnen Werk", "Bonenwerk"]},
        {"id": "starbucks", "name": "Starbucks", "aliases": ["Starbux", "Starbuks"]},
        {"id": "tchibo", "name": "Tchibo", "aliases": ["Tschibo"]},
        {"id": "balzac", "name": "Balzac Coffee", "aliases": ["Balzac"]},
        {"id": "coffee-fellows", "name": "Coffee Fellows"},
        {"id": "einstein", "name": "Einstein Kaffee", "aliases": ["Einstein"]},
    ],
    "population": "de",
    "sample_size": 500,
    "cost_per_complete": 3.0,
    "budget": 2000,
    "schedule": {
        "kind": "interval",
        "interval": "P14D",
        "anchor": "2027-01-04T09:00",
        "timezone": "Europe/Berlin",
    },
    "attributes": [
        "product_quality",
        "value_for_money",
        {"id": "taste", "label": {"en": "Tastes good", "de": "Guter Geschmack"}},
        {"id": "atmosphere", "label": {"en": "A cosy place to sit", "de": "Gemütliche Atmosphäre"}},
        {
            "id": "sustainable",
            "label": {"en": "Sustainably sourced coffee", "de": "Nachhaltig angebauter Kaffee"},
        },
    ],
    "modules": ["familiarity", "image", "consideration", "preference", "recommendation", "attention_check"],
}
ENGLISH = set(TEXTS["en"].values()) - set(TEXTS["de"].values())  # words that are the same in both are fine
BRAND_NAMES = {b["name"] for b in TRACKER["brands"]}


async def _editor(pool: asyncpg.Pool) -> dict[str, str]:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "kaffee-gmbh")
        key, _ = await orgs.create_key(conn, org, "editor")
    return {"Authorization": f"Bearer {key}"}


def _texts(screen: dict[str, Any]) -> list[str]:
    out = []
    for q in screen["questions"]:
        out += [q["prompt"], q["note"]]
        out += [o["label"] for o in q["options"] + q["rows"] if o["label"] not in BRAND_NAMES]
    return [t for t in out if t]


async def test_german_coffee_chain_tracker(settings: Settings, pool: asyncpg.Pool) -> None:
    editor = await _editor(pool)
    async with api_client(settings, pool) as (client, _):
        check = await client.post("/api/v1/polls/validate", headers=editor, json=TRACKER)
        assert check.status == 200, await check.text()
        plan = (await check.json())["plan"]
        # costed at the provider's price (docs/api.md, "Budget and price"): the simulated panel's quote
        assert plan["price_source"] == "provider" and plan["within_budget"] is True
        assert abs(plan["cost_per_wave"] - 500 * plan["cost_per_complete"]) < 1e-6

        resp = await client.post("/api/v1/polls", headers=editor, json=TRACKER)
        assert resp.status == 201, await resp.text()
        poll = await resp.json()
        assert poll["language"] == "de" and poll["category"] == "Kaffeehausketten"
        assert poll["category_wording"] == TRACKER["category"]
        assert poll["brands"][1]["aliases"] == ["Starbux", "Starbuks"]

        preview = await (await client.get(f"/api/v1/polls/{poll['id']}/questionnaire", headers=editor)).json()
        assert preview["language"] == "de"
        screens = preview["screens"]
        # every screen's text is German: nothing from the English catalogue, the category in its German wording
        for screen in screens:
            english = [t for t in _texts(screen) if t in ENGLISH or "coffee shop" in t]
            assert not english, (screen["id"], english)
        prompts = {q["id"]: q["prompt"] for s in screens for q in s["questions"]}
        assert prompts["unaided"].startswith("Welche Marken im Bereich Kaffeehausketten fallen Ihnen ein")
        assert "Kaffeehausketten" in prompts["screener.category_use"]
        # the organisation's own attributes, in German; no "Lieferzeiten" for coffee shops
        assert [s["id"] for s in screens if s["module"] == "image"] == [
            "image.product_quality",
            "image.value_for_money",
            "image.taste",
            "image.atmosphere",
            "image.sustainable",
        ]
        assert "„Guter Geschmack“" in prompts["image.taste"]
        assert not any("Lieferzeiten" in p for p in prompts.values())
        assert "competitor_reason" not in prompts and "comment" not in prompts  # modules left out
        # the screener asks where people live once, in the population's own terms; gender has a third answer
        screener = next(s for s in screens if s["id"] == "screener")
        asked = [q["id"] for q in screener["questions"]]
        assert asked == [
            "screener.age",
            "screener.gender",
            "screener.land",
            "screener.education",
            "screener.category_use",
        ]
        land = next(q for q in screener["questions"] if q["id"] == "screener.land")
        assert {"Bayern", "Nordrhein-Westfalen", "Thüringen"} <= {o["label"] for o in land["options"]}
        gender = next(q for q in screener["questions"] if q["id"] == "screener.gender")
        assert [o["label"] for o in gender["options"]] == ["Weiblich", "Männlich", "Divers"]

        # the aliases and misspellings reach the unaided coder
        async with pool.acquire() as conn:
            stored = await polls_store.get_poll(conn, poll["id"])
        assert stored is not None
        frame = default_frame(stored)
        assert code_text("starbux", frame).brands == ("starbucks",)
        assert code_text("Tschibo", frame).brands == ("tchibo",)

        # objectives: a segment of the poll (the third gender answer too) is taken, one that does not exist refused
        url = f"/api/v1/polls/{poll['id']}/objectives"
        objective = {
            "metric": "image.taste",
            "brand": "bohnenwerk",
            "threshold": 0.4,
            "direction": "at_least",
        }
        for segment in ("land=Bayern", "gender=diverse", "region=south"):
            made = await client.post(url, headers=editor, json={**objective, "segment": segment})
            assert made.status == 201, await made.text()
        body = await problem(
            await client.post(url, headers=editor, json={**objective, "segment": "land=Bavaria"}), 422
        )
        assert [e["field"] for e in body["errors"]] == ["segment"]

        # switching the language to English uses the English wording and starts a new questionnaire version
        changed = await client.patch(f"/api/v1/polls/{poll['id']}", headers=editor, json={"language": "en"})
        assert changed.status == 200, await changed.text()
        english = await changed.json()
        assert english["category"] == "coffee shop chains" and english["questionnaire_version"] == 2
        preview = await (await client.get(f"/api/v1/polls/{poll['id']}/questionnaire", headers=editor)).json()
        prompts = {q["id"]: q["prompt"] for s in preview["screens"] for q in s["questions"]}
        assert (
            prompts["unaided"] == "Which brands of coffee shop chains can you think of, even if only by name?"
        )
        assert "“Tastes good”" in prompts["image.taste"]
        # an attribute's wording changed: a new version again
        attributes = [
            *TRACKER["attributes"][:2],
            {"id": "taste", "label": {"en": "Great taste", "de": "Toller Geschmack"}},
        ]
        changed = await client.patch(
            f"/api/v1/polls/{poll['id']}", headers=editor, json={"attributes": attributes}
        )
        assert (await changed.json())["questionnaire_version"] == 3


async def test_every_problem_at_once_in_one_shape(settings: Settings, pool: asyncpg.Pool) -> None:
    editor = await _editor(pool)
    bad = {
        **TRACKER,
        "name": "Kaputt",
        "brands": [*TRACKER["brands"][:5], {"id": "Einstein Kaffee!", "name": "Einstein Kaffee"}],
        "sample_size": 5,
        "budget": 100,  # shape fine; 500 completes at any provider's price are over it
        "schedule": {"kind": "cron", "cron": "61 * * * *", "timezone": "Europe/Berlin"},
        "language": "fr",
        "colour": "red",
    }
    async with api_client(settings, pool) as (client, _):
        created = await problem(await client.post("/api/v1/polls", headers=editor, json=bad), 422)
        checked = await problem(await client.post("/api/v1/polls/validate", headers=editor, json=bad), 422)
        assert created["errors"] == checked["errors"]
        fields = {e["field"] for e in created["errors"]}
        # shape (id, sample size, language, an unknown field) and meaning (schedule) problems, in one list
        assert {"brands[5].id", "sample_size", "language", "colour", "schedule.cron"} <= fields
        for e in created["errors"]:  # plain words: no patterns, no pydantic wording
            assert not re.search(r"\^|\[a-z|\\d|Input should|pydantic", e["message"]), e
        # a definition whose shape is right but whose meaning is not: the same problem shape, with the plan
        over = {**TRACKER, "name": "Zu teuer", "budget": 100}
        checked = await problem(await client.post("/api/v1/polls/validate", headers=editor, json=over), 422)
        assert [e["field"] for e in checked["errors"]] == ["budget"]
        assert checked["plan"]["within_budget"] is False
        assert abs(checked["plan"]["cost_per_wave"] - 500 * checked["plan"]["cost_per_complete"]) < 1e-6
        # the category must be worded in the questionnaire's language
        english_only = {**TRACKER, "name": "Nur Englisch", "category": {"en": "coffee shop chains"}}
        created = await problem(await client.post("/api/v1/polls", headers=editor, json=english_only), 422)
        assert created["errors"] == [
            {
                "field": "category",
                "message": "give the wording in German (de), the language the questionnaire is asked in",
            }
        ]
        # a custom attribute's id that is not a default one needs its wording
        no_label = {**TRACKER, "name": "Ohne Text", "attributes": ["taste"]}
        created = await problem(await client.post("/api/v1/polls", headers=editor, json=no_label), 422)
        assert [e["field"] for e in created["errors"]] == ["attributes[0]"]
        assert "not a default attribute" in created["errors"][0]["message"]
