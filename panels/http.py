"""One resilient HTTP client for every provider adapter.

- a timeout per attempt (``timeout``, seconds);
- retries on dropped connections, timeouts, 5xx, 429: attempt *k* (from 0) waits
  ``min(max_backoff, backoff · 2^k) · U(0.5, 1.5)`` (exponential backoff with jitter), or the server's
  ``Retry-After`` (seconds or an HTTP date) when it sends one with 429/503, capped at ``max_retry_after``;
- a POST is retried only when it carries an idempotency key (``Idempotency-Key`` header), so the provider can
  recognise the repeat; other POSTs fail after one attempt with :class:`~panels.base.ProviderUnavailable`;
- a circuit breaker per client (one client per provider): after ``breaker_threshold`` consecutive failed calls it
  opens for ``breaker_reset`` seconds and calls fail at once; then one trial call decides (half-open);
- a call someone is waiting for (``waiting=True``: a respondent's arrival confirmed server to server) gets a
  shorter budget, ``waiting_attempts`` tries of at most ``waiting_timeout`` seconds each, so a provider in
  trouble keeps the respondent seconds, not minutes (the survey then asks them to reload);
- one structured log line (JSON) per call on logger ``panels.http``: provider, method, path, status, attempts,
  ms, idempotency key, breaker state; DEBUG for a first-attempt success, INFO when it took retries or failed.
  A respondent's id in the path (a Prolific session, a Cint RID, a PureSpectrum transaction) is logged as
  ``[id]``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from panels.base import ProviderRejected, ProviderUnavailable

log = logging.getLogger("panels.http")

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Response:
    status: int
    body: Any  # parsed JSON, or the text when the body is not JSON, or None when empty
    headers: Mapping[str, str]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    backoff: float = 0.2
    max_backoff: float = 10.0
    max_retry_after: float = 30.0
    timeout: float = 15.0
    breaker_threshold: int = 10
    breaker_reset: float = 5.0
    waiting_attempts: int = 3
    waiting_timeout: float = 5.0


#: Path segments naming a respondent's record; the segment after one is a respondent's id unless it is a verb.
_RESPONDENT_RECORDS = frozenset({"submissions", "respondents", "transactions"})
_VERBS = frozenset({"counts", "bulk-approve", "transition", "status"})


def loggable(path: str) -> str:
    """``path`` without respondents' ids: the segment after ``submissions``, ``respondents`` or ``transactions``
    becomes ``[id]`` (unless it names an operation, such as ``counts`` or ``transition``)."""
    parts = path.split("/")
    for i in range(1, len(parts)):
        if parts[i - 1] in _RESPONDENT_RECORDS and parts[i] and parts[i] not in _VERBS:
            parts[i] = "[id]"
    return "/".join(parts)


class CircuitBreaker:
    """Consecutive-failure breaker: closed → open (fail fast) → half-open (one trial) → closed or open again."""

    def __init__(
        self, threshold: int, reset_after: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.reset_after = reset_after
        self.clock = clock
        self.failures = 0
        self.opened_at: float | None = None

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.reset_after else "open"

    def allow(self) -> bool:
        return self.state != "open"

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failure(self) -> None:
        self.failures += 1
        if self.failures >= self.threshold or self.opened_at is not None:
            self.opened_at = self.clock()


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds, or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


#: Called after every provider call with (provider, operation, failed) — how the service counts calls and errors
#: for its metrics without this module knowing about them. An observer must be quick and must not raise.
CallObserver = Callable[[str, str, bool], None]


def _resource(path: str) -> str:
    """The resource a provider path names (``/v1/projects/P12/launch`` → ``projects``; ``/api/v1/studies/`` →
    ``studies``), for low-cardinality metric labels."""
    parts = [p for p in path.split("?")[0].split("/") if p and p != "api" and not re.fullmatch(r"v\d+", p)]
    return parts[0] if parts else ""


class ResilientClient:
    """HTTP to one provider. Raises ProviderRejected on 4xx (not 429), ProviderUnavailable when retries run out."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        policy: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        observer: CallObserver | None = None,
    ) -> None:
        self.provider = provider
        self.observer = observer
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.policy = policy or RetryPolicy()
        self.breaker = CircuitBreaker(self.policy.breaker_threshold, self.policy.breaker_reset)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._session: aiohttp.ClientSession | None = None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.policy.timeout))
        return self._session

    def backoff(self, attempt: int) -> float:
        base = min(self.policy.max_backoff, self.policy.backoff * 2**attempt)
        return base * self._rng.uniform(0.5, 1.5)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        waiting: bool = False,
    ) -> Response:
        """One call, retried as the module docstring says (``waiting``: someone waits for the answer)."""
        method = method.upper()
        retryable = method in ("GET", "HEAD", "PUT", "DELETE") or idempotency_key is not None
        tries = min(self.policy.attempts, self.policy.waiting_attempts) if waiting else self.policy.attempts
        timeout = min(self.policy.timeout, self.policy.waiting_timeout) if waiting else None
        send_headers = {**self.headers, **(headers or {})}
        if idempotency_key is not None:
            send_headers["Idempotency-Key"] = idempotency_key
        started = time.monotonic()
        attempts = 0
        last = "no attempt"
        status: int | None = None
        try:
            for attempt in range(tries if retryable else 1):
                if not self.breaker.allow():
                    last = "circuit open"
                    break
                attempts += 1
                wait: float | None = None
                try:
                    resp = await self._once(method, path, json_body, params, send_headers, timeout)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    self.breaker.failure()
                    last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                    status = None
                else:
                    status = resp.status
                    if resp.status < 500 and resp.status != 429:
                        self.breaker.success()
                        if resp.status >= 400:
                            raise ProviderRejected(
                                self.provider,
                                f"{method} {path} → {resp.status}: {_short(resp.body)}",
                                status=resp.status,
                            )
                        return resp
                    self.breaker.failure()
                    last = f"HTTP {resp.status}"
                    if resp.status in (429, 503):
                        wait = retry_after_seconds(resp.headers.get("Retry-After"))
                        if wait is not None:
                            wait = min(wait, self.policy.max_retry_after)
                if attempt + 1 < (tries if retryable else 1):
                    await self._sleep(self.backoff(attempt) if wait is None else wait)
            raise ProviderUnavailable(
                self.provider, f"{method} {path} failed after {attempts} attempt(s): {last}", status=status
            )
        finally:
            level = logging.DEBUG if attempts == 1 and status is not None and status < 400 else logging.INFO
            log.log(
                level,
                json.dumps(
                    {
                        "event": "provider_call",
                        "provider": self.provider,
                        "method": method,
                        "path": loggable(path),
                        "status": status,
                        "attempts": attempts,
                        "ms": round(1000 * (time.monotonic() - started)),
                        "idempotency_key": idempotency_key,
                        "breaker": self.breaker.state,
                    }
                ),
            )
            if self.observer is not None:
                self.observer(self.provider, f"{method} {_resource(path)}", status is None or status >= 400)

    async def _once(
        self,
        method: str,
        path: str,
        json_body: Any,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        timeout: float | None = None,
    ) -> Response:
        session = self._get_session()
        async with session.request(
            method,
            self.base_url + path,
            json=json_body,
            params=params,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=self.policy.timeout if timeout is None else timeout),
        ) as resp:
            raw = await resp.read()
            body: Any = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
            return Response(resp.status, body, dict(resp.headers))


def _short(body: Any) -> str:
    text = body if isinstance(body, str) else json.dumps(body)
    return text[:300]
