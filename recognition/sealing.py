"""Sealing small secrets the database keeps but must not reveal on its own: authenticated encryption (AES-256-GCM,
from the ``cryptography`` package) under a key derived from something the database does not hold — a respondent's
session token, or the installation secret for one purpose. Pure: no I/O.

A sealed value is ``nonce (12 bytes) ‖ ciphertext ‖ tag``; ``purpose`` is bound in as associated data, so a value
sealed for one use does not open for another. Opening a tampered value, or one sealed under another key, raises
:class:`SealError`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE = 12


class SealError(ValueError):
    """A sealed value that does not open: tampered with, or sealed under another key or for another purpose."""


def derive_key(secret: str, purpose: str) -> bytes:
    """A 256-bit key for ``purpose`` from ``secret`` (HMAC-SHA256: one secret, independent keys per purpose)."""
    return hmac.new(secret.encode(), f"seal:{purpose}".encode(), hashlib.sha256).digest()


def seal(key: bytes, purpose: str, value: Mapping[str, Any]) -> bytes:
    """``value`` (a JSON object) encrypted and authenticated under ``key`` for ``purpose``."""
    nonce = os.urandom(NONCE)
    data = json.dumps(dict(value), separators=(",", ":"), sort_keys=True).encode()
    return nonce + AESGCM(key).encrypt(nonce, data, purpose.encode())


def unseal(key: bytes, purpose: str, sealed: bytes) -> dict[str, Any]:
    """The JSON object :func:`seal` sealed; :class:`SealError` when it does not open."""
    if len(sealed) <= NONCE:
        raise SealError("the sealed value is too short")
    try:
        data = AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], purpose.encode())
    except InvalidTag:
        raise SealError("the sealed value does not open with this key") from None
    doc = json.loads(data)
    if not isinstance(doc, dict):
        raise SealError("the sealed value is not an object")
    return doc
