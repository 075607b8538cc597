"""Ways to take value from liquidity providers (THREATS.md classes 11-14), each tried as an attacker would try
it, on the real Uniswap V3 market with the default policies: the attacker ends with no profit beyond rounding
dust, and no honest liquidity provider loses.

- 11: deposits and withdrawals around a known next oracle update (price up to 20 %, any volatility step);
- 12: entering or leaving between an expiry and its settlement;
- 13: option trades around a known update, and buying just before expiry;
- 14: a donation that makes a dust trade due, to collect the keeper bounty.
"""

import ape
import pytest

from deltavault.policy import OracleConfig
from tests.utils.market import DAY, HOUR_S, USDC, WAD

MILLION = 1_000_000 * USDC
REQUEST_DELAY = 300


# ------------------------------------------------------------------------------------------------ helpers


def fair_value(m, account) -> int:
    """What `account`'s shares are worth at the vault's net asset value (no band, no fee), quote units."""
    vault = m.vault
    nav, _ = vault.markedNav()
    return vault.balanceOf(account) * (nav + 1) // (vault.totalSupply() + 10**6)


def fund(m, account, amount):
    m.quote.mint(account, amount, sender=account)
    m.quote.approve(m.vault, 2**256 - 1, sender=account)
    m.quote.approve(m.vault.requestQueue(), 2**256 - 1, sender=account)


def queue(m):
    from ape import project

    return project.RequestQueue.at(m.vault.requestQueue())


def latest_round(feed) -> int:
    return feed.latestRoundData().roundId


def redeem_all(m, account):
    from tests.utils.vault import erc4626_redeem

    shares = m.vault.balanceOf(account)
    return erc4626_redeem(m.vault)(shares, account, account, sender=account).return_value


def due_round(m, price=None) -> int:
    """Warps past the request delay and pushes the first price round after it; returns its id."""
    m.chain.pending_timestamp += REQUEST_DELAY + 1
    m.push_price(price)
    return latest_round(m.feed)


def request_cycle_deposit(m, account, assets, price_after_request=None, due_price=None) -> int:
    """Asks to deposit, lets a (known) update land, waits for the due round, fulfils; returns shares minted."""
    q = queue(m)
    q.requestDeposit(assets, account, account, sender=account)
    if price_after_request is not None:
        m.push_price(price_after_request)
    round_id = due_round(m, due_price)
    return q.fulfilDeposit(account, round_id, 0, sender=account).return_value


def request_cycle_redeem(m, account, shares, price_after_request=None, due_price=None) -> int:
    q = queue(m)
    m.vault.approve(q, 0, sender=account)  # the queue needs no allowance
    q.requestRedeem(shares, account, account, sender=account)
    if price_after_request is not None:
        m.push_price(price_after_request)
    round_id = due_round(m, due_price)
    return q.fulfilRedeem(account, round_id, 0, sender=account).return_value


@pytest.fixture(scope="module")
def market(owner, manager, guardian, depositor, trader, keeper, attacker, maker, create_feed, chain):
    """The integration suite's market (WETH/USDC pool at 2000, default policies, 1 M USDC deposited, a 30-day
    2000 call and put listed), built once for the module; Ape's snapshot brings every test back to it."""
    from tests.integration.conftest import _create_market

    return _create_market("pool", owner, manager, guardian, depositor, trader, maker, create_feed, chain)


@pytest.fixture(autouse=True)
def same_start_time(market, chain):
    """Every attack writes, warps and pushes rounds from the same book at the same time: one second after the
    market's last block. A snapshot revert restores the chain's state but not its clock, which would otherwise
    have run on with the wall clock since the market was built (and the book's value with it)."""
    chain.pending_timestamp = chain.blocks.head.timestamp + 1


@pytest.fixture
def short_calls(market):
    """300 of the 30-day 2000 call spreads (cap 2000) written: the vault is short about 150 base of delta."""
    market.write(market.call_id, 300 * WAD)
    return market


# ------------------------------------------------------------------------- 11. a known next price update


