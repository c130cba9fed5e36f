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
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from recognition.figures import METRIC_HELP, METRIC_PATTERN
from recognition.questionnaire.config import (
    DEFAULT_ATTRIBUTES,
    MAX_ENTRY_POINTS,
    MAX_PRICES,
    MAX_SERVICE_FEATURES,
    MIN_ENTRY_POINTS,
    MIN_PRICES,
    OPTIONAL_MODULES,
)
from recognition.questionnaire.texts import LANGUAGE_NAMES, LANGUAGES

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"
_SLUG = re.compile(SLUG_PATTERN)
_POPULATION = re.compile(r"^[a-z]{2}$")
_PROVIDER = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_METRIC = re.compile(METRIC_PATTERN)


def _matching(rx: re.Pattern[str], plain: str) -> AfterValidator:
    def check(value: str) -> str:
        if not rx.match(value):
            raise ValueError(plain)
        return value

    return AfterValidator(check)


#: A short identifier chosen by the user (a brand id).
_SLUG_HELP = "needs up to 40 lower-case letters, digits, '-' or '_', starting with a letter or digit"
Slug = Annotated[
    str,
    _matching(_SLUG, f"a short id {_SLUG_HELP} (e.g. north-peak)"),
    WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN, "description": "e.g. acme or north-peak"}),
]
_CURRENCY = re.compile(r"^[A-Z]{3}$")
Currency = Annotated[
    str,
    _matching(_CURRENCY, "a currency code of three capital letters such as EUR or USD"),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217, e.g. EUR"}),
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
    _matching(_METRIC, f"one of {METRIC_HELP}"),
    WithJsonSchema({"type": "string", "pattern": METRIC_PATTERN}),
]


Language = Literal["en", "de"]
_WORDING_HELP = (
    "give the wording in at least one language, as respondents will read it (e.g. “coffee shop chains”, "
    "in German “Kaffeehausketten”)"
)


def _wording(value: Any) -> str | dict[str, str]:
    """Text in the poll's language, or a table language → text (each 1 to 200 characters)."""
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("must not be empty")
        if len(value) > 200:
            raise ValueError("is too long: at most 200 characters")
        return value.strip()
    if not isinstance(value, dict) or not value:
        raise ValueError(_WORDING_HELP)
    out: dict[str, str] = {}
    for language, text in value.items():
        if language not in LANGUAGES:
            known = ", ".join(LANGUAGE_NAMES.values())
            raise ValueError(f"{language!r} is not a language the questionnaire is asked in ({known})")
        if not isinstance(text, str) or not text.strip() or len(text) > 200:
            raise ValueError(f"the {LANGUAGE_NAMES[language]} wording needs 1 to 200 characters of text")
        out[language] = text.strip()
    return out


_WORDING_SCHEMA = {
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 200},
        {
            "type": "object",
            "propertyNames": {"enum": list(LANGUAGES)},
            "additionalProperties": {"type": "string", "minLength": 1, "maxLength": 200},
            "minProperties": 1,
        },
    ]
}
#: Wording shown to respondents: one text (in the poll's language) or one per language.
Wording = Annotated[
    str | dict[str, str],
    PlainValidator(_wording),
    WithJsonSchema({**_WORDING_SCHEMA, "description": 'e.g. "coffee shop chains" or {"en": …, "de": …}'}),
]
Module = Literal[OPTIONAL_MODULES]  # type: ignore[valid-type]


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


def _attribute(value: Any) -> str | dict[str, Any]:
    """A default attribute by id, or the organisation's own as ``{"id", "label"}``."""
    defaults = ", ".join(DEFAULT_ATTRIBUTES)
    if isinstance(value, str):
        if value not in DEFAULT_ATTRIBUTES:
            raise ValueError(
                f"{value!r} is not a default attribute ({defaults}); give your own with its wording, "
                'e.g. {"id": "taste", "label": {"de": "Geschmack"}}'
            )
        return value
    if not isinstance(value, dict) or set(value) != {"id", "label"}:
        raise ValueError('give a default attribute by id, or your own as {"id": …, "label": …}')
    if not isinstance(value["id"], str) or not _SLUG.match(value["id"]):
        raise ValueError(f"the id {value['id']!r} {_SLUG_HELP}")
    return {"id": value["id"], "label": _wording(value["label"])}


