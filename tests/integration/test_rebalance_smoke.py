import pytest
from deltavault import uniswap
from deltavault.deploy import deploy_vault_system
from deltavault.contracts import method

WAD = 10**18


@pytest.fixture(scope="module")
def market(owner, manager, depositor, trader, keeper, guardian, create_feed, chain):
    stack = uniswap.deploy_local_stack(owner, base_decimals=18, base_is_token0=None)
    feed = create_feed(2000)
    sysm = deploy_vault_system(owner, quote=stack.quote, base=stack.base, price_feed=feed, pool=stack.pool.contract, router=stack.uni.router, manager=manager, guardian=guardian)
    return stack, feed, sysm


def test_smoke(market, owner, manager, depositor, trader, keeper, chain):
    stack, feed, s = market
    vault, hedger = s.vault, s.hedger
    stack.quote.mint(depositor, 1_000_000 * 10**6, sender=owner)
    stack.quote.approve(vault, 2**256 - 1, sender=depositor)
    vault.deposit(1_000_000 * 10**6, depositor, sender=depositor)
    vault.listSeries(2000 * WAD, 2000 * WAD, chain.pending_timestamp + 30 * 86400, True, sender=manager)
    stack.quote.mint(trader, 1_000_000 * 10**6, sender=owner)
    stack.quote.approve(vault, 2**256 - 1, sender=trader)
    vault.buyOption(1, 20 * WAD, 10**30, trader, sender=trader)
    print(vault.portfolioGreeks())
    print(hedger.rebalanceStatus())
    print("venue", s.adapter.venuePrice(), "cost", s.adapter.tradingCost(10 * WAD))
    chain.pending_timestamp += 120
    feed.pushAnswer(2000 * 10**8, sender=owner)
    tx = hedger.rebalance(sender=keeper)
    print("gas", tx.gas_used, tx.events)
    print(vault.portfolioGreeks())
    print(hedger.rebalanceStatus())
