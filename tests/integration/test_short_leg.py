"""The short leg: the hedge borrows base on the real Morpho Blue (compiled from npm with solc 0.8.19), with quote
as collateral, and sells it on the real Uniswap V3 pool; it buys base back and repays. Each module runs with a
6-decimal quote (base token0) and an 18-decimal quote (base token1).

Checked: each leg lands where the policy says (sell held, borrow and sell, buy and repay, buy to hold, and a
sale that crosses zero in one call); the net asset value carries the short's P&L and interest to the wei against
Morpho's arithmetic written out in Python (tests/utils/morpho.py); the health rule after a +40 % jump in one
block; a third-party liquidation; a drained market; donations; a withdrawal ahead of a health action; the
capacity check on option sales; and every bad input of the new entry points.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ape
import pytest

from deltavault.deploy import deploy_vault_system
from deltavault.local import lending, uniswap
from deltavault.policy import HedgePolicy
from tests.utils.constants import DAY, HOUR, MAX_UINT, WAD, ZERO_ADDRESS
from tests.utils.morpho import accrued_interest, irm_rate, to_assets_up, utilization
from tests.utils.vault import reverts

LLTV = Decimal("0.86")
TARGET_LTV = WAD // 2
MAX_LTV = 6 * WAD // 10
MAX_OWED = 200 * WAD
LIQUIDITY = 1_000 * WAD
# (quote decimals, base is token0 in the pool)
CASES = [(6, True), (18, False)]
RULE_HEALTH = 5
BLOCKED_NONE, BLOCKED_NO_LIQUIDITY, BLOCKED_CAP, BLOCKED_UNFIXABLE = 0, 1, 4, 5


@dataclass
class Short:
    stack: Any
    feed: Any
    vault: Any
    hedger: Any
    venue: Any
    lending: Any
    owner: Any
    trader: Any
    depositor: Any
    maker: Any
    chain: Any
    put_id: int
    call_id: int

    @property
    def base(self):
        return self.stack.base

    @property
    def quote(self):
        return self.stack.quote

    @property
    def q(self) -> int:
        return 10 ** self.quote.decimals()

    @property
    def quote_scale(self) -> int:
        return 10**36 // self.q

    def push_price(self, price=None) -> None:
        answer = self.feed.latestRoundData().answer if price is None else int(Decimal(str(price)) * 10**8)
        self.feed.pushAnswer(answer, sender=self.owner)

    def move(self, price) -> None:
        """The pool (one swap by the market maker) and the feed to `price`, in the same block's time."""
        uniswap.swap_to_price(self.stack.uni, self.stack.pool, price, self.maker)
        self.push_price(price)

    def advance(self, seconds: int = 120) -> None:
        self.chain.pending_timestamp += seconds
        self.push_price()

    def write(self, series_id: int, amount: int):
        return self.vault.buyOption(series_id, amount, 2**255, self.trader, sender=self.trader)

    def set_policy(self, **changes) -> None:
        policy = HedgePolicy.for_quote_decimals(self.quote.decimals()).with_(**changes)
        self.hedger.setPolicy(policy.as_tuple(), sender=self.owner)

    def status(self):
        return self.hedger.rebalanceStatus()

    def state(self):
        return self.vault.hedgeState()

    def position(self) -> tuple[int, int]:
        return tuple(self.venue.position())

    def ltv(self) -> int:
        return self.venue.health().ltv


@pytest.fixture(scope="session")
def lender(accounts):
    return accounts[8]


@pytest.fixture(scope="session")
def third(accounts):
    """Another borrower, a liquidator, a donor."""
    return accounts[9]


