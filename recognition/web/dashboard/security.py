"""Protections every dashboard page gets: response headers (Content-Security-Policy with ``frame-ancestors
'none'``, ``Referrer-Policy``, ``Cache-Control: no-store``), same-origin checks for forms, and the public scheme
and host behind a TLS-terminating proxy when ``server.trust_forwarded`` says its headers may be believed."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from recognition.settings import Settings
from recognition.web.keys import SETTINGS

#: Paths whose responses are dashboard pages (HTML, or the PDF built from them).
PAGE_PREFIXES = ("/dashboard", "/share/", "/shared/")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def is_page(path: str) -> bool:
    return path == "/dashboard" or path.startswith(PAGE_PREFIXES)


async def page_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: the dashboard's headers on every dashboard response, errors and redirects too."""
    if is_page(request.path):
        for name, value in HEADERS.items():
            response.headers[name] = value


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
    service's own scheme and host. A post without either is left to the CSRF token."""
    settings = request.app[SETTINGS]
    expected = f"{public_scheme(request, settings)}://{public_host(request, settings)}".lower()
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer")
        if referer is None:
            return
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    if origin.lower() != expected:
        raise web.HTTPForbidden(text="this form was sent from another site")
