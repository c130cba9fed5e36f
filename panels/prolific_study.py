"""Prolific's study records as the Prolific adapter (:mod:`panels.prolific`) writes and reads them: the statuses,
the draft study with its completion codes, a study as a :class:`panels.base.Project`, and a webhook's signature
and timestamp window."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from panels.base import Project, ProjectSpec, WebhookEvent

STATUS = {
    "UNPUBLISHED": "draft",
    "SCHEDULED": "live",
    "PUBLISHING": "live",
    "ACTIVE": "live",
    "PAUSED": "paused",
    "AWAITING REVIEW": "closed",
    "COMPLETED": "closed",
}
FINISHED = ("AWAITING REVIEW", "APPROVED", "REJECTED", "PARTIALLY APPROVED")
IN_PROGRESS = ("RESERVED", "ACTIVE")
REPRESENTATIVE = {"us": "US_REP_SAMPLE", "uk": "UK_REP_SAMPLE"}


def completion_codes(reference: str) -> dict[str, str]:
    """Deterministic completion codes per outcome for a study (so they survive a restart)."""
    digest = hashlib.sha256(reference.encode()).hexdigest().upper()
    return {
        "complete": "C" + digest[:7],
        "screened_out": "S" + digest[7:14],
        "quality_terminate": "Q" + digest[14:21],
    }


def project_of(study: Mapping[str, Any]) -> Project:
    """A study as a project; prices are the study's payments with Prolific's fee and VAT."""
    rate = (1 + float(study.get("fees_percentage") or 0) / 100) * (
        1 + float(study.get("vat_percentage") or 0) / 100
    )
    screen_out = [
        float(a.get("fixed_screen_out_reward") or 0)
        for c in study.get("completion_codes") or []
        for a in c.get("actions") or []
        if a.get("action") == "FIXED_SCREEN_OUT_PAYMENT"
    ]
    return Project(
        id=str(study["id"]),
        reference=str(study.get("internal_name", "")),
        status=STATUS.get(str(study.get("status")), "closed"),
        target_n=int(study.get("total_available_places", 0)),
        price=round(float(study.get("reward") or 0) * rate / 100, 4),
        screen_out_price=round(screen_out[0] * rate / 100, 4) if screen_out else 0.0,
    )


def study_body(
    spec: ProjectSpec,
    *,
    external_study_url: str,
    study_type: str,
    reward_cents: int,
    estimated_minutes: int,
    screen_out_cents: int,
) -> dict[str, Any]:
    """``POST /studies/``: a draft study for the wave, with its three completion codes."""
    codes = completion_codes(spec.reference)
    review = [{"action": "MANUALLY_REVIEW"}]
    category = str(spec.topic.get("category") or "").strip()
    return {
        "name": spec.name,
        "internal_name": spec.reference,
        "description": f"A short survey about {category + ' ' if category else ''}brands you may know "
        f"(about {estimated_minutes} minutes).",
        "external_study_url": external_study_url,
        "prolific_id_option": "url_parameters",
        "total_available_places": spec.target_n,
        "estimated_completion_time": estimated_minutes,
        "reward": reward_cents,
        "study_type": study_type,
        "device_compatibility": ["desktop", "tablet", "mobile"],
        "completion_codes": [
            {
                "code": codes["complete"],
                "code_type": "COMPLETED",
                "actions": review,
                "actor": "participant",
            },
            {
                "code": codes["quality_terminate"],
                "code_type": "FAILED_ATTENTION_CHECK",
                "actions": review,
                "actor": "participant",
            },
            {
                "code": codes["screened_out"],
                "code_type": "SCREENED_OUT",
                "actions": [
                    {
                        "action": "FIXED_SCREEN_OUT_PAYMENT",
                        "fixed_screen_out_reward": screen_out_cents,
                        "slots": spec.target_n,
                    }
                ],
                "actor": "participant",
            },
        ],
    }


def webhook_event(
    secret: str, tolerance: float, now: float, headers: Mapping[str, str], body: bytes
) -> WebhookEvent | None:
    """Signed with the workspace's secret over timestamp + body and sent within the tolerance; None otherwise
    (a stale timestamp is a replay). A signed body that is not a JSON object raises ``ValueError``."""
    lower = {k.lower(): v for k, v in headers.items()}
    signature = lower.get("x-prolific-request-signature", "")
    timestamp = lower.get("x-prolific-request-timestamp", "")
    if not secret or not signature or not timestamp:
        return None
    try:
        sent = float(timestamp)
    except ValueError:
        return None
    if not abs(now - sent) <= tolerance:
        return None  # too old (or too far ahead) to be a delivery made now: a replay
    want = base64.b64encode(
        hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    ).decode()
    if not hmac.compare_digest(signature, want):
        return None
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise ValueError("the body is not JSON") from None
    if not isinstance(doc, dict):
        raise ValueError("the body is not a JSON object")
    kind = str(doc.get("event_type", ""))
    study = str(doc.get("resource_id", "")) if kind.startswith("study.") else str(doc.get("study_id", ""))
    return WebhookEvent(lower.get("x-event-id", str(doc.get("event_id", ""))), kind, study, doc)
