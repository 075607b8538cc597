"""GreeksEngine.book against the engine's own per-leg `greeks` and against a 50-digit mpmath reference.

Legs: a put is one leg; a call with cap C is the call spread C(K) - C(K + C). Before expiry a leg inside the
moneyness domain strike / spot in [0.01, 100] is Black-Scholes at rate zero, outside it its intrinsic value; at
and after expiry its intrinsic value with the at-the-money convention of `BlackScholes` (delta +-0.5). The
book is bit-identical to the per-leg `greeks` aggregated as documented in `BookLib` (ceil of amount x value,
-(amount x greek) / 1e18 truncated toward zero), and within the library's stated errors of mpmath. Books cover
positions sharing an expiry (consecutive or not), d1 in each of Cody's three erf / erfc regions and beyond the
12.8 clamp, legs outside the moneyness domain and expired legs, in both the full and the hedging pass.
"""

import math

import ape
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mpmath import mpf

from tests.utils.black_scholes import WAD, YEAR, greeks

FAST = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

SPOT, VOL = 2000 * WAD, 8 * 10**17


@pytest.fixture(scope="module")
def engine(greeks_engine):
    return greeks_engine


def _now(chain):
    head = chain.blocks.head
    return head.number, head.timestamp


def _book(engine, chain, positions, spot, vol, full):
    """engine.book at the head block, and the head's timestamp (the `block.timestamp` of that call)."""
    number, now = _now(chain)
    return tuple(engine.book(positions, spot, vol, full, block_id=number)), now


def _in_domain(spot, strike):
    return strike * 100 >= spot and strike <= spot * 100


def _leg(engine, spot, strike, tau, vol, is_call):
    """(value, delta, gamma, vega) of one long leg, from the engine's `greeks` or the intrinsic value."""
    if _in_domain(spot, strike):
        return tuple(engine.greeks(spot, strike, tau, vol, 0, is_call))
    if is_call:
        return (spot - strike, WAD, 0, 0) if spot > strike else (0, 0, 0, 0)
    return (strike - spot, -WAD, 0, 0) if strike > spot else (0, 0, 0, 0)


