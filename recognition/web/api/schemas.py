"""JSON schemas generated from the service's records, for ``/openapi.json``: one schema per record, made from
its dataclass (field types by ``pydantic``, field descriptions from each field's ``doc`` metadata), so the API
document and the record cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from pydantic import BaseModel, TypeAdapter

from recognition.figures import COLUMNS, METRIC_HELP, METRIC_PATTERN, Figure

Schema = dict[str, Any]


def _strip_titles(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_titles(v) for k, v in node.items() if k not in ("title", "default")}
    if isinstance(node, list):
        return [_strip_titles(v) for v in node]
    return node


def record_schema(record: type, *, exclude: tuple[str, ...] = ()) -> Schema:
    """The JSON schema of a dataclass record as the API writes it: every field present (nulls included),
    except those in ``exclude``."""
    schema = dict(_record_schema(record))
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k not in exclude}
    schema["required"] = [k for k in schema["required"] if k not in exclude]
    return schema


@functools.cache
def _record_schema(record: type) -> Schema:
    schema: Schema = _strip_titles(TypeAdapter(record).json_schema(mode="serialization"))
    schema.pop("description", None)
    props: Schema = schema["properties"]
    for f in dataclasses.fields(record):
        doc = f.metadata.get("doc")
        if doc and f.name in props:
            props[f.name]["description"] = doc
    schema["required"] = [f.name for f in dataclasses.fields(record)]
    return schema


#: One published figure (:class:`recognition.figures.Figure`), as every endpoint writes it.
FIGURE: Schema = record_schema(Figure)
assert tuple(FIGURE["properties"]) == COLUMNS

#: A metric name: a brand metric, or an image association ``image.<attribute>``.
METRIC: Schema = {
    "type": "string",
    "pattern": METRIC_PATTERN,
    "description": METRIC_HELP,
}


def body_schema(body: Schema | type[BaseModel], components: Schema) -> Schema:
    """The JSON schema of a request body for ``/openapi.json``; a model's nested models are added to
    ``components`` (``#/components/schemas/...``) and referred to from there."""
    if not (isinstance(body, type) and issubclass(body, BaseModel)):
        return body
    schema = body.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = _strip_titles(sub)
    schema = _strip_titles(schema)
    components[body.__name__] = schema
    return {"$ref": f"#/components/schemas/{body.__name__}"}


#: A series' linear trend over its last waves (:class:`recognition.figures.Trend`).
TREND = {
    "type": "object",
    "description": "the linear trend over the series' last `trend_waves` waves from its last method break on "
    "(random-effects WLS: weights 1/(se² + τ²), variance scaled by the dispersion, t on waves − 2 df; BH over "
    "the brands of the response); numbers null with fewer than three usable waves",
    "required": ["wave_ids", "slope", "se", "df", "p_value", "q_value", "change", "significant"],
    "properties": {
        "wave_ids": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "the waves the trend is fitted over",
        },
        "slope": {"type": ["number", "null"], "description": "change per wave, on the metric's scale"},
        "se": {"type": ["number", "null"]},
        "df": {"type": "integer", "minimum": 0},
        "p_value": {"type": ["number", "null"]},
        "q_value": {"type": ["number", "null"]},
        "change": {"type": ["number", "null"], "description": "slope × waves spanned: first to last wave"},
        "significant": {
            "type": "boolean",
            "description": "q below the false discovery rate and |change| at least the practical threshold",
        },
    },
}
