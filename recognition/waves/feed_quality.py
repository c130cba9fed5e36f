"""Quality checks on a finished interview, before it counts as a valid complete.

- **speeder**: finished in under :data:`MIN_SECONDS` (a third of the shortest plausible reading time of the
  awareness questionnaire);
- **straight_liner**: every brand ticked in every brand list (aided, familiar, consider) *and* the same
  recommendation score for three or more brands — the pattern of clicking through without reading.

A flagged interview is stored with status ``quality_terminate`` and its reasons, and rejected at the provider with
the matching reason code (:data:`panels.base.REJECT_REASONS`). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

MIN_SECONDS = 90.0


def quality_reasons(data: Mapping[str, Any], brands: Sequence[str]) -> tuple[str, ...]:
    reasons: list[str] = []
    duration = data.get("duration_s")
    if isinstance(duration, int | float) and duration < MIN_SECONDS:
        reasons.append("speeder")
    answers = data.get("answers") or {}
    lists = [set(answers.get(k) or []) for k in ("aided", "familiar", "consider")]
    scores = list((answers.get("recommend") or {}).values())
    if brands and all(s >= set(brands) for s in lists) and len(scores) >= 3 and len(set(scores)) == 1:
        reasons.append("straight_liner")
    return tuple(reasons)
