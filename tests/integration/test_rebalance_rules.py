"""DeltaHedger rules: each one triggers when, and only when, it should (boundaries included); where a rebalance
leaves the portfolio; the cooldown.

Exact boundaries use a vault with no option written: its delta D is the base it holds (constant in time), so
|D - T| is set to the wei through the target T. Rules that need gamma (cost-aware) write calls and check each
side of the boundary at a relative distance of 1e-3 (the options' delta drifts by ~1e-7 between blocks).
"""

import math

import ape
import numpy as np
import pytest

from deltavault.policy import Rule, Rules
from tests.utils.market import DAY, WAD

YEAR = 365 * DAY
GWEI = 10**9
HOUR = 3600


def rebalanced(tx, hedger):
    events = tx.decode_logs(hedger.Rebalanced)
    assert len(events) == 1
    return events[0]


# --- threshold ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", [3 * WAD, -3 * WAD], ids=["below-target", "above-target"])
def test_threshold__deviation_equal_to_band__not_due(market, keeper, target):
    m = market
    m.set_policy(rules=Rules.THRESHOLD, target=target, band=3 * WAD)
    assert m.deviation() == -target
    status = m.status()
    assert not status.due and status.rule == Rule.NONE and status.band == 3 * WAD
    with ape.reverts(m.hedger.RebalanceNotDue, delta=0, target=target, band=3 * WAD):
        m.hedger.rebalance(sender=keeper)


def test_threshold__deviation_one_wei_beyond_band__due_and_trades(market, keeper):
    m = market
    m.set_policy(rules=Rules.THRESHOLD, target=3 * WAD, band=3 * WAD - 1)
    status = m.status()
    assert status.due and status.rule == Rule.THRESHOLD
    assert status.trade == 3 * WAD
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    assert event.rule == Rule.THRESHOLD
    assert event.deltaBefore == 0
    assert event.deltaAfter == m.base_held() == event.amountOut
    assert 0.99 * 3 * WAD <= event.amountOut < 3 * WAD


def test_threshold__deviation_just_inside_band__not_due(market, keeper):
    m = market
    m.set_policy(rules=Rules.THRESHOLD, target=3 * WAD, band=3 * WAD + 1)
    assert not m.status().due
    with ape.reverts(m.hedger.RebalanceNotDue, delta=0, target=3 * WAD, band=3 * WAD + 1):
        m.hedger.rebalance(sender=keeper)


def test_threshold__short_calls__due_with_delta_of_the_options(market):
    m = market
    m.write(m.call_id, 20 * WAD)
    status = m.status()
    assert status.due and status.rule == Rule.THRESHOLD
    assert status.delta == m.delta() < -10 * WAD
    assert status.trade == -status.delta


# --- time -----------------------------------------------------------------------------------------------


def at(m, timestamp):
    """Mines the next block (a fresh feed answer) at `timestamp`: views then read exactly that time."""
    m.chain.pending_timestamp = timestamp
    m.push_price()
    assert m.chain.blocks.head.timestamp == timestamp


