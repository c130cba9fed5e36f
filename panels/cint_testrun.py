"""Cint's test mode through the Demand API, for :mod:`panels.cint`: a test run of the wave's target group by Cint's
*test supplier* (supplier 980), whose sessions Cint fields without charging for completes.

Three documented calls (version 2025-12-18), all on the wave's target group
``/demand/accounts/{account}/projects/{project}/target-groups/{target_group}``:

1. ``GET …/overview``: Cint answers 404 while the target group is a draft, and gives a test link only for a
   launched one, so a draft is refused as *not launched yet*; a ``completed`` or ``archived`` one as *closed*.
2. The Target Group Allocations API: ``GET …/allocation-specification`` and, when the test supplier has no
   group of its own yet, ``PUT …/allocation-specification`` (204) with the specification as read plus a
   private-exchange group for supplier 980 of up to 100% (``min_percentage`` 0, ``max_percentage`` 100, so live
   supply is untouched) and 980 taken out of every blocked list. The PUT replaces the whole specification, so
   every other group, limit and block is sent back as it was read; nothing is sent when 980 already has its group.
3. ``GET …/details``: ``links.test_screener``, Cint's test link into the target group (its screener in test
   mode, then the target group's ``test_url`` with a fresh ``[%RID%]``). That is the link handed to the researcher.

A tester who follows it arrives at the ``test_url`` (``cint_test=1``), which the S2S validation reports as their
entry link: the survey admits them as a test (:class:`panels.base.Arrival` ``test``), stores them as a test, never
posts their outcome to Cint and never counts them. Cint's refusals are raised as
:class:`~panels.base.ProviderRejected` with the cause in plain words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from panels.base import ProviderRejected
from panels.cint_api import DemandClient

#: Cint's test supplier: its sessions arrive on the ``test_url`` and are never billed.
TEST_SUPPLIER = "980"
TEST_GROUP_NAME = "Test supplier"
_CLOSED = ("completed", "archived")


def _ids(items: Any, key: str = "id") -> list[str]:
    return [str(item[key]) for item in items or [] if isinstance(item, Mapping) and key in item]


def _group_fields(group: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"group_id": str(group["group_id"])} if group.get("group_id") else {}
    return {
        **fields,
        "group_name": str(group.get("group_name") or ""),
        "min_percentage": int(group.get("min_percentage", 0)),
        "max_percentage": int(group.get("max_percentage", 100)),
    }


def allocation_update(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``SupplyAllocationUpdateRequest`` that opens the target group to the test supplier, from its
    ``GetSupplyAllocationResponse`` ``spec`` (see the module docstring); None when it is open to it already."""
    open_ex = spec.get("open_exchange_allocations") or {}
    private = spec.get("private_exchange_allocations") or {}
    open_blocked = _ids(open_ex.get("blocked_suppliers"))
    private_blocked = _ids(private.get("blocked_suppliers"))
    open_groups = [(g, _ids(g.get("suppliers"))) for g in open_ex.get("groups") or []]
    private_groups = [(g, _ids([g.get("supplier") or {}])) for g in private.get("groups") or []]
    has_group = any(ids == [TEST_SUPPLIER] for _, ids in private_groups)
    blocked = TEST_SUPPLIER in open_blocked + private_blocked or any(
        TEST_SUPPLIER in ids for _, ids in open_groups
    )
    if has_group and not blocked:
        return None
    groups = [
        {**_group_fields(g), "supplier_id": ids[0]}
        for g, ids in private_groups
        if ids  # a group whose supplier Cint did not name cannot be sent back
    ]
    if not has_group:
        groups.append(
            {
                "group_name": TEST_GROUP_NAME,
                "min_percentage": 0,
                "max_percentage": 100,
                "supplier_id": TEST_SUPPLIER,
            }
        )
    kept = [(g, [i for i in ids if i != TEST_SUPPLIER]) for g, ids in open_groups]
    return {
        "open_exchange_allocations": {
            "blocked_supplier_ids": [i for i in open_blocked if i != TEST_SUPPLIER],
            "exchange_min_percentage": int(open_ex.get("exchange_min_percentage", 0)),
            "exchange_max_percentage": int(open_ex.get("exchange_max_percentage", 100)),
            "groups": [{**_group_fields(g), "supplier_ids": ids} for g, ids in kept if ids],
        },
        "private_exchange_allocations": {
            "blocked_supplier_ids": [i for i in private_blocked if i != TEST_SUPPLIER],
            "groups": groups,
        },
    }


async def test_run_link(demand: DemandClient, project_id: str, target_group_id: str) -> str:
    """Cint's test link (``links.test_screener``) for a test run of the target group by the test supplier, after
    opening the target group to it (see the module docstring)."""
    base = f"{demand.account_path}/projects/{project_id}/target-groups/{target_group_id}"
    try:
        overview = (await demand.call("GET", f"{base}/overview")).body
    except ProviderRejected as exc:
        if exc.status != 404:
            raise
        raise ProviderRejected(
            "cint",
            f"target group {target_group_id} is not launched yet (Cint gives a test link only for a launched "
            "target group); try again once the wave's fieldwork has launched it",
            status=404,
        ) from None
    status = str((overview or {}).get("status") or "")
    if status in _CLOSED:
        raise ProviderRejected(
            "cint",
            f"target group {target_group_id} is {status}: Cint's test supplier sends no one to a closed "
            "target group",
            status=409,
        )
    spec = (await demand.call("GET", f"{base}/allocation-specification")).body
    update = allocation_update(spec if isinstance(spec, Mapping) else {})
    if update is not None:
        await demand.call("PUT", f"{base}/allocation-specification", json_body=update)
    details = (await demand.call("GET", f"{base}/details")).body
    link = ((details or {}).get("links") or {}).get("test_screener") if isinstance(details, Mapping) else None
    if not link:
        raise ProviderRejected(
            "cint", f"Cint gave no test link (links.test_screener) for target group {target_group_id}"
        )
    return str(link)
