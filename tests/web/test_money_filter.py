"""``money`` (tenure_web) writes whole units as Django's floatformat does, by its own quicker path."""

from decimal import Decimal

from django.template.defaultfilters import floatformat
from hypothesis import given
from hypothesis import strategies as st

from tenure.web.templatetags.tenure_web import money

# Floats written without an exponent: floatformat itself prints a tiny float such as 1.8e-257 as it is, where money
# says 0.
PLAIN_FLOATS = st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: "e" not in repr(v))
NUMBERS = st.one_of(st.integers(min_value=-10**18, max_value=10**18), PLAIN_FLOATS,
                    st.decimals(allow_nan=True, allow_infinity=True, places=2),
                    st.decimals(min_value=-10**16, max_value=10**16))


@given(NUMBERS)
def test_money_matches_floatformat_with_grouping(value):
    assert money(value) == floatformat(value, "0g")


def test_halves_round_up_and_none_is_a_dash():
    assert [money(v) for v in (0.5, 2.5, -0.4, Decimal("5000.50"), 1234567, None, "")] == \
        ["1", "3", "0", "5,001", "1,234,567", "—", "—"]
