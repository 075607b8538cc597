"""The short leg on the fork: a put-heavy book (net long delta) on a vault that borrows base from the upstream's
Morpho Blue market (the real Morpho, deployed and supplied upstream by `upstream.seed_upstream`), hedged by the
keeper (`deltavault.keeper.Keeper`, one tick per `keeper_step`) through a fall, a rally and a crash.

Book: 30 puts at 2000, 20 puts at 1800 and 10 call spreads 2200/2400, 30 days, sold at spot 2000. Its delta is
long (about +19 base): the hedge must go short, i.e. post quote as collateral, borrow base and sell it.

After every keeper step: |D - T| is back inside the band once the keeper has nothing left to do, the
position's loan-to-value is under the short policy's maximum, the debt and collateral read from Morpho (its
stored market with interest accrued by the IRM's curve, written out in tests/utils/morpho.py) equal what the
vault and the venue report, nothing is stuck (no token left in the venue or the hedger, no blocked status), and
the net asset value moved by exactly the trade's loss against the oracle and the bounty (option decay aside),
with the options' value implied by NAV unchanged by the hedge.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from deltavault.local.lending import DEFAULT_IRM
from tests.fork.utils import (
    assert_solvent,
    in_one_block,
    keeper_step,
    oracle_value,
    rebalanced,
    swap_call_to_price,
    wad,
)
from tests.utils.constants import WAD
from tests.utils.morpho import accrued_interest, irm_rate, to_assets_up, utilization

pytestmark = pytest.mark.local_upstream

PRICE = Decimal(2000)
TARGET_LTV, MAX_LTV, MAX_OWED = WAD // 2, 6 * WAD // 10, 300 * WAD
THETA_TOLERANCE = 100_000  # quote units (0.10 USDC): the options' decay over the blocks of one keeper step
MAX_STEPS = 4  # keeper ticks per price move (the hedge cap of 50 base per rebalance leaves room for more)
# Price paths (feed and pool), one keeper round after each move; a tuple moves both in one block.
PATHS = {
    "fall": [1900, 1800, 1700, 1600],
    "rally": [2100, 2250, 2400, 2600],
    "crash": [(1400,), 1300, 1550],
}


@dataclass
class PutBook:
    put_2000: int
    put_1800: int
    call_spread: int
    premiums: int


@pytest.fixture(scope="module")
def short_system(system_block, market, owner, manager, guardian):
    """A vault system on the fork with the short leg: its MorphoBlueVenue on the upstream's lending market."""
    from tests.fork.utils import deploy_system

    market.push_price(PRICE)  # a fresh round: the upstream was seeded a while ago
    return deploy_system(market, owner, manager, guardian, short_policy=(TARGET_LTV, MAX_LTV, MAX_OWED))


@pytest.fixture(scope="module")
def put_book(market, short_system, manager, depositor, trader, chain):
    """1,000,000 deposited; 30 puts at 2000, 20 puts at 1800 and 10 call spreads 2200/2400 sold to a trader."""
    vault, q = short_system.vault, market.q
    market.take_quote(depositor, 1_000_000 * q)
    market.quote.approve(vault, 2**256 - 1, sender=depositor)
    vault.deposit(1_000_000 * q, depositor, sender=depositor)
    expiry = chain.pending_timestamp + 30 * 86400
    ids = []
    for strike, cap, is_call in ((2000, 0, False), (1800, 0, False), (2200, 200, True)):
        vault.listSeries(strike * WAD, cap * WAD, expiry, is_call, sender=manager)
        ids.append(vault.seriesCount())
    market.take_quote(trader, 200_000 * q)
    market.quote.approve(vault, 2**256 - 1, sender=trader)
    before = market.quote.balanceOf(trader)
    for series_id, amount in zip(ids, (30, 20, 10), strict=True):
        vault.buyOption(series_id, amount * WAD, 2**255, trader, sender=trader)
    return PutBook(*ids, premiums=before - market.quote.balanceOf(trader))


@pytest.fixture(scope="module")
def short_hedged(market, short_system, put_book, keeper, chain):
    """The book after the keeper's first round: the vault short base on Morpho, |D - T| within the band."""
    delta = short_system.vault.portfolioGreeks().delta
    assert delta > 15 * WAD  # net long delta: short puts
    wait_cooldown(short_system, chain, market, PRICE)
    steps = keeper_round(market, short_system, keeper, chain, PRICE)
    assert steps and steps[0].trade < 0  # borrowed and sold
    return put_book