def _tdiv(a, b):
    """Integer division truncated toward zero (Solidity's signed division)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _expected(engine, positions, spot, vol, now):
    liability = delta = gamma = vega = 0
    for strike, cap, expiry, amount in positions:
        tau = max(expiry - now, 0)
        value, d, g, v = _leg(engine, spot, strike, tau, vol, cap != 0)
        if cap:
            u_value, u_d, u_g, u_v = _leg(engine, spot, strike + cap, tau, vol, True)
            value = min(max(value - u_value, 0), cap)
            d, g, v = d - u_d, g - u_g, v - u_v
        liability += -(-amount * value // WAD)
        delta -= _tdiv(amount * d, WAD)
        gamma -= _tdiv(amount * g, WAD)
        vega -= _tdiv(amount * v, WAD)
    return liability, delta, gamma, vega


def _position(draw_strike_log, cap_fraction, is_call, expiry_offset, amount, now):
    strike = int(SPOT * 10**draw_strike_log)
    cap = int(strike * cap_fraction) + 1 if is_call else 0
    return (strike, cap, now + expiry_offset, amount)


# Strikes from 0.005 to 200 spot (outside the domain at both ends), expiries from one day ago to two years,
# amounts from 1e-6 to 1e6 base.
position_parts = st.tuples(
    st.floats(-2.3, 2.3),
    st.floats(0.01, 1.0),
    st.booleans(),
    st.one_of(st.integers(-86_400, 0), st.integers(1, 2 * YEAR)),
    st.integers(10**12, 10**24),
)
books = st.lists(position_parts, min_size=1, max_size=16)


def _positions(parts, now):
    return [_position(*p, now) for p in parts]


# ------------------------------------------------------------------ against the engine's greeks


@FAST
@given(parts=books, vol=st.integers(10**17, 3 * WAD))
def test_book__random_books__equal_to_per_leg_engine_greeks(engine, chain, parts, vol):
    _, now = _now(chain)
    positions = _positions(parts, now)
    result, at = _book(engine, chain, positions, SPOT, vol, True)
    assert result == _expected(engine, positions, SPOT, vol, at)


@FAST
@given(parts=books, vol=st.integers(10**17, 3 * WAD))
def test_book__hedging_pass__same_delta_and_gamma_no_liability_or_vega(engine, chain, parts, vol):
    _, now = _now(chain)
    positions = _positions(parts, now)
    full, _ = _book(engine, chain, positions, SPOT, vol, True)
    hedge, _ = _book(engine, chain, positions, SPOT, vol, False)
    assert hedge == (0, full[1], full[2], 0)


def test_book__at_expiry_at_the_money__half_delta_convention(engine, chain):
    _, now = _now(chain)
    positions = [(SPOT, 0, now, 2 * WAD), (SPOT - 100 * WAD, 100 * WAD, now - 10, WAD)]
    result, _ = _book(engine, chain, positions, SPOT, VOL, True)
    # Put at the money: value 0, delta -0.5 (short: +1); spread 1900/2000 at 2000: value 100, delta 1 - 0.5.
    assert result == (100 * WAD, WAD - WAD // 2, 0, 0)


# Positions on a few shared expiries (some possibly expired), in drawn order or grouped by expiry.
shared_parts = st.tuples(
    st.floats(-2.3, 2.3),
    st.floats(0.01, 1.0),
    st.booleans(),
    st.integers(0, 2),
    st.integers(10**12, 10**24),
)
expiry_pools = st.lists(
    st.one_of(st.integers(-86_400, 0), st.integers(1, 2 * YEAR)), min_size=1, max_size=3, unique=True
)


@FAST
@given(
    parts=st.lists(shared_parts, min_size=1, max_size=16),
    pool=expiry_pools,
    grouped=st.booleans(),
    vol=st.integers(10**17, 3 * WAD),
    full=st.booleans(),
)
def test_book__shared_expiries__equal_to_per_leg_engine_greeks(
    engine, chain, parts, pool, grouped, vol, full
):
    _, now = _now(chain)
    positions = [_position(s, c, k, pool[j % len(pool)], a, now) for s, c, k, j, a in parts]
    if grouped:
        positions.sort(key=lambda p: p[2])
    result, at = _book(engine, chain, positions, SPOT, vol, full)
    liability, delta, gamma, vega = _expected(engine, positions, SPOT, vol, at)
    assert result == ((liability, delta, gamma, vega) if full else (0, delta, gamma, 0))


def _strike_for_d1(spot, d1, tau, vol):
    """The strike at which d1 (rate zero) is about `d1`: K = S exp(v^2 / 2 - d1 v), v = vol sqrt(tau); exponents
    beyond +-12 put the strike outside the moneyness domain anyway."""
    v = vol / WAD * math.sqrt(tau / YEAR)
    return max(int(spot * math.exp(min(max(v * v / 2 - d1 * v, -12), 12))), 1)


# |d1| in Cody's first region (|d1| / sqrt 2 < 0.5), second (< 4), third (< 9.05), around the 12.8 clamp and far
# beyond it; either sign.
d1_targets = st.builds(
    lambda m, negative: -m if negative else m,
    st.one_of(
        st.floats(0, 0.75),
        st.floats(0.65, 5.7),
        st.floats(5.6, 12.81),
        st.floats(12.7, 13.5),
        st.floats(13.5, 1e4),
    ),
    st.booleans(),
)
d1_parts = st.tuples(
    d1_targets, st.floats(0.01, 1.0), st.booleans(), st.integers(0, 2), st.integers(10**12, 10**24)
)
tau_pools = st.lists(
    st.one_of(st.integers(-86_400, 0), st.integers(1, 3600), st.integers(1, 10 * YEAR)),
    min_size=1,
    max_size=3,
    unique=True,
)


@FAST
@given(
    parts=st.lists(d1_parts, min_size=1, max_size=12),
    pool=tau_pools,
    spot_log10=st.floats(-6, 12),
    vol=st.integers(10**15, 10 * WAD),
    full=st.booleans(),
)
def test_book__d1_in_every_cody_region_and_beyond_clamp__equal_to_per_leg_engine_greeks(
    engine, chain, parts, pool, spot_log10, vol, full
):
    _, now = _now(chain)
    spot = min(max(int(10**spot_log10 * WAD), 10**12), 10**30)
    positions = []
    for d1, cap_fraction, is_call, j, amount in parts:
        tau = pool[j % len(pool)]
        strike = _strike_for_d1(spot, d1, max(tau, 1), vol)
        cap = int(strike * cap_fraction) + 1 if is_call else 0
        positions.append((strike, cap, now + tau, amount))
    result, at = _book(engine, chain, positions, spot, vol, full)
    liability, delta, gamma, vega = _expected(engine, positions, spot, vol, at)
    assert result == ((liability, delta, gamma, vega) if full else (0, delta, gamma, 0))


# ------------------------------------------------------------------ against mpmath


def _reference(positions, spot, vol, now):
    """Book value and greeks from the 50-digit reference, in natural units."""
    total = [mpf(0)] * 4
    for strike, cap, expiry, amount in positions:
        tau = max(expiry - now, 0)
        legs = [(strike, 1, cap != 0)] + ([(strike + cap, -1, True)] if cap else [])
        position = [mpf(0)] * 4
        for k, sign, is_call in legs:
            if tau > 0 and _in_domain(spot, k):
                g = greeks(spot, k, tau, vol, 0, is_call)
                leg = (g.price, g.delta, g.gamma, g.vega)
            else:
                intrinsic = _at_expiry(spot, k, is_call) if tau == 0 else _leg(None, spot, k, 0, vol, is_call)
                leg = tuple(mpf(x) / WAD for x in intrinsic)
            position = [p + sign * x for p, x in zip(position, leg, strict=True)]
        a = mpf(amount) / WAD
        total[0] += a * min(max(position[0], 0), mpf(cap) / WAD if cap else position[0])
        for j in (1, 2, 3):
            total[j] -= a * position[j]
    return total


def _at_expiry(spot, strike, is_call):
    if spot == strike:
        return (0, WAD // 2 if is_call else -WAD // 2, 0, 0)
    if is_call:
        return (spot - strike, WAD, 0, 0) if spot > strike else (0, 0, 0, 0)
    return (strike - spot, -WAD, 0, 0) if strike > spot else (0, 0, 0, 0)


# Accurate domain of the library: tau in [1 h, 2 y], vol in [0.1, 3], strike / spot in [0.25, 4].
accurate_parts = st.tuples(
    st.floats(-0.6, 0.6),
    st.floats(0.01, 1.0),
    st.booleans(),
    st.integers(3600, 2 * YEAR),
    st.integers(10**15, 10**21),
)


@FAST
@given(parts=st.lists(accurate_parts, min_size=1, max_size=16), vol=st.integers(10**17, 3 * WAD))
def test_book__accurate_domain__within_library_errors_of_mpmath(engine, chain, parts, vol):
    _, now = _now(chain)
    positions = [p for p in _positions(parts, now) if _in_domain(SPOT, p[0] + p[1])]
    (liability, delta, gamma, vega), at = _book(engine, chain, positions, SPOT, vol, True)
    ref = _reference(positions, SPOT, vol, at)
    # Per leg: delta 1e-12, price and vega 1e-12 spot, gamma spot 1e-10 max(1, gamma spot); plus one wei of
    # rounding per position and greek.
    legs = sum(a / WAD * (2 if c else 1) for _, c, _, a in positions)
    spot, n = SPOT / WAD, len(positions)
    assert abs(liability / WAD - float(ref[0])) <= legs * 1e-12 * spot + n * 1e-18
    assert abs(delta / WAD - float(ref[1])) <= legs * 1e-12 + n * 1e-18
    assert abs(gamma / WAD - float(ref[2])) * spot <= legs * 1e-10 * max(1, abs(float(ref[2])) * spot) + 1e-15
    assert abs(vega / WAD - float(ref[3])) <= legs * 1e-12 * spot + n * 1e-18


@FAST
@given(parts=books)
def test_book__valid_domain__delta_within_1e8_per_leg_of_mpmath(engine, chain, parts):
    _, now = _now(chain)
    positions = _positions(parts, now)
    (_, delta, _, _), at = _book(engine, chain, positions, SPOT, VOL, False)
    ref = _reference(positions, SPOT, VOL, at)
    legs = sum(a / WAD * (2 if c else 1) for _, c, _, a in positions)
    assert abs(delta / WAD - float(ref[1])) <= legs * 1e-8 + len(positions) * 1e-18


# ------------------------------------------------------------------ shape and signs


@pytest.mark.parametrize("full", [True, False])
def test_book__empty__zeros(engine, full):
    assert tuple(engine.book([], SPOT, VOL, full)) == (0, 0, 0, 0)


def test_book__short_call_spread__negative_delta_and_gamma(engine, chain):
    _, now = _now(chain)
    liability, delta, gamma, vega = engine.book([(SPOT, 500 * WAD, now + 30 * 86_400, WAD)], SPOT, VOL, True)
    assert 0 < liability < 500 * WAD
    assert delta < 0 and gamma < 0 and vega < 0


def test_book__short_put__positive_delta_negative_gamma(engine, chain):
    _, now = _now(chain)
    liability, delta, gamma, vega = engine.book([(SPOT, 0, now + 30 * 86_400, WAD)], SPOT, VOL, True)
    assert liability > 0 and delta > 0 and gamma < 0 and vega < 0


def test_book__call_spread_deep_in_the_money__value_clamped_to_cap(engine, chain):
    _, now = _now(chain)
    cap = 10 * WAD
    liability, delta, _, _ = engine.book([(SPOT // 2, cap, now + 86_400, 3 * WAD)], SPOT, VOL, True)
    assert liability == 3 * cap
    assert abs(delta) < WAD // 10**6


# ------------------------------------------------------------------ domain


def test_book__spot_out_of_range_with_live_leg__reverts_with_spot(engine, chain):
    _, now = _now(chain)
    spot = 10**12 - 1
    with ape.reverts(engine.SpotOutOfRange, spot=spot):
        engine.book([(spot, 0, now + 86_400, WAD)], spot, VOL, False)


def test_book__vol_out_of_range_with_live_leg__reverts_with_vol(engine, chain):
    _, now = _now(chain)
    with ape.reverts(engine.VolatilityOutOfRange, vol=0):
        engine.book([(SPOT, 0, now + 86_400, WAD)], SPOT, 0, True)


def test_book__expiry_beyond_ten_years__reverts_with_time(engine, chain):
    number, now = _now(chain)
    tau = 10 * YEAR + 1
    with ape.reverts(engine.TimeToExpiryOutOfRange, timeToExpiry=tau):
        engine.book([(SPOT, 0, now + tau, WAD)], SPOT, VOL, True, block_id=number)


def test_book__spot_out_of_range_but_no_live_leg_in_domain__intrinsic_values(engine, chain):
    _, now = _now(chain)
    spot = 10**11
    # A put struck 2000 at a spot of 1e-7 is outside the moneyness domain: intrinsic value, delta -1.
    positions = [(SPOT, 0, now + 86_400, WAD), (SPOT, 0, now - 1, WAD)]
    assert tuple(engine.book(positions, spot, 0, True)) == (2 * (SPOT - spot), 2 * WAD, 0, 0)
