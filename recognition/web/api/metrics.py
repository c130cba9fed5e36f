"""Prometheus metrics at ``/metrics`` (text exposition format 0.0.4).

Requests (by method, route template and status), request latency (a histogram by route), waves by state (read
from the database at scrape time) and panel-provider calls and errors. Provider code records its calls with
:func:`provider_call`::

    from recognition.web.api.metrics import provider_call
    provider_call("prolific", "create_study", error=False)

Like ``prometheus_client``'s default registry, :data:`REGISTRY` is process-wide: counters describe the process.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

Labels = tuple[tuple[str, str], ...]
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_HELP = {
    "recognition_http_requests_total": ("counter", "HTTP requests answered, by method, route and status."),
    "recognition_http_request_duration_seconds": ("histogram", "HTTP request latency in seconds, by route."),
    "recognition_provider_calls_total": (
        "counter",
        "Calls to panel-provider APIs, by provider and operation.",
    ),
    "recognition_provider_errors_total": ("counter", "Failed calls to panel-provider APIs."),
    "recognition_waves": ("gauge", "Waves by state, all organisations."),
}


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0


class Registry:
    """Counters and histograms keyed by name and labels. Thread-safe (provider code may run in executors)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[str, dict[Labels, float]] = {}
        self.histograms: dict[str, dict[Labels, _Histogram]] = {}

    def inc(self, name: str, labels: Labels, amount: float = 1.0) -> None:
        with self._lock:
            series = self.counters.setdefault(name, {})
            series[labels] = series.get(labels, 0.0) + amount

    def observe(self, name: str, labels: Labels, value: float) -> None:
        with self._lock:
            hist = self.histograms.setdefault(name, {}).setdefault(labels, _Histogram())
            hist.counts[bisect.bisect_left(BUCKETS, value)] += 1
            hist.total += value

    def value(self, name: str, labels: Labels) -> float:
        return self.counters.get(name, {}).get(labels, 0.0)

    def render(self, gauges: dict[str, dict[Labels, float]] | None = None) -> str:
        lines: list[str] = []
        with self._lock:
            for name in _HELP:
                kind, text = _HELP[name]
                lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
                for labels, value in sorted((gauges or {}).get(name, self.counters.get(name, {})).items()):
                    lines.append(f"{name}{_labels(labels)} {_num(value)}")
                for labels, hist in sorted(self.histograms.get(name, {}).items()):
                    running = 0
                    for bound, count in zip((*BUCKETS, float("inf")), hist.counts, strict=True):
                        running += count
                        le = "+Inf" if bound == float("inf") else repr(bound)
                        lines.append(f"{name}_bucket{_labels((*labels, ('le', le)))} {running}")
                    lines.append(f"{name}_sum{_labels(labels)} {_num(hist.total)}")
                    lines.append(f"{name}_count{_labels(labels)} {running}")
        return "\n".join(lines) + "\n"


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"' for k, v in labels
    )
    return "{" + inner + "}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


REGISTRY = Registry()
WAVE_STATES = (
    "scheduled",
    "launching",
    "fielding",
    "closing",
    "processing",
    "published",
    "failed",
    "cancelled",
)


def observe_provider_call(provider: str, operation: str, failed: bool) -> None:
    """The observer registered with :data:`panels.http.CALL_OBSERVERS`."""
    provider_call(provider, operation, error=failed)


def provider_call(provider: str, operation: str, *, error: bool = False) -> None:
    """Count one call to a panel provider's API (and, if it failed, one error)."""
    labels = (("provider", provider), ("operation", operation))
    REGISTRY.inc("recognition_provider_calls_total", labels)
    if error:
        REGISTRY.inc("recognition_provider_errors_total", labels)


@web.middleware
async def metrics_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Count and time every request. Outermost, so errors rendered by the problem middleware are counted too."""
    start = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        info = request.match_info.route.resource
        route = info.canonical if info is not None else "unmatched"
        REGISTRY.inc(
            "recognition_http_requests_total",
            (("method", request.method), ("route", route), ("status", str(status))),
        )
        REGISTRY.observe(
            "recognition_http_request_duration_seconds", (("route", route),), time.perf_counter() - start
        )


async def metrics(request: web.Request) -> web.Response:
    from recognition.app import POOL

    gauges: dict[Labels, float] = {(("state", s),): 0.0 for s in WAVE_STATES}
    async with request.app[POOL].acquire() as conn:
        for row in await conn.fetch("SELECT state, count(*) AS n FROM waves GROUP BY state"):
            gauges[(("state", row["state"]),)] = float(row["n"])
    text = REGISTRY.render({"recognition_waves": gauges})
    return web.Response(
        text=text, content_type="text/plain", charset="utf-8", headers={"X-Content-Type-Options": "nosniff"}
    )
