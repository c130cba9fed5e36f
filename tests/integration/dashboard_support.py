"""Helpers for the dashboard tests: read a form's CSRF token and sign in as a browser does."""

from __future__ import annotations

import re
from typing import Any

from aiohttp.test_utils import TestClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


async def sign_in(client: TestClient, key: str, next_url: str = "/dashboard", **headers: str) -> Any:
    """Open the sign-in form (which sets its cookie and token), then post the key."""
    form = await client.get("/dashboard/login")
    token = csrf_of(await form.text())
    return await client.post(
        "/dashboard/login",
        data={"api_key": key, "next": next_url, "csrf": token},
        headers=headers,
        allow_redirects=False,
    )