Attribute = Annotated[
    str | dict[str, Any],
    PlainValidator(_attribute),
    WithJsonSchema(
        {
            "oneOf": [
                {"enum": list(DEFAULT_ATTRIBUTES)},
                {
                    "type": "object",
                    "required": ["id", "label"],
                    "properties": {
                        "id": {"type": "string", "pattern": SLUG_PATTERN},
                        "label": _WORDING_SCHEMA,
                    },
                    "additionalProperties": False,
                },
            ]
        }
    ),
]


class EntryPointIn(Strict):
    """A category entry point: a buying situation respondents read after the category (e.g. "for a run")."""

    id: Slug
    wording: Wording = Field(
        description='the situation as respondents read it after the category, e.g. "for a run" or '
        '{"en": "on the way to work", "de": "auf dem Weg zur Arbeit"}'
    )


class ServiceFeatureIn(Strict):
    """A service feature the own brand could promise (e.g. "home installation"), with what it costs the company
    per customer who gets it and the price ladder its willingness to pay is asked on (Gabor–Granger)."""

    id: Slug
    wording: Wording = Field(
        description='the feature as respondents read it, e.g. "home installation" or '
        '{"en": "phone support in the evening", "de": "Telefonberatung am Abend"}'
    )
    cost: float = Field(ge=0, le=1e6, description="what giving the feature to one customer costs the company")
    prices: list[Annotated[float, Field(gt=0, lt=1e6)]] = Field(
        min_length=MIN_PRICES,
        max_length=MAX_PRICES,
        description="the price ladder, lowest to highest; respondents who would pay extra are asked from the "
        "highest price down until their first yes",
    )
    currency: Currency = Field(
        default="EUR", description="the currency of the cost and the prices (ISO 4217 code)"
    )


class PollFields(Fields):
    """The fields of a poll definition; on a change every one is optional."""

    NULLABLE = frozenset(
        {"budget", "attributes", "modules", "entry_points", "service_features", "service_satisfaction"}
    )

    name: Text | None = None
    category: Wording | None = Field(
        default=None,
        description="the category as respondents read it, in the poll's language or per language",
    )
    language: Language | None = Field(
        default=None, description="the questionnaire's language (default: the population's, e.g. de for de)"
    )
    attributes: list[Attribute] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="image attributes: default ones by id, or your own as {id, label}; null = the defaults",
    )
    modules: list[Module] | None = Field(
        default=None, max_length=len(OPTIONAL_MODULES), description="optional modules asked; null = all"
    )
    entry_points: list[EntryPointIn] | None = Field(
        default=None,
        min_length=MIN_ENTRY_POINTS,
        max_length=MAX_ENTRY_POINTS,
        description="category entry points (buying situations) asked for mental availability: which brands "
        "come to mind in each; null = not asked",
    )
    service_features: list[ServiceFeatureIn] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_SERVICE_FEATURES,
        description="service features asked about: expected as standard, would pay extra (then its price "
        "ladder) or not needed; each with its cost per customer; null = not asked",
    )
    service_satisfaction: list[Attribute] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="service dimensions whose satisfaction is asked for every brand the respondent has used "
        "(customers and potential customers who dealt with a competitor): default ones by id (ease_of_purchase, "
        "staff, delivery_times) or your own as {id, label}; each becomes the metric service.dissatisfied.<id> "
        "(share dissatisfied), which objectives can limit; null = not asked",
    )
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
    category: Wording
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
