"""Operations: each API route declared once, with its role, parameters, body and response schemas.

The same declaration registers the route, checks the request (role, media types, parameters, body) before the
handler runs, and writes the OpenAPI document (:mod:`recognition.web.api.openapi`), so the document and the
behaviour cannot drift. Checks run in this order: authentication (middleware) → rate limit (middleware) →
role (403) → ``Accept`` (406) → ``Content-Type`` (415) → body size (413) → parameters and body (400).

A *form* operation (a poll or objective definition, ``form=True``) answers every invalid body — wrong shape or
wrong meaning — with one 422 problem whose ``errors`` list every problem by field; its ``checks`` (meaning
checks that need no stored data) run on the body even when its shape is wrong, so every problem comes at once,
and its ``explain`` may add to that problem what can still be said (the plan of a half-filled definition).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg
from aiohttp import web

from recognition.settings import Settings
from recognition.store import audit
from recognition.store.orgs import ApiKey
from recognition.web.api.auth import has_role
from recognition.web.api.bodies import JSON, Body, Checks, bad_request, read_json, validate
from recognition.web.api.errors import Problem
from recognition.web.api.params import Schema, coerce_param
from recognition.web.caches import ResponseCache, accepts_gzip
from recognition.web.keys import API_KEY, POOL, RESPONSE_CACHE, SETTINGS

CSV = "text/csv"
MAX_ID = 2**63 - 1
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

Handler = Callable[["Ctx"], Awaitable[web.StreamResponse]]
Explain = Callable[["Ctx", Problem], Awaitable[None]]


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # "path" | "query" | "header"
    schema: Schema
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Op:
    """One API operation. ``role`` is the least role allowed; ``media`` the response types offered (the first is
    the default); ``errors`` the error statuses it may answer beyond the common ones."""

    method: str
    path: str
    handler: Handler
    role: str
    summary: str
    tag: str
    response: Schema
    params: tuple[Param, ...] = ()
    body: Body | None = None
    example: dict[str, Any] | None = None
    status: int = 200
    media: tuple[str, ...] = (JSON,)
    errors: tuple[int, ...] = ()
    description: str = ""
    cached: bool = False
    form: bool = False
    checks: Checks | None = None
    #: A form operation's word on a body it refuses: may add members to the 422 problem (the plan beside a
    #: definition whose other fields are still wrong). Given the body as sent.
    explain: Explain | None = None
    writes: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "writes", self.method in ("POST", "PATCH", "PUT", "DELETE"))

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


@dataclass
class Ctx:
    """What a handler gets: the request, the caller's key, checked parameters and body, the chosen media type."""

    request: web.Request
    key: ApiKey
    params: dict[str, Any]
    body: Any
    media: str

    @property
    def pool(self) -> asyncpg.Pool:
        return self.request.app[POOL]

    @property
    def settings(self) -> Settings:
        return self.request.app[SETTINGS]

    @property
    def org_id(self) -> int:
        return self.key.organisation_id

    async def audit(
        self,
        conn: asyncpg.Connection,
        action: str,
        target_type: str,
        target_id: str | int,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Record the change in the audit log (inside the change's transaction)."""
        await audit.record(
            conn,
            self.org_id,
            key_id=self.key.id,
            key_prefix=self.key.prefix,
            action=action,
            target_type=target_type,
            target_id=target_id,
            details=plain(details or {}),
        )


def plain(value: Any) -> Any:
    """``value`` as plain JSON data (dates as ISO 8601 text)."""
    return json.loads(dumps(value))


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Any) -> str:
    return json.dumps(value, default=_default, separators=(",", ":"), allow_nan=False)


def respond(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=dumps(value), status=status, content_type=JSON, headers=headers)


def not_found(what: str, ident: object) -> Problem:
    return Problem(404, "Not Found", f"no {what} {ident} in this organisation")


# --- cursors -------------------------------------------------------------------------------------------------

CURSOR = Param(
    "cursor",
    "query",
    {"type": "string", "maxLength": 64},
    "the next_cursor of the previous page; omit for the first page",
)
LIMIT = Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 200}, "page size (default 50)")


def page_schema(item: Schema) -> Schema:
    return {
        "type": "object",
        "required": ["items", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": item},
            "next_cursor": {"type": ["string", "null"]},
        },
    }


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(ctx: Ctx) -> int | None:
    raw = ctx.params.get("cursor")
    if raw is None:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        kind, _, number = text.partition(":")
        value = int(number)
        if kind != "id" or not 0 < value <= MAX_ID:
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Problem(
            400,
            "Bad Request",
            "the cursor is not one this API issued",
            errors=[{"field": "cursor", "message": "not a cursor issued by this API"}],
        ) from None
    return value


def page(
    items: Sequence[Any], limit: int, render: Callable[[Any], dict[str, Any]], ident: Callable[[Any], int]
) -> dict[str, Any]:
    """A page from ``limit + 1`` fetched items: the first ``limit`` and a cursor if there were more."""
    shown = list(items[:limit])
    more = len(items) > limit
    return {
        "items": [render(i) for i in shown],
        "next_cursor": encode_cursor(ident(shown[-1])) if more else None,
    }


# --- request checking ----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _accepts(header: str, offered: tuple[str, ...]) -> str | None:
    """The offered media type the ``Accept`` header prefers (q-values honoured), or None. Memoised: clients
    send the same few headers."""
    if not header.strip():
        return offered[0]
    best: tuple[float, int, str] | None = None
    for part in header.split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        for rank, media in enumerate(offered):
            major = media.split("/")[0]
            if (
                q > 0
                and kind.lower() in (media, f"{major}/*", "*/*")
                and (best is None or (q, -rank) > best[:2])
            ):
                best = (q, -rank, media)
    return best[2] if best else None


