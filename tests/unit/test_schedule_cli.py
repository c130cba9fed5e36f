"""``recognition schedule preview``, run in-process."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pytest

import recognition.cli as cli

Main = Callable[[Sequence[str] | None], int]


@pytest.fixture
def main(monkeypatch: pytest.MonkeyPatch) -> Main:
    """``cli.main`` with only this command registered, so these tests do not depend on other commands."""
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("recognition.commands.schedule",))
    return cli.main


def test_registered_in_the_real_cli() -> None:
    assert "recognition.commands.schedule" in cli.COMMAND_MODULES


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["30 2 * * sun", "--tz", "Europe/Berlin", "--from", "2026-03-20", "--count", "3"],
         ["2026-03-22T02:30:00+01:00", "2026-03-29T03:30:00+02:00", "2026-04-05T02:30:00+02:00"]),
        (["@weekly", "--tz", "America/New_York", "--from", "2026-11-01T00:00:00-04:00", "--count", "2"],
         ["2026-11-01T00:00:00-04:00", "2026-11-08T00:00:00-05:00"]),
        # --from with an offset is an instant; naive is read in --tz
        (["0 9 * * *", "--tz", "Australia/Sydney", "--from", "2026-04-04T23:00Z", "--count", "1"],
         ["2026-04-05T09:00:00+10:00"]),  # 23:00Z is 09:00 AEST, a fire time: included
        (["0 9 * * *", "--from", "2026-04-04T09:00", "--count", "1"], ["2026-04-04T09:00:00+00:00"]),
    ],
)  # fmt: skip
def test_preview_json(
    main: Main, capsys: pytest.CaptureFixture[str], argv: list[str], expected: list[str]
) -> None:
    assert main(["schedule", "preview", *argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == expected


def test_preview_text_has_weekdays(main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["schedule", "preview", "0 9 13 * fri", "--from", "2026-02-10T00:00+00:00", "--count", "3"]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines() == [
        "2026-02-13T09:00:00+00:00  Fri",
        "2026-02-20T09:00:00+00:00  Fri",
        "2026-02-27T09:00:00+00:00  Fri",
    ]


def test_preview_defaults_to_now(main: Main, capsys: pytest.CaptureFixture[str]) -> None:
    before = datetime.now(UTC)
    assert main(["schedule", "preview", "* * * * *", "--json"]) == 0
    times = [datetime.fromisoformat(t) for t in json.loads(capsys.readouterr().out)]
    assert len(times) == 10
    assert (
        before < times[0] <= before.replace(second=0, microsecond=0).astimezone(UTC) + (times[1] - times[0])
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["0 25 * * *"],
            "recognition: error: bad cron expression '0 25 * * *': cron hour: '25' is out of range 0-23",
        ),
        (["0 9 * * fry"], "cron day-of-week: bad token 'fry'"),
        (["0 9 * *"], "expected 5 fields"),
        (
            ["@daily", "--tz", "Europe/Berlinn"],
            "recognition: error: --tz: unknown IANA time zone 'Europe/Berlinn'",
        ),
        (["@daily", "--from", "next week"], "recognition: error: --from: bad ISO 8601 date-time 'next week'"),
        (["@daily", "--count", "0"], "recognition: error: --count: must be between 1 and 1000, got 0"),
    ],
)
def test_preview_errors(
    main: Main, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["schedule", "preview", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err and len(captured.err.strip().splitlines()) == 1
