"""Injected clocks: the fake clock runs months of schedule in milliseconds."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from recognition.scheduling.clock import Clock, FakeClock, SystemClock
from recognition.scheduling.schedule import Schedule, fire_times_between, next_fire_times

START = datetime(2026, 1, 1, tzinfo=UTC)


async def settle() -> None:
    """Let woken tasks run."""
    for _ in range(5):
        await asyncio.sleep(0)


def test_both_clocks_satisfy_the_protocol() -> None:
    assert isinstance(SystemClock(), Clock)
    assert isinstance(FakeClock(), Clock)


async def test_system_clock() -> None:
    clock = SystemClock()
    before = clock.now()
    await clock.sleep(0.001)
    await clock.sleep(-1)  # negative sleeps return at once
    after = clock.now()
    assert before.tzinfo is UTC and after > before


async def test_fake_sleep_waits_for_fake_time() -> None:
    clock = FakeClock(START)
    task = asyncio.create_task(clock.sleep(3600))
    await settle()
    assert not task.done() and clock.sleepers == 1
    assert clock.next_wakeup == START + timedelta(hours=1)
    clock.advance(timedelta(minutes=59))
    await settle()
    assert not task.done()
    clock.advance(timedelta(minutes=1))
    await settle()
    assert task.done() and clock.sleepers == 0 and clock.next_wakeup is None
    assert clock.now() == START + timedelta(hours=1)


async def test_fake_sleepers_wake_in_target_order() -> None:
    clock = FakeClock(START)
    woke: list[int] = []

    async def sleeper(seconds: int) -> None:
        await clock.sleep(seconds)
        woke.append(seconds)

    tasks = [asyncio.create_task(sleeper(s)) for s in (30, 10, 20)]
    await settle()
    clock.advance(timedelta(seconds=25))
    await settle()
    assert woke == [10, 20]
    clock.advance_to(START + timedelta(minutes=1))
    await asyncio.gather(*tasks)
    assert woke == [10, 20, 30]


async def test_fake_zero_sleep_and_cancel() -> None:
    clock = FakeClock(START)
    await asyncio.wait_for(clock.sleep(0), timeout=1)
    task = asyncio.create_task(clock.sleep(10))
    await settle()
    task.cancel()
    await settle()
    assert clock.sleepers == 0
    clock.advance(timedelta(seconds=10))  # waking a cancelled sleep is harmless


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.advance(timedelta(seconds=-1)),
        lambda c: c.advance_to(START - timedelta(seconds=1)),
    ],
)
def test_fake_time_never_goes_backwards(call: Callable[[FakeClock], None]) -> None:
    with pytest.raises(ValueError, match="backwards"):
        call(FakeClock(START))


def test_fake_clock_needs_aware_start() -> None:
    with pytest.raises(ValueError, match="aware"):
        FakeClock(datetime(2026, 1, 1))
    assert FakeClock(datetime(2026, 1, 1, 1, tzinfo=FakeClock().now().tzinfo)).now().tzinfo is UTC


async def test_runs_a_year_of_waves_in_fake_time() -> None:
    """A loop that sleeps until each fire time, driven by jumping the fake clock to the next wake-up."""
    schedule = Schedule(kind="cron", cron="30 2 * * sun,thu", timezone="Europe/Berlin")
    clock = FakeClock(START)
    end = START + timedelta(days=365)
    fired: list[datetime] = []

    async def loop() -> None:
        while True:
            (due,) = next_fire_times(schedule, clock.now(), 1)
            await clock.sleep((due - clock.now()).total_seconds())
            fired.append(clock.now())

    task = asyncio.create_task(loop())
    await settle()
    while (wake := clock.next_wakeup) is not None and wake < end:
        clock.advance_to(wake)
        await settle()
    task.cancel()
    expected = fire_times_between(schedule, START, end)
    assert len(expected) == 53 + 52  # 2026 starts on a Thursday
    # including the shifted 2026-03-29 03:30 and the first 02:30 of 2026-10-25
    assert [t.astimezone(UTC) for t in expected] == fired
    assert datetime(2026, 3, 29, 1, 30, tzinfo=UTC) in fired  # 03:30+02:00
    assert datetime(2026, 10, 25, 0, 30, tzinfo=UTC) in fired  # 02:30+02:00
    assert datetime(2026, 10, 25, 1, 30, tzinfo=UTC) not in fired  # the repeated 02:30+01:00
