"""What a poll configures about its questionnaire, validated field by field.

``QuestionnaireConfig.from_dict`` accepts plain data (a poll's TOML/JSON) and raises :class:`QuestionnaireError`
naming the offending field, e.g. ``brands[2].id: 'nike' is listed twice``; ``to_dict`` gives the same shape back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recognition.errors import UserError
from recognition.questionnaire.texts import LANGUAGES

#: Modules in questionnaire order. The core ones are always on; the others can be switched off per poll.
CORE_MODULES: tuple[str, ...] = ("screener", "unaided", "aided")
OPTIONAL_MODULES: tuple[str, ...] = (
    "familiarity",
    "image",
    "consideration",
    "preference",
    "recommendation",
    "competitor_reason",
    "comment",
    "attention_check",
)
MODULES: tuple[str, ...] = CORE_MODULES + OPTIONAL_MODULES

#: Default image attributes (METHODS.md: what customers say matters); labels come from the text catalogue.
DEFAULT_ATTRIBUTES: tuple[str, ...] = (
    "product_quality",
    "value_for_money",
    "ease_of_purchase",
    "staff",
    "delivery_times",
    "trustworthiness",
)
#: Screener variables with question wording; each must be a ``[margins.*]`` table of the poll's population.
KNOWN_WEIGHTING_VARIABLES: tuple[str, ...] = ("age", "gender", "region", "land", "education")
DEFAULT_WEIGHTING_VARIABLES: tuple[str, ...] = ("age", "gender", "region", "education")
#: Option codes the questionnaire uses beside brand ids; a brand may not take one of these ids.
RESERVED_CODES: frozenset[str] = frozenset({"none", "dont_know", "yes", "no", "other"})

MIN_BRANDS, MAX_BRANDS = 2, 30
MAX_UNAIDED_BOXES = 10
MAX_ATTRIBUTES = 20
#: Category entry points (buying situations) a poll may ask about; none = the module is not asked.
MIN_ENTRY_POINTS, MAX_ENTRY_POINTS = 2, 15
MAX_WORDING = 200
#: Service features (METHODS.md, Service features): at most this many, each with a Gabor–Granger price ladder of
#: MIN_PRICES to MAX_PRICES prices, asked from the highest down.
MAX_SERVICE_FEATURES = 10
MIN_PRICES, MAX_PRICES = 3, 8
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_FIELDS = (
    "brands",
    "attributes",
    "category",
    "language",
    "unaided_boxes",
    "modules",
    "weighting_variables",
    "entry_points",
    "service_features",
    "service_satisfaction",
)


class QuestionnaireError(UserError, ValueError):
    """A questionnaire definition or an answer is invalid; ``field`` names where (``"brands[2].id"``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message


@dataclass(frozen=True)
class Brand:
    """A tracked brand. ``aliases`` feed unaided coding; ``logo_url`` is cosmetic (not part of the version)."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    logo_url: str | None = None
    own: bool = False


@dataclass(frozen=True)
class Attribute:
    """An image attribute; ``label`` is None for a default attribute (text from the catalogue)."""

    id: str
    label: str | None = None


@dataclass(frozen=True)
class EntryPoint:
    """A category entry point: a buying situation (``label``: its wording in the questionnaire's language, read
    after the category, e.g. "for a run"), asked as "which of these brands come to mind" (METHODS.md, Mental
    availability)."""

    id: str
    label: str


@dataclass(frozen=True)
class ServiceFeature:
    """A service feature of the own brand (``label``: its wording in the questionnaire's language, e.g. "home
    installation"): respondents say whether they expect it as standard, would pay extra for it or do not need
    it; those who would pay climb down its price ladder (``prices``, ascending, in ``currency``) to their first
    yes (Gabor–Granger; METHODS.md, Service features)."""

    id: str
    label: str
    prices: tuple[float, ...]
    currency: str = "EUR"


@dataclass(frozen=True)
class QuestionnaireConfig:
    """A poll's questionnaire settings. Build with :meth:`from_dict` to get validation."""

    brands: tuple[Brand, ...]
    category: str
    language: str = "en"
    attributes: tuple[Attribute, ...] = tuple(Attribute(a) for a in DEFAULT_ATTRIBUTES)
    unaided_boxes: int = 5
    modules: tuple[str, ...] = OPTIONAL_MODULES
    weighting_variables: tuple[str, ...] = DEFAULT_WEIGHTING_VARIABLES
    entry_points: tuple[EntryPoint, ...] = ()
    service_features: tuple[ServiceFeature, ...] = ()
    #: Service dimensions whose satisfaction is asked for each brand the respondent has used (ids of the default
    #: attributes, e.g. delivery_times, or the organisation's own with a label); none: not asked.
    service_satisfaction: tuple[Attribute, ...] = ()

    def __post_init__(self) -> None:
        _parse(self.to_dict())  # a config built directly is held to the same rules as one from plain data

    @property
    def own_brand(self) -> Brand:
        return next(b for b in self.brands if b.own)

    def module_on(self, module: str) -> bool:
        return module in CORE_MODULES or module in self.modules

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuestionnaireConfig:
        """Validate plain data and build the config; raises :class:`QuestionnaireError` naming the field."""
        return cls(**_parse(data))

    def to_dict(self) -> dict[str, Any]:
        """Plain data that :meth:`from_dict` turns back into an equal config."""
        brands: list[dict[str, Any]] = []
        for b in self.brands:
            item: dict[str, Any] = {"id": b.id, "name": b.name}
            if b.aliases:
                item["aliases"] = list(b.aliases)
            if b.logo_url is not None:
                item["logo_url"] = b.logo_url
            if b.own:
                item["own"] = True
            brands.append(item)
        out: dict[str, Any] = {
            "brands": brands,
            "attributes": [
                a.id if a.label is None else {"id": a.id, "label": a.label} for a in self.attributes
            ],
            "category": self.category,
            "language": self.language,
            "unaided_boxes": self.unaided_boxes,
            "modules": list(self.modules),
            "weighting_variables": list(self.weighting_variables),
        }
        if self.entry_points:  # only when asked: a poll without them keeps its stored definition as it was
            out["entry_points"] = [{"id": e.id, "label": e.label} for e in self.entry_points]
        if self.service_satisfaction:  # likewise
            out["service_satisfaction"] = [
                a.id if a.label is None else {"id": a.id, "label": a.label} for a in self.service_satisfaction
            ]
        if self.service_features:  # likewise
            out["service_features"] = [
                {"id": f.id, "label": f.label, "prices": list(f.prices), "currency": f.currency}
                for f in self.service_features
            ]
        return out


def _parse(data: Mapping[str, Any]) -> dict[str, Any]:
    """Checked constructor arguments of :class:`QuestionnaireConfig` from plain data."""
    if not isinstance(data, Mapping):
        raise QuestionnaireError("questionnaire", "expected a table of settings")
    for key in data:
        if key not in _FIELDS:
            raise QuestionnaireError(str(key), f"unknown field (known: {', '.join(_FIELDS)})")
    language = data.get("language", "en")
    if language not in LANGUAGES:
        raise QuestionnaireError("language", f"unknown language {language!r} (known: {', '.join(LANGUAGES)})")
    category = data.get("category")
    if not isinstance(category, str) or not category.strip():
        raise QuestionnaireError("category", "required: the category wording, e.g. 'running shoes'")
    boxes = data.get("unaided_boxes", 5)
    if isinstance(boxes, bool) or not isinstance(boxes, int) or not 1 <= boxes <= MAX_UNAIDED_BOXES:
        raise QuestionnaireError("unaided_boxes", f"must be a whole number from 1 to {MAX_UNAIDED_BOXES}")
    return {
        "brands": _parse_brands(data.get("brands")),
        "category": category.strip(),
        "language": language,
        "attributes": _parse_attributes(data.get("attributes")),
        "unaided_boxes": boxes,
        "modules": _parse_modules(data.get("modules")),
        "weighting_variables": _parse_variables(data.get("weighting_variables")),
        "entry_points": _parse_entry_points(data.get("entry_points")),
        "service_features": _parse_service_features(data.get("service_features")),
        "service_satisfaction": _parse_satisfaction(data.get("service_satisfaction")),
    }


def _list(value: Any, name: str) -> Sequence[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise QuestionnaireError(name, "expected a list")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise QuestionnaireError(name, "required: a non-empty text")
    return value.strip()


def _parse_brands(value: Any) -> tuple[Brand, ...]:
    if value is None:
        raise QuestionnaireError("brands", f"required: {MIN_BRANDS} to {MAX_BRANDS} brands")
    items = _list(value, "brands")
    if not MIN_BRANDS <= len(items) <= MAX_BRANDS:
        raise QuestionnaireError(
            "brands", f"{len(items)} given; a poll tracks {MIN_BRANDS} to {MAX_BRANDS} brands"
        )
    brands: list[Brand] = []
    ids: set[str] = set()
    names: set[str] = set()
    for i, item in enumerate(items):
        brand = _parse_brand(item, f"brands[{i}]")
        if brand.id in ids:
            raise QuestionnaireError(f"brands[{i}].id", f"{brand.id!r} is listed twice")
        if brand.name.casefold() in names:
            raise QuestionnaireError(f"brands[{i}].name", f"{brand.name!r} is listed twice")
        ids.add(brand.id)
        names.add(brand.name.casefold())
        brands.append(brand)
    own = [i for i, b in enumerate(brands) if b.own]
    if not own:
        raise QuestionnaireError("brands", "no own brand: mark exactly one brand with own = true")
    if len(own) > 1:
        raise QuestionnaireError(f"brands[{own[1]}].own", "only one brand can be the own brand")
    return tuple(brands)


def _parse_brand(item: Any, name: str) -> Brand:
    if not isinstance(item, Mapping):
        raise QuestionnaireError(name, "expected a table with id and name")
    for key in item:
        if key not in ("id", "name", "aliases", "logo_url", "own"):
            raise QuestionnaireError(
                f"{name}.{key}", "unknown field (known: id, name, aliases, logo_url, own)"
            )
    brand_id = item.get("id")
    if not isinstance(brand_id, str) or not _ID.match(brand_id):
        raise QuestionnaireError(
            f"{name}.id", f"{brand_id!r} is not an id (lower-case letters, digits, _ or -)"
        )
    if brand_id in RESERVED_CODES:
        raise QuestionnaireError(f"{name}.id", f"{brand_id!r} is reserved for an answer option")
    aliases = tuple(
        _text(a, f"{name}.aliases[{j}]") for j, a in enumerate(_list(item.get("aliases", []), name))
    )
    logo = item.get("logo_url")
    if logo is not None and (not isinstance(logo, str) or not logo.startswith(("https://", "http://", "/"))):
        raise QuestionnaireError(f"{name}.logo_url", "expected an http(s) URL or an absolute path")
    own = item.get("own", False)
    if not isinstance(own, bool):
        raise QuestionnaireError(f"{name}.own", "expected true or false")
    return Brand(
        id=brand_id, name=_text(item.get("name"), f"{name}.name"), aliases=aliases, logo_url=logo, own=own
    )


def _parse_satisfaction(value: Any) -> tuple[Attribute, ...]:
    return () if value is None else _parse_attributes(value, "service_satisfaction")


def _parse_attributes(value: Any, field: str = "attributes") -> tuple[Attribute, ...]:
    if value is None:
        return tuple(Attribute(a) for a in DEFAULT_ATTRIBUTES)
    items = _list(value, field)
    if not 1 <= len(items) <= MAX_ATTRIBUTES:
        raise QuestionnaireError(field, f"give 1 to {MAX_ATTRIBUTES} attributes")
    seen: set[str] = set()
    attributes: list[Attribute] = []
    for i, item in enumerate(items):
        name = f"{field}[{i}]"
        attr_id: Any
        label: str | None
        if isinstance(item, str):
            attr_id, label = item, None
        elif isinstance(item, Mapping) and set(item) <= {"id", "label"}:
            attr_id = item.get("id")
            label = None if item.get("label") is None else _text(item.get("label"), f"{name}.label")
        else:
            raise QuestionnaireError(name, "expected an attribute id or a table with id and label")
        if not isinstance(attr_id, str) or not _ID.match(attr_id):
            raise QuestionnaireError(name, f"{attr_id!r} is not an id (lower-case letters, digits, _ or -)")
        if label is None and attr_id not in DEFAULT_ATTRIBUTES:
            raise QuestionnaireError(name, f"{attr_id!r} is not a default attribute; give it a label")
        if attr_id in seen:
            raise QuestionnaireError(name, f"{attr_id!r} is listed twice")
        seen.add(attr_id)
        attributes.append(Attribute(attr_id, label))
    return tuple(attributes)


def _parse_entry_points(value: Any) -> tuple[EntryPoint, ...]:
    if value is None:
        return ()
    items = _list(value, "entry_points")
    if not MIN_ENTRY_POINTS <= len(items) <= MAX_ENTRY_POINTS:
        raise QuestionnaireError(
            "entry_points",
            f"{len(items)} given; ask about {MIN_ENTRY_POINTS} to {MAX_ENTRY_POINTS} buying situations",
        )
    seen: set[str] = set()
    out: list[EntryPoint] = []
    for i, item in enumerate(items):
        name = f"entry_points[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"id", "label"}:
            raise QuestionnaireError(name, "expected a table with id and label")
        entry_id = item.get("id")
        if not isinstance(entry_id, str) or not _ID.match(entry_id):
            raise QuestionnaireError(
                f"{name}.id", f"{entry_id!r} is not an id (lower-case letters, digits, _ or -)"
            )
        if entry_id in seen:
            raise QuestionnaireError(f"{name}.id", f"{entry_id!r} is listed twice")
        label = _text(item.get("label"), f"{name}.label")
        if len(label) > MAX_WORDING:
            raise QuestionnaireError(f"{name}.label", f"is too long: at most {MAX_WORDING} characters")
        seen.add(entry_id)
        out.append(EntryPoint(entry_id, label))
    return tuple(out)


def _parse_prices(value: Any, name: str) -> tuple[float, ...]:
    items = _list(value, name)
    if not MIN_PRICES <= len(items) <= MAX_PRICES:
        raise QuestionnaireError(
            name, f"{len(items)} given; a price ladder has {MIN_PRICES} to {MAX_PRICES} prices"
        )
    if not all(isinstance(p, int | float) and not isinstance(p, bool) and 0 < p < 1e6 for p in items):
        raise QuestionnaireError(name, "every price must be a number above 0 and below 1,000,000")
    if any(b <= a for a, b in zip(items, items[1:], strict=False)):
        raise QuestionnaireError(name, "the prices must rise from the lowest to the highest, each one once")
    return tuple(float(p) for p in items)


def _parse_service_features(value: Any) -> tuple[ServiceFeature, ...]:
    if value is None:
        return ()
    items = _list(value, "service_features")
    if not 1 <= len(items) <= MAX_SERVICE_FEATURES:
        raise QuestionnaireError(
            "service_features", f"{len(items)} given; ask about 1 to {MAX_SERVICE_FEATURES} service features"
        )
    seen: set[str] = set()
    out: list[ServiceFeature] = []
    for i, item in enumerate(items):
        name = f"service_features[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"id", "label", "prices", "currency"}:
            raise QuestionnaireError(name, "expected a table with id, label, prices and currency")
        feature_id = item.get("id")
        if not isinstance(feature_id, str) or not _ID.match(feature_id) or feature_id in seen:
            raise QuestionnaireError(f"{name}.id", f"{feature_id!r} is not an id listed once")
        label = _text(item.get("label"), f"{name}.label")
        if len(label) > MAX_WORDING:
            raise QuestionnaireError(f"{name}.label", f"is too long: at most {MAX_WORDING} characters")
        currency = item.get("currency")
        if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
            raise QuestionnaireError(f"{name}.currency", f"{currency!r} is not a currency code such as EUR")
        seen.add(feature_id)
        out.append(
            ServiceFeature(feature_id, label, _parse_prices(item.get("prices"), f"{name}.prices"), currency)
        )
    return tuple(out)


def _parse_modules(value: Any) -> tuple[str, ...]:
    if value is None:
        return OPTIONAL_MODULES
    chosen: set[str] = set()
    for i, item in enumerate(_list(value, "modules")):
        if item not in MODULES:
            raise QuestionnaireError(
                f"modules[{i}]", f"unknown module {item!r} (known: {', '.join(MODULES)})"
            )
        chosen.add(item)
    return tuple(m for m in OPTIONAL_MODULES if m in chosen)


def _parse_variables(value: Any) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_WEIGHTING_VARIABLES
    result: list[str] = []
    for i, item in enumerate(_list(value, "weighting_variables")):
        if item not in KNOWN_WEIGHTING_VARIABLES:
            known = ", ".join(KNOWN_WEIGHTING_VARIABLES)
            raise QuestionnaireError(
                f"weighting_variables[{i}]", f"no screener question for {item!r} (known: {known})"
            )
        if item in result:
            raise QuestionnaireError(f"weighting_variables[{i}]", f"duplicate {item!r}")
        result.append(item)
    if not result:
        raise QuestionnaireError("weighting_variables", "at least one weighting variable is needed")
    return tuple(result)