@pytest.mark.parametrize("move", [-0.20, -0.05, 0.05, 0.20])
def test_known_update__sync_deposit_before_redeem_after__no_profit(short_calls, attacker, depositor, move):
    m = short_calls
    fund(m, attacker, MILLION)
    honest_before = fair_value(m, depositor)
    m.vault.deposit(MILLION, attacker, sender=attacker)
    m.push_price(2000 * (1 + move))  # the update the attacker saw coming
    honest_mid = fair_value(m, depositor)
    received = redeem_all(m, attacker)
    assert received <= MILLION  # no profit
    # The honest LP's stake moves with the market only: the attacker's round trip costs it nothing.
    assert fair_value(m, depositor) >= honest_mid
    assert honest_before > 0


@pytest.mark.parametrize("move", [-0.05, 0.05])
def test_known_update__lp_exits_before_reenters_after__gains_no_shares(short_calls, depositor, move):
    from tests.utils.vault import erc4626_redeem

    m = short_calls
    shares_before = m.vault.balanceOf(depositor)
    # Most of the quote is reserved for the options: the LP leaves with what it can.
    part = m.vault.maxRedeem(depositor) * 999 // 1000
    received = erc4626_redeem(m.vault)(part, depositor, depositor, sender=depositor).return_value
    m.push_price(2000 * (1 + move))
    m.vault.deposit(received, depositor, sender=depositor)
    assert m.vault.balanceOf(depositor) <= shares_before


@pytest.mark.parametrize("move", [-0.20, -0.05, 0.05, 0.20])
def test_known_update__request_deposit_before_redeem_after__no_profit(short_calls, attacker, move):
    m = short_calls
    fund(m, attacker, MILLION)
    shares = request_cycle_deposit(m, attacker, MILLION, price_after_request=2000 * (1 + move))
    assert shares > 0
    received = request_cycle_redeem(m, attacker, shares)
    assert received <= MILLION


def test_request__fulfilled_late_after_a_favourable_update__priced_at_the_worse_marks(short_calls, attacker):
    """A due request fulfilled after a later update gets the worse of the due round and the live marks: waiting
    for a better price is worth nothing."""
    m = short_calls
    fund(m, attacker, MILLION)
    q = queue(m)
    q.requestDeposit(MILLION, attacker, attacker, sender=attacker)
    round_id = due_round(m)  # due round at 2000
    nav_due, _ = m.vault.markedNav()
    # A fall raises the net asset value of a short-call book; a rise lowers it: wait for the rise, then fulfil.
    m.push_price(2100)
    nav_live, _ = m.vault.markedNav()
    assert nav_live < nav_due
    shares = q.fulfilDeposit(attacker, round_id, 0, sender=attacker).return_value
    supply_before = m.vault.totalSupply() - shares
    fee = MILLION * 50 // 10_050 + 1
    at_due = (MILLION - fee) * (supply_before + 10**6) // (nav_due + 1)
    assert shares <= at_due * (1 + 1e-6)


def test_request__not_due__refused_and_wrong_round__refused(short_calls, attacker):
    m = short_calls
    fund(m, attacker, MILLION)
    q = queue(m)
    q.requestDeposit(MILLION, attacker, attacker, sender=attacker)
    requested_at = q.depositRequest(attacker).requestedAt
    early = latest_round(m.feed)
    with ape.reverts(q.RequestNotDue, controller=attacker, dueAt=requested_at + REQUEST_DELAY):
        q.fulfilDeposit(attacker, early, 0, sender=attacker)
    round_id = due_round(m)
    m.push_price(1900)  # a later round: not the one the request is due at
    with ape.reverts(q.InvalidSettlementRound, roundId=round_id + 1):
        q.fulfilDeposit(attacker, round_id + 1, 0, sender=attacker)
    with ape.reverts(q.InvalidSettlementRound, roundId=early):
        q.fulfilDeposit(attacker, early, 0, sender=attacker)
    assert q.pendingDepositRequest(0, attacker) == MILLION
    # Anyone may fulfil with the right round; the shares go to the controller.
    shares = q.fulfilDeposit(attacker, round_id, 0, sender=m.owner).return_value
    assert m.vault.balanceOf(attacker) == shares > 0
    assert q.totalPendingAssets() == 0


def test_request__zero_or_for_someone_else__refused(market, attacker, depositor):
    m = market
    q = queue(m)
    with ape.reverts(q.ZeroAmount):
        q.requestDeposit(0, attacker, attacker, sender=attacker)
    with ape.reverts(q.NotOwner, caller=attacker, owner=depositor):
        q.requestDeposit(10 * USDC, attacker, depositor, sender=attacker)
    with ape.reverts(q.NotOwner, caller=attacker, owner=depositor):
        q.requestRedeem(10, attacker, depositor, sender=attacker)


