"""Every route of the service, with every path parameter replaced by values no route expects — an id beyond
int64, a negative number, a word, an encoded NUL — answered with a 4xx (or a page saying so), never a 500, and
nothing stored; as a signed-in admin (dashboard session and bearer key at once) and as nobody."""

from __future__ import annotations

import re

import asyncpg

from recognition.settings import Settings
from tests.integration.dashboard_support import sign_in
from tests.integration.security_support import app_client, census, small_world

ODD = ("99999999999999999999999", "-1", "abc", "%00", "1e9999")
PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


async def test_no_route_answers_a_server_error_for_odd_path_values(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    world = await small_world(pool)
    async with app_client(settings, pool) as client:
        assert (await sign_in(client, world.keys["admin"])).status == 303
        routes = sorted(
            {
                (route.method, route.resource.canonical)
                for route in client.app.router.routes()
                if route.resource is not None and "{" in route.resource.canonical and route.method != "HEAD"
            }
        )
        assert len(routes) > 30, routes  # the API's, the survey's, the dashboard's and the studio's
        before = await census(pool)
        failures = []
        for method, template in routes:
            if template.startswith("/static/"):
                continue
            for value in ODD:
                path = PARAM.sub(value, template)
                for headers in (world.auth("admin"), {}):
                    kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
                    resp = await client.request(
                        method, path, headers=headers, allow_redirects=False, **kwargs
                    )
                    if resp.status >= 500:
                        failures.append(
                            f"{method} {path} ({'admin' if headers else 'anonymous'}): {resp.status}"
                        )
                    resp.release()
        assert failures == [], "\n".join(failures)
        assert await census(pool) == before
