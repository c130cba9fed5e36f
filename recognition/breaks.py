"""Breaks in a series of waves: where the way a figure was made changed, so a trend should not be read across it
without care.

Two things break a series: the **source** of the waves (fielded by this service, or imported from another
provider's tracker: ``waves.source``) and the **questionnaire version** they were fielded with. Each wave where
either changes from the wave before it (in scheduled order) carries a marker in plain words, e.g.
``"imported from Ipsos brand tracker"`` or ``"fielded by this service (before: imported from Ipsos brand
tracker)"``; the first wave of a series is marked only when it was imported.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class WaveMethod(Protocol):
    """What a break is judged on (a :class:`recognition.store.waves.Wave` has it)."""

    @property
    def id(self) -> int: ...

    @property
    def questionnaire_version(self) -> int: ...

    @property
    def source(self) -> str | None: ...


def source_label(source: str | None) -> str:
    """How a wave's source reads: ``imported from …`` or ``fielded by this service``."""
    return "fielded by this service" if source is None else f"imported from {source}"


def method_breaks(waves: Iterable[WaveMethod]) -> dict[int, str | None]:
    """Wave id → the break marker at that wave (None where nothing changed), for ``waves`` in scheduled order."""
    out: dict[int, str | None] = {}
    before: WaveMethod | None = None
    for wave in waves:
        notes: list[str] = []
        if before is None:
            if wave.source is not None:
                notes.append(source_label(wave.source))
        else:
            if wave.source != before.source:
                notes.append(f"{source_label(wave.source)} (before: {source_label(before.source)})")
            if wave.questionnaire_version != before.questionnaire_version:
                notes.append(
                    f"questionnaire version {wave.questionnaire_version} "
                    f"(before: {before.questionnaire_version})"
                )
        out[wave.id] = "; ".join(notes) or None
        before = wave
    return out
