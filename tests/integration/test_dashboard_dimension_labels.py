"""The demo tracker's dashboard names its service dimension in the page's language, over real HTTP on a real
database: the share dissatisfied with delivery times reads "Unzufrieden mit dem Service: Lieferzeiten" on the
German page's cards, filter, comparison chart and written summary (whose sentences are German) and "Dissatisfied
with the service: Delivery times" on the English page (and in the summary's English sentences), never as its id."""

from __future__ import annotations

import io
from typing import Any

import asyncpg
import pypdf
import pytest
from aiohttp.test_utils import TestClient, TestServer

from recognition.app import create_app
from recognition.settings import Settings
from recognition.store import polls as polls_store
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
        # never the id, nor the id spelt out
        for raw in ("delivery_times", "delivery times"):  # as the old names read
            assert f"service: {raw}" not in html and f"Service: {raw}" not in html
        # the written summary and how its points were judged are German too, the dimension in German words
        summary = html.split('<ol class="summary">', 1)[1].split("</details>", 1)[0]
        assert "Unzufrieden mit dem Service: Lieferzeiten von Acme" in summary
        assert "Keine signifikante Veränderung für Acme: " in summary
        assert (
            "effektives n" in summary and "ein kurzes Glossar" in summary and "Effektives n</dt>" in summary
        )
        for english_word in (
            " of Acme",
            " rose ",
            " fell ",
            "No significant change",
            "Low base",
            "effective n",
            "Unlikely",
            "short glossary",
        ):
            assert english_word not in summary, english_word
        english = await (await client.get(f"/dashboard/polls/{poll}?lang=en&metric={METRIC}")).text()
        assert "Competitors: Dissatisfied with the service: Delivery times" in english
        english_summary = english.split('<ol class="summary">', 1)[1].split("</ol>", 1)[0]
        assert "Dissatisfied with the service: Delivery times of Acme" in english_summary
        assert "No significant change in " in english_summary
        assert "Lieferzeiten" not in english
        printable = await (await client.get(f"/dashboard/polls/{poll}/summary?lang=de")).text()
        for german in (
            "brand tracker: Zusammenfassung",
            "Welle vom ",
            "Veränderungen werden mit Zwei-Stichproben",
        ):
            assert german in printable, german
        # the PDF of the German summary: the same German points, headings and trace
        pdf = await client.get(f"/dashboard/polls/{poll}/summary.pdf?lang=de")
        assert pdf.status == 200 and pdf.content_type == "application/pdf"
        text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(await pdf.read())).pages)
        flat = " ".join(text.split())
        for german in (
            "Zusammenfassung",
            "Was sich verändert hat",
            "Keine signifikante Veränderung für Acme",
        ):
            assert german in flat, german
        assert "Unzufrieden mit dem Service: Lieferzeiten von Acme" in flat
        for english_words in (
            "What changed",
            "How these were judged",
            "No significant change",
            "effective n",
        ):
            assert english_words not in flat, english_words


async def test_summary_names_the_marketers_dimension_in_her_words(
    settings: Settings, pool: asyncpg.Pool, demo_template: dict[str, Any], demo_keys: dict[str, str]
) -> None:
    """Worded by the marketer, the dimension reads in her words in the summary (as on the cards), in English
    and German, never in the catalogue's words nor as its id."""
    poll = demo_template["poll"]["id"]
    wording = {"id": "delivery_times", "label": {"en": "Parcels arrive on time", "de": "Pünktliche Pakete"}}
    async with pool.acquire() as conn:
        await polls_store.update_poll(conn, poll, {"service_satisfaction": [wording]})
    async with TestClient(TestServer(create_app(settings, pool=pool))) as client:
        assert (await sign_in(client, demo_keys["viewer"])).status == 303
        for lang, words, catalogue in (
            ("en", "Dissatisfied with the service: Parcels arrive on time of Acme", "Delivery times"),
            ("de", "Unzufrieden mit dem Service: Pünktliche Pakete von Acme", "Lieferzeiten"),
        ):
            html = await (await client.get(f"/dashboard/polls/{poll}?lang={lang}")).text()
            summary = html.split('<ol class="summary">', 1)[1].split("</ol>", 1)[0]
            assert words in summary, lang
            for other in (catalogue, "delivery_times", "delivery times"):
                assert other not in summary, (lang, other)
