"""The simulator's shared state: the books of every project, whichever provider API created it, the fault
injector, the walkers and the webhook sender; and the problem answers every API of the simulator shares."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import web

from panels.simulated.faults import FaultInjector
from panels.simulated.population import SyntheticPopulation, _stable_seed
from panels.simulated.projects import SimProject
from panels.simulated.walkers import EntryLink, WalkerPool
from panels.simulated.webhooks import WebhookSender


@dataclass
class SimulatorState:
    faults: FaultInjector
    rate: float = 2000.0  # respondents arriving per second of fielding, per project
    projects: dict[str, SimProject] = field(default_factory=dict)
    by_reference: dict[str, str] = field(default_factory=dict)
    idempotent: dict[tuple[str, str], tuple[int, dict[str, Any]]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    webhooks: WebhookSender | None = None
    walkers: WalkerPool | None = None
    #: What the buyer's tracker asks about, for projects created through a real provider's API (which carries no
    #: brands): ``brands`` ([{id, name}]), ``own_brand``, ``country`` and ``seed``. Set with ``PUT /_sim/topic``.
    topic: dict[str, Any] = field(default_factory=dict)

    def collect_events(self) -> list[tuple[str, dict[str, Any]]]:
        """Hand over the webhook events every project produced since the last call."""
        out: list[tuple[str, dict[str, Any]]] = []
        for project in self.projects.values():
            if project.events:
                events, project.events = project.events, []
                out.extend((project.webhook_url, e) for e in events)
        return out

    def add_project(
        self,
        project_id: str,
        reference: str,
        *,
        name: str,
        target_n: int,
        country: str,
        quotas: dict[tuple[str, str], int],
        price: float,
        simulation: dict[str, Any],
        link: EntryLink | None,
        webhook_url: str = "",
        make_participant: Callable[[], str] | None = None,
    ) -> SimProject:
        """A new project in the books (every provider API of the simulator creates its projects here): its
        respondents come from the synthetic population of ``country`` and are sent to the buyer's survey through
        ``link`` (``simulation`` carries the brands, own brand, wave index and seed they answer about)."""
        project = SimProject(
            id=project_id,
            reference=reference,
            name=name,
            target_n=target_n,
            country=country,
            quotas=quotas,
            price=price,
            simulation=simulation,
            webhook_url=webhook_url if self.webhooks is not None else "",
            make_participant=make_participant,
        )
        brands = [str(b["id"]) for b in simulation.get("brands", [])] or ["brand"]
        seed = int(simulation.get("seed", 7))
        project.survey = link
        project.population = SyntheticPopulation.from_country(country, brands, seed=seed)
        project.rng = np.random.default_rng(_stable_seed(seed, f"project:{reference}"))
        self.projects[project_id] = project
        self.by_reference[reference] = project_id
        return project

    def get(self, project_id: str) -> SimProject:
        project = self.projects.get(project_id)
        if project is None:
            raise problem(404, "not_found", f"no project {project_id}")
        project.advance(self.rate, self.faults, walkers=self.walkers)
        return project


STATE = web.AppKey("simulator", SimulatorState)


def problem(status: int, code: str, detail: str) -> web.HTTPException:
    cls = {400: web.HTTPBadRequest, 404: web.HTTPNotFound, 409: web.HTTPConflict}[status]
    return cls(
        text=f'{{"error": {{"status": {status}, "error_code": "{code}", "detail": "{detail}"}}}}',
        content_type="application/json",
    )


async def read_json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise problem(400, "bad_json", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise problem(400, "bad_json", "expected a JSON object")
    return body
