"""Organisations' own panel-provider credentials: checked with a test call when saved, stored sealed, read by the
provider registry when one of the organisation's waves needs its provider.

Values are sealed with AES-GCM (:mod:`recognition.sealing`) under a key derived from the installation secret
(``survey.secret``) for this purpose, so a database dump alone does not reveal them; what may be shown (public
fields, the last four characters of secrets) is kept beside them. Credentials are never logged: errors name the
field, never its value.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import asyncpg

from panels.base import ProviderError, ProviderRejected
from panels.registry import KINDS, CredentialSource, ProviderKind, ProviderRegistry
from recognition import sealing
from recognition.errors import UserError
from recognition.store import credentials as store

log = logging.getLogger(__name__)

PURPOSE = "provider-credentials"


@dataclass(frozen=True)
class Saved:
    provider: str
    shown: dict[str, str]


def kind_of(name: str) -> ProviderKind:
    kind = KINDS.get(name)
    if kind is None:
        raise UserError(f"provider: no provider {name!r} (known: {', '.join(sorted(KINDS))})")
    return kind


def _key(installation_secret: str) -> bytes:
    return sealing.derive_key(installation_secret, PURPOSE)


async def save(
    pool: asyncpg.Pool,
    installation_secret: str,
    registry: ProviderRegistry,
    org_id: int,
    provider: str,
    values: Mapping[str, str],
) -> Saved:
    """Check ``values`` (every field named; then one call to the provider with them) and store them sealed.
    :class:`UserError` in plain words when a field is wrong or the provider refuses them; nothing stored then."""
    kind = kind_of(provider)
    try:
        complete = kind.complete(values)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    try:
        await registry.check(provider, complete)
    except ValueError as exc:  # fields that fit together wrongly (a redirect panel's templates, its recipe)
        raise UserError(str(exc)) from None
    except ProviderRejected as exc:
        raise UserError(
            f"{kind.title} refused these credentials (HTTP {exc.status}); nothing was saved"
        ) from None
    except ProviderError as exc:
        raise UserError(
            f"{kind.title} could not be reached to check these credentials ({exc}); nothing was saved"
        ) from None
    shown = kind.masked(complete)
    async with pool.acquire() as conn:
        await store.put(
            conn, org_id, provider, sealing.seal(_key(installation_secret), PURPOSE, complete), shown
        )
    registry.forget(org_id, provider)
    log.info("organisation %s: %s credentials saved and checked", org_id, provider)
    return Saved(provider, shown)


async def listed(pool: asyncpg.Pool, org_id: int) -> list[store.StoredCredentials]:
    async with pool.acquire() as conn:
        return await store.listed(conn, org_id)


async def remove(
    pool: asyncpg.Pool, org_id: int, provider: str, registry: ProviderRegistry | None = None
) -> bool:
    """Delete the organisation's credentials for ``provider`` (the ``registry`` of this instance forgets them at
    once; other instances within :data:`panels.registry.CREDENTIALS_TTL`)."""
    kind_of(provider)
    async with pool.acquire() as conn:
        removed = await store.delete(conn, org_id, provider)
    if registry is not None:
        registry.forget(org_id, provider)
    return removed


def source(pool: asyncpg.Pool, installation_secret: str) -> CredentialSource:
    """What the registry reads an organisation's credentials with (None when it set none for the provider)."""
    key = _key(installation_secret)

    async def read(org_id: int, provider: str) -> Mapping[str, str] | None:
        async with pool.acquire() as conn:
            sealed = await store.sealed(conn, org_id, provider)
        if sealed is None:
            return None
        try:
            values = sealing.unseal(key, PURPOSE, sealed)
        except sealing.SealError:
            log.error(
                "organisation %s: stored %s credentials do not open (installation secret changed?)",
                org_id,
                provider,
            )
            return None
        return {str(k): str(v) for k, v in values.items()}

    return read
