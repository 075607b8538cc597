"""Attacks on the rebalancing engine, one per applicable class of THREATS.md: each fails with a clear error or
gains nothing beyond the bounded slippage, and nothing is lost."""

import ape
import pytest

from deltavault.local import uniswap
from deltavault.policy import Rules
from tests.utils.constants import USDC
from tests.utils.market import HOUR_S, WAD


def rebalanced(tx, hedger):
    events = tx.decode_logs(hedger.Rebalanced)
    assert len(events) == 1
    return events[0]


def loss_vs_oracle(event) -> int:
    """What a buy lost against the oracle price, quote units (negative: it gained)."""
    return event.amountIn - event.amountOut * event.price // 10**30


def snapshot(m):
    return (m.quote_held(), m.base_held(), m.hedger.lastRebalance(), m.hedger.windowLoss())


# --- 1. sandwiching the hedge trade ---------------------------------------------------------------------


def test_sandwich__front_run_beyond_pool_deviation__rebalance_refused(market, keeper, attacker):
    m = market
    m.write(m.call_id, 20 * WAD)
    before = snapshot(m)
    uniswap.swap_to_price(m.uni, m.pool, 2030, attacker)
    with ape.reverts(
        m.hedger.PoolOracleDeviation,
        poolPrice=m.adapter.venuePrice(),
        oraclePrice=2000 * WAD,
        maxDeviationBps=100,
    ):
        m.hedger.rebalance(sender=keeper)
    assert snapshot(m) == before


def test_sandwich__front_run_within_bounds__vault_loss_and_attacker_profit_bounded(market, keeper, attacker):
    m = market
    m.write(m.call_id, 20 * WAD)
    front = uniswap.swap_to_price(m.uni, m.pool, 2008, attacker)
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    back = uniswap.swap_exact_input(m.uni, m.pool, m.base, front.amount_out, attacker)
    notional = event.amountIn
    loss = loss_vs_oracle(event)
    assert 0 < loss <= notional * 100 // 10_000  # maxSlippageBps of the notional
    assert m.hedger.windowLoss() == loss
    assert event.amountOut >= event.amountIn * 10**12 // 2000 * 99 // 100
    profit = back.amount_out - front.amount_in
    assert profit <= notional * 100 // 10_000
    assert profit < loss  # the attacker pays the pool fee twice


# --- 2. pool and oracle disagreeing ---------------------------------------------------------------------


@pytest.mark.parametrize("pool, oracle", [(1960, 2000), (2000, 2050)], ids=["pool-moved", "oracle-moved"])
def test_pool_oracle__disagree_beyond_bound__rebalance_refused(market, keeper, pool, oracle):
    m = market
    m.write(m.call_id, 20 * WAD)
    m.move(pool, feed=False)
    m.push_price(oracle)
    before = snapshot(m)
    assert m.status().due  # the decision does not read the pool; the execution refuses it
    with ape.reverts(
        m.hedger.PoolOracleDeviation,
        poolPrice=m.adapter.venuePrice(),
        oraclePrice=oracle * WAD,
        maxDeviationBps=100,
    ):
        m.hedger.rebalance(sender=keeper)
    assert snapshot(m) == before


def test_pool_oracle__pool_cheaper_within_bound__trades_and_charges_no_loss(market, keeper):
    m = market
    m.write(m.call_id, 20 * WAD)
    m.move(1985, feed=False)
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    assert event.price == 2000 * WAD
    assert loss_vs_oracle(event) < 0
    assert m.hedger.windowLoss() == 0


# --- 3. stale or mis-configured oracle ------------------------------------------------------------------


def test_oracle__stale__rebalance_and_status_revert(market, keeper):
    m = market
    m.write(m.call_id, 20 * WAD)
    updated_at = m.feed.latestRoundData().updatedAt
    before = snapshot(m)
    m.chain.pending_timestamp = updated_at + 3601
    with ape.reverts(m.vault.OracleStale, feed=m.feed.address, updatedAt=updated_at, maxAge=3600):
        m.hedger.rebalance(sender=keeper)
    m.chain.mine(timestamp=updated_at + 3601)
    with ape.reverts(m.vault.OracleStale):
        m.hedger.checkUpkeep(b"")
    assert snapshot(m) == before


def test_oracle__non_positive_answer__rebalance_reverts(market, keeper):
    m = market
    m.write(m.call_id, 20 * WAD)
    m.feed.pushAnswer(0, sender=m.owner)
    with ape.reverts(m.vault.OracleAnswerNotPositive, feed=m.feed.address, answer=0):
        m.hedger.rebalance(sender=keeper)
    m.chain.pending_timestamp += 300  # the observation spacing since the deployment's observation
    with ape.reverts(m.vault.OracleAnswerNotPositive):
        m.hedger.observe(sender=keeper)


