"""The short leg with an 8-decimal base (a WBTC-like `TestERC20`) and a 6-decimal quote, on the real Uniswap V3
and the real Morpho Blue: borrow and sell, buy and repay land where the policy says, and the net asset value of
a short through price moves and 30 days of interest equals Morpho's arithmetic written out, to the wei. The
hedger and the vault work in WAD; the venue and the tokens in 8-decimal base units (one unit = 10**10 WAD)."""

import pytest

from deltavault.deploy import deploy_vault_system
from deltavault.local import lending, uniswap
from deltavault.policy import HedgePolicy
from tests.integration.test_short_leg import (
    LLTV,
    MAX_LTV,
    TARGET_LTV,
    Short,
    expected_band_without_options,
    expected_debt,
    expected_nav_without_options,
    rebalanced,
)
from tests.utils.constants import DAY, HOUR, MAX_UINT, WAD

BASE_DECIMALS = 8
BASE_UNIT = 10**BASE_DECIMALS
BASE_TO_WAD = 10 ** (18 - BASE_DECIMALS)
Q = 10**6
MAX_OWED = 200 * WAD  # WAD of base, like every amount of the hedger's policy
LIQUIDITY = 1_000 * BASE_UNIT  # base units, as Morpho holds them


@pytest.fixture(scope="session")
def lender(accounts):
    return accounts[8]


@pytest.fixture(scope="module")
def short(owner, manager, guardian, depositor, trader, keeper, maker, lender, create_feed, chain):
    stack = uniswap.deploy_local_stack(owner, base_decimals=BASE_DECIMALS, quote_decimals=6)
    assert stack.base.decimals() == BASE_DECIMALS
    feed = create_feed(2000)
    system = deploy_vault_system(
        owner, quote=stack.quote, base=stack.base, price_feed=feed, pool=stack.pool.contract,
        router=stack.uni.router, manager=manager, guardian=guardian,
    )  # fmt: skip
    vault, hedger = system.vault, system.hedger
    market = lending.deploy_lending_market(
        owner, base=stack.base, quote=stack.quote, price_feed=feed, price_max_age=HOUR, lltv=LLTV,
        lenders=[(lender, LIQUIDITY)],
    )  # fmt: skip
    venue = lending.deploy_venue(owner, market, vault)
    vault.setBorrowVenue(venue, sender=owner)
    hedger.setShortPolicy((TARGET_LTV, MAX_LTV, MAX_OWED), sender=owner)
    for account, amount in ((depositor, 1_000_000 * Q), (trader, 10_000_000 * Q)):
        stack.quote.mint(account, amount, sender=owner)
        stack.quote.approve(vault, MAX_UINT, sender=account)
    vault.deposit(1_000_000 * Q, depositor, sender=depositor)
    expiry = chain.pending_timestamp + 30 * DAY
    vault.listSeries(2000 * WAD, 0, expiry, False, sender=manager)
    vault.listSeries(2000 * WAD, 2000 * WAD, expiry, True, sender=manager)
    m = Short(stack, feed, vault, hedger, venue, market, owner, trader, depositor, maker, chain, 1, 2)
    m.advance(120)
    return m


def test_8_decimals__borrow_and_sell__debt_in_base_units_short_at_target(short, keeper):
    m = short
    m.write(m.put_id, 100 * WAD)
    tx, status = rebalanced(m, keeper)
    assert status.trade < 0
    collateral, debt = m.position()
    event = tx.decode_logs(m.hedger.Rebalanced)[0]
    assert debt == event.amountIn and 0 < debt < 100 * BASE_UNIT  # base units, not WAD
    assert m.state().baseOwed == debt * BASE_TO_WAD  # the vault reports WAD
    assert m.base.balanceOf(m.vault) == 0
    assert abs(m.ltv() - TARGET_LTV * 8 // 10) < WAD // 1000  # posted down to POST_LTV_BPS of the target
    assert abs(m.state().delta) < HedgePolicy().min_band
    # The sale's output is bounded by the oracle: at least (1 - maxSlippage) of the base's oracle value.
    assert event.amountOut >= debt * 2000 * Q // BASE_UNIT * 99 // 100
    assert m.vault.reservedAssets() <= m.quote.balanceOf(m.vault)


def test_8_decimals__buy_and_repay__debt_shrinks_and_surplus_collateral_returns(short, keeper):
    m = short
    m.write(m.put_id, 100 * WAD)
    rebalanced(m, keeper)
    collateral_before, debt_before = m.position()
    m.vault.sellOption(m.put_id, 60 * WAD, 0, m.trader, sender=m.trader)
    tx, status = rebalanced(m, keeper)
    assert status.trade > 0
    collateral, debt = m.position()
    bought = tx.decode_logs(m.hedger.Rebalanced)[0].amountOut
    assert debt < debt_before and collateral < collateral_before
    # What was bought was repaid: the rest is the old debt plus a few minutes of interest (< 1e-6 of it).
    assert debt_before - bought < debt <= debt_before - bought + debt_before // 10**6
    assert m.base.balanceOf(m.vault) == 0
    assert abs(m.ltv() - TARGET_LTV * 6 // 10) < WAD // 1000  # collateral back down to WITHDRAW_LTV_BPS
    assert abs(m.state().delta) < HedgePolicy().min_band


def test_8_decimals__nav_of_a_short__equals_independent_value_to_the_wei(short, keeper):
    m = short
    m.set_policy(target=-10 * WAD)
    rebalanced(m, keeper)
    assert m.position()[1] == 10 * BASE_UNIT
    for price, seconds in ((2000, 0), (1800, 3 * DAY), (2300, 7 * DAY), (2100, 20 * DAY)):
        m.chain.pending_timestamp += seconds
        m.push_price(price)
        nav, band = m.vault.markedNav()
        assert m.position()[1] == expected_debt(m)
        assert nav == expected_nav_without_options(m)
        assert band == expected_band_without_options(m) > 0
    debt = m.position()[1]
    assert debt > 10 * BASE_UNIT
    assert debt == pytest.approx(10 * BASE_UNIT * (1 + 0.02 * 30 / 365), rel=2e-3)
    delta, _, _ = m.vault.portfolioGreeks()
    assert delta == -debt * BASE_TO_WAD


def test_8_decimals__price_falls__nav_gains_the_short_value(short, keeper):
    m = short
    m.set_policy(target=-10 * WAD)
    rebalanced(m, keeper)
    nav_before, _ = m.vault.markedNav()
    debt = m.position()[1]
    m.push_price(1900)
    nav_after, _ = m.vault.markedNav()
    gain = debt * 100 * Q // BASE_UNIT  # 100 quote per base on the owed base
    assert abs((nav_after - nav_before) - gain) <= Q // 10**3
    assert nav_after == expected_nav_without_options(m)
