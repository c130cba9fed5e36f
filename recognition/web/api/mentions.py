"""Coded-mention review and recode: the unaided fragments the code frame left uncoded, and mapping one to a
brand (or to "not a brand") in a new frame version.

A recode stores the new frame, re-codes every stored unaided answer of the poll
(:func:`recognition.store.mentions.recode`) and records the change in the audit log, in one transaction. Then
the published waves whose coding changed are processed again, oldest first
(:func:`recognition.waves.reprocess.reprocess`): their figures, the change tests compared with them and the
rolling windows that hold them follow the new frame.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import Field

from recognition.errors import UserError
from recognition.mentions.coding import code_text, uncertain
from recognition.polls.definition import Strict
from recognition.polls.questionnaire import default_frame
from recognition.store import mentions as mentions_store
from recognition.waves.reprocess import reprocess
from recognition.web.api.errors import Problem
from recognition.web.api.ops import ID, Ctx, Op, Param, respond
from recognition.web.api.polls import POLL_ID, load_poll

REVIEW: dict[str, Any] = {
    "type": "object",
    "required": [
        "poll",
        "frame_version",
        "fragments",
        "learned_aliases",
        "not_brand",
        "uncertain_wave_id",
        "uncertain",
    ],
    "properties": {
        "poll": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "frame_version": {"type": "integer", "minimum": 1},
        "fragments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["text", "count"],
                "properties": {"text": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
            },
        },
        "learned_aliases": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["alias", "brand"],
                "properties": {"alias": {"type": "string"}, "brand": {"type": "string"}},
            },
        },
        "not_brand": {"type": "array", "items": {"type": "string"}},
        "uncertain_wave_id": {
            "type": ["integer", "null"],
            "description": "the wave whose answers `uncertain` reads (the one asked for, else the latest coded)",
        },
        "uncertain": {
            "type": "array",
            "description": "readings placed with low confidence (a fuzzy or sound-alike match, score below 100) "
            "by the current frame, most frequent first: approve one by recoding it to the same brand (it becomes a "
            "learnt spelling, coded exactly from then on) or recode it to another brand or to 'not a brand'",
            "items": {
                "type": "object",
                "required": ["text", "brand", "score", "count"],
                "properties": {
                    "text": {"type": "string"},
                    "brand": {"type": "string"},
                    "score": {"type": "integer", "minimum": 0, "maximum": 100},
                    "count": {"type": "integer", "minimum": 1},
                },
            },
        },
    },
}


class Recode(Strict):
    fragment: str = Field(min_length=1, max_length=200, description="as listed")
    brand_id: str | None = Field(
        min_length=1, max_length=40, description="the brand it names, or null for 'not a brand'"
    )


WAVE_IDS = {"type": "array", "items": {"type": "integer"}}
RECODED: dict[str, Any] = {
    "type": "object",
    "required": ["frame_version", "recoded", "affected_waves", "reprocessed_waves"],
    "properties": {
        "frame_version": {"type": "integer", "minimum": 2},
        "recoded": {"type": "integer", "minimum": 0, "description": "respondents whose coding changed"},
        "affected_waves": {**WAVE_IDS, "description": "waves holding such a respondent"},
        "reprocessed_waves": {**WAVE_IDS, "description": "published waves whose estimates were redone"},
    },
}


async def poll_mentions(ctx: Ctx) -> web.StreamResponse:
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        frame = await mentions_store.latest_frame(conn, poll.id) or default_frame(poll)
        fragments = await mentions_store.unmatched_fragments(
            conn, poll.id, wave_id=ctx.params.get("wave_id"), limit=ctx.params.get("limit", 100)
        )
        read = ctx.params.get("wave_id") or await mentions_store.latest_coded_wave(conn, poll.id)
        answers = await mentions_store.coded_answers(conn, poll.id, read) if read is not None else []
    unsure = uncertain(
        code_text(text, frame)
        for _, _, texts, _ in answers
        for text in texts
        if isinstance(text, str) and text
    )
    return respond(
        {
            "poll": {"id": poll.id, "name": poll.name},
            "frame_version": frame.version,
            "fragments": [{"text": f.text, "count": f.count} for f in fragments],
            "learned_aliases": [{"alias": a, "brand": b} for a, b in frame.learned_aliases],
            "not_brand": list(frame.not_brand),
            "uncertain_wave_id": read,
            "uncertain": [
                {"text": u.text, "brand": u.brand_id, "score": u.score, "count": u.count}
                for u in unsure[: ctx.params.get("limit", 100)]
            ],
        }
    )


def _unprocessable(field: str, message: str) -> Problem:
    return Problem(
        422, "Unprocessable Content", f"{field}: {message}", errors=[{"field": field, "message": message}]
    )


async def recode_mention(ctx: Ctx) -> web.StreamResponse:
    fragment: str = ctx.body["fragment"]
    brand_id: str | None = ctx.body["brand_id"]
    async with ctx.pool.acquire() as conn:
        poll = await load_poll(conn, ctx)
        if brand_id is not None and brand_id not in poll.brand_ids:
            raise _unprocessable("brand_id", f"not a brand of this poll: {brand_id!r}")
        async with conn.transaction():
            try:
                result = await mentions_store.recode(conn, poll, fragment, brand_id)
            except UserError as exc:
                raise _unprocessable("fragment", str(exc)) from None
            await ctx.audit(
                conn,
                "mentions.recode",
                "poll",
                poll.id,
                {
                    "fragment": fragment,
                    "brand_id": brand_id,
                    "frame_version": result.frame.version,
                    "recoded": result.recoded,
                },
            )
    redo = await reprocess(ctx.pool, ctx.settings, poll, result.affected_waves)
    return respond(
        {
            "frame_version": result.frame.version,
            "recoded": result.recoded,
            "affected_waves": list(result.affected_waves),
            "reprocessed_waves": list(redo),
        }
    )


OPS = (
    Op(
        "GET",
        "/api/v1/polls/{poll_id}/mentions",
        poll_mentions,
        "viewer",
        "Unaided fragments left uncoded, most frequent first, and the current code frame",
        "mentions",
        REVIEW,
        (
            POLL_ID,
            Param("wave_id", "query", ID, "only this wave's answers"),
            Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 500}, "default 100"),
        ),
        description="count is the number of answer boxes holding the fragment. learned_aliases and "
        "not_brand are the recodes made so far (the brands' own names and aliases are in the poll).",
    ),
    Op(
        "POST",
        "/api/v1/polls/{poll_id}/mentions/recode",
        recode_mention,
        "editor",
        "Map a fragment to a brand (or to 'not a brand') and re-code the poll's answers",
        "mentions",
        RECODED,
        (POLL_ID,),
        body=Recode,
        errors=(422,),
        example={"fragment": "zoomerz", "brand_id": "velo"},
        description="Stores code frame version + 1, re-codes every stored unaided answer of the poll, and "
        "processes again the published waves whose coding changed (the change tests compared with them and "
        "the rolling windows holding them follow). 422 for an unknown brand, a fragment without letters or digits, or a "
        "fragment that is already a brand's name or alias.",
    ),
)
