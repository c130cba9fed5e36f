"""Hashed panel links (panels/url_hash.py) against published test vectors and against digests computed here with
hashlib/hmac on literal strings, independently of the module."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote

import pytest

from panels.url_hash import PURESPECTRUM, HashRecipe, LinkHashError, verify_received

# RFC 2202 §3 test case 2 (HMAC-SHA1) and RFC 4231 §4.3 test case 2 (HMAC-SHA256): key "Jefe".
JEFE = "what do ya want for nothing?"
RFC2202_CASE2 = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
RFC4231_CASE2 = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
# FIPS 180-2 appendix A.1: SHA-1("abc").
SHA1_ABC = "a9993e364706816aba3e25717850c26c9cd0d89d"
# FIPS 180-2 appendix B.1: SHA-256("abc").
SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize(
    ("algorithm", "text", "secret", "want"),
    [
        ("hmac-sha1", JEFE, "Jefe", RFC2202_CASE2),
        ("hmac-sha256", JEFE, "Jefe", RFC4231_CASE2),
        ("sha1+secret", "ab", "c", SHA1_ABC),  # the digest of the text followed by the secret
        ("sha256+secret", "a", "bc", SHA256_ABC),
    ],
)
def test_digests_match_published_test_vectors(algorithm: str, text: str, secret: str, want: str) -> None:
    assert HashRecipe(algorithm, encoding="hex").digest(text, secret) == want


def test_purespectrum_hash_is_sha1_of_the_url_and_the_secret() -> None:
    url = "https://spectrumsurveys.com/surveydone?st=21&transaction_id=3KT9WPQX5hQBOhof8RZRRA"
    want = hashlib.sha1(
        b"https://spectrumsurveys.com/surveydone?st=21&transaction_id=3KT9WPQX5hQBOhof8RZRRAshared-secret"
    ).hexdigest()
    signed = PURESPECTRUM.sign(url, "shared-secret")
    assert signed == url + "&ps_hash=" + want
    assert PURESPECTRUM.verify(signed, "shared-secret") == url
    assert PURESPECTRUM.verify(f"{url}&ps_hash={want.upper()}", "shared-secret") == url  # hex in capitals


def test_lucid_style_hash_covers_the_separator_in_unpadded_base64url() -> None:
    recipe = HashRecipe("hmac-sha1", "hash", "url_and_separator", "base64url")
    url = "https://panel.example/exit?rst=1&psid=ab12"
    raw = hmac.new(b"k3y", b"https://panel.example/exit?rst=1&psid=ab12&", hashlib.sha1).digest()
    want = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    assert recipe.sign(url, "k3y") == f"{url}&hash={want}" and "=" not in want
    assert recipe.verify(f"{url}&hash={want}", "k3y") == url


def test_query_only_hash_in_padded_base64_is_percent_encoded() -> None:
    recipe = HashRecipe("hmac-sha256", "sig", "query", "base64")
    url = "https://panel.example/exit?rst=2&psid=ab12"
    want = base64.b64encode(hmac.new(b"k", b"rst=2&psid=ab12", hashlib.sha256).digest()).decode()
    signed = recipe.sign(url, "k")
    assert signed == f"{url}&sig={quote(want, safe='')}" and "%3D" in signed
    assert recipe.verify(signed, "k") == url


def test_a_link_without_a_query_takes_the_hash_as_its_first_parameter() -> None:
    recipe = HashRecipe("hmac-sha256", "h", "url", "hex")
    want = hmac.new(b"k", b"https://x.example/done", hashlib.sha256).hexdigest()
    assert recipe.sign("https://x.example/done", "k") == f"https://x.example/done?h={want}"
    assert recipe.verify(f"https://x.example/done?h={want}", "k") == "https://x.example/done"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda u: u.replace("psid=ab12", "psid=ab13"), "bad_signature"),  # tampered id
        (lambda u: u.split("&hash=")[0], "unsigned"),  # hash removed
        (lambda u: u + "&extra=1", "bad_signature"),  # a parameter after the hash is not covered
        (lambda u: u.replace("&hash=", "&hash=0"), "bad_signature"),
        (lambda u: u.split("&hash=")[0] + "&hash=", "unsigned"),
    ],
)
def test_tampered_or_unsigned_links_are_refused(mutate, reason: str) -> None:  # type: ignore[no-untyped-def]
    recipe = HashRecipe("hmac-sha256", "hash")
    signed = recipe.sign("https://survey.example/survey/3/start?psid=ab12&k2=x", "k")
    with pytest.raises(LinkHashError) as err:
        recipe.verify(mutate(signed), "k")
    assert err.value.reason == reason


def test_a_link_hashed_as_https_holds_behind_a_proxy_that_speaks_http() -> None:
    signed = PURESPECTRUM.sign("https://survey.example/survey/3/start?transaction_id=T1", "s")
    seen = "http://" + signed[len("https://") :]
    assert (
        verify_received(PURESPECTRUM, seen, "s") == "https://survey.example/survey/3/start?transaction_id=T1"
    )
    with pytest.raises(LinkHashError):
        verify_received(PURESPECTRUM, seen, "another secret")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"algorithm": "md5"}, "algorithm"),
        ({"covers": "path"}, "covers"),
        ({"encoding": "base32"}, "encoding"),
        ({"parameter": "has h"}, "parameter"),
    ],
)
def test_unknown_recipes_are_named(kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        HashRecipe(**kwargs)
