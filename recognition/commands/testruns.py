"""``recognition test-link``: a new tester's links to try a wave's survey (see :mod:`recognition.waves.testruns`).

The service's own signed ``?test=1`` link works for every provider; the provider's own test mode is shown where it
has one. Test respondents are stored as tests and never enter progress, quotas or estimates.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from panels.registry import ProviderConfig, ProviderRegistry
from recognition import providers
from recognition.commands.common import run, settings_from
from recognition.db import database
from recognition.waves.testruns import wave_access, wave_test_links


def cmd_test_link(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def go() -> int:
        async with database(settings) as pool:
            async with pool.acquire() as conn:
                access = await wave_access(conn, args.wave)
            registry = ProviderRegistry(
                ProviderConfig.from_settings(settings),
                credentials=providers.source(pool, settings.survey_secret),
            )
            try:
                provider = await registry.for_webhooks(access.provider, access.organisation_id)
                links = await wave_test_links(access, provider, args.base_url or settings.public_base_url)
            finally:
                await registry.aclose()
        if args.json:
            print(json.dumps(asdict(links), default=str, indent=2))
            return 0
        print(
            f"wave {links.wave_id} ({links.provider}): test link, valid until {links.expires_at:%Y-%m-%d %H:%M} UTC"
        )
        print(f"  {links.entry_url}")
        if links.provider_test_url:
            print(f"{links.provider}'s own test mode:\n  {links.provider_test_url}")
        elif links.provider_note:
            print(links.provider_note)
        return 0

    return run(go())


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "test-link",
        parents=[common],
        help="a test link to try a wave's survey (stored as a test, never estimated), and the provider's own",
    )
    p.add_argument("wave", type=int, help="the wave's id")
    p.add_argument(
        "--base-url", help="the service's public address for the link (default: the server.base_url setting)"
    )
    p.add_argument("--json", action="store_true", help="print the links as JSON")
    p.set_defaults(func=cmd_test_link)
