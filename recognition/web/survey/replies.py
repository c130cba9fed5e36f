"""What the survey's handlers answer with: its HTML pages and redirects (no caching, no referrer, a policy that
allows no script), the session cookie's name, and :class:`Leaving`, a respondent whose outcome the provider is to
be told next (:func:`recognition.web.survey.routes.leave`)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from panels.base import Arrival
from recognition.store.survey import SurveyAccess

COOKIE = "rsession"
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; "
    "base-uri 'none'; frame-ancestors 'none'",
}


def html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=_HEADERS)


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={**_HEADERS, "Location": location})


def survey_path(wave_id: int) -> str:
    return f"/survey/{wave_id}"


@dataclass(frozen=True)
class Leaving:
    """A respondent whose final status is stored and committed: the provider is told next (:func:`recognition.web.survey.routes.leave`)."""

    access: SurveyAccess
    arrival: Arrival
    status: str
    respondent_id: int
    language: str = "en"  # of the pages shown on the way out


Reply = web.Response | Leaving
