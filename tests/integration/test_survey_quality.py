"""Quality rules over HTTP (speeders, straight-lining, attention check, duplicates), their exclusion from the
estimates, and unaided coding review and recode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg
import pytest

from panels.simulated.taker import Persona
from recognition.polls.questionnaire import default_frame
from recognition.settings import Settings
from recognition.store import mentions as mentions_store
from recognition.store import polls, responses
from recognition.waves.processing import process_wave
from recognition.waves.quality import QualityRules
from recognition.waves.reprocess import recode_and_reprocess
from tests.integration.survey_world import World, entry, exit_parts, walk

CAREFUL = Persona(choose_all=True)


async def _status(pool: asyncpg.Pool, wave_id: int, settings: Settings, pid: str) -> tuple[str, list[str]]:
    key = responses.respondent_key(settings.survey_secret, "simulated", pid)
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT status, quality_reasons FROM respondents WHERE wave_id = $1 AND respondent_key = $2",
            wave_id,
            key,
        )
    return row["status"], list(row["quality_reasons"])


def _exit_status(url: str | None) -> str:
    assert url is not None
    return exit_parts(url)[0]


@pytest.mark.parametrize(
    ("persona", "reasons"),
    [
        (CAREFUL, []),
        (Persona(choose_all=True, straight_line=True), ["straight_lining"]),
        (Persona(choose_all=True, attention="agree"), ["attention_check"]),
        (
            Persona(choose_all=True, straight_line=True, attention="strongly_agree"),
            ["straight_lining", "attention_check"],
        ),
    ],
)
async def test_quality_rules_send_to_the_quality_exit_with_reasons(
    make_client: Callable[..., Any],
    world: World,
    pool: asyncpg.Pool,
    settings: Settings,
    persona: Persona,
    reasons: list[str],
) -> None:
    client = await make_client()
    visit = await walk(client, entry(world.wave_id, "P-q"), persona=persona)
    assert _exit_status(visit.exit_url) == ("quality_terminate" if reasons else "complete")
    assert await _status(pool, world.wave_id, settings, "P-q") == (
        "quality_terminate" if reasons else "complete",
        reasons,
    )


async def test_speeders_against_the_floor_and_against_the_wave_median(
    make_client: Callable[..., Any], world: World, pool: asyncpg.Pool, settings: Settings
) -> None:
    strict = await make_client(QualityRules(speeder_floor_seconds=30.0, min_completes=3))
    fast = await walk(strict, entry(world.wave_id, "P-fast"), persona=CAREFUL)
    assert _exit_status(fast.exit_url) == "quality_terminate"
    assert await _status(pool, world.wave_id, settings, "P-fast") == ("quality_terminate", ["speeder"])
    async with (
        pool.acquire() as conn
    ):  # three earlier completes that took 10 minutes each: the median is 600 s
        for i in range(3):
            await conn.execute(
                """INSERT INTO respondents (wave_id, respondent_key, status, started_at, completed_at)
                   VALUES ($1, $2, 'complete', now() - interval '20 minutes', now() - interval '10 minutes')""",
                world.wave_id,
                bytes([i]) * 32,
            )
    for pid, seconds, expected, seed in (
        ("P-150s", 150, "quality_terminate", 11),
        ("P-250s", 250, "complete", 12),
    ):
        client = await make_client(QualityRules(speeder_floor_seconds=30.0, min_completes=3))
        await walk(client, entry(world.wave_id, pid), persona=CAREFUL, seed=seed, stop_after="screener")
        key = responses.respondent_key(settings.survey_secret, "simulated", pid)
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE respondents SET started_at = now() - make_interval(secs => $2) "
                "WHERE respondent_key = $1",
                key,
                float(seconds),
            )
        visit = await walk(client, f"/survey/{world.wave_id}", persona=CAREFUL, seed=seed)
        assert _exit_status(visit.exit_url) == expected, pid


async def test_an_identical_second_response_is_a_duplicate(
    make_client: Callable[..., Any], world: World, pool: asyncpg.Pool, settings: Settings
) -> None:
    client = await make_client()
    first = await walk(client, entry(world.wave_id, "P-orig"), persona=CAREFUL, seed=5)
    second = await walk(await make_client(), entry(world.wave_id, "P-copy"), persona=CAREFUL, seed=5)
    other = await walk(await make_client(), entry(world.wave_id, "P-own"), persona=CAREFUL, seed=6)
    assert [_exit_status(v.exit_url) for v in (first, second, other)] == [
        "complete",
        "quality_terminate",
        "complete",
    ]
    assert await _status(pool, world.wave_id, settings, "P-copy") == ("quality_terminate", ["duplicate"])


def _survey_answers(i: int, aided: list[str]) -> tuple[dict[str, str], dict[str, Any]]:
    levels = {
        "age": ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"],
        "gender": ["female", "male"],
        "region": ["Northeast", "Midwest", "South", "West"],
        "education": ["hs_or_less", "some_college_associate", "bachelors_plus"],
    }
    demo = {v: ls[i % len(ls)] for v, ls in levels.items()}
    answers: dict[str, Any] = {f"screener.{v}": code for v, code in demo.items()}
    answers.update(
        {
            "screener.category_use": "recent",
            "unaided": ["Acme"],
            "unaided_coded": [["acme"]],
            "aided": aided,
            "usage": {b: "current" if b == "acme" else "never" for b in aided},
            "recommendation": {"acme": i % 11} if "acme" in aided else {},
            "attention_check": "disagree",
        }
    )
    return demo, answers


async def test_quality_terminated_responses_are_kept_but_never_estimated(
    make_client: Callable[..., Any], world: World, pool: asyncpg.Pool, settings: Settings
) -> None:
    async with pool.acquire() as conn:
        for i in range(36):
            demo, answers = _survey_answers(i, ["acme", "stride"] if i % 2 else ["acme"])
            await responses.record_complete(conn, world.wave_id, bytes([1, i]) * 16, demo, answers)
        for i in range(12):  # flagged respondents all claim to know Velo: they must not move any estimate
            demo, answers = _survey_answers(i, ["velo"])
            await responses.record_complete(
                conn,
                world.wave_id,
                bytes([2, i]) * 16,
                demo,
                answers,
                status="quality_terminate",
                quality_reasons=["speeder"],
            )
        poll = await polls.get_poll(conn, world.poll_id)
    assert poll is not None
    flagged = await walk(
        await make_client(),
        entry(world.wave_id, "P-bad"),
        persona=Persona(choose_all=True, attention="agree"),
    )
    assert _exit_status(flagged.exit_url) == "quality_terminate"
    out = await process_wave(pool, world.wave_id, poll, settings)
    total = {(e.metric, e.brand): e for e in out.figures if e.segment == "all"}
    assert out.weighting.n == 36
    assert total[("aided", "velo")].estimate == 0.0 and total[("aided", "velo")].n == 36
    assert total[("aided", "acme")].estimate == pytest.approx(1.0)
    assert total[("unaided", "acme")].estimate == pytest.approx(1.0)
    assert 0.3 < total[("aided", "stride")].estimate < 0.7
    assert total[("nps", "acme")].n == 36 and ("nps", "velo") not in total
    async with pool.acquire() as conn:
        kept = await conn.fetchval(
            "SELECT count(*) FROM respondents WHERE wave_id = $1 AND status = 'quality_terminate'",
            world.wave_id,
        )
    assert kept == 13


async def test_unmatched_fragments_are_listed_and_a_recode_reprocesses(
    make_client: Callable[..., Any], world: World, pool: asyncpg.Pool, settings: Settings
) -> None:
    for n, pid in enumerate(("P-z1", "P-z2")):
        visit = await walk(
            await make_client(),
            entry(world.wave_id, pid),
            seed=n,
            persona=Persona(choose_all=True, unaided=("Acme", "Zoomerz")),
        )
        assert _exit_status(visit.exit_url) == "complete"
    async with pool.acquire() as conn:
        fragments = await mentions_store.unmatched_fragments(conn, world.poll_id)
        assert [(f.text, f.count) for f in fragments] == [("zoomerz", 2)]
        poll = await polls.get_poll(conn, world.poll_id)
        assert poll is not None
        assert (await mentions_store.current_frame(conn, poll.id, default_frame(poll))).version == 1
    report = await recode_and_reprocess(pool, settings, world.poll_id, "zoomerz", "velo")
    assert (report.frame_version, report.recoded, report.affected_waves) == (2, 2, (world.wave_id,))
    assert report.reprocessed_waves == ()  # the wave is still fielding: nothing published to redo
    async with pool.acquire() as conn:
        coded = [
            r["value"]
            for r in await conn.fetch(
                "SELECT value FROM answers WHERE question_id = 'unaided_coded' ORDER BY respondent_id"
            )
        ]
        assert coded == [[["acme"], ["velo"]]] * 2
        assert await mentions_store.unmatched_fragments(conn, world.poll_id) == []
        frame = await mentions_store.current_frame(conn, poll.id, default_frame(poll))
        assert frame.version == 2 and ("zoomerz", "velo") in frame.learned_aliases
        versions = await conn.fetchval("SELECT count(*) FROM code_frames WHERE poll_id = $1", world.poll_id)
        assert versions == 2
    # a new respondent typing the same thing is now coded to the brand at completion
    later = await walk(
        await make_client(),
        entry(world.wave_id, "P-z3"),
        seed=9,
        persona=Persona(choose_all=True, unaided=("zoomerz",)),
    )
    assert _exit_status(later.exit_url) == "complete"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM unaided_coding WHERE frame_version = 2") == 3
