"""The failed-authentication throttle: a token bucket per client, keyed by a salted hash, on an injected clock.

Expected values follow from the bucket's definition: ``failures`` tokens, refilled at ``failures`` per 60 s, one
taken per failure; an empty bucket must wait ``(1 - tokens) / rate`` seconds."""

from __future__ import annotations

import pickle

import pytest
from aiohttp.test_utils import make_mocked_request
from aiohttp.web import HTTPTooManyRequests, Request

from recognition.addresses import parse_networks
from recognition.web.throttle import AuthThrottle, client_address


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _request(remote: str, forwarded: str | None = None) -> Request:
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return make_mocked_request("POST", "/api/v1/polls", headers=headers).clone(remote=remote)


def test_a_client_is_held_after_its_failures_and_forgiven_at_the_refill_rate() -> None:
    clock = Clock()
    throttle = AuthThrottle(failures=5, clock=clock)
    attacker, neighbour = _request("203.0.113.7"), _request("198.51.100.8")
    for _ in range(5):
        assert throttle.retry_after(attacker) == 0
        throttle.failed(attacker)
    assert throttle.retry_after(attacker) == pytest.approx(12.0)  # (1 - 0) / (5 / 60 s)
    assert throttle.retry_after(neighbour) == 0  # other clients are not held
    with pytest.raises(HTTPTooManyRequests) as refused:
        throttle.refuse(attacker)
    assert refused.value.headers["Retry-After"] == "12"
    clock.now += 6.0  # half a token back
    assert throttle.retry_after(attacker) == pytest.approx(6.0)
    clock.now += 6.0
    assert throttle.retry_after(attacker) == 0
    throttle.failed(attacker)  # one failure allowed, then held again
    assert throttle.retry_after(attacker) == pytest.approx(12.0)


def test_no_address_is_kept_and_the_hash_differs_per_instance() -> None:
    one, two = AuthThrottle(), AuthThrottle()
    request = _request("203.0.113.7")
    one.failed(request)
    two.failed(request)
    assert one.client(request) != two.client(request)  # a salt per instance, never shared
    kept = pickle.dumps(one._buckets) + repr(one).encode()
    assert b"203.0.113.7" not in kept and "203.0.113.7".encode("utf-16-le") not in kept
    assert "salt" not in repr(one)


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    proxies = parse_networks(["10.0.0.0/8"])
    # Behind the proxy: the right-most address that is not a proxy is the client.
    assert client_address(_request("10.0.0.5", "6.6.6.6, 203.0.113.7, 10.0.0.9"), proxies) == "203.0.113.7"
    # A client's own X-Forwarded-For (not from a proxy) is ignored.
    assert client_address(_request("203.0.113.7", "1.2.3.4"), proxies) == "203.0.113.7"
    assert client_address(_request("10.0.0.5", "1.2.3.4")) == "10.0.0.5"  # no proxies configured
    throttle = AuthThrottle(failures=1, trusted_proxies=proxies)
    throttle.failed(_request("10.0.0.5", "203.0.113.7"))
    assert throttle.retry_after(_request("10.0.0.6", "203.0.113.7")) > 0  # same client, other proxy
    assert throttle.retry_after(_request("10.0.0.5", "198.51.100.8")) == 0  # another client, same proxy
