"""Signed entry links, session tokens and exit URLs. Pure: no I/O.

Entry link (see docs/survey.md)::

    {base}/survey/{wave_id}/start?pid={provider respondent id}[&exp={unix seconds}]&sig={hex}

``sig = HMAC-SHA256(wave secret, "{wave_id}\\n{pid}\\n{exp}")`` as lower-case hex, with ``exp`` the empty string
when the link carries none. The wave secret is shared with the panel provider, who signs each respondent's link.

The respondent's browser holds a random session token (the only cookie); the database keeps its SHA-256 and, until
the exit redirect, the provider id encrypted under the token (:func:`seal`), so neither the database alone nor
the cookie alone yields it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlencode

#: Provider respondent ids accepted in entry links (letters, digits and ``_ . : @ ~ -``; at most 128).
PID_PATTERN = re.compile(r"^[A-Za-z0-9_.:@~-]{1,128}$")
_EXP = re.compile(r"^\d{1,12}$")


def _message(wave_id: int, pid: str, expires: int | None) -> bytes:
    return f"{wave_id}\n{pid}\n{'' if expires is None else expires}".encode()


def sign_entry(secret: str, wave_id: int, pid: str, expires: int | None = None) -> str:
    """The entry signature (hex) of ``pid`` for ``wave_id``, optionally valid until ``expires`` (unix seconds)."""
    return hmac.new(secret.encode(), _message(wave_id, pid, expires), hashlib.sha256).hexdigest()


def entry_query(secret: str, wave_id: int, pid: str, expires: int | None = None) -> str:
    """The query string of a signed entry link."""
    params: dict[str, str] = {"pid": pid}
    if expires is not None:
        params["exp"] = str(expires)
    params["sig"] = sign_entry(secret, wave_id, pid, expires)
    return urlencode(params)


def entry_url(base_url: str, wave_id: int, pid: str, secret: str, expires: int | None = None) -> str:
    """A complete signed entry link under ``base_url`` (the service's public address)."""
    return f"{base_url.rstrip('/')}/survey/{wave_id}/start?{entry_query(secret, wave_id, pid, expires)}"


@dataclass(frozen=True)
class EntryCheck:
    """Outcome of :func:`check_entry`: ``reason`` is None for a valid link, else the refusal reason
    (``bad_id``, ``unsigned``, ``bad_signature``, ``expired``)."""

    reason: str | None
    pid: str | None

    @property
    def ok(self) -> bool:
        return self.reason is None


def check_entry(
    secret: str,
    wave_id: int,
    pid: str | None,
    exp: str | None,
    sig: str | None,
    now: float,
    wave_expires: float | None = None,
) -> EntryCheck:
    """Check an entry link's parameters. The signature is compared in constant time; the expiry is checked only
    once the signature holds (so an unsigned link is reported as unsigned, not expired)."""
    if not pid or not PID_PATTERN.match(pid):
        return EntryCheck("bad_id", None)
    if not sig:
        return EntryCheck("unsigned", pid)
    if exp is not None and exp != "" and not _EXP.match(exp):
        return EntryCheck("bad_signature", pid)
    expires = int(exp) if exp else None
    if not hmac.compare_digest(sign_entry(secret, wave_id, pid, expires), sig.lower()):
        return EntryCheck("bad_signature", pid)
    if (expires is not None and now > expires) or (wave_expires is not None and now > wave_expires):
        return EntryCheck("expired", pid)
    return EntryCheck(None, pid)


def new_token() -> str:
    """A fresh session token (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _keystream(token: str, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hmac.new(token.encode(), b"exit-ref" + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        counter += 1
    return out[:length]


def seal(token: str, pid: str) -> bytes:
    """``pid`` encrypted under ``token``: XOR with an HMAC-SHA256 keystream keyed by the token (each token seals
    exactly one id, so the keystream is never reused)."""
    data = pid.encode()
    return bytes(a ^ b for a, b in zip(data, _keystream(token, len(data)), strict=True))


def unseal(token: str, sealed: bytes) -> str:
    return bytes(a ^ b for a, b in zip(sealed, _keystream(token, len(sealed)), strict=True)).decode()


def exit_signature(secret: str, pid: str, status: str) -> str:
    """Signature a provider may check on an exit: HMAC-SHA256(wave secret, "{pid}\\n{status}") in hex."""
    return hmac.new(secret.encode(), f"{pid}\n{status}".encode(), hashlib.sha256).hexdigest()


def exit_url(template: str, pid: str, status: str, secret: str) -> str:
    """The provider's exit URL with ``{pid}``, ``{status}`` and ``{sig}`` filled in (URL-encoded)."""
    return (
        template.replace("{pid}", quote(pid, safe=""))
        .replace("{status}", quote(status, safe=""))
        .replace("{sig}", exit_signature(secret, pid, status))
    )
