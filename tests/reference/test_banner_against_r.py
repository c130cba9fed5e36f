"""Banner-table significance letters against R's survey package (tests/reference/make_banner_fixtures.R).

R: a sample raked with ``calibrate(svydesign(ids = ~1, weights = ~1), ~age + gender + region, population,
calfun = "raking")``; each banner column ``svyby(~y, ~banner, design, svymean, na.rm = TRUE)``; each pair of
columns of one banner variable ``svycontrast(svymean(~yA + iA + yB + iB, design), quote(yA/iA - yB/iB))`` —
the difference of two domain means of the same design, linearised — with ``2 * pt(-abs(d / se), degf(design))``;
a column gets the letter of every column significantly lower at 0.05. NPS is a mean over its raters."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from recognition.exports.banner import banner_table, letters_of
from recognition.figures import StatisticsOptions
from recognition.stats import estimate_matrix, rake
from recognition.stats.domains import domain_contrasts
from recognition.waves.inputs import WaveInput

HERE = Path(__file__).parent / "fixtures" / "banner"
MARGINS = {
    "age": {"18-24": 0.117, "25-34": 0.174, "35-44": 0.171, "45-54": 0.153, "55-64": 0.156, "65+": 0.229},
    "gender": {"female": 0.510, "male": 0.490},
    "region": {"Northeast": 0.174, "Midwest": 0.205, "South": 0.386, "West": 0.235},
}
LEVELS = {
    "age": list(MARGINS["age"]),
    "region": list(MARGINS["region"]),
    "customer": ["current", "lapsed", "never"],
}
OUTCOMES = ("aware", "consider", "rare", "nps")


def _read(name: str) -> list[dict[str, str]]:
    with open(HERE / name, newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def sample() -> dict[str, list[str]]:
    rows = _read("sample.csv")
    return {k: [r[k] for r in rows] for k in rows[0]}


def _y(sample: dict[str, list[str]], outcome: str) -> np.ndarray:
    return np.array([np.nan if v == "" else float(v) for v in sample[outcome]])


def test_weights_and_domain_contrasts_match_r(sample: dict[str, list[str]]) -> None:
    result = rake({v: sample[v] for v in MARGINS}, MARGINS, tol=1e-13)
    np.testing.assert_allclose(result.weights, [float(w) for w in sample["weight"]], rtol=1e-9)
    expected = _read("contrasts.csv")
    checked = 0
    for outcome in OUTCOMES:
        y = _y(sample, outcome)
        for banner, levels in LEVELS.items():
            column = np.array(sample[banner])
            domains = np.column_stack([column == level for level in levels])
            pairs = [(i, j) for i in range(len(levels)) for j in range(i + 1, len(levels))]
            test = domain_contrasts(y[:, None], result.design, domains, pairs)
            own = estimate_matrix(
                np.nan_to_num(y)[:, None],
                result.design,
                domains & ~np.isnan(y)[:, None],
                kind="mean" if outcome == "nps" else "proportion",
            )
            rows = [r for r in expected if r["outcome"] == outcome and r["banner"] == banner]
            assert len(rows) == len(pairs)
            for (i, j), row in zip(pairs, rows, strict=True):
                assert (row["a"], row["b"]) == (levels[i], levels[j])
                assert own.estimate[i, 0] == pytest.approx(float(row["estimate_a"]), rel=1e-9, abs=1e-12)
                assert own.se[i, 0] == pytest.approx(float(row["se_a"]), rel=1e-7, abs=1e-12)
                k = pairs.index((i, j))
                assert test.difference[k, 0] == pytest.approx(float(row["difference"]), rel=1e-9, abs=1e-12)
                assert test.se[k, 0] == pytest.approx(float(row["se"]), rel=1e-7)
                assert test.p_value[k, 0] == pytest.approx(float(row["p_value"]), rel=1e-6, abs=1e-12)
                checked += 1
    assert checked == 96


def test_letters_match_r(sample: dict[str, list[str]]) -> None:
    result = rake({v: sample[v] for v in MARGINS}, MARGINS, tol=1e-13)
    expected = {
        (r["outcome"], r["banner"], r["level"]): (r["column"], r["letters"]) for r in _read("letters.csv")
    }
    lettered = 0
    for outcome in OUTCOMES:
        y = _y(sample, outcome)
        for banner, levels in LEVELS.items():
            column = np.array(sample[banner])
            domains = np.column_stack([column == level for level in levels])
            pairs = [(i, j) for i in range(len(levels)) for j in range(i + 1, len(levels))]
            test = domain_contrasts(y[:, None], result.design, domains, pairs)
            names = [expected[(outcome, banner, level)][0] for level in levels]
            got = letters_of(
                test.difference[:, 0], test.p_value[:, 0], pairs, names, 0.05, [True] * len(levels)
            )
            assert got == [expected[(outcome, banner, level)][1] for level in levels], (outcome, banner)
            lettered += sum(map(bool, got))
    assert lettered >= 5  # the fixture has differences to find


def test_banner_table_letters_and_bases(sample: dict[str, list[str]]) -> None:
    """The whole banner: its customer group's letters are R's (columns lettered across the banner)."""
    n = len(sample["age"])
    inp = WaveInput(
        respondent_ids=list(range(n)),
        demographics={v: sample[v] for v in MARGINS},
        indicators={
            ("aided", "x"): _y(sample, "aware"),
            ("consider", "x"): _y(sample, "consider"),
            ("nps", "x"): _y(sample, "nps"),
        },
        customer=sample["customer"],
    )
    options = StatisticsOptions(weight_bounds=None)
    table = banner_table(
        inp, MARGINS, options, title="t", brands=["x"], brand_names={"x": "X"}, groups=["age", "customer"]
    )
    assert [c.segment for c in table.columns] == [
        "all",
        *(f"age={a}" for a in MARGINS["age"]),
        "customer=current",
        "customer=lapsed",
        "customer=never",
    ]
    assert [c.letter for c in table.columns] == ["", "A", "B", "C", "D", "E", "F", "G", "H", "I"]
    expected = {(r["outcome"], r["banner"], r["level"]): r["letters"] for r in _read("letters.csv")}
    rename = dict(zip("ABC", "GHI", strict=True))
    for row, outcome in zip(table.rows, ("aware", "consider", "nps"), strict=True):
        age = [expected[(outcome, "age", a)] for a in MARGINS["age"]]
        customer = [
            "".join(rename[c] for c in expected[(outcome, "customer", s)]) for s in LEVELS["customer"]
        ]
        assert [c.letters for c in row.cells] == ["", *age, *customer], row.metric
    assert table.bases[0].n == n and table.bases[1].n == sample["age"].count("18-24")
    w = np.array([float(x) for x in sample["weight"]])
    young = np.array(sample["age"]) == "18-24"
    assert table.bases[1].n_eff == pytest.approx(w[young].sum() ** 2 / (w[young] ** 2).sum(), rel=1e-9)
