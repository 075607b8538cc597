"""Deploy, deposit, buy, rebalance, withdraw on the fork: runs on the local upstream and on a real chain."""

from deltavault.contracts import ERC4626_REDEEM, method
from tests.fork.utils import (
    assert_solvent,
    delta_of,
    keeper_step,
    oracle_value,
    rebalanced,
)


def test_lifecycle__deposit_buy_rebalance_withdraw__balances_delta_and_nav(
    market, system, book, keeper, depositor, second_depositor, trader, chain
):
    vault, hedger, quote, base = system.vault, system.hedger, market.quote, market.base
    policy = hedger.policy()

    # Deposits and premiums are all in the vault, in quote; the reserve is the options' maximum payoff.
    assert quote.balanceOf(vault) == book.deposited + book.premiums
    assert base.balanceOf(vault) == 0
    max_payoff = (book.calls * book.call_cap + book.puts * book.put_strike) // 10 ** (36 - 6)
    assert vault.reservedAssets() == max_payoff
    assert_solvent(vault, quote)
    assert market.option_token_balance(system, trader, book.call_id) == book.calls

    # Short calls and short puts: the vault is short delta beyond the band, so a rebalance is due.
    status = hedger.rebalanceStatus()
    assert status.delta < -int(policy.band)
    assert status.trade == -status.delta  # to the target 0, within the hedge cap
    chain.pending_timestamp += policy.minInterval + 1
    chain.mine()  # the keeper reads the latest block: time passes with blocks
    if market.local:
        market.push_price(market.oracle_price())
    nav_before, quote_before = vault.totalAssets(), quote.balanceOf(vault)
    spot = vault.spotPrice()

    outcome = keeper_step(system, keeper)

    assert outcome.action == "rebalanced"
    event = rebalanced(outcome.receipt, hedger)
    bought = base.balanceOf(vault)
    assert bought == event.amountOut > 0
    # Option deltas drift with time; the block of the rebalance is a few seconds after the status read.
    assert abs(event.deltaBefore - status.delta) < 10**14
    assert event.deltaAfter == delta_of(vault) == event.deltaBefore + bought
    assert abs(event.deltaAfter) <= policy.band
    assert quote.balanceOf(vault) == quote_before - event.amountIn - event.bounty
    # Bought at the pool within the oracle-derived slippage bound, and NAV lost exactly that slippage.
    value = oracle_value(bought, spot, 6)
    assert event.amountIn - value <= event.amountIn * policy.maxSlippageBps // 10_000
    # (NAV before was read a block earlier: the options' time decay over those seconds also moves it.)
    assert (
        abs(vault.totalAssets() - (nav_before - (event.amountIn - value) - event.bounty)) <= market.q // 100
    )
    assert_solvent(vault, quote)

    # The second depositor leaves with every share: paid exactly the preview, share price does not drop.
    shares = vault.balanceOf(second_depositor)
    expected = vault.previewRedeem(shares)
    price_before = vault.convertToAssets(10**12)
    received_before = quote.balanceOf(second_depositor)
    receipt = method(vault, ERC4626_REDEEM)(
        shares, second_depositor, second_depositor, sender=second_depositor
    )
    (withdrawal,) = receipt.decode_logs(vault.Withdraw)
    received = quote.balanceOf(second_depositor) - received_before
    assert received == withdrawal.assets
    assert abs(received - expected) <= market.q // 100  # the preview was a block earlier (time decay)
    assert vault.balanceOf(second_depositor) == 0
    assert vault.convertToAssets(10**12) >= price_before
    # What they got back is their deposit up to fees (50 bps in and out) and their share of the P&L.
    deposit = book.deposits[second_depositor.address]
    assert abs(received - deposit) <= deposit * 2 // 100
    assert_solvent(vault, quote)
