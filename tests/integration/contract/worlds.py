"""The worlds the contract suite runs in: each provider's adapter pointed at the simulator's copy of its API.

``WORLDS`` maps a provider's name (its ``ProviderKind`` in :mod:`panels.registry`) to a function of the simulator's
base URL returning the credential fields that point the adapter there. Adding a provider to the suite is one
entry here (and the same function in ``recognition.demo.DEMO_PROVIDERS``), plus how to read the provider's own
books for a wave in :data:`tests.integration.contract.ledgers.LEDGERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from panels.simulated.apis import cint, prolific
from panels.simulated.apis import purespectrum as purespectrum_api
from panels.simulated.apis import redirect as redirect_api

Credentials = Callable[[str], dict[str, str]]

WORLDS: dict[str, Credentials] = {
    "simulated": lambda url: {"url": url},
    "prolific": prolific.simulator_credentials,
    "cint": cint.credentials,
    "purespectrum": purespectrum_api.credentials,
    "redirect": redirect_api.credentials,
}
