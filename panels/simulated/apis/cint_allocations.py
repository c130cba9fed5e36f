"""The simulated Cint Demand API, part three: the Target Group Allocations API on a target group
(``GET``/``PUT …/target-groups/{id}/allocation-specification``, version 2025-12-18) and the links Cint gives for a
launched target group (``links.test_screener``, ``links.test_client_survey`` in its details).

The account's suppliers: a few on the open exchange and, on its private exchange, Cint's test supplier (980),
whose sessions arrive at the target group's ``test_url`` and are never billed. The test link
(``/cint-exchange/test/{target_group_id}``) sends a test-supplier session only to a launched target group whose
allocation gives the test supplier a group and blocks it nowhere; otherwise it says why, as Cint's screener does.

A ``PUT`` replaces the whole specification (``SupplyAllocationUpdateRequest``) and answers 204; a body that is not
one is refused 400 with Cint's error object naming each invalid parameter (``invalid_params``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from panels.simulated.apis.cint_common import error, group_of, not_found, read_json
from panels.simulated.apis.cint_exchange import CintExchange, TargetGroup

TEST_SUPPLIER = "980"
#: The suppliers the simulated account sees: id → (name, exchange).
SUPPLIERS = {
    "420": ("Clix Sense", "open"),
    "421": ("Opinion Outpost", "open"),
    "422": ("Survey Junkie", "open"),
    TEST_SUPPLIER: ("Cint Test Supplier", "private"),
}
_OPEN_REQUIRED = ("blocked_supplier_ids", "exchange_min_percentage", "exchange_max_percentage", "groups")
_GROUP_REQUIRED = ("group_name", "min_percentage", "max_percentage")


def _open(tg: TargetGroup) -> dict[str, Any]:
    return dict((tg.body.get("allocations") or {}).get("open_exchange_allocations") or {})


def _private(tg: TargetGroup) -> dict[str, Any]:
    return dict((tg.body.get("allocations") or {}).get("private_exchange_allocations") or {})


def _open_members(group: dict[str, Any]) -> list[str]:
    """An open-exchange group's suppliers (``supplier_ids`` in an update, ``suppliers`` in a create body)."""
    return [str(s) for s in group.get("supplier_ids") or group.get("suppliers") or []]


def test_supplier_open(tg: TargetGroup) -> bool:
    """The test supplier has a private-exchange group of the target group and is blocked nowhere."""
    open_ex, private = _open(tg), _private(tg)
    blocked = {str(s) for s in (open_ex.get("blocked_supplier_ids") or [])}
    blocked |= {str(s) for s in (private.get("blocked_supplier_ids") or [])}
    blocked |= {s for g in open_ex.get("groups") or [] for s in _open_members(g)}
    grouped = {str(g.get("supplier_id")) for g in private.get("groups") or []}
    return TEST_SUPPLIER in grouped and TEST_SUPPLIER not in blocked


def links(tg: TargetGroup, origin: str) -> dict[str, str]:
    """The ``links`` of a launched target group's details (a draft has only its client survey's test link)."""
    out = {"test_client_survey": str(tg.body.get("test_url") or "")}
    if tg.status != "draft":
        out["test_screener"] = f"{origin}/cint-exchange/test/{tg.id}"
    return out


def _supplier(ex: CintExchange, tg: TargetGroup, sid: str) -> dict[str, Any]:
    tests = [s for s in ex.sessions.values() if s.test and s.target_group == tg.id]
    own = sid == TEST_SUPPLIER
    return {
        "id": int(sid),
        "name": SUPPLIERS.get(sid, ("Unknown supplier", ""))[0],
        "completes": sum(s.status == 5 for s in tests) if own else None,
        "pre_screens": len(tests) if own else None,
    }


