"""The OpenAPI 3.1 document, built from the operation declarations (:mod:`recognition.web.api.ops`), so every route
is in it and every request is checked against the schemas it shows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from recognition.web.api.ops import CSV, JSON, Op
from recognition.web.api.schemas import body_schema

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_REASONS = {
    400: "Bad request: each bad field is named in errors",
    401: "No valid API key",
    403: "The key's role does not allow this",
    404: "Not found in this organisation",
    406: "None of the accepted media types can be produced",
    409: "Conflicts with the current state",
    413: "The body is too large",
    415: "The body is not application/json",
    422: "Well-formed but not valid for the domain",
    429: "Rate limit reached; see Retry-After",
    500: "Internal error (logged)",
}
_PUBLIC = {
    "/healthz": ("Liveness", {"type": "object", "required": ["status"]}, JSON),
    "/readyz": (
        "Readiness: database reachable and migrations current",
        {"type": "object", "required": ["status"]},
        JSON,
    ),
    "/metrics": ("Prometheus metrics", {"type": "string"}, "text/plain"),
    "/openapi.json": ("This document", {"type": "object"}, JSON),
    "/docs": ("Readable API documentation", {"type": "string"}, "text/html"),
}
ROLE_NOTE = {
    "admin": "admin",
    "editor": "editor or admin",
    "viewer": "viewer, editor or admin",
    "reader": "any role",
}


def _problem(reason: str) -> dict[str, Any]:
    return {
        "description": reason,
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def _operation(op: Op, components: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [op.tag],
        "description": (op.description + "\n\n" if op.description else "") + f"Role: {ROLE_NOTE[op.role]}.",
        "security": [{"bearer": []}],
    }
    if op.params:
        doc["parameters"] = [
            {
                "name": p.name,
                "in": p.where,
                "required": p.required or p.where == "path",
                "description": p.description,
                "schema": p.schema,
            }
            for p in op.params
        ]
    if op.body is not None:
        media: dict[str, Any] = {"schema": body_schema(op.body, components)}
        if op.example is not None:
            media["example"] = op.example
        doc["requestBody"] = {"required": True, "content": {JSON: media}}
    if op.status == 204:
        ok: dict[str, Any] = {"description": "Done"}
    else:
        ok = {
            "description": "OK",
            "content": {m: {"schema": op.response if m == JSON else {"type": "string"}} for m in op.media},
        }
    responses: dict[str, Any] = {str(op.status): ok}
    if op.method == "GET":
        responses["304"] = {"description": "Not modified (If-None-Match matched the ETag)"}
    codes = {400, 401, 403, 406, 429, 500, *op.errors}
    if any(p.where == "path" for p in op.params):
        codes.add(404)
    if op.body is not None:
        codes |= {413, 415}
    for code in sorted(codes):
        responses[str(code)] = _problem(_REASONS[code])
    doc["responses"] = responses
    return doc


def build_document(ops: Sequence[Op], *, version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    components: dict[str, Any] = {"Problem": PROBLEM}
    for op in ops:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, components)
    for path, (summary, schema, media) in _PUBLIC.items():
        paths[path] = {
            "get": {
                "operationId": path.strip("/").replace(".", "_") or "root",
                "summary": summary,
                "tags": ["service"],
                "security": [],
                "responses": {
                    "200": {"description": "OK", "content": {media: {"schema": schema}}},
                    "503": {"description": "Not ready", "content": {JSON: {"schema": {"type": "object"}}}},
                },
            }
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "recognition API",
            "version": version,
            "description": "Brand awareness and image tracking: polls, waves, scores with their base, "
            "uncertainty and tests. Send `Authorization: Bearer <key>` on every /api/v1 "
            "request. Every error is application/problem+json (RFC 9457). Lists are pages: "
            "pass `next_cursor` back as `cursor`. Reads carry an ETag. CSV: `Accept: "
            f"{CSV}` or `format=csv`.",
        },
        "tags": [{"name": t} for t in dict.fromkeys(op.tag for op in ops)],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an API key from `recognition keys create`",
                }
            },
        },
    }
