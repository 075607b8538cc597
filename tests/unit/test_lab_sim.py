"""The lab's simulator: its rule decisions equal the integer mirror of DeltaHedger step by step, a costless
near-continuous hedge has almost no risk, runs are reproducible, and costs add up."""

import math

import numpy as np
import pytest

from deltavault.lab import rules
from deltavault.lab.book import Book, Series, demo_book, put_heavy_book
from deltavault.lab.frontier import default_policy, demo_policy
from deltavault.lab.paths import Grid, gbm
from deltavault.lab.sim import COMPONENTS, LabPolicy, Market, simulate, simulate_many
from deltavault.policy import WAD, HedgePolicy, Rules

GRID = Grid(days=3, step_seconds=300)


def _mirror_venue(market: Market, spot: float) -> rules.Venue:
    liquidity = sum(raw for lo, hi, raw in market.ranges() if lo <= spot < hi)
    sqrt_price = int(math.sqrt(spot * 10.0 ** (market.quote_decimals - market.base_decimals)) * 2**96)
    return rules.Venue(market.fee_tier, int(liquidity), sqrt_price, True, market.base_decimals)


POLICIES = [
    default_policy(),
    demo_policy(),
    LabPolicy(
        HedgePolicy.for_quote_decimals(
            6, rules=Rules.COST | Rules.TIME, risk_aversion=10**15, trade_to_edge=True, min_band=10**16
        ),
        name="cost+time edge",
    ),  # fmt: skip
    LabPolicy(
        HedgePolicy.for_quote_decimals(
            6, rules=Rules.VOLATILITY, band=WAD // 4, min_band=WAD // 10, max_interval=3 * 3600
        ),
        name="vol",
    ),  # fmt: skip
]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_simulator__each_step__decides_like_the_contract_mirror(policy):
    market = Market()
    path = gbm(1, GRID, spot=2000, vol=1.0, seed=5)
    result = simulate(demo_book(), path, GRID, policy, market, seed=3, trace_path=0)
    tr = result.trace
    p = policy.hedge.with_(hedge_cap=policy.hedge.hedge_cap)
    checked = fired = 0
    for i in range(1, GRID.steps + 1):
        spot = tr["price"][i]
        hs = rules.HedgerState(
            now=int(tr["time"][i]),
            basefee=int(round(tr["basefee_gwei"][i] * 1e9)),
            last_rebalance=int(tr["time"][i] - tr["elapsed"][i]),
            variance=int(tr["variance"][i] * WAD),
        )
        state = rules.HedgeState(
            spot=int(spot * WAD),
            delta=int(tr["delta_before"][i] * WAD),
            gamma=int(tr["gamma"][i] * WAD),
            base_held=int(max(tr["hedge_before"][i], 0.0) * WAD),
            free_assets=10**30,
        )
        status = rules.status(state, p, hs, _mirror_venue(market, spot))
        deviation = abs(tr["delta_before"][i] - p.target / WAD)
        if status.band and abs(deviation - status.band / WAD) < 1e-6 * max(1.0, status.band / WAD):
            continue  # float and integer arithmetic may round a deviation on the band edge either way
        assert status.due == bool(tr["rebalanced"][i]), (i, status, deviation)
        if status.due:
            assert status.trade / WAD == pytest.approx(tr["trade"][i], rel=1e-9, abs=1e-9)
            fired += 1
        checked += 1
    assert checked > 0.99 * GRID.steps
    assert fired > 0


def test_simulator__costless_near_continuous_hedge__has_almost_no_risk():
    book = Book((Series(False, 2000.0, 30.0, 1.0),))
    grid = Grid(days=30, step_seconds=300)
    paths = gbm(200, grid, spot=2000, vol=0.8, seed=1)
    market = Market(fee_tier=100, gas_per_rebalance=0, liquidity_quote=1e15, allow_short=True, borrow_rate=0)
    policy = LabPolicy(HedgePolicy(rules=Rules.THRESHOLD, band=10**15, min_band=10**15, hedge_cap=10**24))
    result = simulate(book, paths, grid, policy, market)
    assert result.risk < 0.03  # Black-Scholes replication, discrete at 5 minutes
    assert abs(result.pnl.mean() + result.costs["fee"].mean()) / result.premium < 0.01


def test_simulator__unhedged__risk_is_the_book_risk():
    grid = Grid(days=30, step_seconds=3600)
    paths = gbm(400, grid, spot=2000, vol=0.8, seed=2)
    never = LabPolicy(HedgePolicy(rules=Rules.THRESHOLD, band=10**26, min_band=10**12, hedge_cap=10**24))
    hedged = LabPolicy(HedgePolicy(rules=Rules.THRESHOLD, band=WAD // 2, min_band=10**12, hedge_cap=10**24))
    market = Market(allow_short=True, borrow_rate=0.0)
    r_never, r_hedged = simulate_many(put_heavy_book(), paths, grid, [never, hedged], market)
    # The first trade (to the start hedge) is free and the same for both; never trading again is far riskier.
    assert r_never.risk > 3 * r_hedged.risk
    assert r_never.trades.sum() == 0


def test_simulator__same_seed__same_result_and_costs_add_up():
    paths = gbm(50, GRID, spot=2000, vol=0.8, seed=9)
    a = simulate(demo_book(), paths, GRID, demo_policy(), seed=4)
    b = simulate(demo_book(), paths, GRID, demo_policy(), seed=4)
    c = simulate(demo_book(), paths, GRID, demo_policy(), seed=5)
    assert np.array_equal(a.pnl, b.pnl)
    assert not np.array_equal(a.pnl, c.pnl)  # base fees differ
    assert a.cost == pytest.approx(sum(a.component(k) for k in COMPONENTS))
    # The tip (0.1 gwei) is below basefee x 0.2: the bounty repays exactly the gas the keeper paid (cap not hit).
    assert a.costs["bounty"].sum() == pytest.approx(a.gas.sum())


def test_simulator__many_policies_at_once__equal_one_at_a_time():
    paths = gbm(30, GRID, spot=2000, vol=0.8, seed=11)
    together = simulate_many(demo_book(), paths, GRID, POLICIES, seed=2)
    for policy, result in zip(POLICIES, together, strict=True):
        alone = simulate(demo_book(), paths, GRID, policy, seed=2)
        assert np.allclose(alone.pnl, result.pnl)
        assert np.array_equal(alone.trades, result.trades)


def test_simulator__long_only__never_holds_negative_base():
    paths = gbm(40, GRID, spot=2000, vol=1.2, seed=3)
    result = simulate(
        put_heavy_book(), paths, GRID, default_policy(), Market(allow_short=False), trace_path=0
    )
    assert result.trace["hedge"].min() >= 0.0
    assert result.costs["borrow"].sum() == 0.0
