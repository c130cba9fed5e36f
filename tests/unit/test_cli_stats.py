"""``recognition weight | estimate | compare | simulate`` run in-process on temporary CSV files."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from panels.simulated.population import SyntheticPopulation
from recognition.cli import main
from recognition.commands.stats import WEIGHTING_KEYS
from recognition.populations import load_margins

US = load_margins("us")
FIELDS = ["id", "age", "gender", "region", "education", "aware_a", "aware_b", "nps", "note"]


def _sample_rows(n: int, seed: int, *, shift: float = 0.0) -> list[dict[str, Any]]:
    """A skewed panel draw (young, female, educated over-represented) with two brand indicators and NPS."""
    population = SyntheticPopulation.from_margins(US, ["a", "b"], seed=3)
    rng = np.random.default_rng(seed)
    sample = population.draw_panel(n, rng, 0)
    aware_b = sample.outcomes[("aided", "b")]
    if shift:  # flip some zeros to ones: a later wave with higher awareness of b
        aware_b = np.where((aware_b == 0) & (rng.random(n) < shift), 1, aware_b)
    nps = rng.choice([-100, 0, 100], size=n, p=[0.3, 0.3, 0.4])
    rows = []
    for i in range(n):
        rows.append(
            {
                "id": f"r{i:04d}",
                **{var: str(sample.demographics[var][i]) for var in US},
                "aware_a": int(sample.outcomes[("aided", "a")][i]),
                "aware_b": int(aware_b[i]),
                "nps": int(nps[i]),
                "note": "free text, kept as is",
            }
        )
    return rows


def _write_csv(path: Path, rows: list[dict[str, Any]], fields: list[str] = FIELDS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, Any]]:
    return _sample_rows(800, seed=11)


@pytest.fixture
def sample(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    return _write_csv(tmp_path / "sample.csv", rows)


@pytest.fixture
def targets(tmp_path: Path) -> Path:
    path = tmp_path / "targets.json"
    path.write_text(json.dumps(US), encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _run_json(capsys: pytest.CaptureFixture[str], *argv: object) -> Any:
    code, out, err = _run(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


# --- weight ------------------------------------------------------------------------------------------------


def test_weight_json_has_exactly_the_diagnostics(capsys, sample, targets):
    result = _run_json(capsys, "weight", sample, "--targets", targets, "--json")
    assert list(result) == list(WEIGHTING_KEYS)
    assert result["converged"] is True
    assert result["n"] == 800
    assert 1 <= result["iterations"] < 1000
    assert result["max_margin_error"] <= 1e-10
    assert result["weight_min"] < 1 < result["weight_max"]
    assert result["deff_kish"] > 1.05  # the panel is skewed, so weighting costs precision
    assert result["n_eff"] == pytest.approx(800 / result["deff_kish"], rel=1e-9)


def test_weight_out_meets_targets_and_keeps_other_columns(capsys, tmp_path, sample, targets):
    out = tmp_path / "weighted.csv"
    code, stdout, _ = _run(capsys, "weight", sample, "--targets", targets, "--out", out)
    assert code == 0
    assert "converged" in stdout and "effective n" in stdout
    header, data = _read_csv(out)
    original_header, original = _read_csv(sample)
    assert header == [*original_header, "weight"]
    assert [row[:-1] for row in data] == original  # every other column untouched
    w = np.array([float(row[-1]) for row in data])
    assert w.mean() == pytest.approx(1.0, abs=1e-12)
    for var, levels in US.items():
        j = header.index(var)
        labels = np.array([row[j] for row in data])
        for level, share in levels.items():
            assert w[labels == level].sum() / w.sum() == pytest.approx(share, rel=1e-9), (var, level)


def test_weight_cap_bounds_the_weights(capsys, sample, targets):
    free = _run_json(capsys, "weight", sample, "--targets", targets, "--json")
    assert free["weight_min"] < 0.3 and free["weight_max"] > 4  # so the bounds below do bind
    result = _run_json(capsys, "weight", sample, "--targets", targets, "--cap", "0.3,4", "--json")
    assert result["converged"] is True and result["max_margin_error"] <= 1e-10
    assert result["weight_min"] >= 0.3 - 1e-9
    assert result["weight_max"] <= 4 + 1e-9


def test_weight_that_cannot_converge_exits_1_and_still_prints_json(capsys, tmp_path, sample, targets):
    out = tmp_path / "never.csv"
    code, stdout, err = _run(
        capsys, "weight", sample, "--targets", targets, "--cap", "0.95,1.05", "--json", "--out", out
    )
    assert code == 1
    assert json.loads(stdout)["converged"] is False
    assert "did not converge" in err and "sample.csv" in err
    assert not out.exists()


def test_estimate_with_unreachable_bounds_exits_1_without_estimates(capsys, sample, targets):
    code, stdout, err = _run(
        capsys,
        "estimate",
        sample,
        "--targets",
        targets,
        "--outcome",
        "aware_a",
        "--cap",
        "0.95,1.05",
        "--json",
    )
    assert code == 1
    result = json.loads(stdout)
    assert result["weighting"]["converged"] is False
    assert result["estimates"] == [] and result["contrasts"] == []
    assert "did not converge" in err


@pytest.mark.parametrize("form", ["json", "toml", "population", "country"])
def test_targets_in_every_accepted_form_give_the_same_weights(capsys, tmp_path, sample, targets, form):
    if form == "json":
        spec: Path | str = targets
    elif form == "toml":
        spec = tmp_path / "targets.toml"
        spec.write_text(
            "\n".join(
                f"[{var}]\n" + "\n".join(f'"{k}" = {v}' for k, v in lv.items()) for var, lv in US.items()
            ),
            encoding="utf-8",
        )
    elif form == "population":
        spec = tmp_path / "pop.toml"
        spec.write_text(
            '[meta]\ncountry = "US"\n'
            + "\n".join(
                f"[margins.{var}]\n" + "\n".join(f'"{k}" = {v}' for k, v in lv.items())
                for var, lv in US.items()
            ),
            encoding="utf-8",
        )
    else:
        spec = "us"
    out = tmp_path / f"w_{form}.csv"
    assert _run(capsys, "weight", sample, "--targets", spec, "--out", out)[0] == 0
    reference = tmp_path / "w_ref.csv"
    assert _run(capsys, "weight", sample, "--targets", targets, "--out", reference)[0] == 0
    weights = [float(r[-1]) for r in _read_csv(out)[1]]
    expected = [float(r[-1]) for r in _read_csv(reference)[1]]
    np.testing.assert_allclose(weights, expected, rtol=1e-12)


# --- estimate ----------------------------------------------------------------------------------------------


def _weights(
    capsys, tmp_path: Path, sample: Path, targets: Path
) -> tuple[list[str], list[list[str]], np.ndarray]:
    out = tmp_path / "w.csv"
    assert _run(capsys, "weight", sample, "--targets", targets, "--out", out)[0] == 0
    header, data = _read_csv(out)
    return header, data, np.array([float(r[-1]) for r in data])


def test_estimate_total_by_group_and_contrast(capsys, tmp_path, sample, targets):
    header, data, w = _weights(capsys, tmp_path, sample, targets)
    result = _run_json(
        capsys, "estimate", sample, "--targets", targets, "--outcome", "aware_a", "--outcome", "nps",
        "--kind", "proportion", "--kind", "mean", "--by", "gender", "--contrast", "aware_a-aware_b", "--json",
    )  # fmt: skip
    assert set(result) == {"weighting", "estimates", "contrasts"}
    assert list(result["weighting"]) == list(WEIGHTING_KEYS)
    rows = result["estimates"]
    assert [(r["outcome"], r["group"]) for r in rows] == [
        ("aware_a", "all"), ("aware_a", "female"), ("aware_a", "male"),
        ("nps", "all"), ("nps", "female"), ("nps", "male"),
    ]  # fmt: skip
    col = {
        name: np.array([float(r[header.index(name)]) for r in data]) for name in ("aware_a", "aware_b", "nps")
    }
    gender = np.array([r[header.index("gender")] for r in data])
    for r in rows:
        mask = np.ones(len(w), bool) if r["group"] == "all" else gender == r["group"]
        expected = (w * col[r["outcome"]])[mask].sum() / w[mask].sum()
        assert r["estimate"] == pytest.approx(expected, rel=1e-9)
        assert r["ci_low"] < r["estimate"] < r["ci_high"]
        assert r["se"] > 0 and r["n"] == int(mask.sum()) and 0 < r["n_eff"] <= r["n"]
        assert set(r) == {
            "outcome", "group", "kind", "base_status", "estimate", "se", "ci_low", "ci_high", "n", "n_eff", "deff"
        }  # fmt: skip
        assert r["base_status"] == "ok" and r["kind"] == ("mean" if r["outcome"] == "nps" else "proportion")
    aware = rows[0]
    assert aware["ci_low"] > 0 and aware["ci_high"] < 1  # a proportion's interval stays inside (0, 1)
    assert aware["ci_high"] - aware["estimate"] != pytest.approx(aware["estimate"] - aware["ci_low"])  # logit
    nps = rows[3]  # a mean of −100/0/100: symmetric t interval
    assert nps["ci_high"] - nps["estimate"] == pytest.approx(nps["estimate"] - nps["ci_low"], rel=1e-9)
    (c,) = result["contrasts"]
    assert c["name"] == "aware_a-aware_b"
    assert c["estimate"] == pytest.approx((w * (col["aware_a"] - col["aware_b"])).sum() / w.sum(), rel=1e-9)
    assert c["statistic"] == pytest.approx(c["estimate"] / c["se"], rel=1e-9)
    assert 0 <= c["p_value"] <= 1


def test_estimate_ci_level_and_method_change_the_interval(capsys, sample, targets):
    def interval(*extra: str) -> tuple[float, float]:
        res = _run_json(
            capsys, "estimate", sample, "--targets", targets, "--outcome", "aware_b", "--json", *extra
        )
        return res["estimates"][0]["ci_low"], res["estimates"][0]["ci_high"]

    lo95, hi95 = interval()
    lo80, hi80 = interval("--level", "0.8")
    assert lo95 < lo80 < hi80 < hi95
    assert interval("--ci", "beta") != (lo95, hi95)


def test_estimate_human_table(capsys, sample, targets):
    code, out, _ = _run(
        capsys, "estimate", sample, "--targets", targets, "--outcome", "aware_a", "--by", "region"
    )
    assert code == 0
    assert "weighting: converged=True" in out
    assert all(level in out for level in US["region"])


# --- compare -----------------------------------------------------------------------------------------------


def test_compare_difference_is_b_minus_a(capsys, tmp_path, sample, targets):
    later = _write_csv(tmp_path / "later.csv", _sample_rows(900, seed=12, shift=0.5))
    ab = _run_json(capsys, "compare", sample, later, "--targets", targets, "--outcome", "aware_b", "--json")
    assert set(ab) == {
        "kind", "base_status_a", "base_status_b", "tested",
        "estimate_a", "estimate_b", "difference", "se", "statistic", "p_value",
    }  # fmt: skip
    assert ab["tested"] is True and ab["kind"] == "proportion"
    assert ab["difference"] == pytest.approx(ab["estimate_b"] - ab["estimate_a"], rel=1e-12)
    assert ab["difference"] > 0.04 and ab["p_value"] < 0.01  # the later wave was built with more awareness
    ba = _run_json(capsys, "compare", later, sample, "--targets", targets, "--outcome", "aware_b", "--json")
    assert ba["difference"] == pytest.approx(-ab["difference"], rel=1e-12)
    assert ba["se"] == pytest.approx(ab["se"], rel=1e-12)
    est_a = _run_json(capsys, "estimate", sample, "--targets", targets, "--outcome", "aware_b", "--json")
    est_b = _run_json(capsys, "estimate", later, "--targets", targets, "--outcome", "aware_b", "--json")
    se_a, se_b = est_a["estimates"][0]["se"], est_b["estimates"][0]["se"]
    assert ab["se"] == pytest.approx(math.hypot(se_a, se_b), rel=1e-9)  # independent samples: V = V₁ + V₂


# --- errors name their culprit -----------------------------------------------------------------------------


def _bad_rows(rows: list[dict[str, Any]], row: int, **changes: Any) -> list[dict[str, Any]]:
    out = [dict(r) for r in rows[:50]]
    out[row - 1].update(changes)
    return out


ERROR_CASES: dict[str, tuple[Any, list[str], list[str]]] = {
    # name: (rows or raw text or None, extra argv, strings the message must contain)
    "missing file": (None, ["--outcome", "aware_a"], ["missing.csv", "no such file"]),
    "missing column": ("drop:education", ["--outcome", "aware_a"], ["'education'", "no column"]),
    "missing outcome column": ("rows", ["--outcome", "aware_c"], ["'aware_c'", "no column"]),
    "non-numeric outcome": (
        ("row", 7, {"aware_a": "yes"}),
        ["--outcome", "aware_a"],
        ["'aware_a'", "row 7", "'yes'"],
    ),
    "blank outcome": (("row", 3, {"nps": " "}), ["--outcome", "nps"], ["'nps'", "row 3"]),
    "blank label": (("row", 12, {"region": ""}), ["--outcome", "aware_a"], ["'region'", "row 12", "blank"]),
    "level without target": (("row", 9, {"age": "17"}), ["--outcome", "aware_a"], ["'age'", "row 9", "'17'"]),
    "empty csv": ("text:", ["--outcome", "aware_a"], ["empty CSV"]),
    "header only": ("text:age,gender\n", ["--outcome", "aware_a"], ["empty CSV", "no data rows"]),
    "ragged row": ("text:age,gender\n18-24,female,extra\n", ["--outcome", "aware_a"], ["row 1", "3 fields"]),
    "malformed cap": ("rows", ["--outcome", "aware_a", "--cap", "0.2"], ["--cap", "'0.2'"]),
    "cap not around 1": ("rows", ["--outcome", "aware_a", "--cap", "2,5"], ["--cap", "'2,5'"]),
    "malformed contrast": (
        "rows",
        ["--outcome", "aware_a", "--contrast", "aware_a-x"],
        ["--contrast", "aware_a-x"],
    ),
    "missing by column": ("rows", ["--outcome", "aware_a", "--by", "city"], ["'city'", "--by"]),
    "bad level": ("rows", ["--outcome", "aware_a", "--level", "95"], ["--level"]),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_estimate_errors_name_the_culprit(capsys, tmp_path, rows, targets, case):
    spec, extra, needles = ERROR_CASES[case]
    path = tmp_path / ("missing.csv" if spec is None else "bad.csv")
    if isinstance(spec, tuple):
        _write_csv(path, _bad_rows(rows, spec[1], **spec[2]))
    elif spec == "rows":
        _write_csv(path, rows[:50])
    elif isinstance(spec, str) and spec.startswith("drop:"):
        _write_csv(path, rows[:50], [f for f in FIELDS if f != spec[5:]])
    elif isinstance(spec, str) and spec.startswith("text:"):
        path.write_text(spec[5:], encoding="utf-8")
    code, out, err = _run(capsys, "estimate", path, "--targets", targets, "--json", *extra)
    assert code == 2, out
    assert out == ""
    assert err.startswith("recognition: error: ") and err.count("\n") == 1
    for needle in needles:
        assert needle in err, (needle, err)


def test_target_level_without_respondents_is_named(capsys, tmp_path, rows, targets):
    path = _write_csv(tmp_path / "no_west.csv", [r for r in rows if r["region"] != "West"])
    code, _, err = _run(capsys, "weight", path, "--targets", targets)
    assert code == 2
    assert "'region'" in err and "'West'" in err and "no respondents" in err


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ('{"age": {"18-24": "a lot"}}', ["targets.json", "'age'", "'18-24'", "not a number"]),
        ('{"age": [0.5, 0.5]}', ["targets.json", "'age'"]),
        ("{not json", ["targets.json", "not valid JSON"]),
        ('{"gender": {"female": 0.6, "male": 0.6}}', ["targets.json", "'gender'", "sum"]),
    ],
)
def test_bad_targets_name_the_file_and_level(capsys, tmp_path, sample, content, needles):
    path = tmp_path / "targets.json"
    path.write_text(content, encoding="utf-8")
    code, _, err = _run(capsys, "weight", sample, "--targets", path)
    assert code == 2
    for needle in needles:
        assert needle in err, (needle, err)


def test_unknown_targets_file_and_country(capsys, sample):
    code, _, err = _run(capsys, "weight", sample, "--targets", "nowhere.json")
    assert code == 2 and "nowhere.json" in err
    code, _, err = _run(capsys, "weight", sample, "--targets", "zz")
    assert code == 2 and "zz.toml" in err and "us" in err


def test_compare_names_the_file_at_fault(capsys, tmp_path, sample, targets, rows):
    bad = _write_csv(tmp_path / "b.csv", _bad_rows(rows, 4, aware_b="n/a"))
    code, _, err = _run(
        capsys, "compare", sample, bad, "--targets", targets, "--outcome", "aware_b", "--json"
    )
    assert code == 2 and "b.csv" in err and "row 4" in err and "'n/a'" in err