async def get_allocation(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    """``GetSupplyAllocationResponse``: the test supplier's completes and pre-screens are its test sessions."""
    tg = group_of(ex, request)
    if tg is None:
        return not_found("target group")
    open_ex, private = _open(tg), _private(tg)
    blocked = [str(s) for s in open_ex.get("blocked_supplier_ids") or []]
    grouped = {s for g in open_ex.get("groups") or [] for s in _open_members(g)}
    exchange = [s for s, (_, where) in SUPPLIERS.items() if where == "open" and s not in {*blocked, *grouped}]
    body = {
        "open_exchange_allocations": {
            "blocked_suppliers": [_supplier(ex, tg, s) for s in blocked],
            "exchange_suppliers": [_supplier(ex, tg, s) for s in exchange],
            "exchange_min_percentage": int(open_ex.get("exchange_min_percentage", 0)),
            "exchange_max_percentage": int(open_ex.get("exchange_max_percentage", 100)),
            "groups": [
                {
                    **{k: g[k] for k in ("group_id", *_GROUP_REQUIRED) if k in g},
                    "suppliers": [_supplier(ex, tg, s) for s in _open_members(g)],
                }
                for g in open_ex.get("groups") or []
            ],
        },
        "private_exchange_allocations": {
            "blocked_suppliers": [
                _supplier(ex, tg, str(s)) for s in private.get("blocked_supplier_ids") or []
            ],
            "groups": [
                {
                    **{k: g[k] for k in ("group_id", *_GROUP_REQUIRED) if k in g},
                    "supplier": _supplier(ex, tg, str(g["supplier_id"])),
                }
                for g in private.get("groups") or []
            ],
        },
    }
    return web.json_response(body)


def _percent(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100


def _range(low: Any, high: Any) -> bool:
    """Two percentages, the first no larger than the second."""
    return _percent(low) and _percent(high) and int(low) <= int(high)


def _ids_invalid(name: str, value: Any, exchange: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [{"name": name, "reason": "must be a list of supplier ids (strings)"}]
    unknown = [v for v in value if SUPPLIERS.get(v, ("", ""))[1] != exchange]
    if unknown:
        return [{"name": name, "reason": f"not {exchange} exchange suppliers of this account: {unknown}"}]
    return []


def _groups_invalid(prefix: str, groups: Any, exchange: str) -> list[dict[str, str]]:
    if not isinstance(groups, list):
        return [{"name": f"{prefix}.groups", "reason": "must be a list"}]
    invalid: list[dict[str, str]] = []
    member = "supplier_ids" if exchange == "open" else "supplier_id"
    for i, group in enumerate(groups):
        name = f"{prefix}.groups[{i}]"
        if not isinstance(group, dict):
            invalid.append({"name": name, "reason": "must be an object"})
            continue
        invalid += [
            {"name": f"{name}.{k}", "reason": "is required"}
            for k in (*_GROUP_REQUIRED, member)
            if k not in group
        ]
        if not _range(group.get("min_percentage"), group.get("max_percentage")):
            invalid.append({"name": name, "reason": "min_percentage and max_percentage: 0 to 100, min ≤ max"})
        if member in group:
            value = group[member] if exchange == "open" else [group[member]]
            invalid += _ids_invalid(f"{name}.{member}", value, exchange)
    return invalid


def _check(body: dict[str, Any]) -> list[dict[str, str]]:
    """The ``SupplyAllocationUpdateRequest`` schema, and that the minimum percentages can be met together."""
    open_ex, private = body.get("open_exchange_allocations"), body.get("private_exchange_allocations")
    invalid: list[dict[str, str]] = []
    for name, part, required in (
        ("open_exchange_allocations", open_ex, _OPEN_REQUIRED),
        ("private_exchange_allocations", private, ("blocked_supplier_ids", "groups")),
    ):
        if not isinstance(part, dict):
            invalid.append({"name": name, "reason": "is required (an object)"})
        else:
            invalid += [{"name": f"{name}.{k}", "reason": "is required"} for k in required if k not in part]
    if invalid:
        return invalid
    assert isinstance(open_ex, dict) and isinstance(private, dict)
    low, high = open_ex["exchange_min_percentage"], open_ex["exchange_max_percentage"]
    if not _range(low, high):
        invalid.append(
            {"name": "open_exchange_allocations", "reason": "exchange percentages: 0 to 100, min ≤ max"}
        )
    invalid += _ids_invalid(
        "open_exchange_allocations.blocked_supplier_ids", open_ex["blocked_supplier_ids"], "open"
    )
    invalid += _ids_invalid(
        "private_exchange_allocations.blocked_supplier_ids", private["blocked_supplier_ids"], "private"
    )
    invalid += _groups_invalid("open_exchange_allocations", open_ex["groups"], "open")
    invalid += _groups_invalid("private_exchange_allocations", private["groups"], "private")
    if invalid:
        return invalid
    floor = low + sum(g["min_percentage"] for g in private["groups"])
    if floor > 100:
        invalid.append(
            {"name": "private_exchange_allocations.groups", "reason": "minimum percentages exceed 100"}
        )
    blocked = set(private["blocked_supplier_ids"])
    both = sorted(blocked & {g["supplier_id"] for g in private["groups"]})
    if both:
        invalid.append(
            {"name": "private_exchange_allocations", "reason": f"blocked and grouped at once: {both}"}
        )
    return invalid


async def put_allocation(request: web.Request, ex: CintExchange) -> web.StreamResponse:
    tg = group_of(ex, request)
    if tg is None:
        return not_found("target group")
    body = await read_json(request)
    if isinstance(body, web.Response):
        return body
    invalid = _check(body)
    if invalid:
        return error(400, "bad_request_error", "The request is not valid.", invalid)
    for part in ("open_exchange_allocations", "private_exchange_allocations"):
        for group in body[part]["groups"]:  # a group without an id is a new one
            group.setdefault("group_id", ex.human_id(8))
    tg.body["allocations"] = {
        "open_exchange_allocations": body["open_exchange_allocations"],
        "private_exchange_allocations": body["private_exchange_allocations"],
    }
    ex.counts["allocation_updates"] += 1
    return web.Response(status=204)
