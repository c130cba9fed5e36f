"""Which provider adapter serves a poll's ``provider`` name, with whose credentials.

Every provider the service can buy from is a :class:`panels.kinds.ProviderKind` in :data:`panels.kinds.KINDS`: the
credential fields a user sets (which are secret, which have defaults) and how to build its adapter from them.
Credentials come from two places:

- **per organisation** (set through the API or ``recognition providers set``; stored sealed by the service, see
  :mod:`recognition.providers`): the registry asks its ``credentials`` source for ``(organisation, provider)``;
- **per instance** (the ``panels.*`` settings), used for an organisation that set none — how a single-tenant
  installation and the demo run.

``simulated`` needs no credentials: the simulated provider at ``panels.simulator_url`` (e.g. one started with
``recognition panel-sim``), or without it a simulator started on first use inside this process (its projects live
as long as the registry). Its webhooks are verified with ``panels.simulator_webhook_secret``; for an in-process
simulator an empty secret is replaced by a fresh random one that both sides share.

The service keeps one :class:`ProviderRegistry` on its application (``recognition.web.keys.PROVIDERS``); adapters
are created once per (provider, credentials) and reused, so the circuit breaker of each is shared by its waves.
Every adapter reports its calls to the registry's ``observer`` (the application's metrics).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from panels.base import Provider
from panels.http import CallObserver, RetryPolicy
from panels.kinds import KINDS, PROLIFIC_API_URL, BuildContext, CredentialField, ProviderKind
from panels.simulated.server import running_simulator

__all__ = [
    "CREDENTIALS_TTL",
    "KINDS",
    "PROLIFIC_API_URL",
    "BuildContext",
    "CredentialField",
    "CredentialSource",
    "ProviderConfig",
    "ProviderKind",
    "ProviderRegistry",
]
#: Seconds an organisation's credentials, once read, serve before they are read again (another instance of the
#: service may have changed them; this one forgets them at once when it saves or removes them itself).
CREDENTIALS_TTL = 30.0

log = logging.getLogger(__name__)


#: Where a registry reads an organisation's own credentials for a provider (None: it set none).
CredentialSource = Callable[[int, str], Awaitable[Mapping[str, str] | None]]


@dataclass(frozen=True)
class ProviderConfig:
    """The instance's own credentials (the ``panels.*`` settings), used for organisations that set none."""

    simulator_url: str = ""
    simulator_webhook_secret: str = ""
    prolific_token: str = ""
    prolific_webhook_secret: str = ""
    prolific_api_url: str = PROLIFIC_API_URL
    policy: RetryPolicy | None = None  # retries of every adapter (None: each adapter's default)
    extra: Mapping[str, Mapping[str, str]] = field(
        default_factory=dict
    )  # other providers' instance credentials

    @classmethod
    def from_settings(cls, settings: Any, *, policy: RetryPolicy | None = None) -> ProviderConfig:
        """From a :class:`recognition.settings.Settings` (its ``panels_*`` fields)."""
        return cls(
            simulator_url=settings.panels_simulator_url,
            simulator_webhook_secret=settings.panels_simulator_webhook_secret,
            prolific_token=settings.panels_prolific_token,
            prolific_webhook_secret=settings.panels_prolific_webhook_secret,
            prolific_api_url=settings.panels_prolific_api_url or PROLIFIC_API_URL,
            policy=policy,
        )

    def instance_values(self, name: str) -> dict[str, str] | None:
        """The instance's credentials for ``name`` (None: the instance does not serve it by itself)."""
        if name == "prolific":
            if not self.prolific_token:
                return None
            return {
                "token": self.prolific_token,
                "webhook_secret": self.prolific_webhook_secret,
                "api_url": self.prolific_api_url,
            }
        if name in self.extra:
            return dict(self.extra[name])
        return None

    def __repr__(self) -> str:  # never print the secrets
        return (
            f"ProviderConfig(simulator_url={self.simulator_url!r}, prolific={bool(self.prolific_token)}, "
            f"others={sorted(self.extra)})"
        )


def _fingerprint(values: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(values), sort_keys=True).encode()).hexdigest()


