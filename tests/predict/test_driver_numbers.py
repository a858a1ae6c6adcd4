"""A churn driver's value never reads "-0%" or "+0.0": what rounds to zero is 0."""

import numpy as np

from tenure.predict import drivers


def test_changes_that_round_to_zero_read_zero():
    assert drivers.fmt(-0.001, "change") == "0%"
    assert drivers.fmt(0.001, "change") == "0%"
    assert drivers.fmt(np.log1p(0.0001), "logchange") == "0%"
    assert drivers.fmt(-0.04, "signed") == "0.0"
    assert drivers.fmt(-0.4, "signed") == "-0.4"
    assert drivers.fmt(0.25, "change") == "+25%"
