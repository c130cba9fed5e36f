"""Fixtures shared by the browser tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.browser import Tab, open_tab


@pytest.fixture
async def page() -> AsyncIterator[Tab]:
    """One tab of a fresh headless Chromium (see :func:`tests.e2e.browser.open_tab`)."""
    async with open_tab() as tab:
        yield tab