def test_request__third_party_adding_to_a_pending_request__refused(market, attacker, depositor):
    """Adding to a request restarts its delay: nobody but its controller may do it, or a griefer could hold
    someone else's request back forever for a few wei."""
    m = market
    fund(m, depositor, 10 * USDC)
    fund(m, attacker, 10 * USDC)
    q = queue(m)
    q.requestDeposit(10 * USDC, depositor, depositor, sender=depositor)
    requested_at = q.depositRequest(depositor).requestedAt
    m.chain.pending_timestamp += 200
    with ape.reverts(q.RequestPending, controller=depositor):
        q.requestDeposit(1, depositor, attacker, sender=attacker)
    assert q.depositRequest(depositor).requestedAt == requested_at
    assert q.pendingDepositRequest(0, depositor) == 10 * USDC


def test_vault_process__only_the_queue(market, attacker):
    with ape.reverts(market.vault.OnlyRequestQueue, caller=attacker):
        market.vault.processDeposit(USDC, attacker, 2000 * WAD, 0, sender=attacker)
    with ape.reverts(market.vault.OnlyRequestQueue, caller=attacker):
        market.vault.processRedeem(1, attacker, 2000 * WAD, 0, sender=attacker)


@pytest.fixture
def vol_feed_puts(market, create_feed, manager):
    """The vault on a volatility feed (0.80, 8 decimals) with 400 one-year 2000 puts written."""
    m = market
    vol_feed = create_feed(0.8, 8, "ETH implied vol")
    config = OracleConfig(m.feed.address, 3600, vol_feed.address, 3600)
    m.vault.setOracleConfig(config.as_tuple(), sender=m.owner)
    expiry = m.chain.pending_timestamp + 365 * DAY
    m.vault.listSeries(2000 * WAD, 0, expiry, False, sender=manager)
    sid = m.vault.seriesCount()
    m.write(sid, 400 * WAD)
    return m, vol_feed


@pytest.mark.parametrize("step", [-0.20, 0.20])
def test_known_vol_update__sync_and_request_round_trips__no_profit(vol_feed_puts, attacker, step):
    m, vol_feed = vol_feed_puts
    fund(m, attacker, 2 * MILLION)
    # Synchronous: a volatility feed can step anywhere, so the jump band covers the whole range.
    m.vault.deposit(MILLION, attacker, sender=attacker)
    vol_feed.pushAnswer(int((0.8 + step) * 10**8), sender=m.owner)
    assert redeem_all(m, attacker) <= MILLION
    # Asynchronous: the request is due after the step; the volatility round in effect then prices it.
    vol_feed.pushAnswer(int(0.8 * 10**8), sender=m.owner)
    q = queue(m)
    q.requestDeposit(MILLION, attacker, attacker, sender=attacker)
    vol_feed.pushAnswer(int((0.8 + step) * 10**8), sender=m.owner)
    round_id = due_round(m)
    vol_round = latest_round(vol_feed)
    shares = q.fulfilDeposit(attacker, round_id, vol_round, sender=attacker).return_value
    # Priced after the step the attacker saw coming: leaving again at the same marks returns no more.
    q.requestRedeem(shares, attacker, attacker, sender=attacker)
    round_id = due_round(m)
    received = q.fulfilRedeem(attacker, round_id, latest_round(vol_feed), sender=attacker).return_value
    assert received <= MILLION


def test_request__volatility_round_not_in_effect__refused(vol_feed_puts, attacker):
    m, vol_feed = vol_feed_puts
    fund(m, attacker, MILLION)
    q = queue(m)
    q.requestDeposit(MILLION, attacker, attacker, sender=attacker)
    stale_choice = latest_round(vol_feed)
    vol_feed.pushAnswer(int(0.6 * 10**8), sender=m.owner)  # in effect at the due round
    round_id = due_round(m)
    with ape.reverts(q.InvalidVolatilityRound):
        q.fulfilDeposit(attacker, round_id, stale_choice, sender=attacker)
    assert q.fulfilDeposit(attacker, round_id, stale_choice + 1, sender=attacker).return_value > 0


# -------------------------------------------------------------------------------- 12. settlement lag


