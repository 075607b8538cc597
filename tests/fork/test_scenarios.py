"""Market scenarios on the fork of the local upstream, end to end through the keeper (`deltavault.keeper.Keeper`,
one tick per `keeper_step`, as `ape run keeper run --once` runs it).

Every price move is a real swap on the upstream's Uniswap V3 pool plus a new round of its price feed (pushed by
impersonating the feed's owner, which only the local upstream allows). Each scenario starts from a hedged book:
two deposits, calls and puts sold, one rebalance.
"""

from decimal import Decimal

import pytest

from deltavault.contracts import ERC4626_REDEEM, OPTION_REDEEM, method
from tests.fork.utils import (
    GWEI,
    assert_solvent,
    delta_of,
    expect_revert,
    in_one_block,
    keeper_step,
    oracle_value,
    rebalanced,
    revert_error,
    swap_call_to_price,
    wad,
)

pytestmark = pytest.mark.local_upstream

PRICE = Decimal(2000)
THETA_TOLERANCE = 100_000  # quote units (0.10 USDC): the options' time decay over a block or two


@pytest.fixture(scope="module")
def hedged(market, system, book, keeper, chain):
    """The book after its first rebalance: |delta| within the band."""
    policy = system.hedger.policy()
    chain.pending_timestamp += policy.minInterval + 1
    market.push_price(PRICE)
    outcome = keeper_step(system, keeper)
    assert outcome.action == "rebalanced"
    assert abs(delta_of(system.vault)) <= policy.band
    return book


def wait_cooldown(system, chain, market=None, price=None):
    """Let the rebalance cooldown pass (and give the feed a fresh round at `price`)."""
    chain.pending_timestamp += system.hedger.policy().minInterval + 1
    if market is not None:
        market.push_price(price)


def make_rebalance_due(market, system, trader, chain, rise=Decimal("1.1")):
    """A 10 % rise (pool and feed) after the cooldown: the short calls push delta beyond the band."""
    wait_cooldown(system, chain)
    market.move_price(PRICE * rise, trader)
    assert system.hedger.rebalanceStatus().due


def vault_state(system, market):
    vault = system.vault
    return {
        "quote": market.quote.balanceOf(vault),
        "base": market.base.balanceOf(vault),
        "reserved": vault.reservedAssets(),
        "lastRebalance": system.hedger.lastRebalance(),
        "shares": vault.totalSupply(),
    }


def assert_rebalance_accounting(system, market, outcome, nav_before, state_before):
    """A rebalance moves base and quote by exactly the swap, pays at most the bounty, sets delta to
    deltaBefore + base traded, and costs NAV exactly its loss against the oracle plus the bounty."""
    vault, hedger = system.vault, system.hedger
    event = rebalanced(outcome.receipt, hedger)
    policy = hedger.policy()
    base_after, quote_after = market.base.balanceOf(vault), market.quote.balanceOf(vault)
    buy = base_after > state_before["base"]
    base_traded = base_after - state_before["base"]
    if buy:
        assert base_traded == event.amountOut
        assert quote_after == state_before["quote"] - event.amountIn - event.bounty
        loss = event.amountIn - oracle_value(event.amountOut, event.price, 6)
    else:
        assert base_traded == -event.amountIn
        assert quote_after == state_before["quote"] + event.amountOut - event.bounty
        loss = oracle_value(event.amountIn, event.price, 6) - event.amountOut
    assert event.deltaAfter == event.deltaBefore + base_traded == delta_of(vault)
    assert loss <= (event.amountIn if buy else event.amountOut) * policy.maxSlippageBps // 10_000
    # NAV before was read a block earlier: the options' time decay over those seconds is the only other change.
    assert abs(vault.totalAssets() - (nav_before - loss - event.bounty)) <= THETA_TOLERANCE
    assert event.bounty <= policy.bountyCap
    assert_solvent(vault, market.quote)
    return event