def _check_role(op: Op, key: ApiKey) -> None:
    if not has_role(key, op.role):
        raise Problem(403, "Forbidden", f"this operation needs the {op.role} role; the key has {key.role}")


def _coerced(op: Op, raw_of: Callable[[Param], str | None], errors: list[dict[str, str]]) -> dict[str, Any]:
    """``op``'s parameters from their text (``raw_of``), each checked against its schema; problems added to
    ``errors`` (a missing required one, a value that does not fit)."""
    values: dict[str, Any] = {}
    for p in op.params:
        raw = raw_of(p)
        if raw is None:
            if p.required:
                errors.append({"field": p.name, "message": "required"})
            continue
        value, problems = coerce_param(p.schema, raw, p.name)
        errors += problems
        values[p.name] = value
    return values


def _params(op: Op, request: web.Request) -> dict[str, Any]:
    errors: list[dict[str, str]] = []
    known = {p.name for p in op.params if p.where == "query"}
    for name in request.query:
        if name not in known:
            errors.append({"field": name, "message": "unknown parameter"})
        elif len(request.query.getall(name)) > 1:
            errors.append({"field": name, "message": "given more than once"})

    def raw_of(p: Param) -> str | None:
        if p.where == "path":
            return request.match_info.get(p.name)
        if p.where == "header":
            return request.headers.get(p.name)
        return request.query.get(p.name)

    values = _coerced(op, raw_of, errors)
    if errors:
        raise bad_request(errors)
    return values


async def _body(op: Op, request: web.Request, key: ApiKey, params: dict[str, Any], media: str) -> Any:
    if op.body is None:
        return None
    value = await read_json(request)
    try:
        return validate(op.body, value, form=op.form, checks=op.checks)
    except Problem as problem:
        if op.explain is not None and problem.status == 422 and isinstance(value, dict):
            await op.explain(Ctx(request, key, params, value, media), problem)
        raise


def bind(op: Op) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp handler for ``op``: checks the request in the documented order, then calls the handler.

    A cached read is looked up after the role and ``Accept`` checks: the cache holds only answers to URLs whose
    parameters passed, so a hit skips re-checking the same query string."""

    async def handle(request: web.Request) -> web.StreamResponse:
        key = request[API_KEY]
        _check_role(op, key)
        media = _accepts(request.headers.get("Accept", ""), op.media)
        if media is None:
            raise Problem(406, "Not Acceptable", f"this operation answers with {', '.join(op.media)}")
        cache = request.app[RESPONSE_CACHE] if op.cached else None
        # Keyed by the URL as sent: an entry exists only for a URL whose parameters passed the checks below.
        cache_key = (key.organisation_id, request.path_qs, media)
        if cache is None:
            return await _answer(op, request, key, media, None, cache_key)
        hit = cache.get(cache_key, accepts_gzip(request))
        if hit is not None:
            return hit
        filling = cache.pending.get(cache_key)
        if filling is not None:  # another request is filling this entry: wait for it rather than query too
            await asyncio.shield(filling)
            hit = cache.get(cache_key, accepts_gzip(request))
            if hit is not None:
                return hit
        done = cache.pending[cache_key] = asyncio.get_running_loop().create_future()
        try:
            return await _answer(op, request, key, media, cache, cache_key)
        finally:
            cache.pending.pop(cache_key, None)
            done.set_result(None)

    handle.__name__ = op.operation_id
    return handle


async def _answer(
    op: Op,
    request: web.Request,
    key: Any,
    media: str,
    cache: ResponseCache | None,
    cache_key: tuple[int, str, str],
) -> web.StreamResponse:
    params = _params(op, request)
    if params.get("format") == "csv":
        media = CSV
    body = await _body(op, request, key, params, media)
    response = await op.handler(Ctx(request, key, params, body, media))
    if cache is not None and isinstance(response, web.Response):
        cache.put(cache_key, response)
    elif op.writes:
        request.app[RESPONSE_CACHE].clear()
    return response


def add_routes(app: web.Application, ops: Sequence[Op]) -> None:
    for op in ops:
        app.router.add_route(op.method, op.path, bind(op), name=op.operation_id)


async def perform_response(
    op: Op, request: web.Request, key: ApiKey, params: dict[str, str], body: Any = None, media: str = JSON
) -> web.StreamResponse:
    """Run ``op`` for ``key`` from a page (the studio acts for its signed-in user through the API's own
    operations): the role, the parameters (given as text, as in a URL) and the body are checked as for an API
    request, and the handler's answer returned as it is (a file for an export). :class:`Problem` as the API
    would answer."""
    _check_role(op, key)
    errors: list[dict[str, str]] = []
    values = _coerced(op, lambda p: params.get(p.name), errors)
    if errors:
        raise bad_request(errors)
    checked = None if op.body is None else validate(op.body, body, form=op.form, checks=op.checks)
    response = await op.handler(Ctx(request, key, values, checked, media))
    if op.writes:
        request.app[RESPONSE_CACHE].clear()
    return response


async def perform(op: Op, request: web.Request, key: ApiKey, params: dict[str, str], body: Any = None) -> Any:
    """:func:`perform_response` for an operation that answers JSON: its answer decoded (None for 204 No Content)."""
    response = await perform_response(op, request, key, params, body)
    if response.status == 204:
        return None
    assert isinstance(response, web.Response) and response.text is not None
    return json.loads(response.text)
