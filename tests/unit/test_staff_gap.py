"""The staff view's pure parts: the staff screens of a questionnaire, and the gap between an unweighted staff
share and a public estimate, against Wilson's formula and the independent-samples standard error written out."""

from __future__ import annotations

import math

from recognition.questionnaire.staff import staff_metrics, staff_questionnaire
from recognition.stats.staff_gap import PublicFigure, staff_gap
from tests.unit.test_questionnaire import questionnaire

Z = 1.959963984540054


def test_the_staff_view_asks_only_the_aided_list_and_the_image_screens() -> None:
    full = questionnaire()
    staff = staff_questionnaire(full)
    assert {s.module for s in full.screens} > {"aided", "image", "screener", "unaided"}
    assert [s.id for s in staff.screens] == [s.id for s in full.screens if s.module in ("aided", "image")]
    assert staff.screens[0].id == "aided" and len(staff.screens) == 1 + len(full.config.attributes)
    assert staff_metrics(full) == ("aided", *(f"image.{a.id}" for a in full.config.attributes))


def test_the_gap_is_staff_minus_public_with_wilson_and_combined_standard_errors() -> None:
    public = PublicFigure(0.40, 0.02, 0.36, 0.44, 1000, 800.0)
    rows = staff_gap(
        {("aided", "a"): (7, 10), ("aided", "b"): (0, 10), ("aided", "c"): (0, 0)}, {("aided", "a"): public}
    )
    a, b, c = rows
    p, n = 0.7, 10
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    assert math.isclose(a.staff_low, centre - half) and math.isclose(a.staff_high, centre + half)  # type: ignore[arg-type]
    se = math.sqrt(p * (1 - p) / n + 0.02**2)
    assert math.isclose(a.gap, 0.3) and math.isclose(a.gap_se, se)  # type: ignore[arg-type]
    assert math.isclose(a.gap_low, 0.3 - Z * se) and math.isclose(a.gap_high, 0.3 + Z * se)  # type: ignore[arg-type]
    # 0 of 10: the Wilson interval starts at 0 and reaches z²/(n + z²); no public figure: no gap
    assert b.staff_share == 0 and b.staff_low == 0
    assert math.isclose(b.staff_high, Z * Z / (n + Z * Z))  # type: ignore[arg-type]
    assert b.public is None and b.gap is None
    # nobody answered: nothing to show
    assert c.staff_share is None and c.gap is None