def test_crash_30pct_in_one_block__keeper_sells_hedge_back_into_band(
    market, system, hedged, keeper, trader, chain
):
    vault, hedger = system.vault, system.hedger
    band = hedger.policy().band
    nav0, delta0 = vault.totalAssets(), delta_of(vault)
    wait_cooldown(system, chain)
    crash = PRICE * Decimal("0.7")

    # The pool crashes through a real swap and the feed answers the crash price, both in one block.
    feed_owner = market.feed_owner
    swap = swap_call_to_price(market, trader, crash)
    receipts = in_one_block(swap, (feed_owner, market.feed.pushAnswer, (int(crash * 10**8),)))

    assert receipts[0]["blockNumber"] == chain.blocks.head.number
    assert abs(market.pool_price() / crash - 1) < Decimal("0.0001")
    assert vault.spotPrice() == wad(crash)
    # Short puts gain delta and short calls lose it: the vault is now long beyond the band; NAV fell.
    delta1, nav1 = delta_of(vault), vault.totalAssets()
    assert delta1 > band > abs(delta0)
    assert nav1 < nav0
    assert_solvent(vault, market.quote)

    state = vault_state(system, market)
    outcome = keeper_step(system, keeper)

    assert outcome.action == "rebalanced"
    assert outcome.status.trade < 0  # sells base
    event = assert_rebalance_accounting(system, market, outcome, nav1, state)
    assert event.price == wad(crash)
    # The vault sells all the base it holds but never goes short: the rest of the short puts' delta stays.
    assert market.base.balanceOf(vault) == 0
    assert event.deltaAfter > band
    status = hedger.rebalanceStatus()
    assert not status.due and status.trade == 0


def test_pump_50pct__keeper_buys_hedge_back_into_band(market, system, hedged, keeper, trader, chain):
    vault, hedger = system.vault, system.hedger
    policy = hedger.policy()
    pump = PRICE * Decimal("1.5")
    nav0 = vault.totalAssets()
    wait_cooldown(system, chain)

    market.move_price(pump, trader)

    assert abs(market.pool_price() / pump - 1) < Decimal("0.0001")
    delta1, nav1 = delta_of(vault), vault.totalAssets()
    assert delta1 < -policy.band  # the short calls went into the money
    assert nav1 < nav0
    # The trade is capped per rebalance: the keeper comes back after each cooldown until the band holds.
    rebalances = 0
    while abs(delta_of(vault)) > policy.band:
        state, nav = vault_state(system, market), vault.totalAssets()
        outcome = keeper_step(system, keeper)
        assert outcome.action == "rebalanced", outcome
        assert 0 < outcome.status.trade <= policy.hedgeCap  # buys base
        assert_rebalance_accounting(system, market, outcome, nav, state)
        rebalances += 1
        assert rebalances <= 3
        wait_cooldown(system, chain, market, pump)
    assert market.base.balanceOf(vault) > hedged.calls // 2  # long more than half the calls' notional


def test_oracle_stale__rebalance_and_valuation_revert__nothing_moves__resumes_on_fresh_answer(
    market, system, hedged, keeper, trader, attacker, chain
):
    vault, hedger, book = system.vault, system.hedger, hedged
    make_rebalance_due(market, system, trader, chain)
    max_age = vault.oracleConfig().priceMaxAge
    updated_at = market.feed.latestRoundData().updatedAt
    chain.pending_timestamp = updated_at + max_age + 1
    chain.mine()
    state = vault_state(system, market)
    keeper_nonce = keeper.nonce
    stale = {"updatedAt": updated_at, "maxAge": max_age}

    outcome = keeper_step(system, keeper)

    assert outcome.action == "status_reverted"
    assert revert_error(outcome.error, vault) == (
        "OracleStale",
        {"feed": market.feed.address.lower(), **stale},
    )
    expect_revert(lambda: hedger.rebalance(sender=attacker), "OracleStale", vault, hedger, **stale)
    expect_revert(lambda: vault.totalAssets(), "OracleStale", vault, **stale)
    expect_revert(lambda: vault.quoteBuy(book.call_id, 10**18), "OracleStale", vault, **stale)
    expect_revert(lambda: vault.previewRedeem(10**12), "OracleStale", vault, **stale)
    expect_revert(lambda: vault.portfolioGreeks(), "OracleStale", vault, **stale)
    assert keeper.nonce == keeper_nonce
    assert vault_state(system, market) == state

    market.push_price(PRICE * Decimal("1.1"))
    nav, state = vault.totalAssets(), vault_state(system, market)
    outcome = keeper_step(system, keeper)
    assert outcome.action == "rebalanced"
    event = assert_rebalance_accounting(system, market, outcome, nav, state)
    assert abs(event.deltaAfter) <= hedger.policy().band


