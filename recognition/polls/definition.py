"""What a client may send to define a poll or an objective: typed models that check the shape of a request and
describe it in ``/openapi.json`` (``pydantic``), with every complaint in plain words.

These models check each field on its own (types, lengths, allowed words); what depends on several fields or on
the population — the own brand among the brands, a questionnaire that builds, a schedule that parses, a budget a
wave fits in — is checked by :mod:`recognition.polls.checks`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from recognition.figures import MEAN_METRICS, PROPORTION_METRICS

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
_SLUG = re.compile(SLUG_PATTERN)
_POPULATION = re.compile(r"^[a-z]{2}$")
_PROVIDER = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
METRIC_PATTERN = "^(" + "|".join((*PROPORTION_METRICS, *MEAN_METRICS)) + r"|image\.[a-z0-9_]{1,40})$"
_METRIC = re.compile(METRIC_PATTERN)


def _matching(rx: re.Pattern[str], plain: str) -> AfterValidator:
    def check(value: str) -> str:
        if not rx.match(value):
            raise ValueError(plain)
        return value

    return AfterValidator(check)


#: A short identifier chosen by the user (a brand id).
Slug = Annotated[
    str,
    _matching(_SLUG, "use up to 40 lower-case letters, digits, '-' or '_', starting with a letter or digit"),
    WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN, "description": "e.g. acme or north-peak"}),
]
Text = Annotated[str, Field(min_length=1, max_length=200)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
Population = Annotated[
    str,
    _matching(_POPULATION, "a two-letter population code such as us, de or uk"),
    WithJsonSchema({"type": "string", "pattern": "^[a-z]{2}$", "description": "a population: us, de, uk"}),
]
ProviderName = Annotated[
    str,
    _matching(_PROVIDER, "a panel provider's name such as simulated or prolific"),
    WithJsonSchema({"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}),
]
Metric = Annotated[
    str,
    _matching(_METRIC, f"one of {', '.join((*PROPORTION_METRICS, *MEAN_METRICS))} or image.<attribute>"),
    WithJsonSchema({"type": "string", "pattern": METRIC_PATTERN}),
]


class Strict(BaseModel):
    """The base of every request body: strict (a JSON number is not accepted for text, nor text for a number)
    and closed (unknown fields are refused)."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Fields(Strict):
    """A body whose fields may each be left out (a change): a field sent as null is refused, except those in
    ``NULLABLE``, for which null means "none"."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise ValueError("must not be null (leave the field out instead)")
        return value


class BrandIn(Strict):
    id: Slug
    name: Name
    aliases: list[Name] = Field(
        default_factory=list, max_length=20, description="other names and spellings respondents use"
    )


class PollFields(Fields):
    """The fields of a poll definition; on a change every one is optional."""

    NULLABLE = frozenset({"budget"})

    name: Text | None = None
    category: Text | None = None
    own_brand: Slug | None = None
    brands: list[BrandIn] | None = Field(default=None, min_length=2, max_length=30)
    population: Population | None = None
    sample_size: int | None = Field(default=None, ge=50, le=100_000, description="completes per wave")
    cost_per_complete: float | None = Field(
        default=None,
        ge=0,
        le=10_000,
        description="the price per complete to assume when the provider cannot quote one (its own "
        "feasibility price is used wherever it can)",
    )
    budget: float | None = Field(
        default=None,
        ge=0,
        le=1e11,
        description="per wave: the most one wave may cost (sample_size × the provider's price per complete), "
        "in the provider's currency; null: no limit",
    )
    schedule: dict[str, Any] | None = Field(
        default=None,
        max_length=20,
        description="cron, interval or continuous; see docs/api.md (empty = launched by hand)",
    )
    provider: ProviderName | None = None


class PollCreate(PollFields):
    """A new poll: name, category, own brand, brands, population and sample size are required."""

    name: Text
    category: Text
    own_brand: Slug
    brands: list[BrandIn] = Field(min_length=2, max_length=30)
    population: Population
    sample_size: int = Field(ge=50, le=100_000, description="completes per wave")


class PollUpdate(PollFields):
    status: Literal["active", "paused"] | None = None


class ObjectiveFields(Fields):
    metric: Metric | None = None
    brand: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    segment: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    threshold: float | None = Field(
        default=None,
        ge=-100,
        le=100,
        description="on the figure's scale: a proportion 0..1, or NPS -100..100",
    )
    direction: Literal["at_least", "at_most"] | None = None
    label: Annotated[str, Field(max_length=200)] | None = None


class ObjectiveCreate(ObjectiveFields):
    metric: Metric
    brand: Annotated[str, Field(min_length=1, max_length=40)]
    threshold: float = Field(
        ge=-100, le=100, description="on the figure's scale: a proportion 0..1, or NPS points"
    )
    direction: Literal["at_least", "at_most"]
