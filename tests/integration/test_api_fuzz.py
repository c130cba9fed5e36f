"""The standing fuzz run over the whole OpenAPI document (schemathesis), against the app served in this process:

* every operation with many generated requests, valid ones and invalid ones (negative mode: each must be refused
  with a 4xx, never accepted and never a server error);
* stateful sequences that follow the links between operations (a created poll's id fed to its waves, objectives,
  alerts; a created objective's id to its PATCH and DELETE ...), inferred by schemathesis from the document's
  schemas, so every operation is also reached with ids that exist.

Every answer must be documented (status, media type, schema). Both are bounded to stay well under a minute each;
the quick smoke run over every operation is in test_api_openapi.py.
"""

from __future__ import annotations

import contextlib
from typing import Any

import hypothesis
import hypothesis.errors
import pytest
import requests
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.api_support import World
from tests.integration.test_api_openapi import served  # noqa: F401 - the served app fixture

pytestmark = pytest.mark.slow

POSITIVE = 40
NEGATIVE = 25
SCENARIOS = 100
STEPS = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _settings(examples: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )


def _schema(base: str, world: World) -> Any:
    schema = schemathesis.openapi.from_dict(requests.get(f"{base}/openapi.json", timeout=10).json())
    schema.config.update(base_url=base, headers={"Authorization": f"Bearer {world.keys['admin']}"})
    # Revoking keys is covered by the smoke run; here it would revoke the key the run itself uses.
    return schema.exclude(method="DELETE", path="/api/v1/keys/{prefix}")


def _run(strategy: Any, examples: int, checks: list[Any], session: requests.Session) -> None:
    @_settings(examples)
    @hypothesis.given(case=strategy)
    def run(case: Any) -> None:
        response = case.call(session=session)
        case.validate_response(response, checks=checks)

    run()


def test_many_valid_and_invalid_requests_find_no_server_error(served: tuple[str, World]) -> None:  # noqa: F811
    base, world = served
    schema = _schema(base, world)
    fixed = {"poll_id": world.poll_id, "wave_id": world.wave_id, "objective_id": world.objective_id}
    session = requests.Session()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        names = {p.name for p in operation.path_parameters}
        path_parameters = {k: v for k, v in fixed.items() if k in names} or None
        for mode, examples, checks in (
            (GenerationMode.POSITIVE, POSITIVE, CHECKS),
            (GenerationMode.NEGATIVE, NEGATIVE, [*CHECKS, negative_data_rejection]),
        ):
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
            try:
                _run(strategy, examples, checks, session)
            except hypothesis.errors.Unsatisfiable:
                continue  # nothing in the request can be made invalid (no query, no body)
            except Exception as exc:  # noqa: BLE001 - collected, reported together
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:800]}")
    assert not failures, "\n\n".join(failures)


def test_stateful_sequences_find_no_server_error(served: tuple[str, World]) -> None:  # noqa: F811
    base, world = served
    schema = _schema(base, world)
    machine = schema.as_state_machine()
    assert len(machine._transitions.operations) >= 10  # links were found between the operations

    answered: set[tuple[str, int]] = set()
    failures: list[str] = []

    class Sequences(machine):  # type: ignore[misc, valid-type]
        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            answered.add((case.operation.label, response.status_code))
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # noqa: BLE001 - every failing response collected and reported below
                failures.append(f"{case.operation.label} -> {response.status_code}: {str(exc)[:600]}")

    # Each step's data follows the API's answers (ids it created, names already taken), so hypothesis may find
    # that replaying a prefix draws differently and stop exploring; every response it did get was checked.
    with contextlib.suppress(hypothesis.errors.FlakyStrategyDefinition):
        Sequences.run(
            settings=hypothesis.settings(
                _settings(SCENARIOS), stateful_step_count=STEPS, phases=[hypothesis.Phase.generate]
            )
        )
    assert not failures, "\n\n".join(failures)
    assert len(answered) >= 20, sorted(answered)  # the run went far enough to mean something
    # Operations answered with success for an id in their path: ids that earlier steps' answers supplied through
    # the links (a generated id almost never names a stored poll, wave or objective). Which operations a run
    # reaches depends on the draw and on what the database already holds; reaching none means the links are broken.
    linked = {label for label, status in answered if status < 300 and "{" in label}
    assert linked, sorted(answered)
