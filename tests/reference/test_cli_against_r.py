"""The analyst CLI with design (base) weights against R's survey package (the 'small' fixture of
tests/reference/make_fixtures.R, whose rows carry unequal base weights; R is not needed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from recognition.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def small() -> dict:
    return json.loads((FIXTURES / "results.json").read_text())["small"]


def _cli_json(capsys: pytest.CaptureFixture[str], *argv: object) -> dict:
    assert main([str(a) for a in argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_estimate_with_base_weights_matches_svymean(capsys, tmp_path, small) -> None:
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps(small["targets"]), encoding="utf-8")
    sample = FIXTURES / small["file"]
    args = ("estimate", sample, "--targets", targets, "--base-weight", "base_weight", "--json")
    for spec in small["estimates"]:
        if spec["domain_var"] is not None:
            continue
        result = _cli_json(capsys, *args, "--outcome", spec["outcome"], "--kind", spec["kind"])
        (row,) = result["estimates"]
        # R: des <- calibrate(svydesign(ids = ~1, weights = ~base_weight, data = small), ~age + gender + region +
        #    education, population, calfun = "raking"); svymean(~y, des, deff = "replace"); svyciprop(~y, des)
        assert_allclose(row["estimate"], spec["estimate"], rtol=1e-6)
        assert_allclose(row["se"], np.ravel(spec["se"])[0], rtol=1e-6)
        assert_allclose(
            [row["ci_low"], row["ci_high"]],
            spec["ci_logit" if spec["kind"] == "proportion" else "ci_t"],
            rtol=1e-6,
        )
    # without the base weights the answer is a different (wrong) one
    unweighted = _cli_json(capsys, "estimate", sample, "--targets", targets, "--outcome", "aware", "--json")
    assert abs(unweighted["estimates"][0]["estimate"] - small["estimates"][0]["estimate"]) > 1e-3


def test_weight_with_base_weights_matches_calibrate(capsys, tmp_path, small) -> None:
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps(small["targets"]), encoding="utf-8")
    out = tmp_path / "w.csv"
    code = main(["weight", str(FIXTURES / small["file"]), "--targets", str(targets), "--base-weight",
                 "base_weight", "--out", str(out)])  # fmt: skip
    assert code == 0
    header, *rows = out.read_text(encoding="utf-8").splitlines()
    assert header.split(",")[-1] == "weight"
    # R: weights(calibrate(...)) (mean 1 on the sample's scale, like recognition)
    assert_allclose([float(r.split(",")[-1]) for r in rows], small["weights"], rtol=1e-6)
