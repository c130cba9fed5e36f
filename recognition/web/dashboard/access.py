"""Signed tokens for the dashboard: a session token (in a cookie, after signing in with an API key: it holds the
key's row id, never the key) and a read-only share token (in a link, naming one poll).

Format: ``base64url(JSON payload) "." base64url(HMAC-SHA256(k, payload))`` with
``k = HMAC-SHA256(survey.secret, "recognition dashboard tokens v1")``, so a token made by ``recognition share`` on
a data dir is accepted by ``recognition serve`` on the same data dir. Every token expires (``exp``, Unix seconds);
a session is also re-checked against the key on every request, so revoking the key ends it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

_CONTEXT = b"recognition dashboard tokens v1"
SESSION_COOKIE = "recognition_session"
SESSION_SECONDS = 12 * 3600


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
    expires: int


def share_token(secret: str, poll_id: int, days: float, *, now: float | None = None) -> str:
    exp = int((time.time() if now is None else now) + days * 86400)
    return make_token(secret, {"t": "share", "poll": poll_id, "exp": exp})


def read_share(secret: str, token: str) -> Share | None:
    p = read_token(secret, token)
    if p is None or p.get("t") != "share" or not isinstance(p.get("poll"), int):
        return None
    return Share(p["poll"], p["exp"])


def session_token(secret: str, key_id: int, *, now: float | None = None) -> str:
    return make_token(
        secret,
        {"t": "session", "key": key_id, "exp": int((time.time() if now is None else now) + SESSION_SECONDS)},
    )


def read_session(secret: str, token: str) -> int | None:
    p = read_token(secret, token)
    if p is None or p.get("t") != "session" or not isinstance(p.get("key"), int):
        return None
    return int(p["key"])


def share_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/share/{token}"
