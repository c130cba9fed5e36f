"""Hashed respondent links, as panels sign them: a digest of (part of) the URL under a shared secret, appended as
the URL's last parameter. Pure: no I/O.

A :class:`HashRecipe` says how:

- ``algorithm``: ``hmac-sha1`` or ``hmac-sha256`` (HMAC of the covered text under the secret), or
  ``sha1+secret`` / ``sha256+secret`` (the plain digest of the covered text followed by the secret, e.g.
  PureSpectrum's ``ps_hash = sha1(full_url + secret)``);
- ``parameter``: the name of the parameter carrying the digest (``hash``, ``ps_hash`` …), always the last one;
- ``covers``: which part of the URL is digested — ``url``: everything before the separator of the hash parameter
  (``https://panel/exit?st=21&id=7`` for ``https://panel/exit?st=21&id=7&hash=…``); ``url_and_separator``: the
  same with that ``&`` (or ``?``) included (Lucid's legacy links); ``query``: only the parameters before it
  (``st=21&id=7``);
- ``encoding``: ``hex`` (lower case; compared without regard to case), ``base64`` (standard alphabet, padded,
  percent-encoded in the URL), or ``base64url`` (``-`` and ``_``, without ``=`` padding).

Verification compares in constant time and insists that nothing follows the hash parameter (anything after it
would not be covered by the digest).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote, unquote

ALGORITHMS = ("hmac-sha1", "hmac-sha256", "sha1+secret", "sha256+secret")
COVERS = ("url", "url_and_separator", "query")
ENCODINGS = ("hex", "base64", "base64url")


class LinkHashError(ValueError):
    """A link whose hash does not hold: ``reason`` is ``unsigned`` (no hash parameter) or ``bad_signature``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class HashRecipe:
    algorithm: str = "hmac-sha256"
    parameter: str = "hash"
    covers: str = "url"
    encoding: str = "hex"

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm: {self.algorithm!r} is not one of {', '.join(ALGORITHMS)}")
        if self.covers not in COVERS:
            raise ValueError(f"covers: {self.covers!r} is not one of {', '.join(COVERS)}")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"encoding: {self.encoding!r} is not one of {', '.join(ENCODINGS)}")
        if not self.parameter or not all(c.isalnum() or c in "_-." for c in self.parameter):
            raise ValueError(
                f"parameter: {self.parameter!r} must be a parameter name (letters, digits, _ - .)"
            )

    def digest(self, text: str, secret: str) -> str:
        """The encoded digest of ``text`` under ``secret``."""
        data, key = text.encode(), secret.encode()
        if self.algorithm == "hmac-sha1":
            raw = hmac.new(key, data, hashlib.sha1).digest()
        elif self.algorithm == "hmac-sha256":
            raw = hmac.new(key, data, hashlib.sha256).digest()
        elif self.algorithm == "sha1+secret":
            raw = hashlib.sha1(data + key).digest()
        else:
            raw = hashlib.sha256(data + key).digest()
        if self.encoding == "hex":
            return raw.hex()
        if self.encoding == "base64":
            return base64.b64encode(raw).decode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def covered(self, base: str, separator: str) -> str:
        """The text digested for a link ``base`` + ``separator`` + ``parameter=…``."""
        if self.covers == "url":
            return base
        if self.covers == "url_and_separator":
            return base + separator
        return base.split("?", 1)[1] if "?" in base else ""

    def sign(self, url: str, secret: str) -> str:
        """``url`` with the hash parameter appended."""
        separator = "&" if "?" in url else "?"
        value = self.digest(self.covered(url, separator), secret)
        return f"{url}{separator}{self.parameter}={quote(value, safe='')}"

    def split(self, url: str) -> tuple[str, str, str]:
        """(base, separator, hash value) of a hashed link; :class:`LinkHashError` ``unsigned`` without one."""
        for separator in ("&", "?"):
            marker = f"{separator}{self.parameter}="
            at = url.rfind(marker)
            if at >= 0 and (separator == "&" or "?" not in url[:at]):
                return url[:at], separator, url[at + len(marker) :]
        raise LinkHashError("unsigned")

    def verify(self, url: str, secret: str) -> str:
        """The link without its hash parameter when the hash holds; :class:`LinkHashError` otherwise."""
        base, separator, value = self.split(url)
        if not value:
            raise LinkHashError("unsigned")
        if "&" in value or "#" in value:
            raise LinkHashError("bad_signature")  # parameters after the hash are not covered by it
        given = unquote(value)
        want = self.digest(self.covered(base, separator), secret)
        if self.encoding == "hex":
            given, want = given.lower(), want.lower()
        if not hmac.compare_digest(given.encode(), want.encode()):
            raise LinkHashError("bad_signature")
        return base


#: PureSpectrum's redirect hash: ``ps_hash = sha1(full_url + shared secret)`` in hex, the URL less ``&ps_hash=…``.
PURESPECTRUM = HashRecipe("sha1+secret", "ps_hash", "url", "hex")


def https_variant(url: str) -> str | None:
    """``url`` with the ``https`` scheme, when it came as ``http`` (a TLS-terminating proxy in front of the
    service makes the survey see ``http://`` links the panel hashed as ``https://``)."""
    return "https://" + url[len("http://") :] if url.startswith("http://") else None


def verify_received(recipe: HashRecipe, url: str, secret: str) -> str:
    """:meth:`HashRecipe.verify` of a link as the survey received it, accepting the ``https`` form of an
    ``http`` link too (see :func:`https_variant`). Returns the link without its hash."""
    try:
        return recipe.verify(url, secret)
    except LinkHashError as exc:
        other = https_variant(url)
        if exc.reason != "bad_signature" or other is None:
            raise
        return recipe.verify(other, secret)