def test_time__before_max_interval__not_due_at_max_interval__due(market, keeper):
    m = market
    m.set_policy(rules=Rules.TIME, target=WAD // 5, max_interval=2 * HOUR)
    last = m.hedger.lastRebalance()
    at(m, last + 2 * HOUR - 60)
    with ape.reverts(m.hedger.RebalanceNotDue, delta=0, target=WAD // 5, band=WAD // 20):
        m.hedger.rebalance(sender=keeper)
    at(m, last + 2 * HOUR - 1)
    status = m.status()
    assert not status.due and status.rule == Rule.NONE and status.band == WAD // 20
    at(m, last + 2 * HOUR)
    status = m.status()
    assert status.due and status.rule == Rule.TIME and status.trade == WAD // 5
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    assert event.rule == Rule.TIME
    assert m.hedger.lastRebalance() >= last + 2 * HOUR


@pytest.mark.parametrize("deviation", [WAD // 20, 1], ids=["minBand", "one-wei"])
def test_time__max_interval_passed_deviation_within_min_band__not_due(market, keeper, deviation):
    m = market
    m.set_policy(rules=Rules.TIME, target=deviation, max_interval=2 * HOUR)
    m.advance(3 * HOUR)
    assert not m.status().due
    with ape.reverts(m.hedger.RebalanceNotDue, delta=0, target=deviation, band=WAD // 20):
        m.hedger.rebalance(sender=keeper)


def test_time__one_wei_beyond_min_band__due(market, keeper):
    m = market
    m.set_policy(rules=Rules.TIME, target=WAD // 20 + 1, max_interval=2 * HOUR)
    m.advance(3 * HOUR)
    status = m.status()
    assert status.due and status.rule == Rule.TIME and status.trade == WAD // 20 + 1
    assert rebalanced(m.hedger.rebalance(sender=keeper), m.hedger).rule == Rule.TIME


# --- volatility-adjusted --------------------------------------------------------------------------------


def observe_prices(m, keeper, prices, spacing=300):
    """One `observe()` per price, `spacing` seconds apart; returns [(price, timestamp)] as observed."""
    seen = []
    for price in prices:
        m.chain.pending_timestamp += spacing
        m.push_price(price)
        tx = m.hedger.observe(sender=keeper)
        seen.append((price, tx.timestamp))
    return seen


def ewma_vol(observations, alpha=0.1):
    """The realized volatility of IDeltaHedger: EWMA of annualized squared log returns, seeded by the first."""
    variance = 0.0
    for (p0, t0), (p1, t1) in zip(observations, observations[1:], strict=False):
        sample = math.log(p1 / p0) ** 2 * YEAR / (t1 - t0)
        variance = sample if variance == 0 else alpha * sample + (1 - alpha) * variance
    return math.sqrt(variance)


def test_volatility__realized_vol__matches_python_ewma(market, keeper):
    m = market
    assert m.hedger.realizedVol() == 0
    seen = observe_prices(m, keeper, [2000, 2010, 1995, 2030, 2000, 1990])
    expected = ewma_vol(seen)
    assert m.hedger.realizedVol() == pytest.approx(expected * WAD, rel=1e-9)


def test_volatility__observation_before_spacing__reverts(market, keeper):
    m = market
    deployed = m.hedger.lastObservation()  # the price at deployment seeds the estimator
    with ape.reverts(m.hedger.ObservationTooSoon, lastObservation=deployed, nextAllowed=deployed + 300):
        m.hedger.observe(sender=keeper)
    m.chain.pending_timestamp = deployed + 300
    tx = m.hedger.observe(sender=keeper)
    with ape.reverts(
        m.hedger.ObservationTooSoon, lastObservation=tx.timestamp, nextAllowed=tx.timestamp + 300
    ):
        m.hedger.observe(sender=keeper)


def test_volatility__fast_market__band_shrinks_by_k_and_inside_band_deviation_becomes_due(market, keeper):
    m = market
    # |x| = 0.3: inside the threshold band (0.5), outside band * k once realized vol is about 2x the reference.
    m.set_policy(rules=Rules.VOLATILITY, target=3 * WAD // 10)
    status = m.status()
    assert not status.due and status.band == WAD // 2  # k = 1 before any estimate
    observe_prices(m, keeper, [2000, 2010, 2000, 2010, 2000])
    vol = m.hedger.realizedVol()
    assert 1.4 * WAD < vol < 1.9 * WAD
    k = 8 * 10**17 * WAD // vol
    status = m.status()
    assert status.band == WAD // 2 * k // WAD < 3 * WAD // 10
    assert status.due and status.rule == Rule.VOLATILITY
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    assert event.rule == Rule.VOLATILITY


def test_volatility__extreme_market__scale_clamped_at_one_quarter(market, keeper):
    m = market
    m.set_policy(rules=Rules.VOLATILITY, target=WAD // 8 + 1)
    observe_prices(m, keeper, [2000, 2100, 2000, 2100, 2000])
    assert m.hedger.realizedVol() > 10 * WAD
    status = m.status()
    assert status.band == WAD // 8
    assert status.due and status.rule == Rule.VOLATILITY
    m.set_policy(rules=Rules.VOLATILITY, target=WAD // 8)
    assert not m.status().due


def test_volatility__calm_market__band_widens_and_beyond_threshold_deviation_not_due(market, keeper):
    m = market
    # |x| = 1.0 is twice the threshold band, but a calm market widens the band to 4 x 0.5.
    m.set_policy(rules=Rules.VOLATILITY, target=WAD)
    assert m.status().due  # k = 1 before any estimate
    observe_prices(m, keeper, [2000, 2000.2, 2000, 2000.2, 2000])
    assert m.hedger.realizedVol() < WAD // 10
    with ape.reverts(m.hedger.RebalanceNotDue, delta=0, target=WAD, band=2 * WAD):
        m.hedger.rebalance(sender=keeper)


def test_volatility__fast_market__interval_shrinks_by_k_squared(market, keeper):
    m = market
    # |x| = 0.1 stays inside even the shrunk band (0.125); only the interval (8 h / 16 = 30 min) can fire.
    m.set_policy(rules=Rules.VOLATILITY, target=WAD // 10, max_interval=8 * HOUR)
    last = m.hedger.lastRebalance()
    observe_prices(m, keeper, [2000, 2100, 2000], spacing=300)
    assert m.hedger.realizedVol() > 10 * WAD
    head = m.chain.blocks.head.timestamp
    assert head - last < 30 * 60
    at(m, last + 30 * 60 - 1)
    assert not m.status().due
    at(m, last + 30 * 60)
    status = m.status()
    assert status.due and status.rule == Rule.VOLATILITY and status.band == WAD // 8


# --- cost-aware (fixed + proportional costs) ------------------------------------------------------------


def set_base_fee(m, fee_wei):
    """Mines a block whose base fee is `fee_wei`: views then read it as block.basefee."""
    m.chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(fee_wei)])
    m.chain.mine()
    assert m.chain.blocks.head.base_fee == fee_wei


@pytest.fixture
def zero_base_fee_after(market):
    yield
    set_base_fee(market, 0)


def cost_terms(m, deviation, rebalance_gas=250_000):
    """(p1, q1): the coefficients of H^4 - p H - q = 0 at riskAversion 1 per quote unit, in base units, from the
    on-chain inputs: lambda = pool fee + impact of |x| (adapter), K = rebalanceGas x basefee x spot (quote)."""
    fee, impact = m.adapter.tradingCost(abs(deviation))
    lam = (fee + impact) / WAD
    spot = m.vault.spotPrice() / WAD
    gamma = abs(m.vault.portfolioGreeks().gamma) / WAD
    fixed_cost = rebalance_gas * m.chain.blocks.head.base_fee / 1e18 * spot
    return 6 * lam * spot * gamma**2, 12 * fixed_cost * gamma**2


def cost_band(m, deviation, risk_aversion, rebalance_gas=250_000):
    """The band H (base units): the positive real root of H^4 - p H - q = 0, p and q divided by riskAversion."""
    p1, q1 = cost_terms(m, deviation, rebalance_gas)
    ra = risk_aversion / WAD
    roots = np.roots([1.0, 0.0, 0.0, -p1 / ra, -q1 / ra])
    return max(r.real for r in roots if abs(r.imag) < 1e-9 * abs(r) and r.real > 0)


def risk_aversion_for(m, band, deviation):
    """The risk aversion (WAD) at which H equals `band` (base units): band^4 = (p1 band + q1) / riskAversion."""
    p1, q1 = cost_terms(m, deviation)
    return int(WAD * (p1 * band + q1) / band**4)


@pytest.mark.parametrize("basefee", [0, 30 * GWEI], ids=["no-gas", "gas-30-gwei"])
def test_cost__band_matches_the_fixed_plus_proportional_root(market, zero_base_fee_after, basefee):
    m = market
    m.write(m.call_id, 20 * WAD)
    m.set_policy(rules=Rules.COST, risk_aversion=5 * 10**16)
    set_base_fee(m, basefee)
    x = m.deviation()
    h = cost_band(m, x, 5 * 10**16)
    status = m.status()
    assert 0.05 < h < abs(x) / WAD
    assert status.band == pytest.approx(h * WAD, rel=1e-9)
    assert status.due and status.rule == Rule.COST
    if basefee == 0:
        # No fixed cost: the Whalley-Wilmott band of a hedge that trades back to the target.
        fee, impact = m.adapter.tradingCost(abs(x))
        spot, gamma = m.vault.spotPrice() / WAD, abs(m.vault.portfolioGreeks().gamma) / WAD
        ww = (6 * (fee + impact) / WAD * spot * gamma**2 / 0.05) ** (1 / 3)
        assert h == pytest.approx(ww, rel=1e-12)


def test_cost__gas_widens_the_band_as_a_fixed_cost(market, zero_base_fee_after):
    m = market
    m.write(m.call_id, 20 * WAD)
    m.set_policy(rules=Rules.COST, risk_aversion=5 * 10**16)
    x = m.deviation()
    without = m.status().band
    set_base_fee(m, 200 * GWEI)
    with_gas = m.status().band
    assert with_gas > without
    assert with_gas == pytest.approx(cost_band(m, x, 5 * 10**16) * WAD, rel=1e-9)
    # Gas alone (no pool fee or impact) gives the fixed-cost limit (12 K Gamma^2 / riskAversion)^(1/4).
    _, q1 = cost_terms(m, x)
    assert with_gas / WAD > (q1 / 0.05) ** 0.25


@pytest.mark.parametrize(
    "side, due", [(1.001, False), (0.999, True)], ids=["H-just-above-deviation", "H-just-below-deviation"]
)
@pytest.mark.parametrize("basefee", [0, 30 * GWEI], ids=["no-gas", "gas-30-gwei"])
def test_cost__due_iff_deviation_beyond_h(market, keeper, zero_base_fee_after, basefee, side, due):
    m = market
    m.write(m.call_id, 20 * WAD)
    set_base_fee(m, basefee)
    x = m.deviation()
    ra = risk_aversion_for(m, side * abs(x) / WAD, x)
    m.set_policy(rules=Rules.COST, risk_aversion=ra)
    set_base_fee(m, basefee)  # the policy's transaction mined a block at the next EIP-1559 base fee
    status = m.status()
    assert status.band == pytest.approx(side * abs(x), rel=1e-6)
    assert status.due is due
    # The rebalance's block at the same base fee.
    m.chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(basefee)])
    if due:
        event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
        assert event.rule == Rule.COST
    else:
        with ape.reverts(m.hedger.RebalanceNotDue):
            m.hedger.rebalance(sender=keeper)


def test_cost__h_below_min_band__min_band_applies(market, keeper):
    m = market
    m.write(m.call_id, WAD // 100)  # |x| ~ 0.0054, gamma tiny: H far below minBand
    x = m.deviation()
    m.set_policy(rules=Rules.COST, min_band=abs(x), band=WAD, risk_aversion=5 * 10**16)
    assert cost_band(m, x, 5 * 10**16) < abs(x) / WAD
    status = m.status()
    assert status.band == abs(x) and not status.due
    m.set_policy(rules=Rules.COST, min_band=abs(x) - 10**9, band=WAD, risk_aversion=5 * 10**16)
    assert m.status().due


def test_cost_and_threshold__threshold_band_caps_the_cost_band(market, keeper):
    # Documented in IDeltaHedger: enabled together, due when |x| > min(band, max(H, minBand)); the rule reported
    # is Threshold beyond the threshold band, else Cost; while neither fires the threshold band is reported.
    m = market
    m.write(m.call_id, 20 * WAD)
    x = abs(m.deviation())
    both = Rules.THRESHOLD | Rules.COST
    # H = 2 |x|: the cost rule alone would wait; a threshold band below |x| fires.
    ra = risk_aversion_for(m, 2 * x / WAD, x)
    m.set_policy(rules=both, risk_aversion=ra, band=x - WAD)
    status = m.status()
    assert status.due and status.rule == Rule.THRESHOLD and status.band == x - WAD
    # Threshold band above |x| and H: nothing fires, the threshold band is reported.
    m.set_policy(rules=both, risk_aversion=ra, band=3 * x)
    status = m.status()
    assert not status.due and status.rule == Rule.NONE and status.band == 3 * x
    # H = |x| / 2 below a threshold band above |x|: the cost rule fires at its own band.
    ra = risk_aversion_for(m, x / 2 / WAD, x)
    m.set_policy(rules=both, risk_aversion=ra, band=3 * x)
    status = m.status()
    assert status.due and status.rule == Rule.COST
    assert status.band == pytest.approx(x / 2, rel=1e-6)
    assert rebalanced(m.hedger.rebalance(sender=keeper), m.hedger).rule == Rule.COST


# --- where a rebalance leaves the portfolio -------------------------------------------------------------


def test_rebalance__to_target__deviation_within_trading_cost_of_size(market, keeper):
    m = market
    m.write(m.call_id, 20 * WAD)
    status = m.status()
    fee, impact = m.adapter.tradingCost(status.trade)
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    after = m.deviation()
    assert abs(after) <= status.trade * (fee + impact) // WAD * 11 // 10
    assert abs(after) < abs(status.delta) // 100
    assert event.deltaAfter - event.deltaBefore == event.amountOut == m.base_held()


def test_rebalance__to_band_edge__deviation_left_at_band(market, keeper):
    m = market
    m.write(m.call_id, 20 * WAD)
    m.set_policy(trade_to_edge=True, band=2 * WAD)
    status = m.status()
    assert status.trade == -status.delta - 2 * WAD
    rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    after = m.deviation()
    assert -2 * WAD - status.trade // 100 <= after < -2 * WAD + WAD // 1000


def test_rebalance__hedge_cap__trade_capped(market, keeper):
    m = market
    m.write(m.call_id, 20 * WAD)
    m.set_policy(hedge_cap=4 * WAD)
    status = m.status()
    assert status.trade == 4 * WAD
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    assert event.amountIn == 4 * 2000 * 10**6
    assert 0.99 * 4 * WAD <= event.amountOut <= 4 * WAD
    assert m.status().delta < -6 * WAD  # still short: the rest waits for the next rebalance


def hedge_calls(m, keeper, amount=20 * WAD):
    m.write(m.call_id, amount)
    rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    m.advance(120)


def test_rebalance__puts_bought_after_hedge__sells_base(market, keeper):
    m = market
    hedge_calls(m, keeper)
    held = m.base_held()
    m.write(m.put_id, 20 * WAD)
    status = m.status()
    assert status.delta > 8 * WAD and status.due
    assert status.trade == -status.delta
    quote_before = m.quote_held()
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    assert event.amountIn == held - m.base_held() == event.deltaBefore
    assert event.amountIn == pytest.approx(-status.trade, rel=1e-5)
    assert m.quote_held() - quote_before == event.amountOut >= 0.99 * event.amountIn * 2000 // 10**12
    assert abs(m.deviation()) < WAD // 10


def test_rebalance__price_falls_after_hedge__sells_base(market, keeper):
    m = market
    hedge_calls(m, keeper)
    m.move(1900)
    status = m.status()
    assert status.delta > WAD and status.due and status.trade < 0
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    assert event.price == 1900 * WAD
    assert event.deltaAfter == event.deltaBefore - event.amountIn
    assert abs(m.deviation()) < WAD // 20


def test_rebalance__long_delta_no_base_held__nothing_to_sell_not_due(market, keeper):
    m = market
    m.write(m.put_id, 20 * WAD)
    status = m.status()
    assert status.delta > 8 * WAD and status.trade == 0 and not status.due
    with ape.reverts(m.hedger.RebalanceNotDue):
        m.hedger.rebalance(sender=keeper)


def test_rebalance__status_and_event__match_the_executed_trade(market, keeper):
    m = market
    m.write(m.call_id, 20 * WAD)
    status = m.status()
    tx = m.hedger.rebalance(sender=keeper)
    event = rebalanced(tx, m.hedger)
    assert event.caller == keeper.address
    assert event.rule == status.rule == Rule.THRESHOLD
    assert event.deltaBefore == pytest.approx(status.delta, rel=1e-5)
    assert event.price == m.vault.spotPrice() == 2000 * WAD
    # The buy spends the oracle value of the trade; the trade was the deviation at execution time.
    assert event.amountIn == -event.deltaBefore * 2000 // 10**12
    assert event.amountIn == pytest.approx(status.trade * 2000 // 10**12, rel=1e-5)
    assert event.deltaAfter == event.deltaBefore + event.amountOut
    assert event.bounty == 0
    hedged = tx.decode_logs(m.vault.Hedged)[0]
    assert (hedged.amountIn, hedged.amountOut, hedged.buyBase) == (event.amountIn, event.amountOut, True)
    after = m.status()
    assert not after.due and after.rule == Rule.NONE and after.trade == 0
    assert after.nextAllowed == tx.timestamp + 60 == m.hedger.lastRebalance() + 60


# --- cooldown -------------------------------------------------------------------------------------------


def test_cooldown__second_rebalance_before_min_interval__reverts_until_it_ends(market, keeper):
    m = market
    m.write(m.call_id, 10 * WAD)
    first = m.hedger.rebalance(sender=keeper)
    m.write(m.call_id, 10 * WAD)
    assert m.status().rule == Rule.THRESHOLD and not m.status().due
    with ape.reverts(
        m.hedger.RebalanceCooldown, lastRebalance=first.timestamp, nextAllowed=first.timestamp + 60
    ):
        m.hedger.rebalance(sender=keeper)
    at(m, first.timestamp + 59)
    assert not m.status().due
    at(m, first.timestamp + 60)
    assert m.status().due
    rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)


def test_cooldown__twice_in_one_transaction__second_reverts_nothing_lost(market, keeper, project, owner):
    m = market
    twice = owner.deploy(project.RebalanceTwice, m.hedger)
    m.write(m.call_id, 20 * WAD)
    quote_before = m.quote_held()
    tx = twice.run(sender=keeper)
    events = tx.decode_logs(m.hedger.Rebalanced)
    assert len(events) == 1
    assert not twice.secondSucceeded()
    error = bytes(twice.secondError())
    selector = m.hedger.RebalanceCooldown.abi.selector
    from eth_utils import keccak

    assert error[:4] == keccak(text=selector)[:4]
    assert twice.firstTrade() == events[0].amountOut == m.base_held()
    assert quote_before - m.quote_held() == events[0].amountIn
    assert m.hedger.windowLoss() < events[0].amountIn // 100
