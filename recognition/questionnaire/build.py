"""Assemble the questionnaire from its modules, in the order of METHODS.md.

screener (weighting variables, category use) → unaided → aided → customer status → familiarity → image (one
screen per attribute) → category entry points (one screen per buying situation, when the poll names them: which
of the brands the respondent knows come to mind in that situation, pick any or none) → consideration → preference →
recommendation → competitor reason → service satisfaction (when the poll names dimensions: one grid per
dimension over the brands the respondent has used, very satisfied … very dissatisfied) → service features (when the poll names them: per feature, expected as
standard / would pay extra / not needed, then, for those who would pay, its price ladder from the highest price
down, one screen per price, until the first yes: Gabor–Granger) → comment → attention check.

Customer status names the own brand, so it cannot be asked before the unaided question without priming it
("nothing brand-specific before unaided"). It belongs to the screener module but is asked right after aided
awareness, as a usage grid over the brands the respondent knows: the own brand's row is the customer status
(current / lapsed / never; not aware of the own brand = never), and the other rows give the brands used that the
recommendation question needs.
"""

from __future__ import annotations

from collections.abc import Mapping

from recognition.questionnaire.config import QuestionnaireConfig, QuestionnaireError, ServiceFeature
from recognition.questionnaire.model import (
    BrandFilter,
    Condition,
    Option,
    Question,
    Questionnaire,
    QuestionType,
    Screen,
)
from recognition.questionnaire.texts import level_label, price_label, text

UNAIDED = "unaided"
AIDED = "aided"
USAGE = "usage"
ENTRY_POINT = "entry_point"
SERVICE = "service"
SERVICE_CODES = ("standard", "pay", "not_needed")
SERVICE_PAY = "pay"
SATISFACTION = "satisfaction"
SATISFACTION_CODES = ("very_satisfied", "satisfied", "neutral", "dissatisfied", "very_dissatisfied")
DISSATISFIED_CODES = ("dissatisfied", "very_dissatisfied")
CATEGORY_USE = "screener.category_use"
CATEGORY_USER_CODES = ("recent",)
CURRENT, LAPSED, NEVER = "current", "lapsed", "never"
FAMILIAR_CODES = ("quite_well", "very_well")
ATTENTION_EXPECTED = "disagree"

AWARE = BrandFilter("aware_brands", AIDED)
USED = BrandFilter("used_brands", USAGE, (CURRENT, LAPSED))

_REASONS = ("price", "quality", "availability", "service", "delivery", "recommended", "habit", "unfamiliar")
_AGREE = ("strongly_agree", "agree", "neutral", "disagree", "strongly_disagree")


def service_price_id(feature_id: str, price: float) -> str:
    """The question (and screen) of one price of a feature's ladder, named by the price (``service.install.at.49``
    or ``...at.49.5``), as the respondent reads it on the page."""
    amount = f"{price:.2f}".rstrip("0").rstrip(".")
    return f"{SERVICE}.{feature_id}.at.{amount}"


def build(
    config: QuestionnaireConfig, population_margins: Mapping[str, Mapping[str, float]]
) -> Questionnaire:
    """Build the questionnaire for ``config``. ``population_margins`` are the ``[margins.*]`` tables of the poll's
    population file: the screener offers exactly their levels, so answer codes equal the raking target labels."""
    parts = _Parts(config)
    screens: list[Screen] = [
        Screen("screener", "screener", (*parts.weighting(population_margins), parts.category_use())),
        Screen(UNAIDED, "unaided", (parts.unaided(),)),
        Screen(AIDED, "aided", (parts.aided(),), shows_brands=True),
        Screen(USAGE, "screener", (parts.usage(),), shows_brands=True),
    ]
    on = config.module_on
    if on("familiarity"):
        screens.append(Screen("familiarity", "familiarity", (parts.familiarity(),), shows_brands=True))
    if on("image"):
        screens += [
            Screen(f"image.{a}", "image", (parts.image(a, label),), shows_brands=True)
            for a, label in parts.attributes
        ]
    screens += [
        Screen(
            f"{ENTRY_POINT}.{e.id}", "entry_points", (parts.entry_point(e.id, e.label),), shows_brands=True
        )
        for e in config.entry_points
    ]
    if on("consideration"):
        screens.append(Screen("consideration", "consideration", (parts.consideration(),), shows_brands=True))
    if on("preference"):
        screens.append(Screen("preference", "preference", (parts.preference(),), shows_brands=True))
    if on("recommendation"):
        screens.append(
            Screen("recommendation", "recommendation", (parts.recommendation(),), shows_brands=True)
        )
    if on("competitor_reason"):
        screens.append(
            Screen("competitor_reason", "competitor_reason", (parts.competitor_reason(),), shows_brands=True)
        )
    screens += [
        Screen(f"{SATISFACTION}.{a.id}", SATISFACTION, (parts.satisfaction(a.id, label),), shows_brands=True)
        for a, label in zip(config.service_satisfaction, parts.satisfaction_labels, strict=True)
    ]
    for feature in config.service_features:
        screens.append(Screen(f"{SERVICE}.{feature.id}", SERVICE, (parts.service(feature),)))
        screens += [
            Screen(service_price_id(feature.id, p), SERVICE, (parts.service_price(feature, k),))
            for k, p in enumerate(feature.prices[::-1])
        ]
    if on("comment"):
        screens.append(Screen("comment", "comment", (parts.comment(),)))
    if on("attention_check"):
        screens.append(Screen("attention_check", "attention_check", (parts.attention_check(),)))
    return Questionnaire(config=config, screens=tuple(screens))