@pytest.fixture
def expired_book(market, manager):
    """300 seven-day 2000 call spreads (cap 500) and 100 seven-day 2000 puts written, then expired with the
    settlement round at 1900 and the live price at 2300."""
    m = market
    expiry = m.chain.pending_timestamp + 7 * DAY
    m.vault.listSeries(2000 * WAD, 500 * WAD, expiry, True, sender=manager)
    call = m.vault.seriesCount()
    m.vault.listSeries(2000 * WAD, 0, expiry, False, sender=manager)
    put = m.vault.seriesCount()
    m.write(call, 300 * WAD)
    m.write(put, 100 * WAD)
    m.chain.pending_timestamp = expiry + 10
    m.push_price(1900)
    settlement_round = latest_round(m.feed)
    m.chain.pending_timestamp += 60
    m.push_price(2300)
    return m, call, put, settlement_round


def test_settlement_lag__entry_and_exit_wait_for_settle__then_no_profit(expired_book, attacker, depositor):
    m, call, put, settlement_round = expired_book
    vault = m.vault
    fund(m, attacker, MILLION)
    assert vault.maxDeposit(attacker) == 0 and vault.maxRedeem(depositor) == 0
    with ape.reverts(vault.SettlementPending, seriesId=call):
        vault.deposit(MILLION, attacker, sender=attacker)
    with ape.reverts(vault.SettlementPending, seriesId=call):
        redeem_all(m, depositor)
    # A request made now cannot be fulfilled before settlement either.
    q = queue(m)
    q.requestDeposit(MILLION, attacker, attacker, sender=attacker)
    round_id = due_round(m)
    with ape.reverts(vault.SettlementPending, seriesId=call):
        q.fulfilDeposit(attacker, round_id, 0, sender=attacker)
    honest_before = None
    vault.settle(call, settlement_round, sender=attacker)
    vault.settle(put, settlement_round, sender=attacker)
    honest_before = fair_value(m, depositor)
    shares = q.fulfilDeposit(attacker, round_id, 0, sender=attacker).return_value
    assert shares > 0
    received = redeem_all(m, attacker)
    assert received <= MILLION
    assert fair_value(m, depositor) >= honest_before


def test_settlement_lag__expired_series__not_hedged(expired_book):
    """Once a series has expired its payoff is fixed by the settlement round: the hedge no longer sees its
    delta (before, a call deep in the money showed delta -1 per option)."""
    m, call, put, _ = expired_book
    h = m.vault.hedgeState()
    # Only the 30-day series (none written here) and the base held remain.
    assert h.delta == h.baseHeld
    assert m.vault.portfolioGreeks().delta != h.delta  # the full valuation still marks the expired book


# ------------------------------------------------------------------- 13. option trades around updates


@pytest.mark.parametrize(
    "is_call, move",
    [(True, 0.005), (False, -0.005), (True, 0.0025), (False, -0.0025), (True, -0.005), (False, 0.005)],
)
def test_option_round_trip__around_known_price_update__loses(market, trader, manager, is_call, move):
    """Any update inside the feed's deviation threshold (0.5 %), in either direction."""
    m = market
    expiry = m.chain.pending_timestamp + 7 * DAY
    m.vault.listSeries(2000 * WAD, 500 * WAD if is_call else 0, expiry, is_call, sender=manager)
    sid = m.vault.seriesCount()
    before = m.quote.balanceOf(trader)
    m.write(sid, 100 * WAD)
    m.push_price(2000 * (1 + move))
    m.vault.sellOption(sid, 100 * WAD, 0, trader, sender=trader)
    assert m.quote.balanceOf(trader) < before


def test_option_round_trip__around_known_vol_step__loses(market, trader, manager):
    m = market
    expiry = m.chain.pending_timestamp + 7 * DAY
    m.vault.listSeries(2200 * WAD, 500 * WAD, expiry, True, sender=manager)
    sid = m.vault.seriesCount()
    m.advance(HOUR_S)  # the manual volatility may step once an hour
    before = m.quote.balanceOf(trader)
    m.write(sid, 100 * WAD)
    m.vault.setImpliedVol(int(0.85 * WAD), sender=manager)  # +0.05: the step the trader saw coming
    m.vault.sellOption(sid, 100 * WAD, 0, trader, sender=trader)
    assert m.quote.balanceOf(trader) < before