# ---------------------------------------------------------------------------------------------- helpers


def wait_cooldown(system, chain, market=None, price=None):
    chain.pending_timestamp += system.hedger.policy().minInterval + 1
    if market is not None:
        market.push_price(price)


def morpho_position(system, chain) -> tuple[int, int]:
    """(collateral, debt) of the venue from Morpho's storage: the borrow shares converted at the market's totals
    with the interest accrued since its last update by LinearIrm's curve (rounded up, as Morpho does)."""
    lending = system.lending
    morpho, market_id = lending.morpho, lending.id
    market = morpho.market(market_id)
    position = morpho.position(market_id, system.borrow_venue)
    rate = irm_rate(utilization(market.totalBorrowAssets, market.totalSupplyAssets), DEFAULT_IRM)
    elapsed = chain.blocks.head.timestamp - market.lastUpdate
    total_borrow = market.totalBorrowAssets + accrued_interest(market.totalBorrowAssets, rate, elapsed)
    debt = to_assets_up(position.borrowShares, total_borrow, market.totalBorrowShares)
    return position.collateral, debt


def book_value(system, market) -> int:
    """NAV less the hedge (quote + collateral + base held x spot - base owed x spot, owed rounded up): the value
    NAV gives the options, which no hedge trade may change."""
    vault = system.vault
    state = vault.hedgeState()
    scale = 10 ** (36 - market.quote.decimals())
    hedge = (
        market.quote.balanceOf(vault)
        + state.collateral
        + state.baseHeld * state.spot // scale
        - -(-state.baseOwed * state.spot // scale)
    )
    return vault.totalAssets() - hedge


def check_position(system, market, chain) -> None:
    """Morpho and the vault agree; the loan-to-value is under the policy's maximum; nothing is stuck."""
    vault, hedger, venue = system.vault, system.hedger, system.borrow_venue
    collateral, debt = morpho_position(system, chain)
    state = vault.hedgeState()
    assert (state.collateral, state.baseOwed) == (collateral, debt)
    assert tuple(venue.position()) == (collateral, debt)
    assert state.delta == vault.portfolioGreeks().delta
    assert state.baseHeld == market.base.balanceOf(vault)
    if debt:
        ltv = venue.health().ltv
        assert 0 < ltv <= hedger.shortPolicy().maxLtv
        # Independently: debt at the oracle over the collateral (both in quote units).
        debt_value = oracle_value(debt, vault.spotPrice(), market.quote.decimals())
        assert abs(Decimal(debt_value) / collateral - Decimal(ltv) / WAD) < Decimal("0.0001")
    else:
        assert collateral == 0  # a closed short returns every unit of collateral
    assert debt <= hedger.shortPolicy().maxBaseOwed
    for holder in (venue, hedger):
        assert market.quote.balanceOf(holder) == 0 and market.base.balanceOf(holder) == 0
    assert hedger.rebalanceStatus().blocked == 0
    assert venue.status() == 0  # Active
    assert_solvent(vault, market.quote)


@dataclass
class Step:
    trade: int  # the status' trade the keeper acted on, WAD of base (negative: sell)
    rule: int
    delta_after: int


def keeper_round(market, system, keeper, chain, price) -> list[Step]:
    """Keeper ticks until nothing is due; each tick lands, keeps the accounting and moves |D - T| down."""
    vault, hedger = system.vault, system.hedger
    steps: list[Step] = []
    while True:
        status = hedger.rebalanceStatus()
        if not status.due:
            break
        assert len(steps) < MAX_STEPS, steps
        nav, options = vault.totalAssets(), book_value(system, market)
        outcome = keeper_step(system, keeper)
        assert outcome.action == "rebalanced", outcome
        steps.append(Step(outcome.status.trade, int(outcome.status.rule), vault.portfolioGreeks().delta))
        check_position(system, market, chain)
        check_nav(system, market, outcome, nav)
        # The hedge (and its collateral) never changes what NAV says the options are worth.
        assert abs(book_value(system, market) - options) <= THETA_TOLERANCE
        wait_cooldown(system, chain, market, price)
    # The band of the cost rule (the policy's default) widens with the trade's cost; never below minBand.
    status = hedger.rebalanceStatus()
    assert abs(status.delta - status.target) <= status.band
    assert status.band >= hedger.policy().minBand
    return steps


def check_nav(system, market, outcome, nav_before) -> int:
    """NAV after = NAV before - the trade's loss against the oracle - the bounty (decay aside); returns the loss."""
    vault, hedger = system.vault, system.hedger
    policy = hedger.policy()
    posted = list(outcome.receipt.decode_logs(hedger.CollateralPosted))
    if posted:  # the health rule: collateral posted, no trade
        (event,) = posted
        assert abs(vault.totalAssets() - (nav_before - event.bounty)) <= THETA_TOLERANCE
        return 0
    event = rebalanced(outcome.receipt, hedger)
    decimals = market.quote.decimals()
    buy = event.deltaAfter > event.deltaBefore
    if buy:
        loss = event.amountIn - oracle_value(event.amountOut, event.price, decimals)
    else:
        loss = oracle_value(event.amountIn, event.price, decimals) - event.amountOut
    assert loss <= (event.amountIn if buy else event.amountOut) * policy.maxSlippageBps // 10_000
    assert event.deltaAfter == vault.portfolioGreeks().delta
    assert abs(event.deltaAfter - event.deltaBefore) <= policy.hedgeCap
    assert abs(vault.totalAssets() - (nav_before - loss - event.bounty)) <= THETA_TOLERANCE
    assert event.bounty <= policy.bountyCap
    return max(loss, 0)


def move(market, trader, price) -> None:
    """The pool (a real swap) and the feed to `price`; a 1-tuple does both in one block."""
    if isinstance(price, tuple):
        (price,) = price
        swap = swap_call_to_price(market, trader, Decimal(price))
        in_one_block(swap, (market.feed_owner, market.feed.pushAnswer, (int(price) * 10**8,)))
    else:
        market.move_price(Decimal(price), trader)


# ---------------------------------------------------------------------------------------------- tests


def test_short_leg__first_round__vault_short_on_morpho_at_the_target_ltv(
    market, short_system, short_hedged, chain
):
    vault, venue = short_system.vault, short_system.borrow_venue
    lending = short_system.lending
    collateral, debt = morpho_position(short_system, chain)
    assert vault.borrowVenue() == venue.address
    assert debt > 15 * WAD and market.base.balanceOf(vault) == 0  # everything sold was borrowed
    # Posted with the venue's hysteresis, below the target loan-to-value.
    assert venue.health().ltv < TARGET_LTV
    # The upstream's lenders fund it: the market's borrow is exactly this vault's (no other borrower).
    assert (
        lending.morpho.market(lending.id).totalBorrowShares
        == lending.morpho.position(lending.id, venue).borrowShares
    )
    assert collateral > 0


@pytest.mark.parametrize("path", list(PATHS), ids=list(PATHS))
def test_put_heavy_book__keeper_holds_the_band_both_ways_through_the_path(
    path, market, short_system, short_hedged, keeper, trader, chain
):
    vault = short_system.vault
    debts = [morpho_position(short_system, chain)[1]]
    trades = []
    for price in PATHS[path]:
        level = price[0] if isinstance(price, tuple) else price
        wait_cooldown(short_system, chain)
        move(market, trader, price)
        assert vault.spotPrice() == wad(level)
        steps = keeper_round(market, short_system, keeper, chain, level)
        trades += [s.trade for s in steps]
        debts.append(morpho_position(short_system, chain)[1])
        check_position(short_system, market, chain)

    if path == "fall":
        # The puts go into the money: every step borrows and sells more.
        assert all(t < 0 for t in trades) and debts == sorted(debts) and debts[-1] > debts[0] + 10 * WAD
    if path == "rally":
        # The puts go out of the money: every step buys and repays; the short stays open, smaller.
        assert all(t > 0 for t in trades) and debts == sorted(debts, reverse=True)
        assert 0 < debts[-1] < debts[0] // 2
    if path == "crash":
        # The one-block crash is hedged in one keeper step (within the hedge cap); the rebound is bought back
        # and repaid, the short still larger than before the crash.
        assert trades[0] < -10 * WAD and trades[-1] > 0
        assert debts[1] > debts[0] + 10 * WAD and debts[0] < debts[-1] < debts[2]
    assert not short_system.hedger.rebalanceStatus().due
