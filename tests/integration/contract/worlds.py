"""The contract suite's per-provider worlds: for each provider, the credential fields of its ``ProviderKind`` that
point its adapter at the simulator's faithful copy of its API (simulator base URL → credentials)."""

from __future__ import annotations

from collections.abc import Callable

from panels.simulated.apis import purespectrum as purespectrum_api
from panels.simulated.apis import redirect as redirect_api

WORLDS: dict[str, Callable[[str], dict[str, str]]] = {
    "purespectrum": purespectrum_api.credentials,
    "redirect": redirect_api.credentials,
}
