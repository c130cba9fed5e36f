"""The poll (tracker) as the service knows it: what is measured, among whom, how often, through which panel.
Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from recognition.errors import UserError

#: Columns a poll definition sets (create) or changes (update); ``status`` is changed by update/archive only.
DEFINITION_FIELDS = (
    "name",
    "category",
    "own_brand",
    "brands",
    "population",
    "sample_size",
    "cost_per_complete",
    "budget",
    "schedule",
    "provider",
    "language",
    "category_wording",
    "attributes",
    "modules",
    "entry_points",
    "service_features",
    "service_satisfaction",
)
STATUSES = ("active", "paused", "archived")


class PollConflict(UserError):
    """The change conflicts with the stored state (a duplicate name, an archived poll)."""


@dataclass(frozen=True)
class FieldError:
    """One problem with a poll definition; ``field`` is a dotted path such as ``brands[2].id``."""

    field: str
    message: str


@dataclass(frozen=True)
class Poll:
    id: int
    organisation_id: int
    name: str
    category: str
    own_brand: str
    brands: list[dict[str, Any]]
    population: str
    sample_size: int
    cost_per_complete: float = field(
        metadata={
            "doc": "the price per complete to assume when the poll's provider cannot quote one (its own "
            "feasibility price is used wherever it can)"
        }
    )
    budget: float | None = field(
        metadata={
            "doc": "the most one wave may cost (target × price per complete), in the provider's currency; "
            "a wave whose cost would exceed it is cancelled at launch (null: no limit)"
        }
    )
    schedule: dict[str, Any]
    provider: str
    questionnaire_version: int
    status: str
    created_at: datetime
    updated_at: datetime
    language: str = "en"
    category_wording: dict[str, str] = field(default_factory=dict)  # language → the category's wording
    attributes: list[Any] | None = None  # None: the default attributes (METHODS.md)
    modules: list[str] | None = None  # None: every optional module
    entry_points: list[dict[str, Any]] | None = field(
        default=None,
        metadata={
            "doc": "category entry points asked for mental availability, each {id, wording} (wording: a text "
            "or language → text); null: not asked"
        },
    )

    service_features: list[dict[str, Any]] | None = field(
        default=None,
        metadata={
            "doc": "service features asked about, each {id, wording, cost, prices, currency}: cost per customer, "
            "the Gabor–Granger price ladder (ascending); null: not asked"
        },
    )

    service_satisfaction: list[Any] | None = field(
        default=None,
        metadata={
            "doc": "service dimensions whose satisfaction is asked per brand used: default attribute ids or "
            "{id, label}; null: not asked"
        },
    )

    @property
    def brand_ids(self) -> list[str]:
        return [str(b["id"]) for b in self.brands]

    def brand_name(self, brand_id: str) -> str:
        for b in self.brands:
            if b["id"] == brand_id:
                return str(b.get("name", brand_id))
        return brand_id


@dataclass(frozen=True)
class Price:
    """What one complete of a wave costs: the provider's feasibility price (``source = "provider"``, in its
    ``currency``), or the poll's own ``cost_per_complete`` when the provider could not quote (``source =
    "poll"``, currency unknown, ``note`` saying why)."""

    per_complete: float
    source: Literal["provider", "poll"]
    currency: str | None = None
    note: str | None = None


DIRECTIONS = ("at_least", "at_most")
OBJECTIVE_FIELDS = ("metric", "brand", "segment", "threshold", "direction", "label")


@dataclass(frozen=True)
class Objective:
    """A limit one published figure should stay within, set before measuring: metric × brand × segment (total
    base), ``at_least`` or ``at_most`` a threshold on the figure's own scale (a proportion 0–1, or NPS points)."""

    id: int
    poll_id: int
    metric: str
    brand: str
    segment: str
    threshold: float
    direction: str
    label: str
    created_at: datetime
