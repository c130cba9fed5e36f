"""Fieldwork through the hosted survey: the simulated provider's respondents enter through the wave's signed links,
walk the pages over HTTP and come back to the provider through the exit the survey redirects them to."""

from __future__ import annotations

import asyncpg
import pytest

from panels.simulated import walkers
from panels.simulated.faults import profile
from recognition import sessions
from recognition.settings import Settings
from recognition.store import responses
from recognition.store import survey as survey_store
from recognition.waves.fieldwork import run_wave
from tests.integration.field_support import field, make_wave


async def test_respondents_take_the_hosted_survey_and_the_books_agree(
    pool: asyncpg.Pool, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # More careless respondents and drop-outs than usual, so a small wave surely has each kind.
    monkeypatch.setattr(walkers, "P_SPEEDER", 0.15)
    monkeypatch.setattr(walkers, "P_STRAIGHT_LINER", 0.15)
    monkeypatch.setattr(walkers, "P_DROP_OUT", 0.15)
    wave_id = await make_wave(pool, target=30)
    faults = profile("light", p_error=0.0, p_drop_before=0.0, p_drop_after=0.0, p_double_complete=0.3)
    async with field(pool, settings, faults, rate=200, seed=3) as fw:
        provider = fw.provider()
        try:
            report = await run_wave(pool, settings, wave_id, provider, options=fw.options)
        finally:
            await provider.aclose()
        sim = fw.sim
        book = sim.project_for(sessions.project_reference(settings.survey_secret, wave_id))
        assert book is not None
    assert report.state == "published"
    async with pool.acquire() as conn:
        access = await survey_store.get_access(conn, wave_id)
        counts = await responses.count_by_status(conn, wave_id)
        entered = await conn.fetchval("SELECT count(*) FROM survey_sessions WHERE wave_id = $1", wave_id)
        refusals = await conn.fetch("SELECT reason FROM survey_refusals WHERE wave_id = $1", wave_id)
        flagged = await conn.fetch(
            """SELECT r.quality_reasons, s.decision, s.reason_code, s.reconciled_at IS NOT NULL AS sent
               FROM respondents r JOIN wave_submissions s ON s.respondent_id = r.id
               WHERE r.wave_id = $1 AND r.status = 'quality_terminate'""",
            wave_id,
        )
        approved = await conn.fetchval(
            """SELECT count(*) FROM wave_submissions s JOIN respondents r ON r.id = s.respondent_id
               WHERE s.wave_id = $1 AND r.status = 'complete' AND s.decision = 'approve'
                 AND s.reconciled_at IS NOT NULL""",
            wave_id,
        )
    # Fieldwork set the wave's survey access at launch: its provider and project, its own secret.
    assert access is not None and access.secret == sessions.link_secret(settings.survey_secret, wave_id)
    assert (access.provider, access.project_id) == ("simulated", book.id)
    # Everyone entered through a signed link and has a session; a second attempt is refused, never counted.
    assert entered == sum(counts.values()) and counts.get("complete", 0) == 30
    assert all(r["reason"] not in ("unsigned", "bad_signature") for r in refusals)
    stored = counts.get("complete", 0) + counts.get("quality_terminate", 0)
    assert len(book.completed) == stored  # provider completes (counted from redirects) = stored completes
    assert book.returns["complete"] == counts["complete"]
    assert book.returns["quality_terminate"] == counts.get("quality_terminate", 0) == len(book.rejected) > 0
    # Speeders and straight-liners were quality-terminated and rejected at reconciliation with their codes.
    # (Which kinds get caught in a wave this small depends on timing — a speeder is judged against the median
    # of the completes before it; each rule is tested deterministically in test_survey_quality.py.)
    reasons = {reason for row in flagged for reason in row["quality_reasons"]}
    assert reasons & {"speeder", "straight_lining"}
    assert reasons <= {"speeder", "straight_lining", "attention_check", "duplicate"}
    assert all(row["decision"] == "reject" and row["sent"] for row in flagged)
    assert {row["reason_code"] for row in flagged} <= {"speeder", "straight_lining", "duplicate"}
    # Drop-outs stay "started": neither stored completes nor provider completes; their places were freed.
    assert counts.get("started", 0) > 0 and book.returns["left"] >= counts["started"]
    assert approved == counts["complete"] == len(book.approved)