class ProviderRegistry:
    """The adapters of one service instance; :meth:`aclose` closes them (and an in-process simulator)."""

    def __init__(
        self,
        config: ProviderConfig,
        *,
        observer: CallObserver | None = None,
        credentials: CredentialSource | None = None,
    ) -> None:
        self.config = config
        self.observer = observer
        self.credentials = credentials
        self._providers: dict[tuple[str, str], Provider] = {}
        self._read: dict[tuple[int, str], tuple[float, Mapping[str, str] | None]] = {}
        self._stack = contextlib.AsyncExitStack()
        self._lock = asyncio.Lock()
        self.simulator: Any = None  # the in-process RunningSimulator, once started

    @property
    def context(self) -> BuildContext:
        return BuildContext(self.config.policy, self.observer)

    async def for_webhooks(self, name: str, org_id: int | None = None) -> Provider | None:
        """The adapter to verify ``name``'s webhooks (for an organisation's own account: ``org_id``). Never starts
        an in-process simulator: it sends webhooks only once fieldwork started it."""
        if name == "simulated" and not self.config.simulator_url:
            return self._providers.get(("simulated", ""))
        return await self.get(name, org_id)

    async def get(self, name: str, org_id: int | None = None) -> Provider | None:
        """The adapter for ``name`` with the organisation's own credentials, else the instance's; created on
        first use. None when neither has credentials for it."""
        values = await self._credentials(org_id, name)
        key = (name, _fingerprint(values) if values is not None else "")
        if key in self._providers:
            return self._providers[key]
        async with self._lock:
            if key not in self._providers:
                provider = await self._create(name, values)
                if provider is None:
                    return None
                self._providers[key] = provider
        return self._providers[key]

    async def _credentials(self, org_id: int | None, name: str) -> Mapping[str, str] | None:
        """An organisation's own credentials for ``name``, read at most every :data:`CREDENTIALS_TTL` seconds
        (every entry and exit of a respondent asks). When the read fails, the last values read serve on: a
        database restart does not strand the respondents in the survey."""
        if self.credentials is None or org_id is None:
            return None
        now = time.monotonic()
        hit = self._read.get((org_id, name))
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            values = await self.credentials(org_id, name)
        except Exception as exc:  # the source is the database: any failure to read it
            if hit is None:
                raise
            log.warning(
                "organisation %s: %s credentials not re-read (%s); the last ones serve", org_id, name, exc
            )
            return hit[1]
        self._read[(org_id, name)] = (now + CREDENTIALS_TTL, values)
        return values

    def forget(self, org_id: int, name: str) -> None:
        """Read the organisation's credentials for ``name`` afresh next time (they were just saved or removed)."""
        self._read.pop((org_id, name), None)

    async def _create(self, name: str, values: Mapping[str, str] | None) -> Provider | None:
        kind = KINDS.get(name)
        if kind is None:
            return None
        if values is None and name == "simulated":
            values = await self._instance_simulator()
        if values is None:
            values = self.config.instance_values(name)
        if values is None:
            return None
        return kind.build(kind.complete(values), self.context)

    async def _instance_simulator(self) -> dict[str, str]:
        cfg = self.config
        url, secret = cfg.simulator_url, cfg.simulator_webhook_secret
        if not url:
            secret = secret or secrets.token_hex(32)
            self.simulator = await self._stack.enter_async_context(running_simulator(webhook_secret=secret))
            url = self.simulator.url
            self.config = replace(cfg, simulator_webhook_secret=secret)
        return {"url": url, "webhook_secret": secret}

    async def check(self, name: str, values: Mapping[str, str]) -> None:
        """Build an adapter with ``values`` and make one cheap authenticated call (:meth:`Provider.check`);
        raises :class:`ValueError` for bad fields and :class:`panels.base.ProviderError` when the provider refuses
        them or cannot be reached."""
        kind = KINDS.get(name)
        if kind is None:
            raise ValueError(f"provider: no provider {name!r} (known: {', '.join(sorted(KINDS))})")
        provider = kind.build(kind.complete(values), self.context)
        try:
            await provider.check()
        finally:
            await provider.aclose()

    async def aclose(self) -> None:
        providers = list(self._providers.values())
        self._providers.clear()
        for provider in providers:
            await provider.aclose()
        await self._stack.aclose()
        self.simulator = None
