"""The written summary's sentences on a wave's stored insight (:mod:`recognition.waves.insight`), told only
where they change the story:

* **what goes with an outcome**: for consideration and for preference, the image attribute with the largest share
  of the explained variance (key drivers, on the summary's base: everybody or potential customers), when that
  share's bootstrap interval lies wholly above an even split among the attributes, the base is not low and
  the model explains something (R² interval above 0); with how the own brand is rated on it against the
  leading competitor on the outcome (the brands' association figures, :func:`recognition.figures.
  compare_figures`; the two brands are rated by the same respondents, whose positive halo makes that test
  conservative);
* **mental availability** (everybody, single waves): the own brand's mental market share and mental
  penetration against the previous wave's (:func:`recognition.figures.compare_figures`, Benjamini–Hochberg
  over the two), told when significant; and its mental market share when even the top of its interval is
  below :data:`FAR_BELOW` of its share of aided awareness (its aided awareness over the sum of every brand's).

Nothing is told when the insight is missing, a base is low or suppressed, or nothing clears the bar.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from recognition.figures import Change, Figure, StatisticsOptions, compare_figures
from recognition.labels import attribute_name
from recognition.reports.model import PollData
from recognition.reports.wording import Voice, first

DRIVER_OUTCOMES = ("consider", "prefer")
MENTAL_MEASURES = ("mental_market_share", "mental_penetration")
#: Mental market share is "far below" the aided awareness share when its interval's top is below this fraction.
FAR_BELOW = 2 / 3


@dataclass(frozen=True)
class InsightRead:
    """One sentence of the summary on the insight, the figure it rests on (None for a driver share) and how it
    was judged."""

    text: str
    metric: str
    brand: str
    figure: Figure | None
    test: str


def _ok(status: Any) -> bool:
    return status == "ok"


def top_driver(result: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The attribute driving a driver result most, when it does so clearly: an ok base, an R² interval above 0
    and the top share's interval wholly above an even split among the attributes; None otherwise."""
    if not _ok(result.get("base_status")) or not (result.get("r_squared_low") or 0.0) > 0:
        return None
    rated = [a for a in result.get("attributes") or [] if a.get("share") is not None]
    if len(rated) < 2:
        return None
    top = max(rated, key=lambda a: a["share"])
    return top if (top.get("share_low") or 0.0) > 1 / len(rated) else None


def driver_reads(
    data: PollData,
    wave_id: int,
    segment: str,
    insight: Mapping[str, Any] | None,
    v: Voice,
    options: StatisticsOptions,
) -> list[InsightRead]:
    """What goes with consideration and preference most on the summary's base, when the drivers say clearly (one
    sentence for both when the same attribute leads both), with the own brand against the competitor leading
    on the (first) outcome."""
    if not insight or data.window != 1:
        return []
    found = {
        r["outcome"]: top
        for r in insight.get("drivers") or []
        if r.get("base") == segment
        and r.get("outcome") in DRIVER_OUTCOMES
        and (top := top_driver(r)) is not None
    }
    by_attribute: dict[str, list[str]] = {}
    for outcome in DRIVER_OUTCOMES:
        if outcome in found:
            by_attribute.setdefault(found[outcome]["attribute"], []).append(outcome)
    out: list[InsightRead] = []
    for attribute, outcomes in by_attribute.items():
        name = attribute_name(attribute)
        what = v.s("and").join(v.name(o) if v.locale == "de" else v.name(o).lower() for o in outcomes)
        shares = v.s("and").join(v.fmt.value(found[o]["share"]) for o in outcomes)
        text = v.s("driver", Attribute=first(name), outcomes=what, among=v.among(segment), shares=shares)
        own = data.cell(wave_id, attribute, data.own_brand, segment)
        text += _against(data, wave_id, segment, outcomes[0], own, v, options) + "."
        out.append(InsightRead(text, attribute, data.own_brand, own, v.s("test.drivers")))
    return out


