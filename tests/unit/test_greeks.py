"""BlackScholes library (through GreeksHarness) against a 50-digit mpmath reference.

Accurate domain: tau in [1 h, 2 y], vol in [0.1, 3], strike/spot in [0.25, 4], spot in [1e-3, 1e7], rate in
[0, 0.2]; targets: |delta error| <= 1e-12, |price error| <= 1e-12 spot, |gamma spot error| <= 1e-10
max(1, gamma spot), |vega error| <= 1e-12 spot. Valid domain: tau in [1 s, 10 y], vol in [0.001, 10],
strike/spot in [0.01, 100], spot in [1e-6, 1e12], rate in [-0.2, 1]; |delta error| <= 1e-8, results bounded.
"""

import math

import ape
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.utils.black_scholes import WAD, YEAR, discounted_strike, errors

FAST = settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
WIDE = settings(FAST, max_examples=250)


@pytest.fixture(scope="module")
def harness(owner, project):
    return owner.deploy(project.GreeksHarness)


def _point(spot_log10, moneyness_log10, tau, vol, rate, is_call):
    spot = min(max(int(10**spot_log10 * WAD), 10**12), 10**30)
    strike = int(spot * 10**moneyness_log10)
    # Keep strike / spot inside [0.01, 100] exactly despite float rounding.
    strike = min(max(strike, -(-spot // 100)), spot * 100)
    return spot, strike, tau, vol, rate, is_call


accurate_points = st.builds(
    _point,
    st.floats(-3, 7),
    st.floats(math.log10(0.25), math.log10(4)),
    st.integers(3600, 2 * YEAR),
    st.integers(10**17, 3 * 10**18),
    st.integers(0, 2 * 10**17),
    st.booleans(),
)

valid_points = st.builds(
    _point,
    st.floats(-6, 12),
    st.floats(-2, 2),
    st.integers(1, 10 * YEAR),
    st.integers(10**15, 10 * 10**18),
    st.integers(-2 * 10**17, 10**18),
    st.booleans(),
)


# ------------------------------------------------------------------ accuracy


@WIDE
@given(point=accurate_points)
def test_greeks__accurate_domain__within_targets(harness, point):
    result = harness.greeks(*point)
    err = errors(tuple(result), *point)
    assert err.delta <= 1e-12
    assert err.price_over_spot <= 1e-12
    assert err.gamma_spot <= 1e-10
    assert err.vega_over_spot <= 1e-12


@FAST
@given(point=accurate_points)
def test_delta__accurate_domain__within_1e12_and_equal_to_greeks_delta(harness, point):
    delta, gas = harness.deltaGas(*point)
    assert abs(errors((0, delta, 0, 0), *point).delta) <= 1e-12
    assert delta == harness.greeks(*point)[1]
    assert 0 < gas < 4_000


@WIDE
@given(point=valid_points)
def test_greeks__valid_domain__delta_within_1e8_and_results_bounded(harness, point):
    spot, strike, tau, vol, rate, is_call = point
    price, delta, gamma, vega = harness.greeks(*point)
    assert errors((price, delta, gamma, vega), *point).delta <= 1e-8
    if is_call:
        assert 0 <= delta <= WAD
        assert 0 <= price <= spot
    else:
        assert -WAD <= delta <= 0
        assert 0 <= price <= discounted_strike(strike, tau, rate) * WAD * (1 + 1e-15) + 1
    assert gamma >= 0 and vega >= 0


# ------------------------------------------------------------------ identities


@FAST
@given(point=accurate_points)
def test_price__call_minus_put__equals_spot_minus_discounted_strike(harness, point):
    spot, strike, tau, vol, rate, _ = point
    call = harness.greeks(spot, strike, tau, vol, rate, True)
    put = harness.greeks(spot, strike, tau, vol, rate, False)
    parity = (spot - discounted_strike(strike, tau, rate) * WAD) / spot
    assert abs((call[0] - put[0]) / spot - float(parity)) <= 1e-15 + 2 / spot
    # Call and put share gamma and vega, and their deltas differ by exactly one.
    assert call[1] - put[1] == WAD
    assert call[2] == put[2] and call[3] == put[3]


@FAST
@given(point=accurate_points)
def test_price__zero_rate_swapped_spot_and_strike__call_equals_put(harness, point):
    spot, strike, tau, vol, _, _ = point
    call = harness.greeks(spot, strike, tau, vol, 0, True)[0]
    put = harness.greeks(strike, spot, tau, vol, 0, False)[0]
    assert abs(call - put) <= 1e-15 * max(spot, strike) + 2


# ------------------------------------------------------------------ monotonicity


@FAST
@given(point=valid_points, bump_bps=st.integers(1, 1000))
def test_greeks__higher_spot__call_up_put_down_delta_up(harness, point, bump_bps):
    spot, strike, tau, vol, rate, is_call = point
    higher = min(spot + spot * bump_bps // 10_000, strike * 100, 10**30)
    low = harness.greeks(spot, strike, tau, vol, rate, is_call)
    high = harness.greeks(higher, strike, tau, vol, rate, is_call)
    if is_call:
        assert high[0] >= low[0]
    else:
        assert high[0] <= low[0]
    assert high[1] >= low[1]


@FAST
@given(point=valid_points, bump_bps=st.integers(1, 1000))
def test_price__higher_vol__price_up(harness, point, bump_bps):
    spot, strike, tau, vol, rate, is_call = point
    higher = min(vol + vol * bump_bps // 10_000, 10 * WAD)
    assert harness.greeks(spot, strike, tau, higher, rate, is_call)[0] >= harness.greeks(*point)[0]


# ------------------------------------------------------------------ expiry


@pytest.mark.parametrize(
    ("spot", "strike", "is_call", "price", "delta"),
    [
        (2100 * WAD, 2000 * WAD, True, 100 * WAD, WAD),
        (1900 * WAD, 2000 * WAD, True, 0, 0),
        (2000 * WAD, 2000 * WAD, True, 0, WAD // 2),
        (1900 * WAD, 2000 * WAD, False, 100 * WAD, -WAD),
        (2100 * WAD, 2000 * WAD, False, 0, 0),
        (2000 * WAD, 2000 * WAD, False, 0, -WAD // 2),
    ],
)
def test_greeks__at_expiry__intrinsic_value_and_step_delta(harness, spot, strike, is_call, price, delta):
    assert harness.greeks(spot, strike, 0, 8 * 10**17, 5 * 10**16, is_call) == (price, delta, 0, 0)
    assert harness.deltaGas(spot, strike, 0, 8 * 10**17, 5 * 10**16, is_call)[0] == delta


def test_greeks__one_second_before_expiry__close_to_intrinsic(harness):
    price, delta, _, _ = harness.greeks(2100 * WAD, 2000 * WAD, 1, 8 * 10**17, 5 * 10**16, True)
    assert abs(price - 100 * WAD) < WAD // 1000
    assert delta == WAD


# ------------------------------------------------------------------ domain edges

SPOT, STRIKE, TAU, VOL, RATE = 2000 * WAD, 2000 * WAD, 30 * 86400, 8 * 10**17, 5 * 10**16


@pytest.mark.parametrize("spot", [10**12 - 1, 10**30 + 1])
def test_greeks__spot_outside_range__reverts_with_spot(harness, spot):
    with ape.reverts(harness.SpotOutOfRange, spot=spot):
        harness.greeks(spot, spot, TAU, VOL, RATE, True)
    with ape.reverts(harness.SpotOutOfRange, spot=spot):
        harness.deltaGas(spot, spot, TAU, VOL, RATE, True)


@pytest.mark.parametrize("strike", [SPOT // 100 - 1, SPOT * 100 + 1])
def test_greeks__moneyness_outside_range__reverts_with_spot_and_strike(harness, strike):
    with ape.reverts(harness.MoneynessOutOfRange, spot=SPOT, strike=strike):
        harness.greeks(SPOT, strike, TAU, VOL, RATE, False)


def test_greeks__time_to_expiry_above_ten_years__reverts_with_time(harness):
    tau = 10 * YEAR + 1
    with ape.reverts(harness.TimeToExpiryOutOfRange, timeToExpiry=tau):
        harness.greeks(SPOT, STRIKE, tau, VOL, RATE, True)


@pytest.mark.parametrize("vol", [0, 10**15 - 1, 10 * WAD + 1])
def test_greeks__vol_outside_range__reverts_with_vol(harness, vol):
    with ape.reverts(harness.VolatilityOutOfRange, vol=vol):
        harness.greeks(SPOT, STRIKE, TAU, vol, RATE, True)


@pytest.mark.parametrize("rate", [-2 * 10**17 - 1, WAD + 1])
def test_greeks__rate_outside_range__reverts_with_rate(harness, rate):
    with ape.reverts(harness.RateOutOfRange, rate=rate):
        harness.greeks(SPOT, STRIKE, TAU, VOL, rate, True)


@pytest.mark.parametrize("is_call", [True, False])
@pytest.mark.parametrize(
    ("spot", "strike", "tau", "vol", "rate"),
    [
        (10**12, 10**14, 1, 10**15, -2 * 10**17),
        (10**12, 10**10, 10 * YEAR, 10 * WAD, WAD),
        (10**30, 10**32, 10 * YEAR, 10**15, WAD),
        (10**30, 10**28, 1, 10 * WAD, -2 * 10**17),
        (10**30, 10**32, 1, 10 * WAD, WAD),
        (10**12, 10**10, 10 * YEAR, 10**15, -2 * 10**17),
    ],
)
def test_greeks__valid_domain_corners__finite_and_bounded(harness, spot, strike, tau, vol, rate, is_call):
    point = (spot, strike, tau, vol, rate, is_call)
    price, delta, gamma, vega = harness.greeks(*point)
    assert errors((price, delta, gamma, vega), *point).delta <= 1e-8
    if is_call:
        assert 0 <= price <= spot and 0 <= delta <= WAD
    else:
        assert 0 <= price <= discounted_strike(strike, tau, rate) * WAD + 1 and -WAD <= delta <= 0
    assert harness.greeksGas(*point) < 8_000
