"""Faithful copies of real panel providers' APIs, served by the simulator over its shared books.

Each provider's API is a module here that exposes a :class:`ProviderApi`: the URL prefix it is served under (the
adapter's base URL is ``{simulator}{prefix}``) and ``install(app)``, which adds its routes to the simulator's
application. Its handlers read the shared :class:`panels.simulated.server.SimulatorState` from ``app[STATE]`` and
create projects with ``state.add_project(...)`` (an :class:`panels.simulated.walkers.EntryLink` that builds the
provider's own entry URL for each participant); respondents come back on the provider's own exit or completion
URL (served by the module, outside the faulted prefix when it is a browser landing) and are booked with
``project.returned(participant, outcome)``. Faults apply to every path under ``prefix``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from panels.simulated.apis import cint, prolific, purespectrum, redirect


@dataclass(frozen=True)
class ProviderApi:
    name: str  # the provider's name in the service (``prolific``, ``cint``, ...)
    prefix: str  # the URL prefix its API is served under, e.g. ``/prolific/api/v1/``
    install: Callable[[web.Application], None]


#: Every provider API the simulator serves besides its own ``/v1/``.
PROVIDER_APIS: tuple[ProviderApi, ...] = (
    ProviderApi("purespectrum", purespectrum.PREFIX, purespectrum.install),
    ProviderApi("redirect", redirect.PREFIX, redirect.install),
    ProviderApi("cint", cint.PREFIX, cint.install),
    ProviderApi("prolific", prolific.PREFIX, prolific.install),
)