def _against(
    data: PollData,
    wave_id: int,
    segment: str,
    outcome: str,
    own: Figure | None,
    v: Voice,
    options: StatisticsOptions,
) -> str:
    """``; Acme is rated below Café Y on it (40% against 52%)``: the own brand against the competitor leading on
    the outcome, on the attribute; empty when either figure is not shown."""
    leaders = [
        c
        for b, _ in data.brands
        if b != data.own_brand and (c := data.cell(wave_id, outcome, b, segment)) is not None and c.shown
    ]
    if own is None or not own.shown or not leaders:
        return ""
    leader = max(leaders, key=lambda c: c.estimate or 0.0)
    theirs = data.cell(wave_id, own.metric, leader.brand, segment)
    if theirs is None or not theirs.shown:
        return ""
    (change,) = compare_figures([(theirs, own)], options, family=lambda _: "drivers")
    mine, rival = data.brand_name(data.own_brand), data.brand_name(leader.brand)
    values = v.s("driver.values", own=v.fmt.value(own.estimate), theirs=v.fmt.value(theirs.estimate))
    if change is None or not change.significant:
        return v.s("driver.same", mine=mine, rival=rival, values=values)
    side = v.s("rated.above" if change.difference > 0 else "rated.below")
    return v.s("driver.differs", mine=mine, side=side, rival=rival, values=values)


def _figure(measure: Mapping[str, Any], metric: str, brand: str, level: float) -> Figure | None:
    if measure.get("estimate") is None or measure.get("se") is None or not _ok(measure.get("base_status")):
        return None
    return Figure(
        metric=metric,
        brand=brand,
        segment="all",
        base="total",
        kind="proportion",
        estimate=measure["estimate"],
        se=measure["se"],
        ci_low=measure.get("ci_low"),
        ci_high=measure.get("ci_high"),
        ci_method="logit" if metric == "mental_penetration" else "t",
        level=level,
        n=int(measure.get("n") or 0),
        n_eff=measure.get("n_eff"),
        deff=None,
        base_status="ok",
    )


def mental_figures(insight: Mapping[str, Any] | None, brand: str) -> dict[str, Figure]:
    """The brand's mental market share and penetration in the stored insight, as figures (those on an ok base)."""
    ma = (insight or {}).get("mental_availability")
    row = next((r for r in (ma or {}).get("brands") or [] if r.get("brand") == brand), None)
    if row is None:
        return {}
    level = float(ma.get("level") or 0.95)  # type: ignore[union-attr]
    return {m: f for m in MENTAL_MEASURES if (f := _figure(row.get(m) or {}, m, brand, level)) is not None}


def mental_reads(
    data: PollData,
    wave_id: int,
    segment: str,
    insight: Mapping[str, Any] | None,
    previous: Mapping[str, Any] | None,
    v: Voice,
    options: StatisticsOptions,
) -> list[InsightRead]:
    """Significant moves of the own brand's mental availability since the previous wave, and a mental market
    share far below its share of aided awareness (everybody, single waves only)."""
    if segment != "all" or data.window != 1:
        return []
    now = mental_figures(insight, data.own_brand)
    if not now:
        return []
    brand = data.brand_name(data.own_brand)
    before = mental_figures(previous, data.own_brand)
    pairs = [(before[m], now[m]) for m in MENTAL_MEASURES if m in now and m in before]
    out: list[InsightRead] = []
    changes: Sequence[Change | None] = compare_figures(pairs, options, family=lambda _: "mental")
    for (_, f), ch in zip(pairs, changes, strict=True):
        if ch is not None and ch.significant:
            text = v.s(
                "mental.move",
                Measure=v.s(f"mental.{f.metric}.opening"),
                brand=brand,
                verb=v.s("rose" if ch.difference > 0 else "fell"),
                size=v.fmt.size(ch.difference),
                value=v.fmt.value(f.estimate),
            )
            out.append(InsightRead(text, f.metric, f.brand, f, v.s("test.mental")))
    share, mms = aware_share(data, wave_id), now.get("mental_market_share")
    if share is not None and mms is not None and mms.ci_high is not None and mms.ci_high < FAR_BELOW * share:
        out.append(
            InsightRead(
                v.s(
                    "mental.far_below", brand=brand, share=v.fmt.value(mms.estimate), aware=v.fmt.value(share)
                ),
                mms.metric,
                mms.brand,
                mms,
                v.s("test.share"),
            )
        )
    return out


def aware_share(data: PollData, wave_id: int) -> float | None:
    """The own brand's aided awareness over the sum of every brand's (everybody); None unless all are shown."""
    cells = [data.cell(wave_id, "aided", b, "all") for b, _ in data.brands]
    if not cells or any(c is None or not c.shown or c.estimate is None for c in cells):
        return None
    total = sum(c.estimate for c in cells if c is not None and c.estimate is not None)
    own = data.cell(wave_id, "aided", data.own_brand, "all")
    return None if own is None or own.estimate is None or total <= 0 else own.estimate / total
