"""Respondent sessions of the hosted survey: the random session token (the only cookie), its hash (what the
database keeps) and the sealed arrival. Pure: no I/O.

Until the exit redirect the database keeps the respondent's arrival — the provider's ids the exit needs — sealed
under the session token (:func:`seal`), so neither the database alone nor the cookie alone yields them. How a
respondent enters and leaves is the provider's (:meth:`panels.base.Provider.admit` / ``finish``). An outcome the
provider could not be told at the exit is kept sealed under :func:`report_token` (derived from the installation
secret and the respondent) until fieldwork tells it, then deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from panels.base import Arrival
from recognition import sealing


def new_token() -> str:
    """A fresh session token (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def seal(token: str, arrival: Arrival) -> bytes:
    """``arrival`` sealed (AES-GCM, :mod:`recognition.sealing`) under a key derived from ``token``."""
    doc = {"pid": arrival.participant_id, "context": dict(arrival.context), "test": arrival.test}
    return sealing.seal(sealing.derive_key(token, "arrival"), "arrival", doc)


def unseal(token: str, sealed: bytes) -> Arrival:
    """The arrival :func:`seal` sealed; :class:`recognition.sealing.SealError` when it does not open."""
    doc = sealing.unseal(sealing.derive_key(token, "arrival"), "arrival", sealed)
    return Arrival(str(doc["pid"]), {str(k): str(v) for k, v in doc["context"].items()}, bool(doc["test"]))


def report_token(installation_secret: str, respondent_id: int) -> str:
    """The key an untold outcome's arrival is sealed under: one per respondent, derived from the installation
    secret (so a database dump alone does not reveal the provider's ids)."""
    return hmac.new(
        installation_secret.encode(), f"report:{respondent_id}".encode(), hashlib.sha256
    ).hexdigest()


def project_reference(installation_secret: str, wave_id: int) -> str:
    """The wave's stable reference at the provider: unique per installation (keyed by its secret) and wave."""
    digest = hmac.new(installation_secret.encode(), f"wave:{wave_id}".encode(), hashlib.sha256).hexdigest()
    return f"rw{wave_id}-{digest[:12]}"


def link_secret(installation_secret: str, wave_id: int) -> str:
    """The wave's entry-link secret (shared with providers that sign each respondent's link with it). Derived
    from the installation secret, so a launch repeated after a crash hands out the same secret."""
    return hmac.new(installation_secret.encode(), f"links:{wave_id}".encode(), hashlib.sha256).hexdigest()
