"""A rebalance on each swap venue: the pool adapter (the default) and the router adapter (SwapRouter02). Both
buy and sell the hedge, pay exactly the input the hedger computed, deliver the output to the vault and leave
nothing in the adapter."""

import pytest

from tests.utils.market import WAD


def rebalance(m, keeper):
    tx = m.hedger.rebalance(sender=keeper)
    (event,) = tx.decode_logs(m.hedger.Rebalanced)
    (hedged,) = tx.decode_logs(m.vault.Hedged)
    assert hedged.adapter == m.adapter.address
    assert (hedged.amountIn, hedged.amountOut) == (event.amountIn, event.amountOut)
    return event


def adapter_holdings(m):
    return m.base.balanceOf(m.adapter), m.quote.balanceOf(m.adapter)


def test_rebalance__buys_then_sells_base__on_each_venue(venue_market, keeper):
    m = venue_market
    m.write(m.call_id, 20 * WAD)
    quote_before, base_before = m.quote_held(), m.base_held()
    bought = rebalance(m, keeper)
    assert m.quote_held() == quote_before - bought.amountIn - bought.bounty
    assert m.base_held() == base_before + bought.amountOut
    assert bought.amountIn == pytest.approx(bought.amountOut * 2000 // 10**12, rel=0.01)
    assert abs(m.deviation()) < WAD // 10
    assert adapter_holdings(m) == (0, 0)

    m.advance(120)
    m.move(1900)
    quote_before, base_before = m.quote_held(), m.base_held()
    sold = rebalance(m, keeper)
    assert sold.deltaAfter < sold.deltaBefore
    assert m.base_held() == base_before - sold.amountIn
    assert m.quote_held() == quote_before + sold.amountOut - sold.bounty
    assert abs(m.deviation()) < WAD // 20
    assert adapter_holdings(m) == (0, 0)
