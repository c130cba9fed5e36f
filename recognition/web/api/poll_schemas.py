"""Response schemas of the poll operations beyond the poll record: the plan, a validation, a questionnaire."""

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
        "cost_per_complete": {"type": "number"},
        "cost_per_wave": {"type": "number"},
        "waves_per_year": {"type": "integer"},
        "cost_per_year": {"type": "number"},
        "budget": {"type": ["number", "null"]},
        "within_budget": {"type": ["boolean", "null"]},
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
