"""Questionnaire versions: a checksum of what affects comparability, and a readable list of what changed.

Part of the version (a change starts a new questionnaire version and breaks the affected trends): language,
category wording, brand ids, display names and which one is the own brand, attributes and their order, modules,
number of unaided boxes, and every question's wording, options, rows, conditions and randomisation.

Not part of it (cosmetic, or versioned elsewhere): logo URLs; the order in which brands are listed in the config
(every brand list is randomised per respondent); brand aliases, which feed the unaided code frame and are versioned
with it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from recognition.questionnaire.config import OPTIONAL_MODULES
from recognition.questionnaire.model import Option, Question, Questionnaire
from recognition.questionnaire.texts import text

_FORMAT = 1


def _options(options: tuple[Option, ...]) -> list[list[Any]]:
    fixed = [[o.code, o.label, o.exclusive, o.anchored] for o in options if not o.brand]
    brands = sorted([o.code, o.label, o.exclusive, o.anchored] for o in options if o.brand)
    return brands + fixed


def _question(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "type": q.type,
        "prompt": q.prompt,
        "note": q.note,
        "options": _options(q.options),
        "rows": _options(q.rows),
        "randomise": q.randomise,
        "required": q.required,
        "conditions": [[c.name, c.question_id, list(c.codes), c.row, c.negate] for c in q.conditions],
        "brand_filter": None
        if q.brand_filter is None
        else [q.brand_filter.name, q.brand_filter.question_id, list(q.brand_filter.codes)],
        "boxes": q.boxes,
        "minimum": q.minimum,
        "maximum": q.maximum,
        "expected": q.expected,
    }


def _attribute_labels(questionnaire: Questionnaire) -> dict[str, str]:
    lang = questionnaire.language
    return {
        a.id: a.label if a.label is not None else text(lang, f"attr.{a.id}")
        for a in questionnaire.config.attributes
    }


def canonical(questionnaire: Questionnaire) -> dict[str, Any]:
    """The comparability-relevant content as plain, ordered data (what :func:`version_key` hashes)."""
    config = questionnaire.config
    return {
        "format": _FORMAT,
        "language": config.language,
        "category": config.category,
        "brands": sorted([b.id, b.name, b.own] for b in config.brands),
        "attributes": list(_attribute_labels(questionnaire).items()),
        "modules": [s.module for s in questionnaire.screens],
        "unaided_boxes": config.unaided_boxes,
        "screens": [
            {"id": s.id, "questions": [_question(q) for q in s.questions]} for s in questionnaire.screens
        ],
    }


def version_key(questionnaire: Questionnaire) -> str:
    """SHA-256 (hex) of the canonical JSON of :func:`canonical`."""
    payload = json.dumps(canonical(questionnaire), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class _Explained:
    """Config-level changes already reported, so that per-question lines do not repeat them."""

    language: bool
    category: str | None
    own_brand: bool
    relabelled: frozenset[str]
    modules: frozenset[str]
    attributes: frozenset[str]
    boxes: bool


def comparability_changes(old: Questionnaire, new: Questionnaire) -> list[str]:
    """What changed between two versions, one line per change; empty when the version keys are equal."""
    if version_key(old) == version_key(new):
        return []
    lines: list[str] = []
    explained = _config_changes(old, new, lines)
    old_q = {q.id: q for q in old.questions}
    new_q = {q.id: q for q in new.questions}
    for qid in old_q.keys() - new_q.keys():
        if not _structural(qid, old, explained):
            lines.append(f"question {qid!r} removed")
    for qid in new_q.keys() - old_q.keys():
        if not _structural(qid, new, explained):
            lines.append(f"question {qid!r} added")
    for qid in [q.id for q in new.questions if q.id in old_q]:
        lines += _question_changes(old_q[qid], new_q[qid], explained)
    return lines or ["questionnaire content changed"]


def _structural(qid: str, questionnaire: Questionnaire, explained: _Explained) -> bool:
    module = questionnaire.screen_of(qid).module
    return module in explained.modules or (
        module == "image" and qid.removeprefix("image.") in explained.attributes
    )


def _config_changes(old: Questionnaire, new: Questionnaire, lines: list[str]) -> _Explained:
    a, b = old.config, new.config
    if a.language != b.language:
        lines.append(f"language changed: {a.language} → {b.language}")
    if a.category != b.category:
        lines.append(f"category wording changed: {a.category!r} → {b.category!r}")
    old_brands, new_brands = {x.id: x for x in a.brands}, {x.id: x for x in b.brands}
    lines += [f"brand removed: {i!r}" for i in old_brands if i not in new_brands]
    lines += [f"brand added: {i!r}" for i in new_brands if i not in old_brands]
    for i in old_brands.keys() & new_brands.keys():
        if old_brands[i].name != new_brands[i].name:
            lines.append(f"brand {i!r} renamed: {old_brands[i].name!r} → {new_brands[i].name!r}")
    if a.own_brand.id != b.own_brand.id:
        lines.append(f"own brand changed: {a.own_brand.id!r} → {b.own_brand.id!r}")
    old_attrs, new_attrs = _attribute_labels(old), _attribute_labels(new)
    lines += [f"attribute removed: {i!r}" for i in old_attrs if i not in new_attrs]
    lines += [f"attribute added: {i!r}" for i in new_attrs if i not in old_attrs]
    relabelled = {i for i in old_attrs.keys() & new_attrs.keys() if old_attrs[i] != new_attrs[i]}
    if a.language == b.language:
        lines += [
            f"attribute {i!r} relabelled: {old_attrs[i]!r} → {new_attrs[i]!r}" for i in sorted(relabelled)
        ]
    common = [i for i in old_attrs if i in new_attrs]
    if common != [i for i in new_attrs if i in old_attrs]:
        lines.append("attribute order changed")
    toggled = {m for m in OPTIONAL_MODULES if a.module_on(m) != b.module_on(m)}
    lines += [
        f"module {m!r} switched {'on' if b.module_on(m) else 'off'}" for m in OPTIONAL_MODULES if m in toggled
    ]
    if a.unaided_boxes != b.unaided_boxes:
        lines.append(f"unaided boxes changed: {a.unaided_boxes} → {b.unaided_boxes}")
    return _Explained(
        language=a.language != b.language,
        category=a.category if a.category != b.category else None,
        own_brand=(a.own_brand.id, a.own_brand.name) != (b.own_brand.id, b.own_brand.name),
        relabelled=frozenset(relabelled),
        modules=frozenset(toggled),
        attributes=frozenset(old_attrs.keys() ^ new_attrs.keys()),
        boxes=a.unaided_boxes != b.unaided_boxes,
    )


def _prompt_explained(old: Question, explained: _Explained) -> bool:
    return (
        explained.language
        or (explained.category is not None and explained.category in old.prompt)
        or _own_explained(old, explained)
        or old.id.removeprefix("image.") in explained.relabelled
    )


def _own_explained(old: Question, explained: _Explained) -> bool:
    """The competitor-reason question names the own brand and routes on its customer status."""
    return explained.own_brand and old.id == "competitor_reason"


def _question_changes(old: Question, new: Question, explained: _Explained) -> list[str]:
    a, b = _question(old), _question(new)
    changes: list[str] = []
    if a["prompt"] != b["prompt"] and not _prompt_explained(old, explained):
        changes.append("wording")
    if a["note"] != b["note"] and not explained.language:
        changes.append("note")
    for part in ("options", "rows"):
        before = [o for o in a[part] if not _is_brand(o, old, part)]
        after = [o for o in b[part] if not _is_brand(o, new, part)]
        if explained.language or _own_explained(old, explained):
            before, after = [o[:1] + o[2:] for o in before], [o[:1] + o[2:] for o in after]
        if before != after:
            changes.append(part)
    for key in (
        "type",
        "randomise",
        "required",
        "conditions",
        "brand_filter",
        "minimum",
        "maximum",
        "expected",
    ):
        if a[key] != b[key] and not (key == "conditions" and _own_explained(old, explained)):
            changes.append(key.replace("_", " "))
    if a["boxes"] != b["boxes"] and not explained.boxes:
        changes.append("boxes")
    return [f"question {old.id!r}: {', '.join(changes)} changed"] if changes else []


def _is_brand(item: list[Any], question: Question, part: str) -> bool:
    pool = question.options if part == "options" else question.rows
    return any(o.brand and o.code == item[0] for o in pool)
