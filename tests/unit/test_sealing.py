"""Sealed secrets (AES-256-GCM under derived keys): open with the right key and purpose only."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from recognition import sealing

KEY = sealing.derive_key("installation-secret", "provider-credentials")


def test_a_sealed_value_opens_with_its_key_and_purpose_only() -> None:
    value = {"token": "abc123", "api_url": "https://api.example"}
    sealed = sealing.seal(KEY, "provider-credentials", value)
    assert b"abc123" not in sealed and sealing.unseal(KEY, "provider-credentials", sealed) == value
    assert sealed != sealing.seal(KEY, "provider-credentials", value)  # a fresh nonce each time
    with pytest.raises(sealing.SealError):
        sealing.unseal(KEY, "arrival", sealed)  # sealed for another purpose
    with pytest.raises(sealing.SealError):
        sealing.unseal(
            sealing.derive_key("another-installation", "provider-credentials"), "provider-credentials", sealed
        )
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(sealing.SealError):
        sealing.unseal(KEY, "provider-credentials", tampered)
    with pytest.raises(sealing.SealError):
        sealing.unseal(KEY, "provider-credentials", b"short")


def test_the_format_is_nonce_then_standard_aes_gcm() -> None:
    """Readable by any AES-GCM implementation: 12-byte nonce, then ciphertext and tag, purpose as associated data."""
    sealed = sealing.seal(KEY, "p", {"a": "b"})
    assert AESGCM(KEY).decrypt(sealed[:12], sealed[12:], b"p") == b'{"a":"b"}'
    assert len(KEY) == 32 and sealing.derive_key("s", "x") != sealing.derive_key("s", "y")
