"""Response schemas of the poll endpoints (:mod:`recognition.web.api.polls`): validation, plan, questionnaire.

A poll's ``budget`` is the most one wave may cost, in its provider's currency; the plan costs a wave at the
provider's feasibility price (:mod:`recognition.waves.pricing`), the price the launch checks against the budget.
"""

from __future__ import annotations

FIELD_ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["field", "message"],
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
    },
}
PLAN = {
    "type": "object",
    "required": [
        "n",
        "p",
        "deff",
        "alpha",
        "power",
        "mdc",
        "cost_per_complete",
        "price_source",
        "price_note",
        "currency",
        "cost_per_wave",
        "waves_per_year",
        "cost_per_year",
        "budget",
        "within_budget",
    ],
    "properties": {
        "n": {"type": "integer"},
        "p": {"type": "number"},
        "deff": {"type": "number"},
        "alpha": {"type": "number"},
        "power": {"type": "number"},
        "mdc": {"type": "number"},
        "cost_per_complete": {
            "type": "number",
            "description": "the price per complete the plan uses: the provider's feasibility price for one wave "
            "(the price the launch checks against the budget), else the poll's own cost_per_complete",
        },
        "price_source": {
            "type": "string",
            "enum": ["provider", "poll"],
            "description": "provider: quoted by the poll's provider now; poll: the provider could not quote "
            "(no credentials for it, unreachable, too slow), so the poll's cost_per_complete stands in",
        },
        "price_note": {"type": ["string", "null"], "description": "why the provider's price is not used"},
        "currency": {
            "type": ["string", "null"],
            "description": "the provider's currency, which costs and the budget are in (null: unknown, the "
            "price is the poll's own)",
        },
        "cost_per_wave": {"type": "number", "description": "n × cost_per_complete"},
        "waves_per_year": {"type": "integer"},
        "cost_per_year": {"type": "number", "description": "cost_per_wave × waves_per_year"},
        "budget": {
            "type": ["number", "null"],
            "description": "the poll's budget: the most one wave may cost",
        },
        "within_budget": {
            "type": ["boolean", "null"],
            "description": "cost_per_wave ≤ budget: a wave at this price would launch (null: no budget)",
        },
        "change": {"type": ["number", "null"]},
        "required_n": {"type": ["integer", "null"]},
    },
}
VALIDATION = {
    "type": "object",
    "required": ["valid", "errors", "plan"],
    "properties": {
        "valid": {"type": "boolean"},
        "errors": FIELD_ERRORS,
        "plan": {"anyOf": [PLAN, {"type": "null"}]},
    },
}
QUESTIONNAIRE = {
    "type": "object",
    "required": ["version_key", "language", "screens"],
    "properties": {
        "version_key": {"type": "string"},
        "language": {"type": "string"},
        "screens": {"type": "array", "items": {"type": "object"}},
    },
}
