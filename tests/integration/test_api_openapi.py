"""The OpenAPI document matches the routes, the docs page is self-contained, and schemathesis finds no server
error and no response outside the document (bounded examples, against the app served in this process)."""

from __future__ import annotations

import asyncio
import queue
import re
import threading
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from recognition.app import create_app
from recognition.db import create_pool
from recognition.settings import Settings
from recognition.web.api.routes import OPERATIONS_DECLARED
from recognition.web.keys import FIELDWORK, RATE_LIMIT
from tests.integration.api_support import World, api_client, make_world

EXAMPLES = 12


async def test_every_route_is_in_the_document(settings: Settings, pool: asyncpg.Pool) -> None:
    async with api_client(settings, pool) as (client, _):
        resp = await client.get("/openapi.json")
        assert resp.status == 200
        doc = await resp.json()
        assert doc["openapi"] == "3.1.0"
        documented = {(path, method.upper()) for path, item in doc["paths"].items() for method in item}
        routes = {
            (r.resource.canonical, r.method)
            for r in client.app.router.routes()
            if r.resource is not None and r.method not in ("HEAD", "*")
        }
        api = {r for r in routes if r[0].startswith("/api/v1")}
        service = {r for r in routes if r[0] in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs")}
        missing = {r for r in api | service if r not in documented}
        assert not missing, f"routes missing from /openapi.json: {sorted(missing)}"
        assert len(service) == 5 and len(api) >= len(OPERATIONS_DECLARED)
        for path, item in doc["paths"].items():
            for method, op in item.items():
                if path.startswith("/api/v1"):
                    assert {"401", "403", "429", "500"} <= set(op["responses"]), (method, path)
                    assert op["security"] == [{"bearer": []}]


async def test_docs_page_is_self_contained(settings: Settings, pool: asyncpg.Pool) -> None:
    async with api_client(settings, pool) as (client, _):
        resp = await client.get("/docs")
        assert resp.status == 200 and resp.content_type == "text/html"
        html = await resp.text()
        assert "/openapi.json" in html
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), (
            "the docs page loads nothing remote"
        )


@pytest.fixture
def served(settings: Settings, db_url: str) -> Iterator[tuple[str, World]]:
    """The app on a real port, run by its own event loop in a thread (schemathesis calls it synchronously)."""
    ready: queue.Queue[tuple[str, World] | BaseException] = queue.Queue()
    stop = threading.Event()

    async def main() -> None:
        pool = await create_pool(db_url, min_size=1, max_size=5)
        try:
            world = await make_world(pool, settings)
            app = create_app(settings, pool=pool)

            async def no_fieldwork(*_: Any) -> None:
                return None

            app[FIELDWORK] = no_fieldwork
            app[RATE_LIMIT].burst = 1e9
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            ready.put((f"http://127.0.0.1:{port}", world))
            await asyncio.get_running_loop().run_in_executor(None, stop.wait)
            await runner.cleanup()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            ready.put(exc)
        finally:
            await pool.close()

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    got = ready.get(timeout=60)
    if isinstance(got, BaseException):
        raise got
    yield got
    stop.set()
    thread.join(timeout=30)


def test_schemathesis_finds_no_server_errors_or_schema_violations(served: tuple[str, World]) -> None:
    import hypothesis
    import requests
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    base, world = served
    schema = schemathesis.openapi.from_dict(requests.get(f"{base}/openapi.json", timeout=10).json())
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    failures: list[str] = []
    fixed = {"poll_id": world.poll_id, "wave_id": world.wave_id, "objective_id": world.objective_id}
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        for path_parameters in ({}, {k: v for k, v in fixed.items() if k in names}):
            strategy = operation.as_strategy(
                headers={"Authorization": f"Bearer {world.keys['admin']}"},
                path_parameters=path_parameters or None,
            )

            @hypothesis.settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(hypothesis.HealthCheck),
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            )
            @hypothesis.given(case=strategy)
            def run(case: Any) -> None:
                response = case.call(base_url=base, session=session)
                case.validate_response(response, checks=checks)

            try:
                run()
            except Exception as exc:  # noqa: BLE001 - collected, reported together
                failures.append(f"{operation.label}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
