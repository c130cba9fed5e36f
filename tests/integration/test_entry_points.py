"""Category entry points over real HTTP on a real database: a poll defined with its buying situations (worded per
language) stores and returns them, its questionnaire asks them, bad ones are 422 problems naming the field in plain
words, changing them starts a new questionnaire version; and a respondent walking the hosted survey answers one
pick-any screen per situation among the brands they know, stored under ``entry_point.<id>``."""

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

SITUATIONS = [
    {"id": "run", "wording": {"en": "for a run", "de": "für einen Lauf"}},
    {"id": "commute", "wording": {"en": "on the way to work", "de": "auf dem Weg zur Arbeit"}},
    {"id": "gift", "wording": "as a gift"},
]
POLL: dict[str, Any] = {
    "name": "Sportswear with situations",
    "category": "sportswear",
    "own_brand": "acme",
    "brands": [
        {"id": "acme", "name": "Acme"},
        {"id": "stride", "name": "Stride"},
        {"id": "velo", "name": "Velo"},
    ],
    "population": "us",
    "sample_size": 200,
    "entry_points": SITUATIONS,
}


async def _editor(pool: asyncpg.Pool) -> dict[str, str]:
    async with pool.acquire() as conn:
        org = await orgs.ensure_organisation(conn, "situations-org")
        key, _ = await orgs.create_key(conn, org, "editor")
    return {"Authorization": f"Bearer {key}"}


async def test_a_poll_with_entry_points_asks_them(settings: Settings, pool: asyncpg.Pool) -> None:
    editor = await _editor(pool)
    async with api_client(settings, pool) as (client, _):
        resp = await client.post("/api/v1/polls", headers=editor, json=POLL)
        assert resp.status == 201, await resp.text()
        poll = await resp.json()
        assert poll["entry_points"] == SITUATIONS
        again = await (await client.get(f"/api/v1/polls/{poll['id']}", headers=editor)).json()
        assert again["entry_points"] == SITUATIONS
        preview = await (await client.get(f"/api/v1/polls/{poll['id']}/questionnaire", headers=editor)).json()
        screens = {s["id"]: s for s in preview["screens"]}
        asked = [s["id"] for s in preview["screens"] if s["module"] == "entry_points"]
        assert asked == ["entry_point.run", "entry_point.commute", "entry_point.gift"]
        question = screens["entry_point.commute"]["questions"][0]
        assert (
            question["prompt"]
            == "Thinking of sportswear on the way to work: which of these brands come to mind?"
        )
        assert question["type"] == "multi" and question["options"][-1]["code"] == "none"

        # a poll without them has none, and its questionnaire no such screen
        plain = {k: v for k, v in POLL.items() if k != "entry_points"} | {"name": "Sportswear plain"}
        resp = await client.post("/api/v1/polls", headers=editor, json=plain)
        assert resp.status == 201, await resp.text()
        other = await resp.json()
        assert other["entry_points"] is None
        preview = await (
            await client.get(f"/api/v1/polls/{other['id']}/questionnaire", headers=editor)
        ).json()
        assert not [s for s in preview["screens"] if s["module"] == "entry_points"]

        # changing the situations is a new questionnaire version; null stops asking them
        changed = await client.patch(
            f"/api/v1/polls/{poll['id']}", headers=editor, json={"entry_points": SITUATIONS[:2]}
        )
        assert changed.status == 200, await changed.text()
        body = await changed.json()
        assert body["questionnaire_version"] == poll["questionnaire_version"] + 1
        assert body["entry_points"] == SITUATIONS[:2]
        dropped = await client.patch(
            f"/api/v1/polls/{poll['id']}", headers=editor, json={"entry_points": None}
        )
        assert dropped.status == 200, await dropped.text()
        assert (await dropped.json())["entry_points"] is None


async def test_bad_entry_points_are_named_in_plain_words(settings: Settings, pool: asyncpg.Pool) -> None:
    editor = await _editor(pool)
    cases = [
        ([SITUATIONS[0]], "entry_points", "at least 2"),
        ([{"id": "For a run!", "wording": "for a run"}, SITUATIONS[1]], "entry_points[0].id", "short id"),
        ([SITUATIONS[0], {"id": "long", "wording": "x" * 201}], "entry_points[1].wording", "at most 200"),
        ([SITUATIONS[0], {"id": "empty", "wording": "  "}], "entry_points[1].wording", "must not be empty"),
        ([SITUATIONS[0], {"id": "fr", "wording": {"fr": "en vacances"}}], "entry_points[1].wording", "fr"),
        ([SITUATIONS[0], {"id": "run", "wording": "at the gym"}], "entry_points[1].id", "listed twice"),
        ([SITUATIONS[0], {"id": "gym"}], "entry_points[1].wording", "required"),
    ]
    async with api_client(settings, pool) as (client, _):
        for i, (entry_points, field, words) in enumerate(cases):
            body = {**POLL, "name": f"Bad {i}", "entry_points": entry_points}
            created = await problem(await client.post("/api/v1/polls", headers=editor, json=body), 422)
            checked = await problem(
                await client.post("/api/v1/polls/validate", headers=editor, json=body), 422
            )
            assert created["errors"] == checked["errors"]
            assert [e["field"] for e in created["errors"]] == [field], (entry_points, created["errors"])
            message = created["errors"][0]["message"]
            assert words in message, (field, message)
            assert not re.search(r"\^|\[a-z|Input should|pydantic", message), message
        # a German poll's situations need German wording
        german = {**POLL, "name": "Deutsch", "population": "de", "category": {"de": "Sportbekleidung"}}
        german["entry_points"] = [{"id": "run", "wording": {"en": "for a run"}}, SITUATIONS[1]]
        created = await problem(await client.post("/api/v1/polls", headers=editor, json=german), 422)
        assert created["errors"] == [
            {
                "field": "entry_points[0].wording",
                "message": "give the wording in German (de), the language the questionnaire is asked in",
            }
        ]


async def test_a_respondent_answers_the_situations_on_the_hosted_survey(
    make_client: ClientFactory, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        world = await make_world(conn, entry_points=SITUATIONS[:2])
    client = await make_client()
    visit = await walk(client, entry(world.wave_id, "PANEL-EP-1"), seed=3)
    assert visit.exit_url is not None and exit_parts(visit.exit_url)[0] == "complete"
    assert visit.pages.index("entry_point.run") > visit.pages.index("aided")
    assert visit.pages.index("entry_point.commute") == visit.pages.index("entry_point.run") + 1
    async with pool.acquire() as conn:
        rid = await conn.fetchval("SELECT id FROM respondents WHERE wave_id = $1", world.wave_id)
        answers = {
            r["question_id"]: r["value"]
            for r in await conn.fetch("SELECT * FROM answers WHERE respondent_id = $1", rid)
        }
    aware = set(answers["aided"])
    for situation in ("entry_point.run", "entry_point.commute"):
        picked = answers[situation]
        assert picked and (picked == ["none"] or set(picked) <= aware), (situation, picked, aware)
    # the page offers only the brands the respondent knows, plus "none of these"
    other = await make_client()
    visit = await walk(other, entry(world.wave_id, "PANEL-EP-2"), seed=4, stop_after="image.trustworthiness")
    page = visit.last_body
    assert "Thinking of running shoes for a run: which of these brands come to mind?" in page
    assert "None of these" in page
