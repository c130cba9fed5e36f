"""The tracker studio: pages where marketing editors list, set up and change their trackers in the browser,
signed in as on the dashboard. Its pages are under ``/studio``; its JSON operations (``/studio/api/…``) are the
API's own, reached with the session (:mod:`recognition.web.studio.writes`)."""

from __future__ import annotations

from aiohttp import web

from recognition.web.studio import editor, writes


def setup(app: web.Application) -> None:
    editor.setup(app)
    writes.setup(app)
