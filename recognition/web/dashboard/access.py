"""Dashboard access: server-side sessions, read-only share links, CSRF tokens and safe redirects.

* **Sessions.** Signing in with an API key stores a session row keyed by the SHA-256 of a random id; the browser's
  cookie holds only that id (never the key). Signing out ends the row, so the cookie stops working at once; a
  revoked key ends its sessions at the next request.
* **Share links.** ``base64url(JSON payload) "." base64url(HMAC-SHA256(k, payload))`` with
  ``k = HMAC-SHA256(survey.secret, "recognition dashboard tokens v1")``, naming the poll and a link id that has a
  row of its own: a link works while it is signed, unexpired, not revoked and its poll not archived. Opening a
  link moves the token into a cookie scoped to that poll's pages and redirects to a token-free address, so the
  token never shows in the address bar, a printout, a page's links or a Referer.
* **CSRF.** Every dashboard form carries a token: HMAC of the session id (signed-in forms) or of a random
  pre-sign-in value held in a cookie (the sign-in form). Posts must also come from the same origin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

_CONTEXT = b"recognition dashboard tokens v1"
SESSION_COOKIE = "recognition_session"
LOGIN_COOKIE = "recognition_login"
SHARE_COOKIE = "recognition_share"
SESSION_SECONDS = 12 * 3600
#: Where a signed-in user may be sent back to after signing in.
SAFE_PREFIXES = ("/dashboard", "/studio")


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(secret: str, payload: dict[str, Any]) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = _b64(hmac.new(_key(secret), body.encode(), hashlib.sha256).digest())
    return f"{body}.{mac}"


def read_token(secret: str, token: str, *, now: float | None = None) -> dict[str, Any] | None:
    """The payload of a valid, unexpired token; None for anything else."""
    body, _, mac = token.partition(".")
    if not body or not mac:
        return None
    expected = _b64(hmac.new(_key(secret), body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        payload = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
        return None
    if payload["exp"] < (time.time() if now is None else now):
        return None
    return payload


@dataclass(frozen=True)
class Share:
    poll_id: int
    link_id: str
    expires: int


def new_link_id() -> str:
    return secrets.token_urlsafe(16)


def share_token(secret: str, poll_id: int, link_id: str, expires: int) -> str:
    """A signed link naming ``poll_id`` and the share link row ``link_id``, valid until ``expires`` (Unix s)."""
    return make_token(secret, {"t": "share", "poll": poll_id, "lid": link_id, "exp": int(expires)})


def read_share(secret: str, token: str) -> Share | None:
    p = read_token(secret, token)
    if p is None or p.get("t") != "share" or not isinstance(p.get("poll"), int):
        return None
    if not isinstance(p.get("lid"), str):
        return None  # a link made before links could be withdrawn: it cannot be revoked, so it is refused
    return Share(p["poll"], p["lid"], p["exp"])


def share_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/share/{token}"


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_hash(session_id: str) -> str:
    """What the server stores for a session: the SHA-256 of the cookie's random id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def csrf_token(secret: str, value: str) -> str:
    """The form token bound to a session id (or a pre-sign-in value)."""
    return _b64(hmac.new(_key(secret), b"csrf:" + value.encode(), hashlib.sha256).digest())


def csrf_ok(secret: str, value: str, token: str) -> bool:
    return bool(value) and bool(token) and hmac.compare_digest(csrf_token(secret, value), token)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target: str, default: str = "/dashboard") -> str:
    """A same-origin path to send a signed-in user to, or ``default``.

    Normalised before it is checked, the way a browser reads it: tab, CR and LF are dropped (a browser ignores
    them, so ``/\\t/evil.example`` means ``//evil.example``), backslashes read as slashes; then it must be a
    path under the dashboard or the studio (no scheme, no host, no ``//``, no ``..`` segment) and is rebuilt from its parts."""
    text = re.sub(r"[\t\r\n]", "", target).replace("\\", "/").strip()
    if _CONTROL.search(text) or not text.startswith("/") or text.startswith("//"):
        return default
    parts = urlsplit(text)
    if parts.scheme or parts.netloc:
        return default
    path = parts.path
    decoded = unquote(path)
    if decoded.startswith("//") or "/../" in decoded + "/" or _CONTROL.search(decoded) or "\\" in decoded:
        return default
    if not any(path == p or path.startswith(p + "/") for p in SAFE_PREFIXES):
        return default
    return urlunsplit(("", "", path, parts.query, ""))
