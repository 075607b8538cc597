"""Pure Uniswap V3 price math: human price <-> sqrtPriceX96 <-> tick, both token orders, 6/8/18 decimals."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltavault.local import uniswap as u

DECIMALS = [(18, 6), (8, 6), (6, 18), (18, 18), (6, 6), (8, 18)]
ORDERS = [True, False]


def rel_err(a, b) -> Decimal:
    return abs(Decimal(a) - Decimal(b)) / abs(Decimal(b))


# --- TickMath -------------------------------------------------------------------------------------------


def test_sqrt_price_at_tick__edges_and_zero__match_tickmath_constants():
    assert u.sqrt_price_x96_at_tick(0) == u.Q96
    assert u.sqrt_price_x96_at_tick(u.MIN_TICK) == u.MIN_SQRT_RATIO
    assert u.sqrt_price_x96_at_tick(u.MAX_TICK) == u.MAX_SQRT_RATIO


def test_sqrt_price_at_tick__outside_range__raises():
    with pytest.raises(ValueError):
        u.sqrt_price_x96_at_tick(u.MAX_TICK + 1)
    with pytest.raises(ValueError):
        u.sqrt_price_x96_at_tick(u.MIN_TICK - 1)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=u.MIN_TICK + 1, max_value=u.MAX_TICK - 1))
def test_tick_at_sqrt_price__is_the_floor_tick(tick):
    sqrt_price = u.sqrt_price_x96_at_tick(tick)
    assert u.tick_at_sqrt_price_x96(sqrt_price) == tick
    assert u.tick_at_sqrt_price_x96(sqrt_price - 1) == tick - 1
    assert math.isclose(sqrt_price / u.Q96, 1.0001 ** (tick / 2), rel_tol=1e-9)


def test_tick_at_sqrt_price__range_edges():
    assert u.tick_at_sqrt_price_x96(u.MIN_SQRT_RATIO) == u.MIN_TICK
    assert u.tick_at_sqrt_price_x96(u.MAX_SQRT_RATIO - 1) == u.MAX_TICK - 1
    with pytest.raises(ValueError):
        u.tick_at_sqrt_price_x96(u.MAX_SQRT_RATIO)


# --- price <-> sqrtPriceX96 -----------------------------------------------------------------------------


def test_price_to_sqrt_price__usdc_weth_mainnet_order__known_values():
    # Mainnet USDC/WETH: USDC (6) is token0, WETH (18) token1; 2000 USDC per WETH is 5e8 raw.
    sqrt_price = u.price_to_sqrt_price_x96(2000, 18, 6, base_is_token0=False)
    assert sqrt_price == math.isqrt(5 * 10**8 * 2**192)
    assert u.tick_at_sqrt_price_x96(sqrt_price) == 200311  # log_1.0001(5e8) = 200311.2...
    # The other order inverts the raw price: tick -200312 (floor of -200311.2).
    assert u.price_to_tick(2000, 18, 6, base_is_token0=True) == -200312


@pytest.mark.parametrize("base_decimals,quote_decimals", DECIMALS)
@pytest.mark.parametrize("base_is_token0", ORDERS)
@pytest.mark.parametrize("price", ["2000", "0.0001234", "1", "65000.5", "1e-6", "3e6"])
def test_price_round_trip__both_orders_all_decimals__exact_to_sqrt_resolution(
    price, base_decimals, quote_decimals, base_is_token0
):
    sqrt_price = u.price_to_sqrt_price_x96(price, base_decimals, quote_decimals, base_is_token0)
    back = u.sqrt_price_x96_to_price(sqrt_price, base_decimals, quote_decimals, base_is_token0)
    # flooring sqrtPriceX96 costs at most one unit of it: a relative price error below 2 / sqrtPriceX96
    assert rel_err(back, price) < Decimal(2) / sqrt_price
    # floor: one more unit of sqrt price is past the price in the pool's (token1/token0) direction
    raw = u.price_to_raw(price, base_decimals, quote_decimals, base_is_token0)
    assert Fraction(sqrt_price**2, 2**192) <= raw < Fraction((sqrt_price + 1) ** 2, 2**192)


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=Decimal("1e-4"), max_value=Decimal("1e6"), places=8),
    st.sampled_from(DECIMALS),
    st.booleans(),
)
def test_price_round_trip__property(price, decimals, base_is_token0):
    base_decimals, quote_decimals = decimals
    sqrt_price = u.price_to_sqrt_price_x96(price, base_decimals, quote_decimals, base_is_token0)
    back = u.sqrt_price_x96_to_price(sqrt_price, base_decimals, quote_decimals, base_is_token0)
    assert rel_err(back, price) < Decimal("1e-15")


@pytest.mark.parametrize("base_is_token0", ORDERS)
def test_price_to_sqrt_price__higher_price__moves_pool_price_the_orientation_way(base_is_token0):
    low = u.price_to_sqrt_price_x96(1999, 18, 6, base_is_token0)
    high = u.price_to_sqrt_price_x96(2001, 18, 6, base_is_token0)
    assert (high > low) == base_is_token0


def test_price_to_sqrt_price__float_uses_shortest_repr():
    assert u.price_to_sqrt_price_x96(2000.1, 18, 6, True) == u.price_to_sqrt_price_x96("2000.1", 18, 6, True)
    assert u.to_fraction(0.1) == Fraction(1, 10)


@pytest.mark.parametrize("price", [0, -5, "0"])
def test_price_to_sqrt_price__non_positive__raises(price):
    with pytest.raises(ValueError):
        u.price_to_sqrt_price_x96(price, 18, 6, True)


def test_price_to_sqrt_price__outside_uniswap_range__raises():
    with pytest.raises(ValueError):
        u.price_to_sqrt_price_x96(Decimal("1e40"), 18, 18, True)


# --- ticks and rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tick,spacing,down,up,nearest",
    [
        (-200312, 60, -200340, -200280, -200340),
        (-200290, 60, -200340, -200280, -200280),
        (200311, 60, 200280, 200340, 200340),
        (200309, 60, 200280, 200340, 200280),
        (120, 60, 120, 120, 120),
        (-5, 10, -10, 0, 0),
        (-6, 10, -10, 0, -10),
        (u.MAX_TICK, 60, 887220, 887220, 887220),
        (u.MIN_TICK, 200, -887200, -887200, -887200),
    ],
)
def test_round_tick__down_up_nearest__multiples_within_usable_range(tick, spacing, down, up, nearest):
    assert u.round_tick(tick, spacing, "down") == down
    assert u.round_tick(tick, spacing, "up") == up
    assert u.round_tick(tick, spacing, "nearest") == nearest


@pytest.mark.parametrize("base_decimals,quote_decimals", DECIMALS)
@pytest.mark.parametrize("base_is_token0", ORDERS)
@pytest.mark.parametrize("spacing", [1, 10, 60, 200])
def test_price_to_tick__rounded_to_spacing__brackets_the_price(
    base_decimals, quote_decimals, base_is_token0, spacing
):
    price = Decimal("2345.678")
    exact = u.price_to_tick(price, base_decimals, quote_decimals, base_is_token0)
    down = u.price_to_tick(price, base_decimals, quote_decimals, base_is_token0, spacing, "down")
    up = u.price_to_tick(price, base_decimals, quote_decimals, base_is_token0, spacing, "up")
    nearest = u.price_to_tick(price, base_decimals, quote_decimals, base_is_token0, spacing)
    assert down % spacing == up % spacing == nearest % spacing == 0
    assert down <= exact <= up and up - down <= spacing
    assert abs(nearest - exact) <= spacing // 2 + 1
    # The exact tick's lower edge is at or below the price in raw terms, within one tick.
    edge = u.tick_to_price(exact, base_decimals, quote_decimals, base_is_token0)
    assert rel_err(edge, price) < Decimal("0.0001")


def test_tick_to_price__tick_zero__is_one_raw():
    # raw 1 = 1 smallest USDC per smallest WETH unit = 1e12 USDC per WETH when WETH is token0.
    assert rel_err(u.tick_to_price(0, 18, 6, True), 10**12) < Decimal("1e-30")


# --- amounts --------------------------------------------------------------------------------------------


def test_position_amounts__below_inside_above_range():
    lower, upper = u.sqrt_price_x96_at_tick(-600), u.sqrt_price_x96_at_tick(600)
    liquidity = 10**18
    below = u.position_amounts(u.sqrt_price_x96_at_tick(-1200), lower, upper, liquidity)
    inside = u.position_amounts(u.Q96, lower, upper, liquidity)
    above = u.position_amounts(u.sqrt_price_x96_at_tick(1200), lower, upper, liquidity)
    assert below[0] > 0 and below[1] == 0
    assert above[0] == 0 and above[1] > 0
    assert inside[0] > 0 and inside[1] > 0
    # symmetric range around price 1: equal amounts (up to rounding)
    assert abs(inside[0] - inside[1]) <= 2
    # L * (1 - 1.0001**-300) ~ 2.955e16
    assert math.isclose(inside[1], liquidity * (1 - 1.0001**-300), rel_tol=1e-9)


def test_with_fee__grosses_up_like_swapmath():
    assert u.with_fee(997_000, 3000) == 1_000_000
    assert u.with_fee(997_001, 3000) == 1_000_002  # rounded up
    assert u.with_fee(0, 3000) == 0
