"""Request bodies: read once for every route, then checked against the operation's model.

:data:`MAX_BODY` is the one limit on request bodies: the application's ``client_max_size`` (so it holds for
every route: the API, survey forms, dashboard sign-in, webhooks), checked here first from ``Content-Length``.
:func:`read_json` takes a body of at most :data:`MAX_BODY` bytes of ``application/json``, nested at most
:data:`MAX_DEPTH` levels, with no NUL character and no unpaired surrogate in any string (which the database could
not store); every refusal is a 4xx that names what is wrong. :func:`validate` then checks it against the
operation's ``pydantic`` model and reports every problem at once, by field, in plain words: the words an editor
uses, never a pattern or a type name. A form's invalid body (:data:`UNPROCESSABLE`) is a 422 whose ``errors``
hold the shape's problems and the meaning checks' together.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError

from recognition.web.api.errors import Problem

JSON = "application/json"
#: Largest request body any route reads (a poll definition is a few kilobytes, a survey page less).
MAX_BODY = 64 * 1024
#: Deepest nesting of objects and lists a body may have.
MAX_DEPTH = 32
Body = type[BaseModel]
FieldErrors = list[dict[str, str]]


def bad_request(errors: FieldErrors) -> Problem:
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return Problem(400, "Bad Request", f"invalid input: {fields}", errors=errors)


def unprocessable(errors: FieldErrors, what: str = "the definition") -> Problem:
    """The one answer to an invalid definition (shape or meaning): 422 with every problem by field."""
    listed = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return Problem(422, "Unprocessable Content", f"{what} is not valid: {listed}", errors=errors)


def _root(name: str) -> str:
    return name.split(".", 1)[0].split("[", 1)[0]


#: Meaning checks: the body, and the fields whose shape was wrong (a check that reads one of them stays silent).
Checks = Callable[[Any, frozenset[str]], FieldErrors]


def merged(shape: FieldErrors, meaning: FieldErrors) -> FieldErrors:
    """The shape's problems, then the meaning checks' on fields whose shape was right."""
    wrong = {_root(e["field"]) for e in shape}
    return shape + [e for e in meaning if _root(e["field"]) not in wrong]


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in JSON")


def _scan(value: Any, path: str, depth: int, errors: FieldErrors) -> None:
    """Depth, NUL characters and unpaired surrogates, anywhere in the document."""
    where = path or "body"
    if depth > MAX_DEPTH:
        errors.append({"field": where, "message": f"nested more than {MAX_DEPTH} levels deep"})
        return
    if isinstance(value, str):
        _text(value, where, errors)
    elif isinstance(value, dict):
        for key, item in value.items():
            _text(key, where, errors)
            _scan(item, f"{path}.{key}" if path else str(key), depth + 1, errors)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _scan(item, f"{path}[{i}]", depth + 1, errors)


def _text(text: str, where: str, errors: FieldErrors) -> None:
    if "\x00" in text:
        errors.append({"field": where, "message": "must not contain NUL characters"})
    elif any("\ud800" <= ch <= "\udfff" for ch in text):
        errors.append({"field": where, "message": "holds an unpaired surrogate (not valid Unicode text)"})


async def read_json(request: web.Request) -> Any:
    ctype = request.headers.get("Content-Type", "")
    if ctype.split(";")[0].strip().lower() != JSON:
        raise Problem(415, "Unsupported Media Type", f"send the body as {JSON}, not {ctype or 'nothing'}")
    length = request.content_length
    if length is not None and length > MAX_BODY:
        raise Problem(413, "Content Too Large", f"the body is {length} bytes; the limit is {MAX_BODY}")
    try:
        raw: bytes | None = await request.read()  # refuses a body over the application's client_max_size
    except web.HTTPRequestEntityTooLarge:
        raw = None
    if raw is None or len(raw) > MAX_BODY:
        raise Problem(413, "Content Too Large", f"the body is larger than the limit of {MAX_BODY} bytes")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except RecursionError:
        raise bad_request(
            [{"field": "body", "message": f"nested more than {MAX_DEPTH} levels deep"}]
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request([{"field": "body", "message": f"not valid JSON: {exc}"}]) from None
    errors: FieldErrors = []
    _scan(value, "", 0, errors)
    if errors:
        raise bad_request(errors)
    return value


def validate(body: Body, value: Any, *, form: bool = False, checks: Checks | None = None) -> dict[str, Any]:
    """``value`` checked against the model ``body``: the fields the client sent, validated. Raises a 400 listing
    every problem; for a ``form``, a 422 that adds what ``checks`` find in the fields whose shape was right."""
    try:
        return body.model_validate(value).model_dump(exclude_unset=True)
    except ValidationError as exc:
        errors = field_errors(exc)
        if not form:
            raise bad_request(errors) from None
        raise unprocessable(merged(errors, _checked(checks, value, errors))) from None


def _checked(checks: Checks | None, value: Any, shape: FieldErrors) -> FieldErrors:
    """The meaning checks' findings on a body of the wrong shape (none when the checks cannot read it)."""
    if checks is None or not isinstance(value, dict):
        return []
    try:
        return checks(value, frozenset(_root(e["field"]) for e in shape))
    except (TypeError, ValueError, AttributeError, KeyError):
        return []


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


_TYPES = {
    "string_type": "expected text",
    "int_type": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "bool_type": "expected yes or no (true or false)",
    "dict_type": "expected a group of settings",
    "model_type": "expected a group of settings",
    "model_attributes_type": "expected a group of settings",
    "list_type": "expected a list",
    "missing": "required",
    "extra_forbidden": "unknown field (check the spelling)",
    "none_required": "must be empty",
}


def _items(n: Any) -> str:
    return "one item" if n == 1 else f"{n} items"


def _message(error: Any) -> str:
    """One complaint of the model in an editor's words (never a pattern, a type name or pydantic's wording)."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in _TYPES:
        return _TYPES[kind]
    if kind == "string_too_short":
        return (
            "must not be empty"
            if ctx.get("min_length") == 1
            else f"needs at least {ctx['min_length']} characters"
        )
    if kind == "string_too_long":
        return f"is too long: at most {ctx['max_length']} characters"
    if kind == "too_short":
        return f"needs at least {_items(ctx['min_length'])}"
    if kind == "too_long":
        return f"takes at most {_items(ctx['max_length'])}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error":
        return "choose one of " + str(ctx.get("expected", "")).replace("'", "")
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    if kind in ("finite_number", "float_parsing", "int_parsing"):
        return "expected a number"
    return "is not in the expected form"  # never pydantic's own wording: it may quote a pattern


def field_errors(exc: ValidationError) -> FieldErrors:
    """A model's complaints as ``{"field": "brands[1].id", "message": "..."}`` in plain words."""
    return [{"field": _path(tuple(e["loc"])), "message": _message(e)} for e in exc.errors()]
