"""Objective evaluation, dashboard figures, the written summary and signed tokens: pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from recognition.alerts.events import event_id, find_events, messages
from recognition.alerts.objectives import evaluate
from recognition.figures import Figure, StatisticsOptions, compare_figures
from recognition.labels import metric_namer
from recognition.polls.model import Objective
from recognition.reports.model import (
    PollData,
    WaveInfo,
    baseline,
    since_changes,
    tiles,
    version_breaks,
    year_ago,
)
from recognition.reports.summary import summarise
from recognition.web.dashboard import access

T0 = datetime(2025, 1, 6, tzinfo=UTC)


def _objective(threshold: float, direction: str = "at_least", metric: str = "aided") -> Objective:
    return Objective(
        id=7,
        poll_id=1,
        metric=metric,
        brand="acme",
        segment="all",
        threshold=threshold,
        direction=direction,
        label="",
        created_at=T0,
    )


def _cell(
    est: float,
    low: float,
    high: float,
    *,
    wave: int = 1,
    metric: str = "aided",
    brand: str = "acme",
    status: str = "ok",
    se: float = 0.015,
    **kw: object,
) -> tuple[int, Figure]:
    """A figure of wave ``wave`` (returned with it)."""
    figure = Figure(
        metric=metric,
        brand=brand,
        segment="all",
        base="total",
        kind="mean" if metric == "nps" else "proportion",
        estimate=est,
        se=se,
        ci_low=low,
        ci_high=high,
        ci_method="logit",
        level=0.95,
        n=1000,
        n_eff=800.0,
        deff=1.25,
        base_status=status,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    return wave, figure


def _fig(*args: float, **kw: object) -> Figure:
    return _cell(*args, **kw)[1]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("direction", "threshold", "ci", "status"),
    [
        ("at_least", 0.60, (0.62, 0.68), "on_track"),  # CI wholly above the floor
        ("at_least", 0.60, (0.58, 0.64), "at_risk"),  # straddles
        ("at_least", 0.60, (0.52, 0.58), "breached"),  # significantly below
        ("at_least", 0.60, (0.60, 0.66), "at_risk"),  # touching the limit is not clear of it
        ("at_most", 0.20, (0.12, 0.18), "on_track"),
        ("at_most", 0.20, (0.17, 0.23), "at_risk"),
        ("at_most", 0.20, (0.21, 0.27), "breached"),
    ],
)
def test_objective_status_follows_the_interval(
    direction: str, threshold: float, ci: tuple[float, float], status: str
) -> None:
    low, high = ci
    result = evaluate(_objective(threshold, direction), _fig((low + high) / 2, low, high), 3)
    assert result.status == status
    assert result.wave_id == 3 and result.ci_low == low and result.ci_high == high


def test_objective_without_a_figure_or_with_a_suppressed_base() -> None:
    assert evaluate(_objective(0.5), None, 1).status == "no_data"
    suppressed = evaluate(_objective(0.5), _fig(0.2, 0.1, 0.3, status="suppressed"), 1)
    assert suppressed.status == "suppressed" and suppressed.estimate is None


def test_nps_objective_in_points() -> None:
    assert evaluate(_objective(10, metric="nps"), _fig(-20, -27, -13, metric="nps"), 1).status == "breached"
    assert evaluate(_objective(-30, metric="nps"), _fig(-20, -27, -13, metric="nps"), 1).status == "on_track"


def test_events_are_deterministic_and_only_for_breaches_and_own_drops() -> None:
    statuses = [
        evaluate(_objective(0.6), _fig(0.55, 0.52, 0.58), 9),
        evaluate(_objective(0.5), _fig(0.55, 0.52, 0.58), 9),
    ]
    cells = [
        _fig(0.55, 0.52, 0.58, change=-0.05, q_value=0.001, p_value=0.0005, significant=True),
        _fig(0.30, 0.27, 0.33, brand="rival", change=-0.06, q_value=0.001, significant=True),
        _fig(0.40, 0.37, 0.43, metric="consider", change=-0.01, q_value=0.4, significant=False),
    ]
    events = find_events(1, 9, "acme", statuses, cells, {"acme": "Acme"})
    assert [e.kind for e in events] == ["objective.breached", "estimate.significant_drop"]
    assert events[0].id == event_id("objective.breached", 7, 9)
    again = find_events(1, 9, "acme", statuses, cells, {"acme": "Acme"})
    assert [e.id for e in again] == [e.id for e in events]
    assert "breached its objective of at least 60%" in events[0].payload["text"]
    assert "fell 5 points to 55%" in events[1].payload["text"]
    assert len(messages(events, digest=False)) == 2
    returns = "service.dissatisfied.returns"  # the marketer's own dimension reads in her words
    limit = evaluate(_objective(0.1, "at_most", returns), _fig(0.3, 0.25, 0.35, metric=returns), 9)
    named = find_events(
        1,
        9,
        "acme",
        [limit],
        [],
        {"acme": "Acme"},
        metric_namer("en", [{"id": "returns", "label": "easy returns"}]),
    )
    assert named[0].payload["text"].startswith("Dissatisfied with the service: easy returns of Acme")
    (digest,) = messages(events, digest=True)
    assert digest[1]["type"] == "digest" and len(digest[1]["events"]) == 2


def _poll(waves: list[WaveInfo], cells: list[tuple[int, Figure]]) -> PollData:
    return PollData(
        1,
        "t",
        "acme",
        (("acme", "Acme"), ("rival", "Rival")),
        tuple(waves),
        {(w, c.metric, c.brand, c.segment): c for w, c in cells},
    )


def _wave(i: int, version: int = 1, days: int = 7) -> WaveInfo:
    return WaveInfo(i, T0 + timedelta(days=days * (i - 1)), None, None, version)


def test_year_ago_change_is_tested_and_marked_only_when_significant_and_large() -> None:
    waves = [_wave(1, days=365), _wave(2, days=365)]  # wave 2 is one year after wave 1
    cells = [
        _cell(0.50, 0.47, 0.53, wave=1, se=0.015),
        _cell(0.60, 0.57, 0.63, wave=2, se=0.015),
        _cell(0.20, 0.17, 0.23, wave=1, metric="prefer", se=0.015),
        _cell(0.21, 0.18, 0.24, wave=2, metric="prefer", se=0.015),
    ]
    data = _poll(waves, cells)
    assert year_ago(data.waves, data.waves[1]) == data.waves[0]
    by_metric = {t.metric: t for t in tiles(data, 2, "all", StatisticsOptions())}
    assert by_metric["aided"].vs_year is not None and by_metric["aided"].vs_year.arrow == "▲"
    assert by_metric["prefer"].vs_year is not None and by_metric["prefer"].vs_year.arrow == ""
    assert by_metric["aided"].vs_previous is None  # the stored test is absent


def test_significant_but_tiny_change_gets_no_arrow() -> None:
    (change,) = compare_figures(
        [(_fig(0.5, 0, 1, se=0.001), _fig(0.51, 0, 1, se=0.001))], StatisticsOptions()
    )
    # z = 0.01 / √(2 · 0.001²) = 7.07, two-sided p = 1.5e-12: significant, but 1 point < the 2-point threshold
    assert change is not None and change.q_value is not None and change.q_value < 1e-11
    assert not change.significant and change.arrow == ""


def test_version_breaks() -> None:
    assert version_breaks([_wave(1), _wave(2), _wave(3, version=2), _wave(4, version=2)]) == [2]


def test_summary_leads_with_the_news() -> None:
    """Objectives at risk or breached first, then significant moves in plain words, then the headline figures
    with no significant change in one line; each point traces to its figure."""
    waves = [_wave(1), _wave(2)]
    cells = [
        _cell(0.58, 0.55, 0.61, wave=1),
        _cell(0.62, 0.59, 0.65, wave=2, change=0.04, p_value=0.004, q_value=0.01, significant=True),
        _cell(
            0.30,
            0.27,
            0.33,
            wave=2,
            metric="consider",
            change=0.01,
            p_value=0.5,
            q_value=0.6,
            significant=False,
        ),
        _cell(
            0.10,
            0.08,
            0.12,
            wave=2,
            metric="prefer",
            change=-0.002,
            p_value=0.9,
            q_value=0.9,
            significant=False,
        ),
        _cell(-35, -50, -19, wave=2, metric="nps", change=-4.0, p_value=0.5, q_value=0.7, significant=False),
    ]
    statuses = [
        evaluate(_objective(10, metric="nps"), cells[4][1], 2),
        evaluate(_objective(0.6), cells[1][1], 2),
    ]
    summary = summarise(_poll(waves, cells), 2, "all", statuses)
    texts = [p.text for p in summary.points]
    assert [p.kind for p in summary.points] == ["objective", "objective", "change", "no_change"]
    assert texts[0] == (
        "Objective breached: NPS of Acme at least 10. Now \u221235, clearly below the limit of 10."
    )
    assert texts[1].startswith("Objective at risk: Aided awareness of Acme at least 60%.")
    assert "59\u00a0to\u00a065%" in texts[1]
    assert texts[2] == "Aided awareness of Acme rose 4\u00a0points to 62%."
    assert summary.points[2].n == 1000 and summary.points[2].q_value == 0.01 and summary.points[2].test
    assert summary.points[2].family == "headline" and not summary.points[2].exploratory
    assert texts[3] == "No significant change in consideration, preference or NPS of Acme."
    assert summary.previous_wave_id == 1


def test_low_base_warning_names_the_figures() -> None:
    cells = [
        _cell(0.62, 0.59, 0.65, wave=2),
        _cell(0.20, 0.1, 0.3, wave=2, brand="rival", metric="prefer", status="low"),
    ]
    summary = summarise(_poll([_wave(1), _wave(2)], cells), 2, "all")
    (low,) = summary.of_kind("low_base")
    assert "Preference of Rival (800)" in low.text and low.items == ("prefer|rival|all",)


def test_share_tokens_are_signed_scoped_and_expire() -> None:
    token = access.share_token("secret" * 8, 42, "link-1", 2_000_000_000)
    share = access.read_share("secret" * 8, token)
    assert share is not None and share.poll_id == 42 and share.link_id == "link-1"
    assert access.read_share("other" * 8, token) is None
    body, mac = token.split(".")
    assert access.read_share("secret" * 8, body + "x." + mac) is None
    assert access.read_share("secret" * 8, access.share_token("secret" * 8, 42, "l", 1)) is None  # expired
    # a link of the old kind names no link row, so it could never be withdrawn: refused
    old = access.make_token("secret" * 8, {"t": "share", "poll": 42, "exp": 2_000_000_000})
    assert access.read_share("secret" * 8, old) is None
    sid = access.new_session_id()
    assert access.session_hash(sid) != sid and len(access.session_hash(sid)) == 64
    assert access.csrf_ok("secret" * 8, sid, access.csrf_token("secret" * 8, sid))
    assert not access.csrf_ok("secret" * 8, sid, access.csrf_token("secret" * 8, "other"))
    assert not access.csrf_ok("secret" * 8, "", "")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/dashboard/polls/1?segment=all", "/dashboard/polls/1?segment=all"),
        ("/\t/evil.example", "/dashboard"),  # a browser drops the tab: //evil.example
        ("/%09/evil.example", "/dashboard"),
        ("//evil.example", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("https://evil.example/dashboard", "/dashboard"),
        ("/dashboard/../admin", "/dashboard"),
        ("/dashboard%2F%2Fevil", "/dashboard"),
        ("/share/abc", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
        ("", "/dashboard"),
    ],
)
def test_sign_in_only_returns_to_dashboard_paths(target: str, expected: str) -> None:
    assert access.safe_next(target.replace("\\t", "\t")) == expected


def test_a_slow_drift_shows_as_a_change_since_the_baseline() -> None:
    """A point a wave is never significant wave on wave, but after three waves the z test of the latest wave
    against the first (se √(0.015² + 0.015²) = 2.1 points, Δ = 8 points: z = 3.8) flags it."""
    waves = [_wave(i) for i in (1, 2, 3, 4)]
    cells = [
        _cell(0.50, 0.47, 0.53, wave=1),
        _cell(0.58, 0.55, 0.61, wave=4, change=0.02, p_value=0.35, q_value=0.5, significant=False),
        _cell(0.30, 0.27, 0.33, wave=1, metric="consider"),
        _cell(
            0.31,
            0.28,
            0.34,
            wave=4,
            metric="consider",
            change=0.0,
            p_value=0.9,
            q_value=0.9,
            significant=False,
        ),
    ]
    data = _poll(waves, cells)
    assert baseline(data.waves, 4) == data.waves[0] and baseline(data.waves, 2) is None
    assert baseline(data.waves, 4, window=3) is None
    moves = since_changes(data, 4, "all", StatisticsOptions())
    assert moves[("aided", "acme")].significant and not moves[("consider", "acme")].significant
    summary = summarise(data, 4, "all", moves=moves, start=data.waves[0])
    assert summary.points[0].kind == "since"
    assert summary.points[0].text == "Since 06 Jan 2025, aided awareness of Acme rose 8\u00a0points to 58%."
    assert summary.points[0].as_dict()["baseline"]["wave_id"] == 1
    assert summary.of_kind("no_change")[0].items == ("consider",)  # not "no change" in what drifted
    by_metric = {t.metric: t for t in tiles(data, 4, "all", StatisticsOptions(), moves)}
    assert by_metric["aided"].vs_since is not None and by_metric["aided"].vs_since.arrow == "▲"


def test_cards_carry_the_trend_and_restart_it_at_a_questionnaire_change() -> None:
    """Aided rises 2 points a wave exactly (se 1.5 points each): the OLS slope over waves 1..5 is 0.02, the
    change first to last 8 points; se = 0.015/√10 (Σ(t − t̄)² = 10 for t = 0..4), t = 6.3 on 3 df, p = 0.008."""
    waves = [_wave(i) for i in range(1, 6)]
    cells = [_cell(0.50 + 0.02 * (i - 1), 0, 1, wave=i) for i in range(1, 6)]
    (tile,) = tiles(_poll(waves, cells), 5, "all", StatisticsOptions())
    assert tile.trend is not None and tile.trend.wave_ids == (1, 2, 3, 4, 5)
    assert abs(tile.trend.slope - 0.02) < 1e-12 and abs(tile.trend.se - 0.015 / 10**0.5) < 1e-12  # type: ignore[operator]
    assert tile.trend.significant
    changed = [_wave(i, version=2 if i >= 4 else 1) for i in range(1, 6)]
    (tile,) = tiles(_poll(changed, cells), 5, "all", StatisticsOptions())
    assert tile.trend is None  # waves 4 and 5 only since the change: too few for a trend
    (tile,) = tiles(_poll(waves, cells), 3, "all", StatisticsOptions())
    assert tile.trend is not None and tile.trend.wave_ids == (1, 2, 3)  # never past the wave shown
    data = _poll(waves, cells)
    cards = tiles(data, 5, "all", StatisticsOptions())
    summary = summarise(data, 5, "all", trends={t.metric: t.trend for t in cards if t.trend})
    (point,) = summary.of_kind("trend")  # no stored wave-on-wave change: the trend is what is told
    assert (
        point.text
        == "Over the last 5 waves, aided awareness of Acme has been rising: 8\u00a0points in all, to 58%."
    )
    assert point.as_dict()["trend"]["wave_ids"] == [1, 2, 3, 4, 5] and not summary.of_kind("no_change")
