"""Which provider adapter serves a poll's ``provider`` name, configured from the ``panels.*`` settings.

- ``simulated``: the simulated provider at ``panels.simulator_url`` (e.g. one started with
  ``recognition panel-sim``); without it, a simulator started on first use inside this process (its projects live
  as long as the registry). Webhooks are verified with ``panels.simulator_webhook_secret``; for an in-process
  simulator an empty secret is replaced by a fresh random one that both sides share.
- ``prolific``: Prolific's researcher API with ``panels.prolific_token`` (see ``docs/providers.md``); without a
  token the name is not served.

The service keeps one :class:`ProviderRegistry` on its application (``recognition.app.PROVIDERS``); adapters are
created once and reused, so the circuit breaker of each provider is shared by its waves.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass, replace
from typing import Any

from panels.base import Provider
from panels.http import RetryPolicy

PROLIFIC_API_URL = "https://api.prolific.com/api/v1"


@dataclass(frozen=True)
class ProviderConfig:
    simulator_url: str = ""
    simulator_webhook_secret: str = ""
    prolific_token: str = ""
    prolific_webhook_secret: str = ""
    prolific_api_url: str = PROLIFIC_API_URL
    policy: RetryPolicy | None = None  # retries of every adapter (None: each adapter's default)

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

    def __repr__(self) -> str:  # never print the secrets
        return f"ProviderConfig(simulator_url={self.simulator_url!r}, prolific={bool(self.prolific_token)})"


class ProviderRegistry:
    """The adapters of one service instance; :meth:`aclose` closes them (and an in-process simulator)."""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self._providers: dict[str, Provider] = {}
        self._stack = contextlib.AsyncExitStack()
        self._lock = asyncio.Lock()
        self.simulator: Any = None  # the in-process RunningSimulator, once started

    def peek(self, name: str) -> Provider | None:
        """The adapter if it exists already (never starts anything: for webhook verification)."""
        return self._providers.get(name)

    async def for_webhooks(self, name: str) -> Provider | None:
        """The adapter to verify ``name``'s webhooks: created if that starts nothing (an in-process simulator
        sends webhooks only once fieldwork started it)."""
        if name == "simulated" and not self.config.simulator_url:
            return self.peek(name)
        return await self.get(name)

    async def get(self, name: str) -> Provider | None:
        """The adapter for ``name``, created on first use; None when this instance cannot serve it."""
        if name in self._providers:
            return self._providers[name]
        async with self._lock:
            if name not in self._providers:
                provider = await self._create(name)
                if provider is None:
                    return None
                self._providers[name] = provider
        return self._providers[name]

    async def _create(self, name: str) -> Provider | None:
        cfg = self.config
        if name == "simulated":
            from panels.simulated.client import SimulatedProvider

            url, secret = cfg.simulator_url, cfg.simulator_webhook_secret
            if not url:
                from panels.simulated.server import running_simulator

                secret = secret or secrets.token_hex(32)
                self.simulator = await self._stack.enter_async_context(
                    running_simulator(webhook_secret=secret)
                )
                url = self.simulator.url
                self.config = replace(cfg, simulator_webhook_secret=secret)
            return SimulatedProvider(url, policy=cfg.policy, webhook_secret=secret)
        if name == "prolific" and cfg.prolific_token:
            from panels.prolific import ProlificProvider

            return ProlificProvider(
                cfg.prolific_token,
                base_url=cfg.prolific_api_url,
                webhook_secret=cfg.prolific_webhook_secret,
                policy=cfg.policy,
            )
        return None

    async def aclose(self) -> None:
        providers = list(self._providers.values())
        self._providers.clear()
        for provider in providers:
            await provider.aclose()
        await self._stack.aclose()
        self.simulator = None


#: Kept for callers without an application at hand; the service uses the registry on its application.
_fallback: ProviderRegistry | None = None


async def provider_for(name: str) -> Provider | None:
    """The adapter for ``name`` from a process-wide registry configured from the environment's settings.
    Prefer ``app[recognition.app.PROVIDERS].get(name)`` in the service."""
    global _fallback
    if _fallback is None:
        from recognition.settings import load_settings

        _fallback = ProviderRegistry(ProviderConfig.from_settings(load_settings()))
    return await _fallback.get(name)


async def close_all() -> None:
    global _fallback
    if _fallback is not None:
        await _fallback.aclose()
        _fallback = None