class _Parts:
    """Question factories sharing the config, language and brand list."""

    def __init__(self, config: QuestionnaireConfig) -> None:
        self.config = config
        self.lang = config.language
        self.category = config.category
        self.brands = tuple(Option(b.id, b.name, brand=True, logo_url=b.logo_url) for b in config.brands)
        self.attributes = tuple(
            (a.id, a.label if a.label is not None else text(self.lang, f"attr.{a.id}"))
            for a in config.attributes
        )
        self.satisfaction_labels = tuple(
            a.label if a.label is not None else text(self.lang, f"attr.{a.id}")
            for a in config.service_satisfaction
        )

    def _t(self, key: str, **params: object) -> str:
        return text(self.lang, key, **params)

    def _options(self, prefix: str, codes: tuple[str, ...]) -> tuple[Option, ...]:
        return tuple(Option(c, self._t(f"{prefix}.{c}")) for c in codes)

    def weighting(self, margins: Mapping[str, Mapping[str, float]]) -> list[Question]:
        questions = []
        for variable in self.config.weighting_variables:
            levels = margins.get(variable)
            if not isinstance(levels, Mapping) or not levels:
                raise QuestionnaireError(
                    f"population_margins.{variable}",
                    "missing: the screener needs the weighting targets' levels",
                )
            options = tuple(Option(str(code), level_label(self.lang, variable, str(code))) for code in levels)
            questions.append(
                Question(
                    f"screener.{variable}", "single", self._t(f"q.{variable}"), self.lang, options=options
                )
            )
        return questions

    def category_use(self) -> Question:
        codes = ("recent", "earlier", "never")
        prompt = self._t("q.category_use", category=self.category)
        return Question(
            CATEGORY_USE, "single", prompt, self.lang, options=self._options("opt.category_use", codes)
        )

    def unaided(self) -> Question:
        return Question(
            UNAIDED,
            "text-list",
            self._t("q.unaided", category=self.category),
            self.lang,
            options=(Option("dont_know", self._t("opt.dont_know"), exclusive=True),),
            note=self._t("note.unaided"),
            boxes=self.config.unaided_boxes,
        )

    def _brand_choice(
        self, qid: str, qtype: QuestionType, prompt: str, note: str, brand_filter: BrandFilter | None
    ) -> Question:
        none = Option("none", self._t("opt.none"), exclusive=True)
        return Question(
            qid,
            qtype,
            prompt,
            self.lang,
            options=(*self.brands, none),
            note=self._t(note),
            randomise=True,
            brand_filter=brand_filter,
        )

    def aided(self) -> Question:
        prompt = self._t("q.aided", category=self.category)
        return self._brand_choice(AIDED, "multi", prompt, "note.select_all", None)

    def _brand_grid(
        self, qid: str, qtype: QuestionType, prompt: str, options: tuple[Option, ...], bf: BrandFilter
    ) -> Question:
        return Question(
            qid,
            qtype,
            prompt,
            self.lang,
            options=options,
            rows=self.brands,
            note=self._t("note.every_row"),
            randomise=True,
            brand_filter=bf,
            minimum=0 if qtype == "scale-0-10" else None,
            maximum=10 if qtype == "scale-0-10" else None,
        )

    def usage(self) -> Question:
        options = self._options("opt.usage", (CURRENT, LAPSED, NEVER))
        return self._brand_grid(USAGE, "single", self._t("q.usage", category=self.category), options, AWARE)

    def familiarity(self) -> Question:
        options = self._options("opt.familiarity", ("name_only", "a_little", *FAMILIAR_CODES))
        return self._brand_grid("familiarity", "single", self._t("q.familiarity"), options, AWARE)

    def image(self, attribute: str, label: str) -> Question:
        options = (Option("yes", self._t("opt.yes")), Option("no", self._t("opt.no")))
        prompt = self._t("q.image", attribute=label)
        return self._brand_grid(f"image.{attribute}", "grid-yes-no", prompt, options, AWARE)

    def entry_point(self, entry_id: str, label: str) -> Question:
        prompt = self._t("q.entry_point", category=self.category, entry_point=label)
        return self._brand_choice(f"{ENTRY_POINT}.{entry_id}", "multi", prompt, "note.select_all", AWARE)

    def satisfaction(self, dimension: str, label: str) -> Question:
        """How satisfied the respondent is with one service dimension at each brand they have used (current or
        lapsed: customers of the own brand and potential customers who dealt with a competitor)."""
        options = self._options("opt.satisfaction", SATISFACTION_CODES)
        prompt = self._t("q.satisfaction", dimension=label)
        return self._brand_grid(f"{SATISFACTION}.{dimension}", "single", prompt, options, USED)

    def service(self, feature: ServiceFeature) -> Question:
        own = self.config.own_brand.name
        prompt = self._t("q.service", category=self.category, own_brand=own, feature=feature.label)
        return Question(
            f"{SERVICE}.{feature.id}",
            "single",
            prompt,
            self.lang,
            options=self._options("opt.service", SERVICE_CODES),
        )

    def service_price(self, feature: ServiceFeature, step: int) -> Question:
        """Step ``step`` of the ladder (highest price first), asked of those who would pay extra and said no to
        every higher price."""
        ladder = feature.prices[::-1]
        price = price_label(self.lang, ladder[step], feature.currency)
        own = self.config.own_brand.name
        conditions = [Condition("would_pay", f"{SERVICE}.{feature.id}", (SERVICE_PAY,))]
        if step:
            conditions.append(
                Condition("declined_higher", service_price_id(feature.id, ladder[step - 1]), ("no",))
            )
        options = (Option("yes", self._t("opt.yes")), Option("no", self._t("opt.no")))
        prompt = self._t("q.service_price", own_brand=own, feature=feature.label, price=price)
        return Question(
            service_price_id(feature.id, ladder[step]),
            "single",
            prompt,
            self.lang,
            options=options,
            conditions=tuple(conditions),
        )

    def consideration(self) -> Question:
        prompt = self._t("q.consideration", category=self.category)
        return self._brand_choice("consideration", "multi", prompt, "note.select_all", AWARE)

    def preference(self) -> Question:
        return self._brand_choice("preference", "single", self._t("q.preference"), "note.select_one", AWARE)

    def recommendation(self) -> Question:
        labels = {0: self._t("opt.scale.low"), 10: self._t("opt.scale.high")}
        options = tuple(Option(str(i), labels.get(i, str(i))) for i in range(11))
        return self._brand_grid("recommendation", "scale-0-10", self._t("q.recommendation"), options, USED)

    def competitor_reason(self) -> Question:
        own = self.config.own_brand.name
        options = (
            *(Option(c, self._t(f"opt.reason.{c}", own_brand=own)) for c in _REASONS),
            Option("other", self._t("opt.reason.other"), anchored=True),
            Option("dont_know", self._t("opt.dont_know"), exclusive=True),
        )
        return Question(
            "competitor_reason",
            "multi",
            self._t("q.competitor_reason", category=self.category, own_brand=own),
            self.lang,
            options=options,
            note=self._t("note.select_all"),
            randomise=True,
            conditions=(
                Condition("category_user", CATEGORY_USE, CATEGORY_USER_CODES),
                Condition("non_customer", USAGE, (CURRENT,), row=self.config.own_brand.id, negate=True),
            ),
        )

    def comment(self) -> Question:
        prompt = self._t("q.comment", category=self.category)
        return Question("comment", "text-list", prompt, self.lang, boxes=1, required=False)

    def attention_check(self) -> Question:
        options = self._options("opt.agree", _AGREE)
        expected_label = self._t(f"opt.agree.{ATTENTION_EXPECTED}")
        prompt = self._t("q.attention", expected=expected_label)
        return Question(
            "attention_check", "single", prompt, self.lang, options=options, expected=ATTENTION_EXPECTED
        )
