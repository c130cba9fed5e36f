"""Each provider's world for the contract suite: provider name → a function of the simulator's base URL giving
the credential fields of that provider's :data:`panels.registry.KINDS` entry that point its adapter at the
simulator's faithful copy of the provider's API."""

from __future__ import annotations

from collections.abc import Callable

from panels.simulated.apis import cint
from panels.simulated.apis import purespectrum as purespectrum_api
from panels.simulated.apis import redirect as redirect_api

WORLDS: dict[str, Callable[[str], dict[str, str]]] = {
    "purespectrum": purespectrum_api.credentials,
    "redirect": redirect_api.credentials,
    "cint": cint.credentials,
}
