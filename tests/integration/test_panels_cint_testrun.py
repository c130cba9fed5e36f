"""Cint's test mode through its Demand API, the adapter against the simulated Cint over loopback HTTP: a test run of
the wave's target group by Cint's test supplier (supplier 980). The adapter opens the launched target group to the
test supplier with the Target Group Allocations API (``PUT …/allocation-specification``, the whole specification
sent back with a private-exchange group for 980 added and 980 unblocked) and hands over the ``links.test_screener``
Cint gives in the target group's details; a tester who follows it arrives at the ``test_url`` with a fresh RID and
is admitted as a test. The simulated Cint refuses what Cint refuses (no version header, no token, an invalid body,
an unknown target group) with its error object; a draft or closed target group is refused in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest

from panels import cint
from panels.base import ProjectSpec, ProviderRejected, WaveAccess
from panels.cint_s2s import TEST_MARKER
from panels.cint_testrun import TEST_SUPPLIER, allocation_update
from panels.simulated.apis.cint import credentials
from panels.simulated.apis.cint_common import CINT
from panels.simulated.server import running_simulator
from tests.integration.field_support import FAST


async def _token(http: aiohttp.ClientSession, values: Mapping[str, str]) -> str:
    body = {
        "grant_type": "client_credentials",
        "client_id": values["client_id"],
        "client_secret": values["client_secret"],
    }
    async with http.post(values["auth_url"], json=body) as resp:
        assert resp.status == 200
        return str((await resp.json())["access_token"])


async def _call(
    http: aiohttp.ClientSession, method: str, url: str, headers: Mapping[str, str], body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, url, headers=headers, json=body) as resp:
        raw = await resp.read()
        return resp.status, (await resp.json()) if raw else None


#: A specification a buyer set in Cint's dashboard: an open-exchange group, a blocked open supplier, the test
#: supplier blocked on the private exchange (as in Cint's documented example).
BUYERS_OWN = {
    "open_exchange_allocations": {
        "blocked_supplier_ids": ["421"],
        "exchange_min_percentage": 10,
        "exchange_max_percentage": 90,
        "groups": [
            {
                "group_name": "Premium Tier",
                "min_percentage": 20,
                "max_percentage": 60,
                "supplier_ids": ["420"],
            }
        ],
    },
    "private_exchange_allocations": {"blocked_supplier_ids": [TEST_SUPPLIER], "groups": []},
}


async def test_a_test_run_opens_the_launched_target_group_to_the_test_supplier_and_gives_cints_test_link() -> (
    None
):
    async with running_simulator(rate=0.0) as sim:
        ex = sim.app[CINT]
        values = credentials(sim.url)
        assert "test_entry_url" not in values  # nothing configured by hand: the documented API only
        provider = cint.from_fields(values, policy=FAST)
        survey_url = f"{sim.url}/survey/7/start"
        try:
            spec = ProjectSpec("rw7-test", "Test run", 5, "us", survey_url=survey_url)
            project = await provider.create_project(spec, idempotency_key="rw7-test:create")
            access = WaveAccess(7, project.id, "rw7-test", "k" * 32)
            pid, tg_id = project.id.split(":")
            base = f"{values['api_url']}/demand/accounts/{values['account_id']}/projects/{pid}/target-groups/{tg_id}"
            with pytest.raises(ProviderRejected) as draft:
                await provider.test_link(access, survey_url)
            untouched = ex.counts["allocation_updates"]
            async with aiohttp.ClientSession() as http:
                auth = {
                    "Authorization": f"Bearer {await _token(http, values)}",
                    "Cint-API-Version": cint.API_VERSION,
                }
                set_by_buyer = await _call(http, "PUT", f"{base}/allocation-specification", auth, BUYERS_OWN)
                before = (await _call(http, "GET", f"{base}/allocation-specification", auth))[1]
                await provider.launch(project.id, idempotency_key="rw7-test:launch")
                link = await provider.test_link(access, survey_url)
                again = await provider.test_link(access, survey_url)
                updates = ex.counts["allocation_updates"]
                after = (await _call(http, "GET", f"{base}/allocation-specification", auth))[1]
                details = (await _call(http, "GET", f"{base}/details", auth))[1]
                async with http.get(link, allow_redirects=False) as resp:
                    sent = resp.status, resp.headers.get("Location", "")
                entry = sent[1]
                arrival = await provider.admit(access, dict(parse_qsl(urlsplit(entry).query)), entry)
                # the survey never tells Cint a tester's outcome; were one posted, Cint would still bill nothing
                await provider.finish(access, arrival, "complete")
                tested = (await _call(http, "GET", f"{base}/allocation-specification", auth))[1]
                await provider.close(project.id)
                with pytest.raises(ProviderRejected) as closed:
                    await provider.test_link(access, survey_url)
        finally:
            await provider.aclose()
    # A draft: refused in plain words before anything is changed at Cint
    assert draft.value.status == 404 and "is not launched yet" in str(draft.value) and untouched == 0
    assert set_by_buyer == (204, None)
    # Launched: the specification sent back whole, 980 unblocked and given a private group of up to 100%, once
    assert updates == 2  # the buyer's own PUT and the adapter's; the second test link changed nothing
    assert after["open_exchange_allocations"] == before["open_exchange_allocations"]
    private = after["private_exchange_allocations"]
    assert private["blocked_suppliers"] == []
    assert [(g["supplier"]["id"], g["min_percentage"], g["max_percentage"]) for g in private["groups"]] == [
        (int(TEST_SUPPLIER), 0, 100)
    ]
    # The link is the one Cint gives for the target group, and it sends a test session to the test_url
    assert link == again == details["links"]["test_screener"]
    assert sent[0] == 303 and entry.startswith(survey_url) and f"{TEST_MARKER}=1" in entry
    session = ex.sessions[arrival.participant_id]
    assert arrival.test and session.test and session.target_group == tg_id
    tester = tested["private_exchange_allocations"]["groups"][0]["supplier"]
    assert (tester["pre_screens"], tester["completes"], session.status) == (1, 1, 5)
    assert ex.billing(tg_id) == (0, 0.0)
    assert closed.value.status == 409 and "is completed" in str(closed.value)


async def test_the_allocation_endpoints_refuse_what_cint_refuses() -> None:
    async with running_simulator(rate=0.0) as sim:
        values = credentials(sim.url)
        provider = cint.from_fields(values, policy=FAST)
        try:
            spec = ProjectSpec("rw8-test", "Refusals", 5, "us", survey_url=f"{sim.url}/survey/8/start")
            project = await provider.create_project(spec, idempotency_key="rw8-test:create")
        finally:
            await provider.aclose()
        pid, tg_id = project.id.split(":")
        groups = f"{values['api_url']}/demand/accounts/{values['account_id']}/projects/{pid}/target-groups"
        url = f"{groups}/{tg_id}/allocation-specification"
        update = allocation_update({})
        assert update is not None
        bad = {
            "open_exchange_allocations": {
                **update["open_exchange_allocations"],
                "exchange_max_percentage": 120,
            },
            "private_exchange_allocations": {
                "blocked_supplier_ids": ["420"],  # an open-exchange supplier
                "groups": [
                    {"group_name": "x", "min_percentage": 0, "max_percentage": 100, "supplier_id": "980"}
                ],
            },
        }
        async with aiohttp.ClientSession() as http:
            bearer = {"Authorization": f"Bearer {await _token(http, values)}"}
            versioned = {**bearer, "Cint-API-Version": cint.API_VERSION}
            unversioned = await _call(http, "PUT", url, bearer, update)
            anonymous = await _call(http, "PUT", url, {"Cint-API-Version": cint.API_VERSION}, update)
            invalid = await _call(http, "PUT", url, versioned, bad)
            missing = await _call(http, "PUT", url, versioned, {"open_exchange_allocations": {}})
            unknown = await _call(
                http,
                "PUT",
                f"{groups}/01BTGNYV6HRNK8K8VKZASZCFP1/allocation-specification",
                versioned,
                update,
            )
            draft_details = await _call(http, "GET", f"{groups}/{tg_id}/details", versioned)
            accepted = await _call(http, "PUT", url, versioned, update)
    assert unversioned[0] == 403 and unversioned[1]["object"] == "required_header_missing"
    assert anonymous[0] == 401 and anonymous[1]["object"] == "authorization_error"
    assert invalid[0] == 400 and invalid[1]["object"] == "bad_request_error"
    assert {p["name"] for p in invalid[1]["invalid_params"]} == {
        "open_exchange_allocations",
        "private_exchange_allocations.blocked_supplier_ids",
    }
    assert missing[0] == 400 and {p["name"] for p in missing[1]["invalid_params"]} >= {
        "open_exchange_allocations.groups",
        "private_exchange_allocations",
    }
    assert unknown[0] == 404 and unknown[1]["object"] == "not_found_error"
    assert draft_details[0] == 404  # Cint: a draft's details are not found
    assert accepted == (204, None)


def test_the_update_keeps_the_buyers_specification_and_is_none_once_the_test_supplier_is_open() -> None:
    read = {
        "open_exchange_allocations": {
            "blocked_suppliers": [{"id": 421, "name": "A"}, {"id": 980, "name": "Test"}],
            "exchange_suppliers": [],
            "exchange_min_percentage": 10,
            "exchange_max_percentage": 90,
            "groups": [
                {
                    "group_id": "1",
                    "group_name": "Premium",
                    "min_percentage": 50,
                    "max_percentage": 80,
                    "suppliers": [{"id": 420, "name": "B"}],
                }
            ],
        },
        "private_exchange_allocations": {
            "blocked_suppliers": [],
            "groups": [
                {
                    "group_id": "7",
                    "group_name": "Deal",
                    "min_percentage": 0,
                    "max_percentage": 30,
                    "supplier": {"id": 1966},
                }
            ],
        },
    }
    update = allocation_update(read)
    assert update == {
        "open_exchange_allocations": {
            "blocked_supplier_ids": ["421"],
            "exchange_min_percentage": 10,
            "exchange_max_percentage": 90,
            "groups": [
                {
                    "group_id": "1",
                    "group_name": "Premium",
                    "min_percentage": 50,
                    "max_percentage": 80,
                    "supplier_ids": ["420"],
                }
            ],
        },
        "private_exchange_allocations": {
            "blocked_supplier_ids": [],
            "groups": [
                {
                    "group_id": "7",
                    "group_name": "Deal",
                    "min_percentage": 0,
                    "max_percentage": 30,
                    "supplier_id": "1966",
                },
                {
                    "group_name": "Test supplier",
                    "min_percentage": 0,
                    "max_percentage": 100,
                    "supplier_id": "980",
                },
            ],
        },
    }
    opened = {
        "open_exchange_allocations": {
            **read["open_exchange_allocations"],
            "blocked_suppliers": [{"id": 421}],
        },
        "private_exchange_allocations": {
            "blocked_suppliers": [],
            "groups": [{"group_name": "T", "supplier": {"id": 980}}],
        },
    }
    assert allocation_update(opened) is None


async def test_a_test_entry_url_set_by_hand_is_used_as_given_without_asking_cint() -> None:
    async with running_simulator(rate=0.0) as sim:
        ex = sim.app[CINT]
        values = {
            **credentials(sim.url),
            "test_entry_url": "https://cint.example/t/[%PROJECT_ID%]/[%TARGET_GROUP_ID%]",
        }
        provider = cint.from_fields(values, policy=FAST)
        try:
            spec = ProjectSpec("rw9-test", "By hand", 5, "us", survey_url=f"{sim.url}/survey/9/start")
            project = await provider.create_project(spec, idempotency_key="rw9-test:create")
            link = await provider.test_link(WaveAccess(9, project.id, "rw9-test", "k" * 32), spec.survey_url)
        finally:
            await provider.aclose()
    pid, tg_id = project.id.split(":")
    assert link == f"https://cint.example/t/{pid}/{tg_id}"  # a draft, yet no refusal: Cint was not asked
    assert ex.counts["allocation_updates"] == 0
