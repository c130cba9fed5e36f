"""The application's typed keys: every resource a request handler or a background task reaches through the
aiohttp application (or a request) is declared here, once, with its type. Handlers import this module, never
:mod:`recognition.app`; :func:`recognition.app.create_app` fills them in.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from panels.registry import ProviderRegistry
from recognition.polls.model import Poll
from recognition.questionnaire import Questionnaire
from recognition.settings import Settings
from recognition.store.orgs import ApiKey
from recognition.waves.lifecycle import Fieldwork, WaveRunner
from recognition.waves.quality import QualityRules
from recognition.waves.scheduler import PollScheduler
from recognition.web.caches import KeyCache, RateLimit, ResponseCache
from recognition.web.metrics import Metrics
from recognition.web.throttle import AuthThrottle

# --- the service ---------------------------------------------------------------------------------------------
SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
#: The hosted survey pages' pool (:func:`recognition.db.create_pool` with ``pages``: no reset query on release;
#: the survey's handlers change no session state); the main pool when one was passed to ``create_app``.
PAGE_POOL = web.AppKey("page_pool", asyncpg.Pool)
PROVIDERS = web.AppKey("providers", ProviderRegistry)
METRICS = web.AppKey("metrics", Metrics)
#: The fieldwork each launched or scheduled wave gets (tests put a stand-in here before the app starts).
FIELDWORK: web.AppKey[Fieldwork] = web.AppKey("fieldwork")
#: Waves in fieldwork in this instance (set while the app runs).
WAVES = web.AppKey("waves", WaveRunner)
#: The poll scheduler (set while the app runs, when ``scheduling.enabled``).
SCHEDULER = web.AppKey("scheduler", PollScheduler)

#: Failed authentications per client (API keys, dashboard sign-ins, webhook signatures): ask
#: ``retry_after(request)`` before checking credentials and call ``failed(request)`` when they are wrong.
AUTH_THROTTLE = web.AppKey("auth_throttle", AuthThrottle)

# --- the JSON API ----------------------------------------------------------------------------------------------
#: The caller's API key, on requests under ``/api/v1``.
API_KEY = web.RequestKey("api_key", ApiKey)
RATE_LIMIT = web.AppKey("rate_limit", RateLimit)
KEY_CACHE = web.AppKey("key_cache", KeyCache)
RESPONSE_CACHE = web.AppKey("response_cache", ResponseCache)
#: Every ``/api/v1`` operation of the app (:class:`recognition.web.api.ops.Op`), for ``/openapi.json``.
OPERATIONS: web.AppKey[list[Any]] = web.AppKey("api_operations")
#: The rendered ``/openapi.json`` (made on first request).
OPENAPI: web.AppKey[dict[str, bytes]] = web.AppKey("openapi_document")

# --- the hosted survey -----------------------------------------------------------------------------------------
QUALITY_RULES = web.AppKey("survey_quality_rules", QualityRules)
#: Built questionnaires by (poll, version, poll's last change).
QUESTIONNAIRES: web.AppKey[dict[tuple[int, int, Any], tuple[Questionnaire, Poll]]] = web.AppKey(
    "survey_questionnaires"
)
