"""The service's own signed respondent links, for providers that sign each respondent's link with a per-wave
secret (the simulated provider, test links). Pure: no I/O.

Entry link::

    {survey}/survey/{wave_id}/start?pid={provider respondent id}[&exp={unix seconds}]&sig={hex}

``sig = HMAC-SHA256(wave secret, "{wave_id}\\n{pid}\\n{exp}")`` as lower-case hex, with ``exp`` the empty string
when the link carries none. An exit back to the provider carries ``sig = HMAC-SHA256(wave secret,
"{pid}\\n{outcome}")`` so the provider can check the outcome came from the survey.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from urllib.parse import quote, urlencode

#: Provider respondent ids accepted in entry links (letters, digits and ``_ . : @ ~ -``; at most 128).
PID_PATTERN = re.compile(r"^[A-Za-z0-9_.:@~-]{1,128}$")
_EXP = re.compile(r"^\d{1,12}$")
#: The respondent ids of the service's own test links (``test=1``). A respondent's live signed link with ``test=1``
#: added is refused: nobody turns themselves into an uncounted tester.
TESTER_PREFIX = "tester-"


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


def check_entry(
    secret: str, wave_id: int, query: Mapping[str, str], now: float, wave_expires: float | None = None
) -> str:
    """The respondent id of a valid signed entry; raises ``ValueError(reason, pid)`` otherwise with reason
    ``bad_id``, ``unsigned``, ``bad_signature`` or ``expired``. The signature is compared in constant time; the
    expiry is checked only once the signature holds (an unsigned link is reported as unsigned, not expired)."""
    pid, exp, sig = query.get("pid"), query.get("exp"), query.get("sig")
    if not pid or not PID_PATTERN.match(pid):
        raise ValueError("bad_id", None)
    if not sig:
        raise ValueError("unsigned", pid)
    if exp and not _EXP.match(exp):
        raise ValueError("bad_signature", pid)
    expires = int(exp) if exp else None
    if not hmac.compare_digest(sign_entry(secret, wave_id, pid, expires), sig.lower()):
        raise ValueError("bad_signature", pid)
    if (expires is not None and now > expires) or (wave_expires is not None and now > wave_expires):
        raise ValueError("expired", pid)
    return pid


def exit_signature(secret: str, pid: str, outcome: str) -> str:
    """Signature a provider may check on an exit: HMAC-SHA256(wave secret, "{pid}\\n{outcome}") in hex."""
    return hmac.new(secret.encode(), f"{pid}\n{outcome}".encode(), hashlib.sha256).hexdigest()


def exit_query(secret: str, pid: str, outcome: str) -> str:
    return f"outcome={quote(outcome, safe='')}&pid={quote(pid, safe='')}&sig={exit_signature(secret, pid, outcome)}"
