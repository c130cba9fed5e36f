"""``recognition demo --provider NAME`` for every provider in ``DEMO_PROVIDERS``: the simulator in a process of its
own, the organisation's credentials saved pointing at its copy of the provider's API, one small wave under light
faults; the provider's books (read from the simulator) against what the service stored."""

from __future__ import annotations

import asyncpg
import pytest

from recognition.demo import DEMO_PROVIDERS, poll_name, run_demo
from recognition.settings import Settings

# A small wave leaves some segments with a single rater; the t interval then multiplies NaN (stats/_intervals.py).


@pytest.mark.parametrize("provider", sorted(DEMO_PROVIDERS))
async def test_the_demo_fields_a_wave_on_each_provider(
    provider: str, pool: asyncpg.Pool, settings: Settings
) -> None:
    report = await run_demo(pool, settings, n_waves=1, sample_size=30, faults="light", provider=provider)
    (wave,) = report["waves"]
    assert report["provider"] == provider and report["poll"]["name"] == poll_name(provider)
    assert wave["state"] == "published" and wave["launch_calls"] == 1
    # Every stored complete came through the hosted survey, and the provider counts the same ones (valid and
    # quality-flagged completes both count at the provider until reconciliation).
    through_survey = wave["survey_respondents"]
    assert through_survey["complete"] == 30 == wave["n"]
    assert wave["provider_completes"] == wave["stored_completes"]
    assert wave["stored_completes"] == through_survey["complete"] + through_survey.get("quality_terminate", 0)
    assert wave["cost"] == pytest.approx(wave["provider_billed"], abs=0.01)
