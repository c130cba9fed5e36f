"""Prometheus metrics (served at ``/metrics``) through ``prometheus_client``, with a registry per application.

Requests (by method, route template and status), request latency (a histogram by route), waves by state (read
from the database at scrape time, totals over every organisation) and panel-provider calls and errors. Provider
adapters report their calls to :meth:`Metrics.provider_call`, handed to them as their call observer when the
application's provider registry creates them.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from recognition.store import waves as waves_store

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The counters of one application. Thread-safe (provider code may run in executors)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "recognition_http_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "recognition_http_request_duration_seconds",
            "HTTP request latency in seconds, by route.",
            ["route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.provider_calls = Counter(
            "recognition_provider_calls",
            "Calls to panel-provider APIs, by provider and operation.",
            ["provider", "operation"],
            registry=self.registry,
        )
        self.provider_errors = Counter(
            "recognition_provider_errors",
            "Failed calls to panel-provider APIs.",
            ["provider", "operation"],
            registry=self.registry,
        )
        self.waves = Gauge(
            "recognition_waves", "Waves by state, all organisations.", ["state"], registry=self.registry
        )

    def provider_call(self, provider: str, operation: str, failed: bool) -> None:
        """Count one call to a panel provider's API (and, if it failed, one error)."""
        self.provider_calls.labels(provider, operation).inc()
        if failed:
            self.provider_errors.labels(provider, operation).inc()

    def render(self, waves_by_state: dict[str, int]) -> bytes:
        for state in waves_store.STATES:
            self.waves.labels(state).set(waves_by_state.get(state, 0))
        return generate_latest(self.registry)
