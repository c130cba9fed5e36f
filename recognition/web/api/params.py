"""Path and query parameters: each declared with a small JSON Schema (a 2020-12 subset), turned from text into
its type and checked against it. The schemas are the ones ``/openapi.json`` shows, so the document and the
behaviour cannot drift (request bodies are models: :mod:`recognition.web.api.bodies`).

Supported keywords: ``type``, ``enum``, ``minimum``, ``maximum``, ``minLength``, ``maxLength``, ``pattern``
(searched, as JSON Schema does); errors name the parameter and say what is wrong.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

Schema = dict[str, Any]
FieldErrors = list[dict[str, str]]

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
    "null": (type(None),),
}


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _is(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return math.isfinite(value) and value.is_integer()
    return isinstance(value, _TYPES[name])


def _describe(types: list[str]) -> str:
    names = {
        "string": "a string",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
        "object": "an object",
        "array": "a list",
        "null": "null",
    }
    return " or ".join(names[t] for t in types)


def check(schema: Schema, value: Any, path: str = "") -> FieldErrors:
    """Every way ``value`` breaks ``schema`` (empty when it conforms)."""
    errors: FieldErrors = []
    _check(schema, value, path, errors)
    return errors


def _check(schema: Schema, value: Any, path: str, errors: FieldErrors) -> None:
    where = path or "body"
    types = schema.get("type")
    if types is not None:
        names = [types] if isinstance(types, str) else list(types)
        if not any(_is(value, t) for t in names):
            errors.append({"field": where, "message": f"expected {_describe(names)}"})
            return
    if "enum" in schema and value not in schema["enum"]:
        errors.append({"field": where, "message": f"must be one of {', '.join(map(str, schema['enum']))}"})
        return
    if isinstance(value, str):
        _check_string(schema, value, where, errors)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append({"field": where, "message": f"must be at least {schema['minimum']}"})
        if "maximum" in schema and value > schema["maximum"]:
            errors.append({"field": where, "message": f"must be at most {schema['maximum']}"})


def _check_string(schema: Schema, value: str, where: str, errors: FieldErrors) -> None:
    if "\x00" in value:
        errors.append({"field": where, "message": "must not contain NUL characters"})
    if "minLength" in schema and len(value) < schema["minLength"]:
        errors.append({"field": where, "message": f"must be at least {schema['minLength']} characters"})
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        errors.append({"field": where, "message": f"must be at most {schema['maxLength']} characters"})
    if "pattern" in schema and not _regex(schema["pattern"]).search(value):
        errors.append({"field": where, "message": f"must match {schema['pattern']}"})


def coerce_param(schema: Schema, raw: str, name: str) -> tuple[Any, FieldErrors]:
    """A path or query parameter's text turned into its schema type, then checked."""
    types = schema.get("type", "string")
    value: Any = raw
    if types == "integer":
        try:
            value = int(raw)
        except ValueError:
            return None, [{"field": name, "message": f"not a whole number: {raw!r}"}]
    elif types == "number":
        try:
            value = float(raw)
        except ValueError:
            return None, [{"field": name, "message": f"not a number: {raw!r}"}]
        if not math.isfinite(value):
            return None, [{"field": name, "message": "must be a finite number"}]
    elif types == "boolean":
        if raw not in ("true", "false"):
            return None, [{"field": name, "message": "must be true or false"}]
        value = raw == "true"
    return value, check(schema, value, name)
