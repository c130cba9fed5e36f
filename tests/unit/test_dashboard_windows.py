"""The dashboard's window filter offers what the service computes (``statistics.windows``), and refuses the rest
by name."""

from __future__ import annotations

from dataclasses import replace

import pytest

from recognition.reports.views import FilterError, offered_windows, parse_filters
from recognition.settings import load_settings


def test_windows_offered_are_those_the_service_computes() -> None:
    settings = load_settings(env={})
    assert offered_windows(settings) == (1, 3, 4, 6)  # the default statistics.windows: 2, 3, 4, 6 and 12
    narrow = replace(settings, statistics_windows=(3, 4))
    assert offered_windows(narrow) == (1, 3, 4)
    assert parse_filters({"window": "4"}, ["all"], ["aided"], offered_windows(narrow)).window == 4
    with pytest.raises(FilterError, match=r"window: must be one of 1, 3, 4$"):
        parse_filters({"window": "6"}, ["all"], ["aided"], offered_windows(narrow))
    with pytest.raises(FilterError, match="window: must be one of"):
        parse_filters({"window": "six"}, ["all"], ["aided"], offered_windows(narrow))