def test_pool_moved_away_from_oracle__rebalance_refused__resumes_after_arbitrage(
    market, system, hedged, keeper, trader, attacker, chain
):
    vault, hedger = system.vault, system.hedger
    max_bps = hedger.policy().maxPoolDeviationBps
    make_rebalance_due(market, system, trader, chain)
    oracle = PRICE * Decimal("1.1")
    # Someone pushes the pool 1.5 % above the oracle just before the vault must buy base.
    market.move_price(oracle * Decimal("1.015"), attacker, push=False)
    state, keeper_nonce = vault_state(system, market), keeper.nonce
    delta, nav = delta_of(vault), vault.totalAssets()

    outcome = keeper_step(system, keeper)

    assert outcome.action == "simulation_reverted"
    pool_price = market.pool.contract.slot0().sqrtPriceX96
    deviation = expect_revert(
        lambda: hedger.rebalance(sender=attacker), "PoolOracleDeviation", hedger, oraclePrice=wad(oracle)
    )
    assert deviation["maxDeviationBps"] == max_bps
    assert abs(Decimal(deviation["poolPrice"]) / wad(oracle) - Decimal("1.015")) < Decimal("0.0001")
    assert revert_error(outcome.error, hedger) == ("PoolOracleDeviation", deviation)
    assert keeper.nonce == keeper_nonce
    assert vault_state(system, market) == state
    assert market.pool.contract.slot0().sqrtPriceX96 == pool_price
    # The pool is not an input of delta or NAV; only the options' time decay moved them (the refused
    # rebalance by `attacker` was mined, a block later).
    assert abs(delta_of(vault) - delta) < 10**14
    assert abs(vault.totalAssets() - nav) <= THETA_TOLERANCE

    market.move_price(oracle, attacker, push=False)  # arbitrage takes the pool back to the oracle
    nav, state = vault.totalAssets(), vault_state(system, market)
    outcome = keeper_step(system, keeper)
    assert outcome.action == "rebalanced"
    event = assert_rebalance_accounting(system, market, outcome, nav, state)
    assert abs(event.deltaAfter) <= hedger.policy().band


def test_gas_spike__keeper_sends_nothing__rebalances_once_gas_falls(
    market, system, hedged, keeper, trader, chain
):
    vault, hedger = system.vault, system.hedger
    ceiling = 100 * GWEI
    # The cost rule widens its band with the base fee (the gas of a rebalance is its fixed cost): a 20 % rise keeps
    # the rebalance due at 500 gwei, so that the keeper's ceiling, not the rule, is what holds it back.
    make_rebalance_due(market, system, trader, chain, rise=Decimal("1.2"))
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(500 * GWEI)])
    chain.mine()  # the keeper decides on the latest block's base fee
    assert hedger.rebalanceStatus().due
    state, keeper_nonce = vault_state(system, market), keeper.nonce
    keeper_quote = market.quote.balanceOf(keeper)

    outcome = keeper_step(system, keeper, max_base_fee=ceiling)

    assert outcome.action == "gas_above_ceiling"
    assert outcome.base_fee == 500 * GWEI
    assert keeper.nonce == keeper_nonce
    assert vault_state(system, market) == state
    # Empty blocks lower the base fee by 1/8 each (EIP-1559): 500 -> 100 gwei takes 13 blocks.
    blocks = 0
    while True:
        nav = vault.totalAssets()
        outcome = keeper_step(system, keeper, max_base_fee=ceiling)
        if outcome.action != "gas_above_ceiling":
            break
        assert keeper.nonce == keeper_nonce
        chain.mine()
        blocks += 1
    assert blocks == 13
    assert outcome.action == "rebalanced"
    assert 0 < outcome.base_fee <= ceiling
    event = assert_rebalance_accounting(system, market, outcome, nav, state)
    # The bounty pays the keeper's gas at the base fee (x1.2), capped: here the cap of 20 USDC.
    assert event.bounty == hedger.policy().bountyCap
    assert market.quote.balanceOf(keeper) == keeper_quote + event.bounty
    assert abs(event.deltaAfter) <= hedger.policy().band


SETTLEMENT = PRICE * Decimal("1.15")


def settle_at_expiry(market, system, book, trader, chain):
    """Rounds before and at expiry, the pool and feed at SETTLEMENT, then both series settled with the first
    round at or after expiry (a later or an earlier round is refused). Returns the settling round."""
    vault = system.vault
    chain.pending_timestamp = book.expiry - 600
    before_round = market.push_price(PRICE)
    expect_revert(lambda: vault.settle(book.call_id, before_round, sender=trader), "SeriesNotExpired", vault)
    chain.pending_timestamp = book.expiry + 30
    market.move_price(SETTLEMENT, trader)
    settle_round = market.feed.latestRoundData().roundId
    chain.pending_timestamp += 60
    later_round = market.push_price(SETTLEMENT * Decimal("1.1"))
    for wrong in (before_round, later_round):
        expect_revert(
            lambda r=wrong: vault.settle(book.call_id, r, sender=trader), "InvalidSettlementRound", vault
        )
    vault.settle(book.call_id, settle_round, sender=trader)
    vault.settle(book.put_id, settle_round, sender=trader)
    market.push_price(SETTLEMENT)  # later rounds back at the settlement price, as the pool is
    return settle_round


