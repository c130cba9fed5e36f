"""The service promise: what the company promises (standard), what it offers for a price (paid add-on, with the
price) and what it explicitly does not do, from the latest published wave's service analysis
(:mod:`recognition.waves.service`) and the marketer's decisions, which override the recommendation per feature.

Pure: given the poll's features, the stored analysis and the decisions, it returns the document the API serves,
the dashboard page shows and the PDF prints. Each item says whether it follows the analysis or the marketer
decided it, and what the analysis recommended then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recognition.reports.numbers import Numbers
from recognition.store.service import Decision

#: The base whose recommendation the promise follows: everybody asked.
BASE = "all"
LISTS = ("promised", "offered", "not_promised", "undecided")
HEADINGS = {
    "promised": "We promise",
    "offered": "We offer for a price",
    "not_promised": "We do not promise",
    "undecided": "Not yet decided",
}
CHOICE_LIST = {"standard": "promised", "paid_add_on": "offered", "do_not_promise": "not_promised"}
CHOICE_WORDS = {
    "standard": "include as standard",
    "paid_add_on": "offer as a paid add-on",
    "do_not_promise": "do not promise",
}


def _analysis(found: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The recommendation of the analysed feature among everybody, or None when it was not analysed."""
    if found is None:
        return None
    base = next((b for b in found.get("bases", []) if b["base"] == BASE), None)
    if base is None:
        return None
    return {
        "base": BASE,
        "recommendation": base["recommendation"],
        "best_price": base["best_price"],
        "best_price_low": base["best_price_low"],
        "best_price_high": base["best_price_high"],
        "flip_probability": base["flip_probability"],
        "uncertain": base["uncertain"],
        "n": base["n"],
    }


def build_promise(
    features: Sequence[Mapping[str, Any]],
    service: Mapping[str, Any] | None,
    decisions: Sequence[Decision],
) -> dict[str, Any]:
    """The promise of a poll's ``features`` (as the poll defines them: id, wording, cost, currency) from the
    ``service`` analysis of a wave (None: not analysed) and the marketer's ``decisions``.

    A decided feature goes where the marketer put it (``source`` "marketer", with the analysis' word beside it);
    any other goes where the analysis recommends among everybody (``source`` "analysis"), at its
    revenue-maximising price when it is a paid add-on; a feature neither analysed nor decided is undecided."""
    analysed = {f["id"]: f for f in (service or {}).get("features", [])}
    decided = {d.feature_id: d for d in decisions}
    lists: dict[str, list[dict[str, Any]]] = {name: [] for name in LISTS}
    for feature in features:
        fid = feature["id"]
        found = analysed.get(fid)
        analysis = _analysis(found)
        item: dict[str, Any] = {
            "id": fid,
            "label": (found or {}).get("label") or feature.get("wording") or fid,
            "currency": feature.get("currency") or (found or {}).get("currency", ""),
            "cost": feature.get("cost"),
            "analysis": analysis,
        }
        decision = decided.get(fid)
        if decision is not None:
            choice, price = decision.choice, decision.price
            item |= {
                "source": "marketer",
                "note": decision.note,
                "decided_by": decision.decided_by,
                "decided_at": decision.decided_at.isoformat(),
                "overrides": analysis is None
                or analysis["recommendation"] != choice
                or (choice == "paid_add_on" and price != analysis["best_price"]),
            }
        elif analysis is not None:
            choice = analysis["recommendation"]
            price = analysis["best_price"] if choice == "paid_add_on" else None
            item |= {
                "source": "analysis",
                "note": "",
                "decided_by": None,
                "decided_at": None,
                "overrides": False,
            }
        else:
            lists["undecided"].append(
                item | {"choice": None, "price": None, "source": None, "note": "", "overrides": False}
            )
            continue
        lists[CHOICE_LIST[choice]].append(item | {"choice": choice, "price": price})
    return lists


def analysis_words(item: Mapping[str, Any], fmt: Numbers) -> str:
    """What the analysis said of an item, in words (for the page and the PDF), its numbers as ``fmt`` writes them."""
    a = item.get("analysis")
    if a is None:
        return "not analysed in the latest wave"
    said = CHOICE_WORDS[a["recommendation"]]
    if a["recommendation"] == "paid_add_on":
        said += f" at {fmt.decimal(a['best_price'], 2)} {item['currency']}"
    flips = a.get("flip_probability")
    chance = f"; chance it flips {fmt.value(flips)}" if flips is not None else ""
    return f"the analysis recommends: {said}{chance}"
