"""The response cache of cached reads: entries keep their ETag and gzipped body, computed once when stored."""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from recognition.store.orgs import ApiKey
from recognition.web.api.ops import CSV, Op, _accepts, bind
from recognition.web.caches import GZIP_FROM, ResponseCache, etag_of
from recognition.web.keys import API_KEY, RESPONSE_CACHE

KEY = (1, "/api/v1/polls/1/scores?metric=aided", "application/json")


def _answer(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="application/json", headers={"X-Extra": "kept"})


def test_a_hit_serves_the_stored_body_etag_and_headers_identity_or_gzipped() -> None:
    body = b'{"waves":[' + b'{"estimate":0.4},' * 200 + b"{}]}"
    assert len(body) >= GZIP_FROM
    cache = ResponseCache()
    cache.put(KEY, _answer(body))

    plain = cache.get(KEY, gzip=False)
    assert plain is not None and plain.body == body
    assert plain.headers["ETag"] == etag_of(body)
    assert plain.headers["X-Extra"] == "kept" and plain.content_type == "application/json"
    assert "Content-Encoding" not in plain.headers

    packed = cache.get(KEY, gzip=True)
    assert packed is not None and packed.headers["Content-Encoding"] == "gzip"
    assert isinstance(packed.body, bytes) and gzip.decompress(packed.body) == body
    assert len(packed.body) < len(body)
    assert packed.headers["ETag"] == plain.headers["ETag"]  # the ETag names the document, not its coding
    # each hit is a fresh response (aiohttp responses are sent once), sharing the stored bytes
    assert cache.get(KEY, gzip=True) is not packed


def test_short_bodies_are_not_gzipped_and_misses_and_other_keys_are_none() -> None:
    cache = ResponseCache()
    cache.put(KEY, _answer(b"{}"))
    hit = cache.get(KEY, gzip=True)
    assert hit is not None and hit.body == b"{}" and "Content-Encoding" not in hit.headers
    assert cache.get((2, KEY[1], KEY[2])) is None  # another organisation
    assert cache.get((1, KEY[1], CSV)) is None  # another media type


def test_only_plain_200_answers_are_kept_and_entries_expire_or_are_cleared() -> None:
    now = [100.0]
    cache = ResponseCache(ttl=5.0, clock=lambda: now[0])
    cache.put(KEY, web.Response(body=b"{}", status=201))
    assert cache.get(KEY) is None
    cache.put(KEY, _answer(b"{}"))
    assert cache.get(KEY) is not None
    cache.clear()
    assert cache.get(KEY) is None
    cache.put(KEY, _answer(b"{}"))
    now[0] += 5.0
    assert cache.get(KEY) is not None  # still within its ttl
    now[0] += 0.001
    assert cache.get(KEY) is None


def test_the_least_entry_is_dropped_beyond_the_size() -> None:
    cache = ResponseCache(size=2)
    for i in range(3):
        cache.put((1, f"/u{i}", "application/json"), _answer(b"{}"))
    assert cache.get((1, "/u0", "application/json")) is None
    assert cache.get((1, "/u2", "application/json")) is not None


def test_accept_negotiation_is_unchanged_by_memoising() -> None:
    offered = ("application/json", CSV)
    assert _accepts("", offered) == "application/json"
    assert _accepts("text/csv", offered) == CSV
    assert _accepts("text/csv;q=0.5, application/json", offered) == "application/json"
    assert _accepts("image/png", offered) is None
    assert _accepts("text/csv", offered) == CSV  # a memoised answer is the same answer


async def test_concurrent_misses_of_one_url_run_the_handler_once() -> None:
    """When an entry expires under load, the first miss fills it and the others wait for it (no stampede)."""
    calls = 0
    release = asyncio.Event()

    async def slow_scores(ctx: object) -> web.Response:
        nonlocal calls
        calls += 1
        await release.wait()
        return web.json_response({"waves": []})

    op = Op("GET", "/api/v1/things", slow_scores, "reader", "things", "t", {"type": "object"}, cached=True)
    handler = bind(op)
    app = web.Application()
    app[RESPONSE_CACHE] = ResponseCache()
    key = ApiKey(1, 1, "org", "rk_x", "reader", "", datetime.now(UTC), None, None)

    async def one() -> bytes:
        request = make_mocked_request("GET", "/api/v1/things", app=app)
        request[API_KEY] = key
        response = await handler(request)
        assert isinstance(response, web.Response) and isinstance(response.body, bytes)
        return response.body

    tasks = [asyncio.create_task(one()) for _ in range(20)]
    for _ in range(50):  # a few turns of the loop: every request reaches the handler or waits for the first
        await asyncio.sleep(0)
    assert calls == 1 and app[RESPONSE_CACHE].pending
    release.set()
    bodies = await asyncio.gather(*tasks)
    assert calls == 1
    assert len(set(bodies)) == 1
