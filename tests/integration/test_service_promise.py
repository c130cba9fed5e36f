"""The service promise on the demo tracker, over real HTTP on a real database: an editor's decisions (validated
in plain words, audited; viewers may only read) move features between the promise's lists and are marked as the
marketer's; withdrawing one returns the feature to the analysis; the page and its PDF (signed in and through a
share link) show the three lists."""

from __future__ import annotations

import io
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pypdf import PdfReader

from recognition.app import create_app
from recognition.demo import ORGANISATION
from recognition.settings import Settings
from recognition.store import orgs
from tests.conftest import demo_db_url
from tests.integration.dashboard_support import csrf_of, sign_in

db_url = pytest.fixture(demo_db_url)
HEADINGS = ("We promise", "We offer for a price", "We do not promise")


@pytest.fixture
async def world(pool: asyncpg.Pool, demo_template: dict[str, Any]) -> dict[str, Any]:
    async with pool.acquire() as conn:
        org = await orgs.organisation_id(conn, ORGANISATION)
        keys = {
            role: (await orgs.create_key(conn, org, role))[0]
            for role in ("admin", "editor", "viewer", "reader")
        }
    return {
        "poll": demo_template["poll"]["id"],
        "keys": keys,
        "auth": {role: {"Authorization": f"Bearer {k}"} for role, k in keys.items()},
    }


def _where(promise: dict[str, Any], feature: str) -> tuple[str, dict[str, Any]]:
    return next(
        (name, i)
        for name in ("promised", "offered", "not_promised", "undecided")
        for i in promise[name]
        if i["id"] == feature
    )


async def test_the_promise_follows_the_analysis_until_the_marketer_decides(
    client: TestClient, world: dict[str, Any]
) -> None:
    poll, auth = world["poll"], world["auth"]
    url = f"/api/v1/polls/{poll}/service/promise"
    assert (await client.get(url, headers=auth["reader"])).status == 403
    resp = await client.get(url, headers=auth["viewer"])
    assert resp.status == 200, await resp.text()
    promise = await resp.json()
    service = await (await client.get(f"/api/v1/polls/{poll}/service", headers=auth["viewer"])).json()
    assert promise["wave_id"] == service["wave_id"]
    for feature in service["service"]["features"]:
        everybody = next(b for b in feature["bases"] if b["base"] == "all")
        name, item = _where(promise, feature["id"])
        assert (
            name
            == {"standard": "promised", "paid_add_on": "offered", "do_not_promise": "not_promised"}[
                everybody["recommendation"]
            ]
        )
        assert (
            item["source"] == "analysis" and item["analysis"]["recommendation"] == everybody["recommendation"]
        )
        assert item["price"] == (everybody["best_price"] if name == "offered" else None)
    before, analysed = _where(promise, "evening-advice")

    decision = f"/api/v1/polls/{poll}/service/decisions/evening-advice"
    wanted = {"choice": "paid_add_on", "price": 45, "note": "for the premium line"}
    assert (await client.put(decision, headers=auth["viewer"], json=wanted)).status == 403
    put = await client.put(decision, headers=auth["editor"], json=wanted)
    assert put.status == 200, await put.text()
    assert (await put.json())["choice"] == "paid_add_on"
    promise = await (await client.get(url, headers=auth["viewer"])).json()
    name, item = _where(promise, "evening-advice")
    assert name == "offered" and item["price"] == 45 and item["source"] == "marketer" and item["overrides"]
    assert item["note"] == "for the premium line" and item["analysis"] == analysed["analysis"]

    assert (await client.delete(decision, headers=auth["editor"])).status == 204
    promise = await (await client.get(url, headers=auth["viewer"])).json()
    name, item = _where(promise, "evening-advice")
    assert name == before and item == analysed
    log = await (await client.get("/api/v1/audit", headers=auth["admin"])).json()
    entries = [e for e in log["items"] if e["action"].startswith("service.")]
    assert [e["action"] for e in entries] == ["service.undecide", "service.decide"]
    assert entries[1]["details"]["price"] == 45 and entries[1]["key_prefix"] == world["keys"]["editor"][:11]


