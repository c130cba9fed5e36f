"""Each provider's world for the contract suite: provider name → a function of the simulator's base URL giving
the credential fields of that provider's :data:`panels.registry.KINDS` entry that point its adapter at the
simulator's faithful copy of the provider's API."""

from __future__ import annotations

from collections.abc import Callable

from panels.simulated.apis import cint

WORLDS: dict[str, Callable[[str], dict[str, str]]] = {
    "cint": cint.credentials,
}
