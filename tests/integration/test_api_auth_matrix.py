"""Every API operation × every role × a foreign organisation: anonymous requests get 401, roles below the
operation's get 403, allowed roles get through, and another organisation's admin never sees this one's data."""

from __future__ import annotations

from typing import Any

import asyncpg

from recognition.settings import Settings
from recognition.web.api.auth import ROLE_ORDER
from recognition.web.api.limits import RATE_LIMIT
from recognition.web.api.ops import Op
from recognition.web.api.routes import OPERATIONS_DECLARED
from recognition.web.keys import OPERATIONS
from tests.integration.api_support import World, api_client, make_world, problem

BODIES: dict[str, Any] = {
    "validate_poll": {
        "name": "x",
        "category": "c",
        "own_brand": "acme",
        "population": "us",
        "sample_size": 100,
        "brands": [{"id": "acme", "name": "Acme"}, {"id": "b", "name": "B"}],
    },
    "create_key": {"role": "reader", "label": "matrix", "expires_at": "2035-01-01T00:00:00+00:00"},
}
QUERIES = {
    "poll_trends": "?metric=aided",
    "smoothed_trends": "?metric=aided",
    "modelled_segments": "?metric=aided",
}
#: Path parameters naming another organisation's records: the foreign key gets 404 for them.
SCOPED = frozenset({"poll_id", "wave_id", "objective_id", "prefix"})


def _url(op: Op, world: World) -> str:
    values = {
        "poll_id": world.poll_id,
        "wave_id": world.wave_id,
        "objective_id": world.objective_id,
        "prefix": world.spare_prefix,
        "provider": "simulated",
        "feature_id": "repairs",
    }
    return op.path.format(**values) + QUERIES.get(op.operation_id, "")


async def _call(client: Any, op: Op, url: str, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if op.body is not None:
        kwargs["json"] = BODIES.get(op.operation_id, op.example)
    return await client.request(op.method, url, **kwargs)


async def _foreign_sees_nothing(client: Any, op: Op, world: World) -> None:
    resp = await _call(client, op, _url(op, world), world.foreign)
    if any(p.where == "path" and p.name in SCOPED for p in op.params):
        await problem(resp, 404)
        return
    if any(p.where == "path" for p in op.params):  # its own organisation's record (its provider credentials)
        assert resp.status < 500 and resp.status not in (401, 403), (op.operation_id, resp.status)
        return
    assert resp.status < 400, (op.operation_id, resp.status, await resp.text())
    if op.method == "GET":
        text = await resp.text()
        assert "Tracker" not in text and world.spare_prefix not in text and "acme-corp" not in text


async def _check(client: Any, op: Op, world: World) -> None:
    url = _url(op, world)
    await problem(await _call(client, op, url, None), 401)
    for role in reversed(ROLE_ORDER):
        if ROLE_ORDER.index(role) > ROLE_ORDER.index(op.role):
            body = await problem(await _call(client, op, url, world.keys[role]), 403)
            assert op.role in body["detail"]
    await _foreign_sees_nothing(client, op, world)
    for role in reversed(ROLE_ORDER[: ROLE_ORDER.index(op.role) + 1]):
        resp = await _call(client, op, url, world.keys[role])
        assert resp.status < 500 and resp.status not in (401, 403), (role, resp.status, await resp.text())


async def test_every_route_by_role_and_organisation(settings: Settings, pool: asyncpg.Pool) -> None:
    """One world for all operations (reads first, deletions last); every failure is reported together."""
    world = await make_world(pool, settings)
    failures: list[str] = []
    async with api_client(settings, pool) as (client, _):
        client.app[RATE_LIMIT].burst = 10_000
        # Every operation of the app: this package's and those other modules declare (reports, mentions).
        operations: list[Op] = client.app[OPERATIONS]
        assert {o.operation_id for o in OPERATIONS_DECLARED} < {o.operation_id for o in operations}
        order = sorted(operations, key=lambda o: (o.method == "DELETE", o.method != "GET"))
        for op in order:
            try:
                await _check(client, op, world)
            except AssertionError as exc:
                failures.append(f"{op.method} {op.path}: {exc}")
    assert not failures, "\n".join(failures)
    assert len(order) >= 25
