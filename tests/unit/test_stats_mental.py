"""Mental availability: hand-countable cases, a brand nobody links, bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from recognition.stats import CalibrationDesign
from recognition.stats.mental import mental_availability


def test_hand_counted_example() -> None:
    # 4 buyers, 2 CEPs, 2 brands, equal weights. Links: brand 1 gets 1+2+0+1 = 4 links from 3 buyers, brand 2
    # gets 1+0+2+0 = 3 from 2 buyers; 7 links in all. MMS = 4/7, 3/7; MPen = 3/4, 2/4; NS = 4/3, 3/2.
    links = np.zeros((4, 2, 2), dtype=int)
    links[0, 0, 0] = links[0, 1, 1] = 1
    links[1, :, 0] = 1
    links[2, :, 1] = 1
    links[3, 1, 0] = 1
    result = mental_availability(links, CalibrationDesign.from_weights(np.ones(4)), brand_names=["a", "b"])
    np.testing.assert_allclose(result.mental_market_share.estimate, [4 / 7, 3 / 7])
    np.testing.assert_allclose(result.mental_penetration.estimate, [3 / 4, 2 / 4])
    np.testing.assert_allclose(result.network_size.estimate, [4 / 3, 3 / 2])
    assert list(result.network_size.n) == [3, 2] and result.buyers == 4
    assert all(s == "suppressed" for s in result.mental_penetration.base_status)


def test_brand_without_links_has_undefined_network_size() -> None:
    rng = np.random.default_rng(2)
    links = (rng.random((300, 4, 3)) < 0.3).astype(int)
    links[:, :, 2] = 0
    buyers = rng.random(300) < 0.7
    result = mental_availability(
        links, CalibrationDesign.from_weights(rng.uniform(0.5, 2, 300)), buyers=buyers
    )
    assert result.mental_market_share.estimate[2] == 0 and result.mental_penetration.estimate[2] == 0
    assert np.isnan(result.network_size.estimate[2]) and np.isnan(result.network_size.se[2])
    assert any("brand 3" in w for w in result.warnings)
    assert np.all(result.mental_penetration.ci_low[:2] < result.mental_penetration.estimate[:2])


def test_bad_inputs_are_named() -> None:
    design = CalibrationDesign.from_weights(np.ones(5))
    with pytest.raises(ValueError, match="links"):
        mental_availability(np.full((5, 2, 2), 2), design)
    with pytest.raises(ValueError, match="links"):
        mental_availability(np.zeros((4, 2, 2)), design)
    with pytest.raises(ValueError, match="buyers"):
        mental_availability(np.zeros((5, 2, 2)), design, buyers=np.zeros(5, dtype=bool))
