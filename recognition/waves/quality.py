"""Response quality rules, judged when a respondent finishes. Pure: no I/O.

A respondent who breaks any rule ends as ``quality_terminate`` with the reasons (kept for audit and
reconciliation, never estimated):

``speeder``
    completion time under ``max(floor, median / 3)``, where the median is that of the wave's valid completes so far
    and is used only once there are at least ``min_completes`` of them (before that the floor alone applies).
``straight_lining``
    every cell of every image grid answered the same way ("yes" everywhere or "no" everywhere), judged only when
    the grids hold at least ``straightline_min_cells`` cells over at least two brands (with fewer, a uniform
    pattern is plausible).
``attention_check``
    the instructed-response item not answered as instructed.
``duplicate``
    the same answers (same :func:`fingerprint`) as an earlier finished respondent of the wave. Only answers with
    at least ``duplicate_min_items`` answered items are fingerprinted, so two people who simply know no brand are
    not taken for one.

Answers a panel hosted itself and delivers in its compact format (:func:`panel_reasons`) are judged by the same
rules as far as that format tells: ``speeder`` on the reported duration, ``straight_lining`` when every brand is
ticked in every brand list and three or more brands get the same recommendation score. The reason names are the
codes a submission is rejected with at the provider (:data:`panels.base.REJECT_REASONS`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recognition.questionnaire import Questionnaire


@dataclass(frozen=True)
class QualityRules:
    speeder_fraction: float = 1 / 3
    speeder_floor_seconds: float = 30.0
    min_completes: int = 10
    straightline_min_cells: int = 12
    duplicate_min_items: int = 15


def speeder(duration: float, median: float | None, n_completes: int, rules: QualityRules) -> bool:
    threshold = rules.speeder_floor_seconds
    if median is not None and n_completes >= rules.min_completes:
        threshold = max(threshold, median * rules.speeder_fraction)
    return duration < threshold


def straight_lined(questionnaire: Questionnaire, answers: Mapping[str, Any], rules: QualityRules) -> bool:
    cells: list[str] = []
    rows: set[str] = set()
    for screen in questionnaire.screens:
        if screen.module != "image":
            continue
        for question in screen.questions:
            value = answers.get(question.id)
            if isinstance(value, Mapping):
                rows.update(str(k) for k in value)
                cells.extend(str(v) for v in value.values())
    return len(cells) >= rules.straightline_min_cells and len(rows) >= 2 and len(set(cells)) == 1


def failed_attention(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> bool:
    check = questionnaire.attention_check
    if check is None:
        return False
    question_id, expected = check
    return answers.get(question_id) != expected


def _items(value: Any) -> int:
    if isinstance(value, Mapping):
        return len(value)
    if isinstance(value, list | tuple):
        return len(value)
    return 0 if value is None else 1


def fingerprint(answers: Mapping[str, Any], rules: QualityRules) -> bytes | None:
    """SHA-256 of the canonical JSON of the answers (free texts case-folded and trimmed); None when the answers
    hold fewer than ``duplicate_min_items`` items (grid cells and list entries count one each)."""
    if sum(_items(v) for v in answers.values()) < rules.duplicate_min_items:
        return None

    def fold(value: Any) -> Any:
        if isinstance(value, str):
            return " ".join(value.casefold().split())
        if isinstance(value, Mapping):
            return {str(k): fold(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [fold(v) for v in value]
        return value

    payload = json.dumps(fold(dict(answers)), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).digest()


def quality_reasons(
    questionnaire: Questionnaire,
    answers: Mapping[str, Any],
    *,
    duration: float,
    median: float | None,
    n_completes: int,
    duplicate: bool,
    rules: QualityRules,
) -> tuple[str, ...]:
    """The rules the respondent breaks, in a fixed order; empty for a valid complete."""
    reasons = []
    if speeder(duration, median, n_completes, rules):
        reasons.append("speeder")
    if straight_lined(questionnaire, answers, rules):
        reasons.append("straight_lining")
    if failed_attention(questionnaire, answers):
        reasons.append("attention_check")
    if duplicate:
        reasons.append("duplicate")
    return tuple(reasons)


#: Shortest plausible interview in a panel's compact format (a third of the quickest reading of the questions).
PANEL_MIN_SECONDS = 90.0


def panel_reasons(data: Mapping[str, Any], brands: Sequence[str]) -> tuple[str, ...]:
    """The rules a respondent whose answers a panel delivered in its compact format breaks (see above)."""
    reasons: list[str] = []
    duration = data.get("duration_s")
    if isinstance(duration, int | float) and duration < PANEL_MIN_SECONDS:
        reasons.append("speeder")
    answers = data.get("answers") or {}
    lists = [set(answers.get(k) or []) for k in ("aided", "familiar", "consider")]
    scores = list((answers.get("recommend") or {}).values())
    if brands and all(s >= set(brands) for s in lists) and len(scores) >= 3 and len(set(scores)) == 1:
        reasons.append("straight_lining")
    return tuple(reasons)