@pytest.mark.parametrize(
    ("feature", "body", "status", "words"),
    [
        ("nope", {"choice": "standard"}, 404, "asks no service feature 'nope'"),
        ("repairs", {"choice": "sometimes"}, 400, "choice"),
        ("repairs", {"choice": "paid_add_on", "price": -5}, 400, "cannot be negative"),
        ("repairs", {"choice": "paid_add_on"}, 400, "needs its price"),
        ("repairs", {"choice": "standard", "price": 5}, 400, "only a paid add-on has a price"),
    ],
)
async def test_a_bad_decision_is_refused_in_plain_words(
    client: TestClient, world: dict[str, Any], feature: str, body: dict[str, Any], status: int, words: str
) -> None:
    resp = await client.put(
        f"/api/v1/polls/{world['poll']}/service/decisions/{feature}",
        headers=world["auth"]["editor"],
        json=body,
    )
    assert resp.status == status
    assert words in await resp.text()


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())  # lines wrapped in the document join again


async def test_the_promise_page_and_pdf_signed_in_and_through_a_share_link(
    client: TestClient, world: dict[str, Any], settings: Settings, pool: asyncpg.Pool
) -> None:
    poll = world["poll"]
    for feature, decision in (
        ("repairs", {"choice": "standard", "note": "repairs build loyalty"}),
        ("evening-advice", {"choice": "do_not_promise"}),
    ):
        put = await client.put(
            f"/api/v1/polls/{poll}/service/decisions/{feature}",
            headers=world["auth"]["editor"],
            json=decision,
        )
        assert put.status == 200
    assert (await sign_in(client, world["keys"]["editor"])).status == 303
    dashboard = await (await client.get(f"/dashboard/polls/{poll}")).text()
    assert f'href="/dashboard/polls/{poll}/promise"' in dashboard
    page = await client.get(f"/dashboard/polls/{poll}/promise")
    html = await page.text()
    assert page.status == 200 and all(h in html for h in HEADINGS)
    promised = html[html.index('id="h-promised"') : html.index('id="h-offered"')]
    assert "free repairs for a year" in promised and "Decided by the marketer" in promised
    assert "repairs build loyalty" in promised
    not_promised = html[html.index('id="h-not_promised"') :]
    assert "phone advice in the evening" in not_promised and "Decided by the marketer" in not_promised
    delivery = html[html.index("next-day delivery") :]
    assert delivery[: delivery.index("</li>")].count("Follows the analysis") == 1  # not decided
    pdf = await client.get(f"/dashboard/polls/{poll}/promise.pdf")
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    text = _pdf_text(await pdf.read())
    assert all(h in text for h in HEADINGS) and "Decided by the marketer" in text

    made = await client.post(
        f"/dashboard/polls/{poll}/shares", data={"days": "5", "label": "promise", "csrf": csrf_of(dashboard)}
    )
    token = (await made.text()).split('<code class="link">')[1].split("<")[0].rsplit("/", 1)[1]
    async with TestClient(TestServer(create_app(settings, pool=pool))) as reader:
        assert (await reader.get(f"/shared/{poll}/promise")).status == 403  # no link opened yet
        shared = await reader.get(f"/share/{token}/promise")
        text = await shared.text()
        assert shared.status == 200 and str(shared.url).endswith(f"/shared/{poll}/promise")
        assert all(h in text for h in HEADINGS) and "Sign out" not in text and token not in text
        assert "/studio/" not in text  # a share link offers no decisions
        shared_pdf = await reader.get(f"/shared/{poll}/promise.pdf")
        shared_text = _pdf_text(await shared_pdf.read())
        assert all(h in shared_text for h in HEADINGS)