# --- 6. griefing: withdrawal front-running, donations ---------------------------------------------------


def test_withdrawal_front_run__buy_capped_by_free_assets__reserve_untouched(market, keeper, depositor):
    m = market
    m.write(m.call_id, 20 * WAD)
    left = 5_000 * USDC
    m.vault.withdraw(m.vault.freeAssets() - left, depositor, depositor, sender=depositor)
    assert m.vault.freeAssets() == left
    status = m.status()
    # Affordable: the free quote less the bounty cap (20 USDC, kept for the keeper), at the oracle price.
    assert status.due and status.trade == (left - 20 * USDC) * 10**30 // (2000 * WAD)
    reserved = m.vault.reservedAssets()
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    assert event.amountIn == left - 20 * USDC
    # What is left free is the room kept for the bounty, less the bounty actually paid.
    assert event.bounty <= 20 * USDC
    assert m.vault.freeAssets() == 20 * USDC - event.bounty
    assert m.quote_held() == reserved + 20 * USDC - event.bounty
    assert reserved == m.vault.reservedAssets()


def test_withdrawal_front_run__all_free_assets_withdrawn__clean_not_due_no_underflow(
    market, keeper, depositor
):
    m = market
    m.write(m.call_id, 20 * WAD)
    m.vault.withdraw(m.vault.freeAssets(), depositor, depositor, sender=depositor)
    assert m.vault.freeAssets() == 0
    status = m.status()
    assert status.delta < -10 * WAD and status.trade == 0 and not status.due
    before = snapshot(m)
    with ape.reverts(m.hedger.RebalanceNotDue):
        m.hedger.rebalance(sender=keeper)
    assert snapshot(m) == before
    assert m.quote_held() >= m.vault.reservedAssets()


def test_donation__base_to_vault__donor_loses_it_rebalance_sells_within_slippage(market, keeper, attacker):
    m = market
    m.write(m.call_id, 20 * WAD)
    rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    m.advance(120)
    uniswap.fund(m.uni, m.base, attacker, 5 * WAD)
    attacker_before = m.base.balanceOf(attacker)
    nav_before = m.nav()
    m.base.transfer(m.vault, 5 * WAD, sender=attacker)
    assert m.base.balanceOf(attacker) == attacker_before - 5 * WAD
    assert m.nav() == nav_before + 5 * 2000 * USDC
    status = m.status()
    assert status.due and status.trade < -4 * WAD
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    value_in = event.amountIn * 2000 // 10**12
    assert value_in - event.amountOut <= value_in * 100 // 10_000
    assert m.nav() >= nav_before + 5 * 2000 * USDC * 99 // 100
    assert abs(m.deviation()) < WAD // 10