def test_expiry_sniping__inside_trading_cutoff__buy_and_sell_closed(market, trader, manager):
    m = market
    expiry = m.chain.pending_timestamp + 2 * HOUR_S
    m.vault.listSeries(2000 * WAD, 500 * WAD, expiry, True, sender=manager)
    sid = m.vault.seriesCount()
    m.write(sid, WAD)
    m.chain.pending_timestamp = expiry - 60
    m.push_price()
    with ape.reverts(m.vault.SeriesTradingClosed, seriesId=sid, closedAt=expiry - 3600):
        m.vault.buyOption(sid, 100 * WAD, 2**255, trader, sender=trader)
    with ape.reverts(m.vault.SeriesTradingClosed, seriesId=sid, closedAt=expiry - 3600):
        m.vault.sellOption(sid, WAD, 0, trader, sender=trader)


# ------------------------------------------------------------------------------ 14. bounty farming


@pytest.fixture
def net_long(market):
    """Puts written and no base held: the book is net long delta and there is nothing to sell."""
    m = market
    m.write(m.put_id, 50 * WAD)
    m.advance(120)
    assert m.base_held() == 0 and m.deviation() > m.hedger.policy().band
    return m


def test_bounty_farming__dust_donation__not_due_nothing_paid(net_long, attacker):
    m = net_long
    from deltavault.local import uniswap

    uniswap.fund(m.uni, m.base, attacker, WAD)
    m.base.transfer(m.vault, 10**12, sender=attacker)  # 1e-6 WETH
    assert not m.status().due
    quote_before = m.quote.balanceOf(attacker)
    with ape.reverts(m.hedger.RebalanceNotDue):
        m.hedger.rebalance(sender=attacker)
    assert m.quote.balanceOf(attacker) == quote_before


def test_bounty_farming__donation_worth_a_trade__bounty_never_above_gas_paid(net_long, attacker):
    m = net_long
    from deltavault.local import uniswap

    donation = m.hedger.policy().minBand
    uniswap.fund(m.uni, m.base, attacker, WAD)
    m.base.transfer(m.vault, donation, sender=attacker)
    assert m.status().due
    base_fee = 20 * 10**9
    m.chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(base_fee)])
    try:
        quote_before = m.quote.balanceOf(attacker)
        tx = m.hedger.rebalance(sender=attacker, max_fee=base_fee * 3, max_priority_fee=base_fee)
    finally:
        m.chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(0)])
    [event] = tx.decode_logs(m.hedger.Rebalanced)
    bounty = m.quote.balanceOf(attacker) - quote_before
    assert bounty == event.bounty > 0
    gas_paid = tx.gas_used * (base_fee * 2)  # base fee + the priority fee actually paid
    # The bounty reimburses at most the gas actually paid (the overhead estimate covers the transaction's base
    # cost), valued at the oracle price; the donation itself is lost.
    overhead = m.hedger.BOUNTY_GAS_OVERHEAD() * base_fee * 2
    gas_value = (gas_paid + overhead) * 2000 * USDC // WAD
    assert bounty <= gas_value
    donation_value = donation * 2000 * USDC // WAD
    assert bounty - gas_paid * 2000 * USDC // WAD < donation_value


# -------------------------------------------------------------------- the loss budget scales with capital


def test_loss_budget__scales_with_the_hedge_capital(market, keeper):
    """The budget is `lossBudgetBps` of the hedge's capital (free quote + base at the oracle price): at least
    the slippage bound of one trade of any size, so an unwind after a large move is never held hostage."""
    m = market
    m.set_policy(loss_budget_bps=100, max_slippage_bps=100)
    m.write(m.call_id, 200 * WAD)
    h = m.vault.hedgeState()
    capital = h.freeAssets + h.baseHeld * 2000 * USDC // WAD
    tx = m.hedger.rebalance(sender=keeper)
    [event] = tx.decode_logs(m.hedger.Rebalanced)
    assert 0 < m.hedger.windowLoss() <= capital * 100 // 10_000
    # The budget grows with what is held: after a rally the same bps cover a larger unwind.
    m.push_price(4000)
    h = m.vault.hedgeState()
    assert h.freeAssets + h.baseHeld * 4000 * USDC // WAD > capital
    assert event.amountIn > 0