@pytest.fixture(scope="module", params=CASES, ids=lambda c: f"quote{c[0]}-base_token{0 if c[1] else 1}")
def short(
    request, owner, manager, guardian, depositor, trader, keeper, maker, lender, third, create_feed, chain
):
    quote_decimals, base_is_token0 = request.param
    for _ in range(8):
        try:
            stack = uniswap.deploy_local_stack(
                owner, base_decimals=18, quote_decimals=quote_decimals, base_is_token0=base_is_token0
            )
            break
        except RuntimeError:
            # WETH9 landed at an address almost no token sorts below: move the deployer's nonce and retry.
            owner.transfer(owner, 0)
    else:
        raise RuntimeError("no WETH9 address gives the requested token order")
    feed = create_feed(2000)
    system = deploy_vault_system(
        owner,
        quote=stack.quote,
        base=stack.base,
        price_feed=feed,
        pool=stack.pool.contract,
        router=stack.uni.router,
        manager=manager,
        guardian=guardian,
    )
    vault, hedger = system.vault, system.hedger
    market = lending.deploy_lending_market(
        owner,
        base=stack.base,
        quote=stack.quote,
        price_feed=feed,
        price_max_age=HOUR,
        lltv=LLTV,
        lenders=[(lender, LIQUIDITY)],
    )
    venue = lending.deploy_venue(owner, market, vault)
    vault.setBorrowVenue(venue, sender=owner)
    hedger.setShortPolicy((TARGET_LTV, MAX_LTV, MAX_OWED), sender=owner)
    q = 10**quote_decimals
    for account, amount in ((depositor, 1_000_000 * q), (trader, 10_000_000 * q)):
        stack.quote.mint(account, amount, sender=owner)
        stack.quote.approve(vault, MAX_UINT, sender=account)
    vault.deposit(1_000_000 * q, depositor, sender=depositor)
    expiry = chain.pending_timestamp + 30 * DAY
    vault.listSeries(2000 * WAD, 0, expiry, False, sender=manager)
    vault.listSeries(2000 * WAD, 2000 * WAD, expiry, True, sender=manager)
    m = Short(stack, feed, vault, hedger, venue, market, owner, trader, depositor, maker, chain, 1, 2)
    m.advance(120)
    return m


def rebalanced(m, keeper):
    """Rebalances after the cooldown; returns the receipt and the status the rebalance acted on (read in the
    block before it: the same state, one block's theta aside)."""
    m.advance(120)
    status = m.status()
    assert status.due, status
    return m.hedger.rebalance(sender=keeper), status


def expected_debt(m) -> int:
    """The venue's debt (base units) now, from Morpho's stored market and position with the interest since the
    market's last update accrued by LinearIrm's rate: Morpho's arithmetic written out (tests/utils/morpho.py)."""
    market = m.lending.morpho.market(m.lending.id)
    shares = m.lending.morpho.position(m.lending.id, m.venue).borrowShares
    rate = irm_rate(utilization(market.totalBorrowAssets, market.totalSupplyAssets), lending.DEFAULT_IRM)
    elapsed = m.chain.blocks.head.timestamp - market.lastUpdate
    interest = accrued_interest(market.totalBorrowAssets, rate, elapsed)
    return to_assets_up(shares, market.totalBorrowAssets + interest, market.totalBorrowShares)