def test_donation__base_to_vault_pushing_loss_over_budget__refused_donor_still_loses(
    market, keeper, attacker
):
    m = market
    m.write(m.call_id, 20 * WAD)
    rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    spent = m.hedger.windowLoss()
    m.set_policy(loss_budget_bps=1)
    m.advance(120)
    uniswap.fund(m.uni, m.base, attacker, 20 * WAD)
    nav_before = m.nav()
    m.base.transfer(m.vault, 20 * WAD, sender=attacker)
    h = m.vault.hedgeState()
    budget = (h.freeAssets + h.baseHeld * 2000 * USDC // WAD) // 10_000
    with ape.reverts(m.hedger.LossBudgetExceeded, budget=budget):
        m.hedger.rebalance(sender=keeper)
    assert m.hedger.windowLoss() == spent
    assert m.nav() == nav_before + 20 * 2000 * USDC


def test_donation__quote_to_adapter__trade_unchanged_donation_left_behind(market, keeper, attacker):
    m = market
    m.write(m.call_id, 20 * WAD)
    m.quote.mint(attacker, 1_000 * USDC, sender=attacker)
    m.quote.transfer(m.adapter, 1_000 * USDC, sender=attacker)
    status = m.status()
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    assert event.amountIn == pytest.approx(status.trade * 2000 // 10**12, rel=1e-5)
    assert m.quote.balanceOf(m.adapter) == 1_000 * USDC
    assert m.base.balanceOf(m.adapter) == 0


# --- 5. rate limit: the loss budget ---------------------------------------------------------------------


def test_loss_budget__repeated_rebalances__stopped_then_reset_after_window(market, keeper):
    m = market
    # One basis point of the hedge's capital (~1 M USDC here) per hour: about 100 USDC.
    m.set_policy(loss_budget_bps=1, loss_window=HOUR_S)
    m.write(m.call_id, 20 * WAD)
    first = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    spent = m.hedger.windowLoss()
    assert spent == loss_vs_oracle(first) > 40 * USDC
    m.advance(120)
    m.write(m.call_id, 20 * WAD)
    before = snapshot(m)
    h = m.vault.hedgeState()
    budget = (h.freeAssets + h.baseHeld * 2000 * USDC // WAD) // 10_000
    with ape.reverts(m.hedger.LossBudgetExceeded, budget=budget):
        m.hedger.rebalance(sender=keeper)
    assert snapshot(m) == before
    m.advance(HOUR_S)
    second = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    assert m.hedger.windowLoss() == loss_vs_oracle(second) <= budget
    assert m.hedger.lossWindowStart() == m.hedger.lastRebalance()


# --- 7. denial of service through a dependency --------------------------------------------------------


def test_dos__pool_held_off_oracle__only_the_hedge_waits_users_keep_working(
    market, keeper, depositor, trader
):
    """Anyone can make the venue check fail by holding the pool away from the oracle (paying the arbitrage while
    it lasts). That delays the hedge and nothing else: deposits, withdrawals and option sales price from the
    oracle and keep working; once the pool is back, the due rebalance lands."""
    m = market
    m.write(m.call_id, 20 * WAD)
    m.move(2300, feed=False)
    with ape.reverts(m.hedger.PoolOracleDeviation):
        m.hedger.rebalance(sender=keeper)
    assert m.status().due
    quote_before = m.quote.balanceOf(depositor)
    m.vault.withdraw(10_000 * USDC, depositor, depositor, sender=depositor)
    assert m.quote.balanceOf(depositor) - quote_before == 10_000 * USDC
    m.vault.deposit(5_000 * USDC, depositor, sender=depositor)
    premium = m.vault.sellOption(m.call_id, 5 * WAD, 0, trader, sender=trader).return_value
    assert premium > 0 and m.vault.series(m.call_id).outstanding == 15 * WAD
    m.move(2000, feed=False)  # the arbitrage brings the pool back
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    assert event.amountOut > 0 and abs(m.deviation()) < abs(event.deltaBefore)


# --- 8. sign and rounding -------------------------------------------------------------------------------


def test_rounding__one_wei_deviation__never_trades_under_any_rule(market, keeper):
    m = market
    m.set_policy(rules=15, band=10**12, min_band=10**12, target=1, max_interval=3600)
    m.advance(2 * 86400)
    status = m.status()
    assert not status.due and status.trade == 0
    with ape.reverts(m.hedger.RebalanceNotDue, delta=0, target=1):
        m.hedger.rebalance(sender=keeper)


@pytest.mark.parametrize("new_target", [WAD, 9 * WAD], ids=["sell", "buy"])
def test_sign__trade_direction_always_reduces_deviation(market, keeper, new_target):
    m = market
    m.set_policy(rules=Rules.THRESHOLD, target=5 * WAD, band=WAD // 10)
    rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    m.advance(120)
    m.set_policy(rules=Rules.THRESHOLD, target=new_target, band=WAD // 10)
    before = m.deviation()
    status = m.status()
    assert status.trade * before < 0
    event = rebalanced(m.hedger.rebalance(sender=keeper), m.hedger)
    after = m.deviation()
    assert abs(after) < abs(before)
    assert (event.deltaAfter - event.deltaBefore) * before < 0


# --- 9. callbacks: the vault's hedge hooks --------------------------------------------------------------


def test_callbacks__hedge_and_pay_keeper__only_the_hedger(market, attacker):
    m = market
    with ape.reverts(m.vault.OnlyHedger, caller=attacker.address):
        m.vault.hedge(m.adapter, True, 1_000 * USDC, 0, sender=attacker)
    with ape.reverts(m.vault.OnlyHedger, caller=attacker.address):
        m.vault.payKeeper(attacker, 1_000 * USDC, sender=attacker)


def test_withdrawal_front_run__with_bounty__rebalance_still_pays_keeper(market, keeper, depositor):
    m = market
    m.write(m.call_id, 20 * WAD)
    m.vault.withdraw(m.vault.freeAssets() - 5_000 * USDC, depositor, depositor, sender=depositor)
    reserved = m.vault.reservedAssets()
    keeper_before = m.quote.balanceOf(keeper)
    m.chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(10**10)])
    try:
        tx = m.hedger.rebalance(sender=keeper, max_fee=2 * 10**10, max_priority_fee=0)
    finally:
        m.chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(0)])
    event = rebalanced(tx, m.hedger)
    assert event.bounty > 0
    assert m.quote.balanceOf(keeper) - keeper_before == event.bounty
    assert m.quote_held() >= reserved == m.vault.reservedAssets()
