"""Protections of the dashboard's forms: same-origin checks, and the public scheme and host behind a
TLS-terminating proxy when ``server.trust_forwarded`` says its headers may be believed. (Every page's response
headers come from :mod:`recognition.web.middleware`.)"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from recognition.settings import Settings
from recognition.web.keys import SETTINGS


def _forwarded(request: web.Request, name: str) -> str | None:
    value = request.headers.get(name)
    return value.split(",")[0].strip() if value else None


def public_scheme(request: web.Request, settings: Settings) -> str:
    if settings.server_trust_forwarded:
        proto = (_forwarded(request, "X-Forwarded-Proto") or "").lower()
        if proto in ("http", "https"):
            return proto
    return request.scheme


def public_host(request: web.Request, settings: Settings) -> str:
    if settings.server_trust_forwarded:
        host = _forwarded(request, "X-Forwarded-Host")
        if host:
            return host
    return request.host


def is_secure(request: web.Request) -> bool:
    """Whether the browser reached the service over TLS (directly, or through a trusted proxy)."""
    return public_scheme(request, request.app[SETTINGS]) == "https"


def check_origin(request: web.Request) -> None:
    """Refuse a form post from another origin: ``Origin`` (or, without it, ``Referer``) must name this
    service's own scheme and host. A post without either is left to the CSRF token, as is one whose origin the
    browser withholds (``Origin: null``: Chromium sends it for a form posted from a page whose referrer policy is
    ``no-referrer``, as every page of the service's is)."""
    settings = request.app[SETTINGS]
    expected = f"{public_scheme(request, settings)}://{public_host(request, settings)}".lower()
    origin = request.headers.get("Origin")
    if origin == "null":
        origin = None
    if origin is None:
        referer = request.headers.get("Referer")
        if referer is None:
            return
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin.lower() != expected:
        raise web.HTTPForbidden(text="this form was sent from another site")
