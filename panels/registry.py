"""Which provider adapter serves a poll's ``provider`` name, configured from the ``panels.*`` settings.

- ``simulated``: the simulated provider at ``panels.simulator_url`` (e.g. one started with
  ``recognition panel-sim``); without it, a simulator started on first use inside this process (its projects live
  as long as the registry). Webhooks are verified with ``panels.simulator_webhook_secret``; for an in-process
  simulator an empty secret is replaced by a fresh random one that both sides share.
- ``prolific``: Prolific's researcher API with ``panels.prolific_token`` (see ``docs/providers.md``); without a
  token the name is not served.

The service keeps one :class:`ProviderRegistry` on its application (``recognition.web.keys.PROVIDERS``); adapters
are created once and reused, so the circuit breaker of each provider is shared by its waves. Every adapter
reports its calls to the registry's ``observer`` (the application's metrics).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass, replace
from typing import Any

from panels.base import Provider
from panels.http import CallObserver, RetryPolicy
from panels.prolific import ProlificProvider
from panels.simulated.client import SimulatedProvider
from panels.simulated.server import running_simulator

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

    def __init__(self, config: ProviderConfig, *, observer: CallObserver | None = None) -> None:
        self.config = config
        self.observer = observer
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
            url, secret = cfg.simulator_url, cfg.simulator_webhook_secret
            if not url:
                secret = secret or secrets.token_hex(32)
                self.simulator = await self._stack.enter_async_context(
                    running_simulator(webhook_secret=secret)
                )
                url = self.simulator.url
                self.config = replace(cfg, simulator_webhook_secret=secret)
            return SimulatedProvider(url, policy=cfg.policy, webhook_secret=secret, observer=self.observer)
        if name == "prolific" and cfg.prolific_token:
            return ProlificProvider(
                cfg.prolific_token,
                base_url=cfg.prolific_api_url,
                webhook_secret=cfg.prolific_webhook_secret,
                policy=cfg.policy,
                observer=self.observer,
            )
        return None

    async def aclose(self) -> None:
        providers = list(self._providers.values())
        self._providers.clear()
        for provider in providers:
            await provider.aclose()
        await self._stack.aclose()
        self.simulator = None
