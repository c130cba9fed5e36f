"""The outbox: a provider call that changes something (create the project, launch, close) made at most once in
effect, even across crashes and several instances.

The intent is recorded with a deterministic idempotency key (``{reference}:{operation}``) before the call and its
result after it (:mod:`recognition.store.fieldwork`). An intent found without a result is settled by *asking* the
provider (``ask``: find the project, read its status), never by calling again blindly; the key is still sent with
any call so the provider can recognise a repeat.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg

from panels.base import Project, ProviderRejected
from recognition.store import fieldwork as fw_store


async def call_once(
    pool: asyncpg.Pool,
    wave_id: int,
    provider: str,
    operation: str,
    reference: str,
    call: Callable[[str], Awaitable[Project]],
    ask: Callable[[], Awaitable[Project | None]],
) -> Project:
    """Make ``call`` (given the idempotency key) at most once in effect; ``ask`` finds its effect if any."""
    key = f"{reference}:{operation}"
    async with pool.acquire() as conn:
        record = await fw_store.begin_call(conn, wave_id, provider, operation, key)
    if record.state == "done" and record.result is not None:
        return Project(**record.result)
    found: Project | None = None if record.fresh else await ask()
    settled_by = "query"
    if found is None:
        try:
            found = await call(key)
        except ProviderRejected:
            found = await ask()  # e.g. another driver's call got there first
            if found is None:
                raise
        else:
            settled_by = "call"
    async with pool.acquire() as conn:
        await fw_store.finish_call(conn, key, found.__dict__, settled_by=settled_by)
    return found
