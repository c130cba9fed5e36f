"""The demo tracker's dashboard names its service dimension in the page's language, over real HTTP on a real
database: the share dissatisfied with delivery times reads "Unzufrieden mit dem Service: Lieferzeiten" on the
German page's cards, filter and comparison chart and "Dissatisfied with the service: Delivery times" on the
English page (and in the summary's English sentences), never as its id."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from recognition.app import create_app
from recognition.settings import Settings
from tests.conftest import demo_db_url
from tests.integration.dashboard_support import sign_in

db_url = pytest.fixture(demo_db_url)
METRIC = "service.dissatisfied.delivery_times"


async def test_german_pages_show_german_dimension_labels(
    settings: Settings, pool: asyncpg.Pool, demo_template: dict[str, Any], demo_keys: dict[str, str]
) -> None:
    poll = demo_template["poll"]["id"]
    async with TestClient(TestServer(create_app(settings, pool=pool))) as client:
        assert (await sign_in(client, demo_keys["viewer"])).status == 303
        german = await client.get(f"/dashboard/polls/{poll}?lang=de&metric={METRIC}")
        html = await german.text()
        assert german.status == 200, html
        option = html.split(f'<option value="{METRIC}"', 1)[1].split("</option>", 1)[0]
        assert option.endswith("Unzufrieden mit dem Service: Lieferzeiten")
        assert "Competitors: Unzufrieden mit dem Service: Lieferzeiten" in html
        tile = html.split(
            '<article class="tile',
        )
        named = [t for t in tile[1:] if "Unzufrieden mit dem Service: Lieferzeiten" in t.split("</h3>", 1)[0]]
        assert len(named) == 1  # the own brand's card, named in German
        assert (
            "Unzufrieden mit dem Service: Lieferzeiten"
            in html.split('id="h-compare"', 1)[1].split("</svg>", 1)[0]
        )
        # never the id, nor the id spelt out; the English summary reads the dimension's English words
        for raw in ("delivery_times", "delivery times"):  # as the old names read
            assert f"service: {raw}" not in html and f"Service: {raw}" not in html
        assert "Dissatisfied with the service: Delivery times" in html
        english = await (await client.get(f"/dashboard/polls/{poll}?lang=en&metric={METRIC}")).text()
        assert "Competitors: Dissatisfied with the service: Delivery times" in english
        assert "Lieferzeiten" not in english
