"""A generic redirect panel (``redirect``): any panel that sends respondents to a link with their id in a parameter
and takes them back on four exit links (Dynata, Toluna, a customer's own list …), configured by the user.

The configuration (the provider's credential fields, all text) says:

- ``id_parameter``: the entry parameter carrying the panel's respondent id (``psid``, ``RID`` …), and
  ``extra_parameters``: other entry parameters to pass back on the exits (comma-separated, e.g. ``k2``);
- ``complete_url``, ``screened_out_url``, ``over_quota_url``, ``quality_url``: the four exit links, with ``{id}``
  and each extra parameter's ``{name}`` filled in per respondent;
- ``price`` and ``currency``: what the panel charges per complete (the panel has no API to quote it);
- ``hash_recipe`` (JSON, optional) and ``hash_secret``: how the panel hashes links (:mod:`panels.url_hash`:
  ``algorithm``, ``parameter``, ``covers``, ``encoding``) and whether entries (``inbound``) and exits
  (``outbound``) carry the hash;
- ``announce_url`` (optional): an address the service POSTs the wave's entry link and its launch, pause, resume
  and close to (for a panel tool that takes them by webhook); without it the user pastes the entry link
  (:meth:`RedirectPanel.entry_url`) into the panel's own tool.

A redirect panel has no API: creating, launching, pausing and closing a project are local and succeed at once
(announced when asked). The survey's stored completes are the books (``reports_submissions`` is False): fieldwork
closes the wave at its target and later entrants get the over-quota exit; the wave costs its valid completes ×
``price``. See ``docs/providers.md``.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from panels.base import (
    OUTCOMES,
    Arrival,
    Decision,
    EntryRefused,
    Feasibility,
    Progress,
    Project,
    ProjectSpec,
    SubmissionPage,
    WaveAccess,
    WebhookEvent,
)
from panels.http import CallObserver, ResilientClient, RetryPolicy
from panels.url_hash import HashRecipe, LinkHashError, verify_received

#: The exit link field of each outcome.
EXIT_FIELDS = {
    "complete": "complete_url",
    "screened_out": "screened_out_url",
    "over_quota": "over_quota_url",
    "quality_terminate": "quality_url",
}
RESERVED = frozenset({"test"})  # the survey's own test links use ``test=1``
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_ID = re.compile(r"^[A-Za-z0-9_.:@~+=/-]{1,200}$")
_URL = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_RECIPE_KEYS = ("algorithm", "parameter", "covers", "encoding", "inbound", "outbound")
MAX_EXTRA = 256


@dataclass(frozen=True)
class RedirectConfig:
    id_parameter: str
    extra_parameters: tuple[str, ...]
    exits: Mapping[str, str]  # outcome → template
    price: float
    currency: str = "USD"
    recipe: HashRecipe | None = None
    hash_secret: str = ""
    hash_inbound: bool = False
    hash_outbound: bool = False
    announce_url: str = ""

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> RedirectConfig:
        """The configuration in the credential fields; :class:`ValueError` naming every field at fault."""
        problems: list[str] = []

        def get(name: str) -> str:
            return str(values.get(name) or "").strip()

        id_parameter = get("id_parameter")
        extras = tuple(e.strip() for e in get("extra_parameters").split(",") if e.strip())
        problems += _parameter_problems(id_parameter, extras)
        exits = {outcome: get(name) for outcome, name in EXIT_FIELDS.items()}
        for outcome, template in exits.items():
            problems += _template_problems(EXIT_FIELDS[outcome], template, extras)
        price = _price(get("price"), problems)
        currency = get("currency") or "USD"
        if not _CURRENCY.match(currency):
            problems.append(f"currency: {currency!r} is not a three-letter currency code such as USD or EUR")
        recipe, inbound, outbound = _recipe(get("hash_recipe"), problems)
        secret = str(values.get("hash_secret") or "")
        if recipe is not None and not secret:
            problems.append(
                "hash_secret: required with a hash_recipe (the secret the panel hashes links with)"
            )
        if recipe is not None and recipe.parameter in (id_parameter, *extras):
            problems.append(f"hash_recipe: its parameter {recipe.parameter!r} is also an entry parameter")
        announce = get("announce_url")
        if announce and not _URL.match(announce):
            problems.append(f"announce_url: {announce!r} is not an http(s) address")
        if problems:
            raise ValueError("; ".join(problems))
        return cls(id_parameter, extras, exits, price, currency, recipe, secret, inbound, outbound, announce)


def _parameter_problems(id_parameter: str, extras: Sequence[str]) -> list[str]:
    out = []
    if not _NAME.match(id_parameter):
        out.append(
            "id_parameter: the name of the entry parameter carrying the panel's respondent id is required "
            "(letters, digits, _ - . only), e.g. psid"
        )
    for extra in extras:
        if not _NAME.match(extra):
            out.append(f"extra_parameters: {extra!r} is not a parameter name (letters, digits, _ - .)")
    for name in (id_parameter, *extras):
        if name in RESERVED:
            out.append(f"id_parameter/extra_parameters: {name!r} is used by the survey's own test links")
    if id_parameter in extras or len(set(extras)) != len(extras):
        out.append("extra_parameters: each parameter may be named once, and not the id parameter")
    return out


def _template_problems(field: str, template: str, extras: Sequence[str]) -> list[str]:
    if not template:
        return [f"{field}: required (the panel's exit link for this outcome, with {{id}})"]
    if not _URL.match(template):
        return [f"{field}: {template!r} is not an http(s) address"]
    try:
        names = [name for _, name, spec, conv in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return [f"{field}: unbalanced braces in {template!r} (placeholders are {{id}} and {{name}})"]
    out = []
    if "id" not in names:
        out.append(f"{field}: the link has no {{id}} placeholder for the respondent's id")
    for name in names:
        if name != "id" and name not in extras:
            known = ", ".join(["{id}", *(f"{{{e}}}" for e in extras)])
            out.append(f"{field}: unknown placeholder {{{name}}} (known: {known})")
    return out


def _price(text: str, problems: list[str]) -> float:
    try:
        price = float(text)
    except ValueError:
        problems.append(f"price: {text!r} is not a number (the price per complete, e.g. 2.50)")
        return 0.0
    if not 0 <= price < 1e6 or price != price:
        problems.append(f"price: {text!r} must be zero or more")
    return price


def _recipe(text: str, problems: list[str]) -> tuple[HashRecipe | None, bool, bool]:
    if not text:
        return None, False, False
    try:
        doc = json.loads(text)
    except ValueError:
        problems.append('hash_recipe: not JSON, e.g. {"algorithm": "hmac-sha256", "parameter": "hash"}')
        return None, False, False
    if not isinstance(doc, dict):
        problems.append("hash_recipe: must be a JSON object")
        return None, False, False
    unknown = sorted(set(doc) - set(_RECIPE_KEYS))
    if unknown:
        problems.append(
            f"hash_recipe: unknown key(s) {', '.join(unknown)} (known: {', '.join(_RECIPE_KEYS)})"
        )
    inbound, outbound = doc.get("inbound", True), doc.get("outbound", True)
    if not isinstance(inbound, bool) or not isinstance(outbound, bool):
        problems.append("hash_recipe: inbound and outbound are true or false")
        return None, False, False
    try:
        recipe = HashRecipe(
            **{k: str(doc[k]) for k in ("algorithm", "parameter", "covers", "encoding") if k in doc}
        )
    except ValueError as exc:
        problems.append(f"hash_recipe: {exc}")
        return None, False, False
    return recipe, inbound, outbound


class RedirectPanel:
    name = "redirect"
    reports_submissions = False

    def __init__(
        self,
        config: RedirectConfig,
        *,
        policy: RetryPolicy | None = None,
        observer: CallObserver | None = None,
    ) -> None:
        self.config = config
        self.http = (
            ResilientClient(self.name, config.announce_url, policy=policy, observer=observer)
            if config.announce_url
            else None
        )
        self._projects: dict[str, Project] = {}  # this instance's view; a redirect panel has no books to ask

    async def aclose(self) -> None:
        if self.http is not None:
            await self.http.aclose()

    async def _announce(self, event: str, reference: str, **extra: Any) -> None:
        """POST ``{"event", "reference", …}`` to ``announce_url``. Creating, launching and closing happen once per
        wave, so their key is ``<reference>:<event>`` (the same after a restart); a wave may pause and resume
        many times, so each of those gets a key of its own (retries of one request share it)."""
        if self.http is not None:
            body = {"event": event, "reference": reference, **extra}
            key = f"{reference}:{event}"
            if event in ("pause", "resume"):
                key += ":" + secrets.token_hex(8)
            await self.http.request("POST", "", json_body=body, idempotency_key=key)

    def _set(self, project_id: str, status: str) -> Project:
        current = self._projects.get(project_id) or Project(
            project_id, project_id, "draft", 0, self.config.price
        )
        updated = Project(current.id, current.reference, status, current.target_n, current.price)
        self._projects[project_id] = updated
        return updated

    async def feasibility(self, spec: ProjectSpec) -> Feasibility:
        """The price the user entered; the panel's reach is not known to the service."""
        return Feasibility(True, spec.target_n, self.config.price, self.config.currency)

    async def create_project(self, spec: ProjectSpec, *, idempotency_key: str) -> Project:
        project = Project(spec.reference, spec.reference, "draft", spec.target_n, self.config.price)
        self._projects[project.id] = project
        await self._announce(
            "created",
            spec.reference,
            name=spec.name,
            entry_url=self.entry_url(spec.survey_url),
            target_n=spec.target_n,
            country=spec.country,
            quotas=[{"variable": q.variable, "level": q.level, "limit": q.limit} for q in spec.quotas],
            topic=dict(spec.topic),
            wave_number=spec.wave_number,
        )
        return project

    async def find_project(self, reference: str) -> Project | None:
        return self._projects.get(reference)

    async def get_project(self, project_id: str) -> Project:
        return self._projects.get(project_id) or Project(
            project_id, project_id, "draft", 0, self.config.price
        )

    async def launch(self, project_id: str, *, idempotency_key: str) -> Project:
        await self._announce("launch", project_id)
        return self._set(project_id, "live")

    async def pause(self, project_id: str) -> Project:
        await self._announce("pause", project_id)
        return self._set(project_id, "paused")

    async def resume(self, project_id: str) -> Project:
        await self._announce("resume", project_id)
        return self._set(project_id, "live")

    async def close(self, project_id: str) -> Project:
        await self._announce("close", project_id)
        return self._set(project_id, "closed")

    async def progress(self, project_id: str) -> Progress:
        return Progress((await self.get_project(project_id)).status, 0)  # the survey counts completes itself

    async def submissions(self, project_id: str, cursor: str) -> SubmissionPage:
        return SubmissionPage((), cursor)

    async def reconcile(self, project_id: str, decisions: Sequence[Decision]) -> None:
        return None

    async def test_link(self, access: WaveAccess, survey_url: str) -> str | None:
        return None  # no test mode of its own: use the service's test link

    async def check(self) -> None:
        return None  # nothing to call: the configuration was checked when the adapter was built

    def entry_url(self, survey_url: str, access: WaveAccess | None = None) -> str:
        """The link to paste into the panel's tool: ``{id}`` (and each ``{extra}``) stand for the panel's own
        placeholders; with inbound hashing the panel appends the hash parameter."""
        sep = "&" if "?" in survey_url else "?"
        params = [f"{self.config.id_parameter}={{id}}"]
        params += [f"{e}={{{e}}}" for e in self.config.extra_parameters]
        return survey_url + sep + "&".join(params)

    async def admit(self, access: WaveAccess, query: Mapping[str, str], url: str) -> Arrival:
        cfg = self.config
        pid = query.get(cfg.id_parameter, "")
        if not _ID.match(pid):
            raise EntryRefused("bad_id")
        if cfg.recipe is not None and cfg.hash_inbound:
            try:
                verify_received(cfg.recipe, url, cfg.hash_secret)
            except LinkHashError as exc:
                raise EntryRefused(exc.reason, pid) from None
        extras = {e: query.get(e, "") for e in cfg.extra_parameters}
        if any(len(v) > MAX_EXTRA for v in extras.values()):
            raise EntryRefused("bad_id", pid)
        return Arrival(pid, extras)

    async def finish(self, access: WaveAccess, arrival: Arrival, outcome: str) -> str:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
        values = {e: quote(str(arrival.context.get(e, "")), safe="") for e in self.config.extra_parameters}
        url = self.config.exits[outcome].format(id=quote(arrival.participant_id, safe=""), **values)
        if self.config.recipe is not None and self.config.hash_outbound:
            url = self.config.recipe.sign(url, self.config.hash_secret)
        return url

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent | None:
        return None  # a redirect panel sends no webhooks
