"""What the demo tracker asks beyond the standard questionnaire: its buying situations (category entry points),
so its dashboard shows mental availability, the service dimensions whose satisfaction it asks per brand used,
and its service features with their costs and price ladders, so it shows how much service is too much."""

from __future__ import annotations

from typing import Any

#: The buying situations the demo asks about (category entry points), so its dashboard shows mental availability.
DEMO_ENTRY_POINTS: list[dict[str, Any]] = [
    {"id": "run", "wording": "for a run"},
    {"id": "gym", "wording": "at the gym"},
    {"id": "gift", "wording": "for a gift"},
    {"id": "holiday", "wording": "on holiday"},
    {"id": "everyday", "wording": "for everyday wear"},
]


#: The service features the demo asks about, with what each costs Acme per customer (USD) and its price ladder.
#: Its simulated respondents would pay a median of 60 for repairs, 30 for evening advice and 120 for express
#: delivery (:func:`panels.simulated.walkers.service_wtp_median`), so evening advice, costing more than its buyers
#: pay at its best price, is one not to promise.
DEMO_SERVICE_FEATURES: list[dict[str, Any]] = [
    {
        "id": "repairs",
        "wording": "free repairs for a year",
        "cost": 8.0,
        "prices": [20, 40, 80],
        "currency": "USD",
    },
    {
        "id": "evening-advice",
        "wording": "phone advice in the evening",
        "cost": 35.0,
        "prices": [10, 20, 40],
        "currency": "USD",
    },
    {
        "id": "express-delivery",
        "wording": "next-day delivery",
        "cost": 6.0,
        "prices": [5, 15, 25],
        "currency": "USD",
    },
]


#: The service dimension whose satisfaction the demo asks of everyone who used a brand (service.dissatisfied.*);
#: one, so the demo's survey stays short.
DEMO_SERVICE_SATISFACTION: list[str] = ["delivery_times"]
