"""One number format for every report output (cards, tables, charts, summary, PDF), in English or German.

Rules: a true minus sign (U+2212), never a hyphen; proportions as whole percent (``62%``, German ``62 %``), NPS as
whole points; changes as whole points with their sign (``+4 pts``, ``−4 points``), one decimal only below one
point (``+0.4 pts``), and never ``−0``; intervals as ``59 to 65%`` and ``−25 to −11`` (German ``59 bis 65 %``),
with no-break spaces so an interval never wraps mid-number; counts with thousands separators (``1,000`` /
``1.000``). Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

MINUS = "\u2212"
NBSP = "\u00a0"
DASH = "—"


@dataclass(frozen=True)
class Numbers:
    """Formats for one locale (``en`` or ``de``)."""

    locale: str = "en"

    @property
    def german(self) -> bool:
        return self.locale == "de"

    def _plain(self, x: float, decimals: int = 0) -> str:
        text = f"{abs(x):,.{decimals}f}"
        if self.german:
            text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
        zero = float(f"{abs(x):.{decimals}f}") == 0
        return text if x >= 0 or zero else MINUS + text

    def _percent_sign(self) -> str:
        return f"{NBSP}%" if self.german else "%"

    def scale(self, kind: str) -> float:
        return 1.0 if kind == "mean" else 100.0

    def number(self, x: float | None, kind: str = "proportion") -> str:
        """The figure's number on its reporting scale without a unit: ``62`` (for 0.62), ``−35`` (NPS)."""
        return DASH if x is None else self._plain(self.scale(kind) * x)

    def value(self, x: float | None, kind: str = "proportion") -> str:
        """``62%`` for a proportion, ``−35`` for NPS, — for nothing."""
        if x is None:
            return DASH
        return self.number(x, kind) + ("" if kind == "mean" else self._percent_sign())

    def interval(self, low: float | None, high: float | None, kind: str = "proportion") -> str:
        """``59 to 65%``, ``−25 to −11`` (German ``59 bis 65 %``); — when a bound is undefined."""
        if low is None or high is None:
            return DASH
        word = "bis" if self.german else "to"
        unit = "" if kind == "mean" else self._percent_sign()
        return f"{self.number(low, kind)}{NBSP}{word}{NBSP}{self.number(high, kind)}{unit}"

    def ci(self, low: float | None, high: float | None, kind: str, level: float = 0.95) -> str:
        """``95% CI 59 to 65%`` (German ``95-%-KI 59 bis 65 %``)."""
        if low is None or high is None:
            return ""
        prefix = f"{100 * level:.0f}-%-KI" if self.german else f"{100 * level:.0f}% CI"
        return f"{prefix}{NBSP}{self.interval(low, high, kind)}"

    def _points(self, diff: float, kind: str) -> tuple[float, int]:
        pts = self.scale(kind) * diff
        return pts, (1 if 0 < abs(pts) < 0.95 else 0)

    def change(self, diff: float | None, kind: str = "proportion", *, long: bool = False) -> str:
        """``+4 pts`` (``long``: ``+4 points``), ``−0.4 pts``, ``0 pts``; — when not tested."""
        if diff is None:
            return DASH
        pts, decimals = self._points(diff, kind)
        body = self._plain(pts, decimals)
        sign = "+" if pts > 0 and body.strip("0,.") else ""
        return f"{sign}{body}{NBSP}{self.unit(body, long=long)}"

    def size(self, diff: float, kind: str = "proportion") -> str:
        """The magnitude of a change in words: ``4 points``, ``1 point``, ``0.4 points``."""
        pts, decimals = self._points(abs(diff), kind)
        body = self._plain(pts, decimals)
        return f"{body}{NBSP}{self.unit(body, long=True)}"

    def unit(self, shown: str, *, long: bool) -> str:
        """The unit after the number as written (``1`` takes the singular)."""
        one = shown.lstrip("+" + MINUS) == "1"
        if self.german:
            return ("Punkt" if one else "Punkte") if long else "Pkt."
        if not long:
            return "pt" if one else "pts"
        return "point" if one else "points"

    def count(self, n: float | None) -> str:
        """``1,000`` (German ``1.000``); effective n rounds to a whole number."""
        return DASH if n is None else self._plain(float(n), 0)

    def decimal(self, x: float | None, decimals: int = 2) -> str:
        """A plain number to ``decimals`` places: map coordinates ``−0.31``, R² ``0.18`` (German ``0,18``)."""
        return DASH if x is None else self._plain(x, decimals)

    def stat(self, x: float | None) -> str:
        """p and q values: three significant figures (``0.0172``), ``< 0.001`` below a thousandth."""
        if x is None:
            return DASH
        if x < 0.001:
            return "<" + NBSP + ("0,001" if self.german else "0.001")
        text = f"{x:.3g}"
        return text.replace(".", ",") if self.german else text


def numbers_for(accept_language: str | None, override: str | None = None) -> Numbers:
    """German when asked for (``lang=de``) or when the browser prefers German over English; else English."""
    if override in ("en", "de"):
        return Numbers(override)
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("de"):
            return Numbers("de")
        if tag.startswith("en"):
            return Numbers("en")
    return Numbers("en")
