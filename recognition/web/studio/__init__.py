"""The tracker studio: pages where marketing editors list, set up and change their trackers, watch their
fieldwork, preview their questionnaire as respondents see it, review the mentions the coder could not place and
decide where their service features stand in the promise (:mod:`recognition.web.studio.service`), signed in as on
the dashboard. Its pages are under ``/studio``; the editor's JSON operations (``/studio/api/…``)
are the API's own, reached with the session (:mod:`recognition.web.studio.writes`); the other pages act through
the API's operations too (:mod:`recognition.web.studio.acting`), its downloads are the API's exports
(:mod:`recognition.web.studio.downloads`)."""

from __future__ import annotations

from aiohttp import web

from recognition.web.studio import downloads, editor, monitor, service, staff, writes


def setup(app: web.Application) -> None:
    editor.setup(app)
    writes.setup(app)
    monitor.setup(app)
    downloads.setup(app)
    service.setup(app)
    staff.setup(app)