def test_expiry__settled_with_first_round_after_expiry__payouts_redeemed(
    market, system, hedged, trader, chain
):
    vault, quote, book = system.vault, market.quote, hedged
    settle_at_expiry(market, system, book, trader, chain)

    call, put = vault.series(book.call_id), vault.series(book.put_id)
    assert call.settled and put.settled
    payoff = min(max(wad(SETTLEMENT) - book.call_strike, 0), book.call_cap)
    assert call.payoffPerOption == payoff == wad(300)
    assert put.payoffPerOption == 0  # out of the money
    owed = book.calls * payoff // 10**30
    assert vault.reservedAssets() == owed == 24_000 * market.q
    assert list(vault.liveSeries()) == []
    # NAV: quote + base at the oracle - the payouts owed (no live option left to value).
    base_value = oracle_value(market.base.balanceOf(vault), vault.spotPrice(), 6)
    assert vault.totalAssets() == quote.balanceOf(vault) + base_value - owed
    assert delta_of(vault) == market.base.balanceOf(vault)  # only the hedge is left
    assert_solvent(vault, quote)

    before = quote.balanceOf(trader)
    method(vault, OPTION_REDEEM)(book.call_id, book.calls, trader, sender=trader)
    method(vault, OPTION_REDEEM)(book.put_id, book.puts, trader, sender=trader)

    assert quote.balanceOf(trader) - before == owed
    assert system.option_token.balanceOf(trader, book.call_id) == 0
    assert vault.reservedAssets() == 0
    assert_solvent(vault, quote)


def test_all_depositors_withdraw__each_paid_their_share__nothing_lost(
    market, system, system_block, hedged, trader, keeper, depositor, second_depositor, chain
):
    vault, quote, book = system.vault, market.quote, hedged
    settle_at_expiry(market, system, book, trader, chain)
    method(vault, OPTION_REDEEM)(book.call_id, book.calls, trader, sender=trader)
    # The keeper unwinds the hedge: with no option left, delta is the base held, sold back to quote.
    while market.base.balanceOf(vault) > 0:
        wait_cooldown(system, chain, market, SETTLEMENT)
        assert keeper_step(system, keeper).action == "rebalanced"
    assert delta_of(vault) == 0
    assert vault.totalAssets() == quote.balanceOf(vault)
    assert_solvent(vault, quote)

    paid = {}
    for account in (second_depositor, depositor):  # the second depositor leaves first
        shares = vault.balanceOf(account)
        assert shares == book.shares[account.address]
        expected = vault.previewRedeem(shares)
        before = quote.balanceOf(account)
        method(vault, ERC4626_REDEEM)(shares, account, account, sender=account)
        paid[account.address] = quote.balanceOf(account) - before
        assert paid[account.address] == expected
        assert_solvent(vault, quote)
    assert vault.totalSupply() == 0

    # Every flow of quote through the vault, from its events: what came in = what went out + what is left.
    def logs(event):
        return list(event.range(system_block, chain.blocks.head.number + 1))

    def total(event, field):
        return sum(log[field] for log in logs(event))

    deposited = total(vault.Deposit, "assets")
    premiums = total(vault.OptionBought, "premium")
    payouts = total(vault.OptionRedeemed, "payout")
    bounties = total(vault.KeeperPaid, "amount")
    withdrawn = total(vault.Withdraw, "assets")
    hedge_pnl = sum(-h.amountIn if h.buyBase else h.amountOut for h in logs(vault.Hedged))
    residual = quote.balanceOf(vault)
    assert deposited == book.deposited and premiums == book.premiums and withdrawn == sum(paid.values())
    assert deposited + premiums - payouts - bounties + hedge_pnl - withdrawn == residual
    # Left behind: only the last depositor's exit fee (50 bps) and rounding.
    last = paid[depositor.address]
    assert residual <= last * 51 // 10_000 + market.q
    # Each depositor got their deposit back up to fees and their share of the P&L, the same per share
    # (the first one out pays an exit fee that the last one keeps).
    pnl = premiums - payouts - bounties + hedge_pnl
    for account in (depositor, second_depositor):
        share = book.deposits[account.address] / deposited
        fair = book.deposits[account.address] + pnl * share
        assert abs(paid[account.address] - fair) <= fair * 11 // 1000
    per_share_first = paid[second_depositor.address] / book.shares[second_depositor.address]
    per_share_last = paid[depositor.address] / book.shares[depositor.address]
    assert per_share_first <= per_share_last <= per_share_first * 1.006