def expected_nav_without_options(m, spot: int | None = None) -> int:
    """Quote held + collateral + base held x spot - base owed x spot at the oracle's spot (or `spot`), base scaled
    to WAD first; the owed value rounded up, the held value down (against the vault)."""
    spot = m.vault.spotPrice() if spot is None else spot
    base_to_wad = 10 ** (18 - m.base.decimals())
    collateral = m.lending.morpho.position(m.lending.id, m.venue).collateral
    owed_value = -(-expected_debt(m) * base_to_wad * spot // m.quote_scale)
    held_value = m.base.balanceOf(m.vault) * base_to_wad * spot // m.quote_scale
    return m.quote.balanceOf(m.vault) + collateral + held_value - owed_value


def expected_band_without_options(m) -> int:
    """`markedNav`'s band of a book without options: the largest NAV change with spot one `jumpMarkBps` jump up
    or down (the jump rounded up)."""
    spot = m.vault.spotPrice()
    jump = -(-spot * m.vault.policy().jumpMarkBps // 10_000)
    nav = expected_nav_without_options(m, spot)
    return max(
        abs(expected_nav_without_options(m, spot + jump) - nav),
        abs(expected_nav_without_options(m, spot - jump) - nav),
    )


# ------------------------------------------------------------------------------------------------ the legs


def test_borrow_and_sell__puts_written__short_at_target_and_ltv(short, keeper):
    m = short
    m.write(m.put_id, 100 * WAD)
    tx, status = rebalanced(m, keeper)
    assert status.trade < 0 and status.blocked == BLOCKED_NONE
    collateral, debt = m.position()
    event = tx.decode_logs(m.hedger.Rebalanced)[0]
    assert debt == event.amountIn  # everything sold was borrowed (nothing was held)
    assert m.base.balanceOf(m.vault) == 0
    # Posted with hysteresis: down to POST_LTV_BPS of the target.
    assert abs(m.ltv() - TARGET_LTV * 8 // 10) < WAD // 1000
    assert abs(m.state().delta) < HedgePolicy().min_band  # D at the target T = 0
    # The sale's output is bounded by the oracle: at least (1 - maxSlippage) of the base's oracle value.
    assert event.amountOut >= event.amountIn * 2000 * m.q // 10**18 * 99 // 100
    assert m.vault.reservedAssets() <= m.quote.balanceOf(m.vault)


def test_sell_held_then_cross_zero__one_swap__borrows_only_what_held_base_cannot_cover(short, keeper):
    m = short
    m.write(m.call_id, 40 * WAD)
    rebalanced(m, keeper)  # buy to hold
    held = m.base.balanceOf(m.vault)
    assert held > 0 and m.position() == (0, 0)
    m.write(m.put_id, 15 * WAD)  # D > 0 but below what is held: sell held only
    tx, status = rebalanced(m, keeper)
    assert status.trade < 0 and -status.trade < held
    sold = tx.decode_logs(m.hedger.Rebalanced)[0].amountIn
    # The rebalance acts on its own block: the status read one block earlier differs by that block's theta.
    assert abs(sold + status.trade) <= -status.trade // 10**4
    assert m.position() == (0, 0) and m.base.balanceOf(m.vault) == held - sold
    held = m.base.balanceOf(m.vault)
    m.write(m.put_id, 60 * WAD)  # now D needs a short: the held base goes and the rest is borrowed
    tx, status = rebalanced(m, keeper)
    assert -status.trade > held
    assert m.base.balanceOf(m.vault) == 0
    sold = tx.decode_logs(m.hedger.Rebalanced)[0].amountIn
    # Everything sold beyond the held base was borrowed (one block of interest aside).
    assert sold - held <= m.position()[1] <= sold - held + 10**12
    assert abs(m.state().delta) < HedgePolicy().min_band


def test_buy_and_repay__puts_sold_back__debt_shrinks_and_surplus_collateral_returns(short, keeper):
    m = short
    m.write(m.put_id, 100 * WAD)
    rebalanced(m, keeper)
    collateral_before, debt_before = m.position()
    m.vault.sellOption(m.put_id, 60 * WAD, 0, m.trader, sender=m.trader)
    _, status = rebalanced(m, keeper)
    assert status.trade > 0
    collateral, debt = m.position()
    assert debt < debt_before and collateral < collateral_before
    assert m.base.balanceOf(m.vault) == 0  # repaid before anything is held
    # Collateral taken back down to WITHDRAW_LTV_BPS of the target.
    assert abs(m.ltv() - TARGET_LTV * 6 // 10) < WAD // 1000
    assert abs(m.state().delta) < HedgePolicy().min_band


def test_buy_repay_then_hold__book_turns_short_delta__debt_closed_and_rest_held(short, keeper):
    m = short
    m.write(m.put_id, 40 * WAD)
    rebalanced(m, keeper)
    _, debt = m.position()
    m.vault.sellOption(m.put_id, 40 * WAD, 0, m.trader, sender=m.trader)
    m.write(m.call_id, 40 * WAD)  # D now about -(debt + 20): repay everything, hold the rest
    _, status = rebalanced(m, keeper)
    assert status.trade > debt
    assert m.position() == (0, 0)  # closed exactly, every unit of collateral back
    assert m.base.balanceOf(m.vault) > 0
    # A purchase lands a little short of its target: the pool's fee and impact (within maxSlippage).
    assert abs(m.state().delta) < HedgePolicy().band
    assert m.quote.balanceOf(m.venue) == 0 and m.base.balanceOf(m.venue) == 0


# ------------------------------------------------------------------------------------ value to the wei


def test_nav__short_without_options__equals_independent_value_through_price_moves_and_30_days(short, keeper):
    m = short
    m.set_policy(target=-10 * WAD)
    rebalanced(m, keeper)
    assert m.position()[1] == 10 * WAD
    for price, seconds in ((2000, 0), (1800, 3 * DAY), (2300, 7 * DAY), (2100, 20 * DAY)):
        m.chain.pending_timestamp += seconds
        m.push_price(price)
        nav, band = m.vault.markedNav()
        assert m.position()[1] == expected_debt(m)
        assert nav == expected_nav_without_options(m)
        # The band of a short: the owed base revalued one jump up or down.
        assert band == expected_band_without_options(m) > 0
    # 30 days of interest: the debt grew, and the value paid it.
    debt = m.position()[1]
    assert debt > 10 * WAD
    assert debt == pytest.approx(10 * WAD * (1 + 0.02 * 30 / 365), rel=2e-3)


def test_nav__short_pnl__price_falls__lp_gains_the_short_value(short, keeper):
    m = short
    m.set_policy(target=-10 * WAD)
    rebalanced(m, keeper)
    nav_before, _ = m.vault.markedNav()
    debt = m.position()[1]
    m.push_price(1900)
    nav_after, _ = m.vault.markedNav()
    # 100 quote per base on the owed base (interest of one block aside: at most a few wei of value).
    gain = debt * 100 * m.q // 10**18
    assert abs((nav_after - nav_before) - gain) <= m.q // 10**3
    assert nav_after == expected_nav_without_options(m)
    delta, _, _ = m.vault.portfolioGreeks()
    assert delta == -m.position()[1]  # the debt with interest to this block


# ------------------------------------------------------------------------------------- health and faults


def test_health__jump_of_40pct_in_one_block__collateral_posted_no_liquidation(short, keeper, third):
    m = short
    m.write(m.put_id, 100 * WAD)
    rebalanced(m, keeper)
    # The worst start: a 25 % rise (no action due) takes the short from where it was posted (POST_LTV_BPS of
    # the target) to the target itself; then +40 % in one oracle round.
    m.chain.pending_timestamp += 120
    m.push_price(2500)
    assert m.status().rule != RULE_HEALTH and abs(m.ltv() - TARGET_LTV) < WAD // 1000
    m.chain.pending_timestamp += 120
    m.push_price(3500)
    ltv, health_factor, liquidation_price = m.venue.health()
    assert MAX_LTV < ltv < int(LLTV * WAD) and health_factor > WAD  # over the bound, not liquidatable
    status = m.status()
    assert status.rule == RULE_HEALTH and status.due and status.collateralIn > 0 and status.trade == 0
    collateral_before = m.position()[0]
    tx = m.hedger.rebalance(sender=keeper)
    event = tx.decode_logs(m.hedger.CollateralPosted)[0]
    # What the status said, plus the collateral for the interest accrued until the transaction's block.
    assert status.collateralIn <= event.assets <= status.collateralIn + status.collateralIn // 10**6
    assert m.position()[0] == collateral_before + event.assets
    assert m.ltv() <= TARGET_LTV + WAD // 10**6  # the venue rounds the loan-to-value up
    assert m.venue.health().liquidationPrice > 3500 * WAD * 17 // 10  # 0.86 / 0.5 of spot
    assert not m.status().due or m.status().rule != RULE_HEALTH
    # Nobody can liquidate it.
    params = m.lending.params.as_tuple()
    lending.fund(m.base, third, 100 * WAD)
    m.base.approve(m.lending.morpho, MAX_UINT, sender=third)
    with ape.reverts():
        m.lending.morpho.liquidate(params, m.venue, 1000 * m.q, 0, b"", sender=third)


def tight_health(m) -> None:
    """maxLtv at the target: a 40 % rise from where a short is posted makes the health rule due."""
    m.hedger.setShortPolicy((TARGET_LTV, TARGET_LTV, MAX_OWED), sender=m.owner)


def test_health__withdrawal_front_runs_the_action__buys_back_instead_or_reports_unfixable(short, keeper):
    m = short
    tight_health(m)
    m.set_policy(target=-40 * WAD)
    rebalanced(m, keeper)
    m.chain.pending_timestamp += 120
    m.move(2800)
    assert m.status().collateralIn > 0
    # The LP leaves with every free unit first.
    m.vault.withdraw(m.vault.maxWithdraw(m.depositor), m.depositor, m.depositor, sender=m.depositor)
    assert m.vault.freeAssets() < HedgePolicy.for_quote_decimals(m.quote.decimals()).bounty_cap + m.q
    status = m.status()
    assert status.rule == RULE_HEALTH and not status.due and status.blocked == BLOCKED_UNFIXABLE
    upkeep, _ = m.hedger.checkUpkeep(b"")
    assert not upkeep  # a clear state, no keeper revert loop
    with reverts(m.hedger.RebalanceNotDue):
        m.hedger.rebalance(sender=keeper)
    # Quote comes back (a deposit): the action is possible again.
    m.vault.deposit(200_000 * m.q, m.depositor, sender=m.depositor)
    assert m.status().due


def test_health__little_free_quote__buys_base_back_and_repays(short, keeper):
    m = short
    tight_health(m)
    m.set_policy(target=-40 * WAD)
    rebalanced(m, keeper)
    m.chain.pending_timestamp += 120
    m.move(2800)
    needed = m.status().collateralIn
    # Leave free quote worth about half the collateral the action needs (plus the bounty cap).
    keep = needed // 2 + HedgePolicy.for_quote_decimals(m.quote.decimals()).bounty_cap
    m.vault.withdraw(m.vault.freeAssets() - keep, m.depositor, m.depositor, sender=m.depositor)
    status = m.status()
    assert status.rule == RULE_HEALTH and status.due and status.collateralIn == 0 and status.trade > 0
    ltv_before = m.ltv()
    debt_before = m.position()[1]
    tx = m.hedger.rebalance(sender=keeper)
    bought = tx.decode_logs(m.hedger.Rebalanced)[0].amountOut
    assert bought >= status.trade * 99 // 100
    # Everything bought repaid (one block of interest aside).
    assert debt_before - bought <= m.position()[1] <= debt_before - bought + 10**12
    assert m.base.balanceOf(m.vault) == 0
    assert m.ltv() < ltv_before


def test_liquidation_by_a_third_party__extreme_move__accounting_reads_the_position(short, keeper, third):
    m = short
    m.set_policy(target=-40 * WAD)
    rebalanced(m, keeper)
    m.chain.pending_timestamp += 120
    m.push_price(4400)  # 120 % in one round: LTV 0.88 > LLTV 0.86
    assert m.venue.health().healthFactor < WAD
    collateral, debt = m.position()
    lending.fund(m.base, third, 100 * WAD)
    m.base.approve(m.lending.morpho, MAX_UINT, sender=third)
    m.lending.morpho.liquidate(m.lending.params.as_tuple(), m.venue, collateral // 2, 0, b"", sender=third)
    collateral_after, debt_after = m.position()
    assert collateral_after == collateral - collateral // 2 and debt_after < debt
    state = m.state()
    assert state.collateral == collateral_after and state.baseOwed == debt_after
    assert m.vault.markedNav()[0] == expected_nav_without_options(m)
    # Nothing is stuck: the status is computed, the LP can leave with the free quote, the vault trades on.
    m.status()
    m.vault.withdraw(m.vault.maxWithdraw(m.depositor) // 2, m.depositor, m.depositor, sender=m.depositor)
    m.push_price(2000)  # the price comes back (the pool never left it): the hedge trades on
    m.set_policy(target=0)
    _, status = rebalanced(m, keeper)
    if status.rule == RULE_HEALTH:  # the loan-to-value left by the liquidation comes first
        assert m.ltv() <= TARGET_LTV + WAD // 10**6
        _, status = rebalanced(m, keeper)
    assert status.trade > 0
    assert m.position()[1] < debt_after


def test_drained_market__no_liquidity__reported_not_due_and_capacity_refuses_puts(short, keeper, third):
    m = short
    # Another borrower takes every unit the market can lend.
    m.quote.mint(third, 10_000_000 * m.q, sender=m.owner)
    m.quote.approve(m.lending.morpho, MAX_UINT, sender=third)
    params = m.lending.params.as_tuple()
    m.lending.morpho.supplyCollateral(params, 10_000_000 * m.q, third, b"", sender=third)
    m.lending.morpho.borrow(params, m.venue.availableLiquidity(), 0, third, third, sender=third)
    assert m.venue.status() == BLOCKED_NO_LIQUIDITY
    m.set_policy(target=-10 * WAD)
    m.advance(120)
    status = m.status()
    assert not status.due and status.blocked == BLOCKED_NO_LIQUIDITY and status.trade == 0
    assert not m.hedger.checkUpkeep(b"")[0]
    with reverts(m.hedger.RebalanceNotDue):
        m.hedger.rebalance(sender=keeper)
    m.set_policy(target=0)
    with reverts(m.vault.HedgeCapacityExceeded, capacity=0):
        m.write(m.put_id, 10 * WAD)


def test_capacity__puts_beyond_max_base_owed__reverts_with_values(short):
    m = short
    m.hedger.setShortPolicy((TARGET_LTV, MAX_LTV, 10 * WAD), sender=m.owner)
    m.write(m.put_id, 10 * WAD)  # about 4.5 base of long delta: fits
    with reverts(m.vault.HedgeCapacityExceeded, capacity=10 * WAD):
        m.write(m.put_id, 100 * WAD)
    m.write(m.call_id, 10 * WAD)  # short delta is always welcome


def test_short_cap_reached__reported_and_sale_capped(short, keeper):
    m = short
    m.set_policy(target=-30 * WAD)
    m.hedger.setShortPolicy((TARGET_LTV, MAX_LTV, 20 * WAD), sender=m.owner)
    rebalanced(m, keeper)
    assert m.position()[1] == 20 * WAD
    m.advance(120)
    status = m.status()
    assert not status.due and status.blocked == BLOCKED_CAP


# ------------------------------------------------------------------------------------------ attacks


def test_sandwich__pool_pushed_before_borrow_and_sell__refused_then_lands_at_oracle_bound(
    short, keeper, attacker
):
    m = short
    m.write(m.put_id, 100 * WAD)
    m.advance(120)
    # The attacker sells base ahead of the vault's sale, 3 % below the oracle.
    uniswap.swap_to_price(m.stack.uni, m.stack.pool, 1940, attacker)
    with reverts(m.hedger.PoolOracleDeviation):
        m.hedger.rebalance(sender=keeper)
    assert m.position() == (0, 0)  # nothing borrowed
    uniswap.swap_to_price(m.stack.uni, m.stack.pool, 2000, attacker)
    tx = m.hedger.rebalance(sender=keeper)
    event = tx.decode_logs(m.hedger.Rebalanced)[0]
    assert event.amountOut >= event.amountIn * 2000 * m.q // 10**18 * 99 // 100


def test_donations__to_the_venue_and_to_the_morpho_position__never_break_accounting(short, keeper, third):
    m = short
    m.set_policy(target=-10 * WAD)
    rebalanced(m, keeper)
    nav, _ = m.vault.markedNav()
    # Tokens sent to the venue stay out of every figure until skimmed to the vault.
    m.quote.mint(m.venue, 1_000 * m.q, sender=m.owner)
    lending.fund(m.base, third, WAD)
    m.base.transfer(m.venue, WAD, sender=third)
    # The value moves only by the interest of the blocks that passed (its formula leaves the venue's balance out).
    assert m.vault.markedNav()[0] == expected_nav_without_options(m) and m.vault.markedNav()[0] <= nav
    assert m.position()[1] == m.state().baseOwed
    m.venue.skim(m.quote, sender=third)
    m.venue.skim(m.base, sender=third)
    assert m.quote.balanceOf(m.venue) == 0 and m.base.balanceOf(m.venue) == 0
    # Collateral given to the vault's position on Morpho is the vault's: it counts, and nothing else moves.
    m.quote.mint(third, 5_000 * m.q, sender=m.owner)
    m.quote.approve(m.lending.morpho, MAX_UINT, sender=third)
    m.lending.morpho.supplyCollateral(m.lending.params.as_tuple(), 5_000 * m.q, m.venue, b"", sender=third)
    assert m.position()[0] == m.state().collateral
    assert m.vault.markedNav()[0] == expected_nav_without_options(m)
    assert not m.status().due  # a donation makes nothing due


# --------------------------------------------------------------------------------------- bad inputs


def test_set_borrow_venue__another_vaults_venue__reverts(short, owner):
    m = short
    other = lending.deploy_venue(owner, m.lending, owner)  # a venue whose vault is another account
    m.set_policy(target=0)
    with reverts(m.vault.BorrowVenueMismatch, venue=other.address):
        m.vault.setBorrowVenue(other, sender=owner)


def test_set_borrow_venue__position_open__reverts_with_position(short, keeper, owner):
    m = short
    m.set_policy(target=-10 * WAD)
    rebalanced(m, keeper)
    collateral, _ = m.position()
    with reverts(m.vault.BorrowVenuePositionOpen, collateral=collateral):
        m.vault.setBorrowVenue(ZERO_ADDRESS, sender=owner)


def test_set_borrow_venue__not_owner__reverts(short, attacker):
    with ape.reverts():
        short.vault.setBorrowVenue(ZERO_ADDRESS, sender=attacker)


def test_set_borrow_venue__off__allowances_revoked(short, owner):
    m = short
    m.vault.setBorrowVenue(ZERO_ADDRESS, sender=owner)
    assert m.vault.borrowVenue() == ZERO_ADDRESS
    assert m.quote.allowance(m.vault, m.venue) == 0 and m.base.allowance(m.vault, m.venue) == 0
    with reverts(m.hedger.NoBorrowVenue):
        m.hedger.setShortPolicy((TARGET_LTV, MAX_LTV, MAX_OWED), sender=owner)


@pytest.mark.parametrize(
    "policy, name",
    [
        ((TARGET_LTV, int(LLTV * WAD), MAX_OWED), "maxLtv"),
        ((TARGET_LTV, 0, MAX_OWED), "maxLtv"),
        ((MAX_LTV + 1, MAX_LTV, MAX_OWED), "targetLtv"),
        ((0, MAX_LTV, MAX_OWED), "targetLtv"),
        ((TARGET_LTV, MAX_LTV, 10**27 + 1), "maxBaseOwed"),
    ],
)
def test_set_short_policy__out_of_bounds__reverts(short, owner, policy, name):
    from eth_utils import to_bytes

    with reverts(short.hedger.PolicyOutOfBounds, parameter=to_bytes(text=name).ljust(32, b"\0")):
        short.hedger.setShortPolicy(policy, sender=owner)


def test_set_short_policy__not_owner__reverts(short, attacker):
    with reverts(short.hedger.NotVaultOwner, caller=attacker.address):
        short.hedger.setShortPolicy((TARGET_LTV, MAX_LTV, MAX_OWED), sender=attacker)


@pytest.mark.parametrize("call", ["borrowBase", "repayBase"])
def test_position_changes__not_hedger__revert(short, attacker, call):
    with reverts(short.vault.OnlyHedger, caller=attacker.address):
        getattr(short.vault, call)(WAD, TARGET_LTV, sender=attacker)


def test_venue_borrow_repay__neither_vault_nor_hedger__revert_with_both(short, attacker):
    m = short
    for call in (m.venue.borrow, m.venue.repay):
        with reverts(
            m.venue.NotVaultOrHedger, caller=attacker.address, vault=m.vault.address, hedger=m.hedger.address
        ):
            call(WAD, sender=attacker)


def test_venue_borrow_repay__replaced_hedger__loses_the_right_at_once(short, keeper, owner):
    m = short
    m.set_policy(target=-10 * WAD)
    rebalanced(m, keeper)
    old = ape.accounts[m.hedger.address]  # the hedger contract's own address, impersonated
    m.chain.set_balance(old, 10**18)
    one = 10 ** m.base.decimals()
    held, owed = m.base.balanceOf(m.vault), m.position()[1]
    # The vault's hedger borrows straight from the venue: the base goes to the vault, never to the caller.
    m.venue.borrow(one, sender=old)
    assert m.base.balanceOf(m.vault) == held + one and m.base.balanceOf(old) == 0
    assert owed + one <= m.position()[1] <= owed + one + one // 10**6  # plus the interest of a block
    m.venue.repay(one, sender=old)  # pulled from the vault
    assert m.base.balanceOf(m.vault) == held
    m.vault.setHedger(owner, sender=owner)
    for call in (m.venue.borrow, m.venue.repay):
        with reverts(
            m.venue.NotVaultOrHedger, caller=old.address, vault=m.vault.address, hedger=owner.address
        ):
            call(one, sender=old)


def test_add_collateral__not_hedger__reverts(short, attacker):
    with reverts(short.vault.OnlyHedger, caller=attacker.address):
        short.vault.addCollateral(1, sender=attacker)


def test_check_capacity__is_a_view_anyone_may_read(short):
    # With nothing written there is no need to short, whatever the delta before.
    short.hedger.checkCapacity(0)


def test_sdk_status__short_open__reports_held_owed_collateral_health(short, keeper):
    from deltavault.sdk import Vault

    m = short
    assert Vault.at(m.vault.address).status().short.base_owed == 0
    m.set_policy(target=-10 * WAD)
    rebalanced(m, keeper)
    s = Vault.at(m.vault.address).status().short
    collateral, debt = m.position()
    ltv, health_factor, liquidation_price = m.venue.health()
    assert s.base_owed == Decimal(debt) / 10**18 and s.base_held == 0
    assert s.collateral == Decimal(collateral) / m.q
    assert s.ltv == Decimal(ltv) / WAD and s.health_factor == Decimal(health_factor) / WAD
    assert s.liquidation_price == Decimal(liquidation_price) / WAD > 2000
