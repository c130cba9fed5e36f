"""Which provider adapter serves a poll's ``provider`` name in this process.

- ``simulated``: the simulated provider at ``PANEL_SIM_URL`` (e.g. one started with ``recognition panel-sim``);
  without it, a simulator started inside this process on first use (its projects live as long as the process).
- ``prolific``: Prolific's researcher API with the token in ``PROLIFIC_API_TOKEN`` (see ``docs/providers.md``).

Adapters are created once per process and reused, so the circuit breaker of each provider is shared by its waves.
"""

from __future__ import annotations

import contextlib
import os

from panels.base import Provider

_providers: dict[str, Provider] = {}
_exit_stack = contextlib.AsyncExitStack()


async def provider_for(name: str) -> Provider | None:
    if name in _providers:
        return _providers[name]
    provider: Provider | None = None
    if name == "simulated":
        from panels.simulated.client import SimulatedProvider

        url = os.environ.get("PANEL_SIM_URL", "")
        if not url:
            from panels.simulated.server import running_simulator

            url = (await _exit_stack.enter_async_context(running_simulator())).url
        provider = SimulatedProvider(url)
    elif name == "prolific" and os.environ.get("PROLIFIC_API_TOKEN"):
        from panels.prolific import ProlificProvider

        provider = ProlificProvider(
            os.environ["PROLIFIC_API_TOKEN"],
            base_url=os.environ.get("PROLIFIC_API_URL", ProlificProvider.BASE_URL),
            webhook_secret=os.environ.get("PROLIFIC_WEBHOOK_SECRET", ""),
        )
    if provider is not None:
        _providers[name] = provider
    return provider


async def close_all() -> None:
    for provider in _providers.values():
        await provider.aclose()
    _providers.clear()
    await _exit_stack.aclose()
