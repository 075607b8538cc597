"""MorphoBlueVenue on the real Morpho Blue (compiled from npm `@morpho-org/morpho-blue` with solc 0.8.19): the
vault's short leg posts quote as collateral and borrows base. An account stands in for the vault (the venue's
owner); the vault's own wiring comes with the hedger's borrow legs.

Each module runs for three markets: a 6-decimal quote with an 18-decimal base whose address sorts below the
quote's, an 18-decimal quote with the base above it, and an 8-decimal base (BTC-like) with a 6-decimal quote.
Morpho keys a market by (loan, collateral), so the token order changes nothing but is covered anyway."""

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ape
import pytest
from eth_utils import keccak
from hexbytes import HexBytes

from deltavault.local import lending
from tests.utils.constants import ZERO_ADDRESS
from tests.utils.morpho import (
    ORACLE_PRICE_SCALE,
    WAD,
    accrued_interest,
    constructor_error,
    irm_rate,
    max_debt,
    to_assets_up,
    utilization,
)
from tests.utils.vault import DAY, HOUR, MAX_UINT, call_reverts, reverts, same_time

# (quote decimals, base decimals, base address below quote address)
CASES = [(6, 18, True), (18, 18, False), (6, 8, False)]
LLTV = 86 * WAD // 100
PRICE = 2000
ACTIVE, NO_LIQUIDITY, ORACLE_UNAVAILABLE = 0, 1, 2


@dataclass
class Lending:
    market: lending.LendingMarket
    venue: Any
    base: Any
    quote: Any
    feed: Any
    vault: Any  # the account standing in for the vault
    lender: Any
    owner: Any

    @property
    def morpho(self) -> Any:
        return self.market.morpho

    @property
    def params(self) -> tuple:
        return self.market.params.as_tuple()

    @property
    def q(self) -> int:
        return 10 ** self.quote.decimals()

    @property
    def b(self) -> int:
        return 10 ** self.base.decimals()

    def set_price(self, price) -> None:
        self.feed.pushAnswer(int(Decimal(str(price)) * 10**8), sender=self.owner)

    def open(self, collateral: int, debt: int) -> None:
        """The vault posts `collateral` (quote units) and borrows `debt` (base units)."""
        self.venue.supplyCollateral(collateral, sender=self.vault)
        self.venue.borrow(debt, sender=self.vault)

    def morpho_position(self) -> tuple[int, int]:
        """(collateral, borrow shares) as Morpho stores them for the venue."""
        p = self.morpho.position(self.market.id, self.venue)
        return p.collateral, p.borrowShares

    def market_state(self) -> Any:
        return self.morpho.market(self.market.id)


def _deploy_pair(project, owner, quote_decimals, base_decimals, base_below_quote):
    base = owner.deploy(project.TestERC20, "Wrapped Ether", "WETH", base_decimals)
    for _ in range(64):
        quote = owner.deploy(project.TestERC20, "USD Coin", "USDC", quote_decimals)
        if (int(base.address, 16) < int(quote.address, 16)) == base_below_quote:
            return base, quote
    raise RuntimeError("could not deploy the tokens in the requested order")


@pytest.fixture(
    scope="module",
    params=CASES,
    ids=lambda c: f"quote{c[0]}-base{c[1]}-{'base_first' if c[2] else 'quote_first'}",
)
def env(request, project, owner, accounts, chain):
    quote_decimals, base_decimals, base_below_quote = request.param
    base, quote = _deploy_pair(project, owner, quote_decimals, base_decimals, base_below_quote)
    feed = owner.deploy(project.TestAggregator, 8, "ETH / USD")
    feed.pushAnswer(PRICE * 10**8, sender=owner)
    lender, vault = accounts[7], accounts[8]
    market = lending.deploy_lending_market(
        owner,
        base=base,
        quote=quote,
        price_feed=feed,
        price_max_age=HOUR,
        lltv=Decimal("0.86"),
        lenders=[(lender, 100 * 10**base_decimals)],
    )
    venue = lending.deploy_venue(owner, market, vault)
    quote.mint(vault, 10_000_000 * 10**quote_decimals, sender=owner)
    quote.approve(venue, MAX_UINT, sender=vault)
    base.approve(venue, MAX_UINT, sender=vault)
    return Lending(market, venue, base, quote, feed, vault, lender, owner)


@pytest.fixture(scope="module")
def third(accounts):
    """A third party: another borrower, a liquidator, a donor."""
    return accounts[9]


def _balances(env, account) -> tuple[int, int]:
    return env.quote.balanceOf(account), env.base.balanceOf(account)


def _venue_holds_nothing(env) -> None:
    assert _balances(env, env.venue) == (0, 0)


# ---------------------------------------------------------------------------------------------------------
# The market as deployed
# ---------------------------------------------------------------------------------------------------------


def test_market__deployed__venue_reads_morpho_market(env):
    venue, params = env.venue, env.market.params
    assert env.morpho.market(params.id).lastUpdate > 0
    assert venue.marketId() == params.id  # Python's keccak of the parameters equals Morpho's id
    assert venue.marketParams() == params.as_tuple()
    assert (venue.debtToken(), venue.collateralToken()) == (env.base.address, env.quote.address)
    assert venue.vault() == env.vault.address
    assert venue.lltv() == LLTV
    assert venue.position() == (0, 0)
    assert venue.availableLiquidity() == 100 * env.b
    assert venue.status() == ACTIVE
    assert venue.health() == (0, MAX_UINT, MAX_UINT)
    # 2000 quote per base, Morpho's price inverted and decimals adjusted (rounded up).
    assert venue.price() == PRICE * WAD


def test_morpho__runtime__built_with_solc_0_8_19(env):
    artifact = lending.build_morpho()
    assert lending.morpho_contract_type().name == "Morpho"
    code = bytes(ape.chain.provider.get_code(env.morpho.address))
    # The artifact's runtime leaves Morpho's one immutable (DOMAIN_SEPARATOR) as zeros.
    separator = bytes(env.morpho.DOMAIN_SEPARATOR())
    assert code.count(separator) >= 1
    artifact_code = lending.morpho_contract_type().runtime_bytecode.bytecode.removeprefix("0x")
    assert code.replace(separator, bytes(32)).hex() == artifact_code
    assert 15_000 < len(code) <= 24_576
    assert '"version": "0.8.19+commit.7dd6d404' in artifact.read_text()


def test_venue_constructor__bad_market_or_vault__reverts(env, project):
    container, params = project.MorphoBlueVenue, env.market.params
    unknown = (*params.as_tuple()[:4], 77 * WAD // 100)  # an LLTV without a market
    inputs = constructor_error(container, container.MarketNotCreated, env.morpho, unknown, env.vault)
    assert inputs == {"id": lending.MarketParams(*unknown).id}
    same = (params.loan_token, params.loan_token, *params.as_tuple()[2:])
    inputs = constructor_error(container, container.InvalidMarketTokens, env.morpho, same, env.vault)
    assert inputs == {"loanToken": params.loan_token, "collateralToken": params.loan_token}
    zero = "0x" + "00" * 20
    assert constructor_error(container, container.ZeroVault, env.morpho, params.as_tuple(), zero) == {}


def test_create_market__existing__reused_without_transaction(env):
    nonce = env.owner.nonce
    params = lending.create_market(
        env.owner,
        env.morpho,
        base=env.base,
        quote=env.quote,
        oracle=env.market.oracle,
        irm=env.market.irm,
        lltv="0.86",
    )
    assert params == env.market.params
    assert env.owner.nonce == nonce


def test_create_market__irm_not_enabled_by_non_owner__one_line_error(env, project, third):
    irm = lending.deploy_irm(env.owner)
    with pytest.raises(
        lending.LendingError, match=r"^Morpho 0x\w+ has not enabled the IRM 0x\w+ \(only its owner can\)$"
    ):
        lending.create_market(
            third, env.morpho, base=env.base, quote=env.quote, oracle=env.market.oracle, irm=irm, lltv="0.86"
        )
    with pytest.raises(lending.LendingError, match=r"has not enabled the LLTV 0.5 \(only its owner can\)$"):
        lending.create_market(
            third,
            env.morpho,
            base=env.base,
            quote=env.quote,
            oracle=env.market.oracle,
            irm=env.market.irm,
            lltv="0.5",
        )


# ---------------------------------------------------------------------------------------------------------
# Supply, borrow, repay, withdraw
# ---------------------------------------------------------------------------------------------------------


def test_round_trip__supply_borrow_repay_withdraw__vault_gets_everything_back(env):
    vault, venue, q, b = env.vault, env.venue, env.q, env.b
    quote0, base0 = _balances(env, vault)

    tx = venue.supplyCollateral(10_000 * q, sender=vault)
    assert tx.decode_logs(venue.CollateralSupplied) == [
        venue.CollateralSupplied(assets=10_000 * q, collateral=10_000 * q)
    ]
    assert _balances(env, vault) == (quote0 - 10_000 * q, base0)
    assert venue.position() == (10_000 * q, 0)

    tx = venue.borrow(2 * b, sender=vault)
    shares = env.morpho_position()[1]
    assert tx.return_value == shares > 0
    assert tx.decode_logs(venue.Borrowed) == [venue.Borrowed(assets=2 * b, shares=shares)]
    assert _balances(env, vault) == (quote0 - 10_000 * q, base0 + 2 * b)
    assert venue.position() == (10_000 * q, 2 * b)
    _venue_holds_nothing(env)

    same_time()  # no interest between the calls: exact amounts
    tx = venue.repay(b, sender=vault)
    assert tx.return_value == b
    assert venue.position() == (10_000 * q, b)

    shares = env.morpho_position()[1]
    same_time()
    tx = venue.repay(MAX_UINT, sender=vault)  # more than owed: closes the debt exactly, pulls only the debt
    repaid = tx.return_value
    assert b <= repaid <= b + 1
    assert tx.decode_logs(venue.Repaid) == [venue.Repaid(assets=repaid, shares=shares)]
    assert env.morpho_position() == (10_000 * q, 0)
    assert venue.position() == (10_000 * q, 0)

    tx = venue.withdrawCollateral(10_000 * q, sender=vault)
    assert tx.decode_logs(venue.CollateralWithdrawn) == [
        venue.CollateralWithdrawn(assets=10_000 * q, collateral=0)
    ]
    assert venue.position() == (0, 0)
    assert _balances(env, vault) == (quote0, base0 + b - repaid)
    _venue_holds_nothing(env)


def test_repay__no_debt__returns_zero_and_pulls_nothing(env):
    env.venue.supplyCollateral(1_000 * env.q, sender=env.vault)
    before = _balances(env, env.vault)
    tx = env.venue.repay(env.b, sender=env.vault)
    assert tx.return_value == 0
    # No transfer and no position change: at most Morpho's interest accrual on the market (anyone may call it).
    accrue = "0x" + keccak(text="AccrueInterest(bytes32,uint256,uint256,uint256)").hex().removeprefix("0x")
    for log in tx.logs:
        assert log["address"].lower() == env.market.morpho.address.lower()
        assert HexBytes(log["topics"][0]).hex().removeprefix("0x") == accrue.removeprefix("0x")
    assert _balances(env, env.vault) == before


def test_borrow__exactly_max_at_lltv__lands_beyond_morphos_limit_reverts(env):
    env.venue.supplyCollateral(10_000 * env.q, sender=env.vault)
    limit = env.venue.maxBorrow(LLTV)
    price = env.market.oracle.price()
    same_time()
    assert limit == max_debt(10_000 * env.q, price, LLTV) - 1  # one unit held back for Morpho's rounding
    env.venue.borrow(limit, sender=env.vault)
    assert env.venue.position()[1] <= max_debt(10_000 * env.q, price, LLTV)
    assert env.venue.maxBorrow(LLTV) == 0
    # Morpho decides (the unit held back may still fit): two more units take the debt past its limit.
    with reverts(env.venue.BorrowAboveLimit, assets=2, maxAssets=0):
        env.venue.borrow(2, sender=env.vault)


def test_borrow__above_lltv__reverts_with_limit(env):
    env.venue.supplyCollateral(10_000 * env.q, sender=env.vault)
    limit = env.venue.maxBorrow(LLTV)
    # `limit` + 1 is Morpho's own limit, which its rounding may reach; + 2 is beyond it.
    with reverts(env.venue.BorrowAboveLimit, assets=limit + 2, maxAssets=limit):
        env.venue.borrow(limit + 2, sender=env.vault)


def test_max_borrow__target_ltv__lands_at_or_below_it(env):
    target = WAD // 2
    collateral = env.venue.collateralFor(2 * env.b, target)
    # 2 base at 2000 is 4000 quote of debt; at LTV 0.5 it needs 8000 quote (rounded up).
    assert 8_000 * env.q <= collateral <= 8_000 * env.q + 1
    env.venue.supplyCollateral(collateral, sender=env.vault)
    assert env.venue.maxBorrow(target) in (2 * env.b - 1, 2 * env.b)
    env.venue.borrow(env.venue.maxBorrow(target), sender=env.vault)
    ltv, health_factor, _ = env.venue.health()
    assert target - 10**12 <= ltv <= target
    assert health_factor * target // WAD == pytest.approx(LLTV, rel=1e-8)
    assert env.venue.maxBorrow(target) == 0


def test_withdraw__exactly_withdrawable__lands_one_more_unit_reverts(env):
    env.open(10_000 * env.q, 2 * env.b)
    for ltv in (WAD // 2, LLTV):
        withdrawable = env.venue.withdrawableCollateral(ltv)
        required = env.venue.collateralFor(env.venue.position()[1], ltv)
        assert withdrawable == env.venue.position()[0] - required
    same_time()
    env.venue.withdrawCollateral(withdrawable, sender=env.vault)  # down to the liquidation LTV
    assert env.venue.withdrawableCollateral(LLTV) == 0
    _, health_factor, _ = env.venue.health()
    assert health_factor >= WAD
    with reverts(env.venue.WithdrawAboveLimit, assets=1, withdrawable=0):
        env.venue.withdrawCollateral(1, sender=env.vault)


def test_borrow__more_than_market_liquidity__reverts_with_available(env):
    env.venue.supplyCollateral(10_000_000 * env.q, sender=env.vault)
    with reverts(env.venue.InsufficientLiquidity, assets=100 * env.b + 1, available=100 * env.b):
        env.venue.borrow(100 * env.b + 1, sender=env.vault)


def test_borrow_with_collateral__empty_position__posts_what_target_ltv_needs(env):
    target = WAD // 2
    quote0, base0 = _balances(env, env.vault)
    needed = env.venue.collateralFor(2 * env.b + 1, target)
    same_time()
    tx = env.venue.borrowWithCollateral(2 * env.b, target, needed, sender=env.vault)
    added, shares = tx.return_value
    assert added == needed
    # 2 base at 2,000 at LTV 0.5, plus the collateral of the one unit of base held back for Morpho's rounding.
    assert abs(added - 8_000 * env.q - env.venue.collateralFor(1, target)) <= 1
    assert shares == env.morpho_position()[1]
    assert [e.event_name for e in tx.events if e.contract_address == env.venue.address] == [
        "CollateralSupplied",
        "Borrowed",
    ]
    assert env.venue.position() == (added, 2 * env.b)
    assert _balances(env, env.vault) == (quote0 - added, base0 + 2 * env.b)
    assert env.venue.health()[0] <= target
    _venue_holds_nothing(env)


def test_borrow_with_collateral__enough_collateral__posts_none(env):
    env.venue.supplyCollateral(100_000 * env.q, sender=env.vault)
    tx = env.venue.borrowWithCollateral(2 * env.b, WAD // 2, 0, sender=env.vault)
    assert tx.return_value[0] == 0
    assert env.venue.position() == (100_000 * env.q, 2 * env.b)


def test_borrow_with_collateral__more_than_free_quote__reverts_with_needed(env):
    needed = env.venue.collateralFor(2 * env.b + 1, WAD // 2)
    with reverts(env.venue.CollateralAboveMax, needed=needed, maxCollateral=needed - 1):
        env.venue.borrowWithCollateral(2 * env.b, WAD // 2, needed - 1, sender=env.vault)


def test_repay_and_withdraw__part_then_all__collateral_follows_target_ltv(env):
    target = WAD // 2
    env.venue.borrowWithCollateral(2 * env.b, target, MAX_UINT, sender=env.vault)
    collateral0 = env.venue.position()[0]
    quote0, base0 = _balances(env, env.vault)
    same_time()
    tx = env.venue.repayAndWithdraw(env.b, target, sender=env.vault)
    repaid, withdrawn = tx.return_value
    collateral, debt = env.venue.position()
    assert repaid == env.b
    assert withdrawn == collateral0 - env.venue.collateralFor(debt, target)
    # Half the debt gone: half the collateral back (and the one unit's collateral held back at the borrow).
    assert abs(withdrawn - 4_000 * env.q - env.venue.collateralFor(1, target)) <= 2
    assert collateral == collateral0 - withdrawn
    assert env.venue.health()[0] <= target
    assert _balances(env, env.vault) == (quote0 + withdrawn, base0 - env.b)

    same_time()
    repaid, withdrawn = env.venue.repayAndWithdraw(MAX_UINT, target, sender=env.vault).return_value
    assert env.b <= repaid <= env.b + 1
    assert withdrawn == collateral
    assert env.venue.position() == (0, 0)
    assert _balances(env, env.vault) == (quote0 + collateral0, base0 - env.b - repaid)
    _venue_holds_nothing(env)


def test_repay_and_withdraw__zero_repay__withdraws_only_the_excess(env):
    env.venue.supplyCollateral(20_000 * env.q, sender=env.vault)
    env.venue.borrow(2 * env.b, sender=env.vault)
    same_time()
    repaid, withdrawn = env.venue.repayAndWithdraw(0, WAD // 2, sender=env.vault).return_value
    assert repaid == 0
    assert 12_000 * env.q - 1 <= withdrawn <= 12_000 * env.q
    assert env.venue.position()[1] >= 2 * env.b


# ---------------------------------------------------------------------------------------------------------
# Access and bad input
# ---------------------------------------------------------------------------------------------------------


def test_position_changes__not_vault__revert(env, third):
    venue = env.venue
    for call in (venue.supplyCollateral, venue.withdrawCollateral):
        with reverts(venue.NotVault, caller=third.address, vault=env.vault.address):
            call(1, sender=third)
    # borrow and repay also take the vault's hedger; the account standing in for the vault answers none.
    for call in (venue.borrow, venue.repay):
        with reverts(
            venue.NotVaultOrHedger, caller=third.address, vault=env.vault.address, hedger=ZERO_ADDRESS
        ):
            call(1, sender=third)
    with reverts(venue.NotVault, caller=third.address, vault=env.vault.address):
        venue.borrowWithCollateral(1, WAD // 2, 1, sender=third)
    with reverts(venue.NotVault, caller=third.address, vault=env.vault.address):
        venue.repayAndWithdraw(1, WAD // 2, sender=third)


def test_position_changes__zero_amount__revert(env):
    venue = env.venue
    for call in (venue.supplyCollateral, venue.withdrawCollateral, venue.borrow, venue.repay):
        with reverts(venue.ZeroAmount):
            call(0, sender=env.vault)
    with reverts(venue.ZeroAmount):
        venue.borrowWithCollateral(0, WAD // 2, MAX_UINT, sender=env.vault)


@pytest.mark.parametrize("ltv", [0, LLTV + 1])
def test_views__ltv_out_of_range__revert(env, ltv):
    for view in (env.venue.maxBorrow, env.venue.withdrawableCollateral):
        call_reverts(env.venue.LtvOutOfRange, view, ltv, ltv=ltv, lltv=LLTV)
    call_reverts(env.venue.LtvOutOfRange, env.venue.collateralFor, env.b, ltv, ltv=ltv, lltv=LLTV)
    with reverts(env.venue.LtvOutOfRange, ltv=ltv, lltv=LLTV):
        env.venue.borrowWithCollateral(env.b, ltv, MAX_UINT, sender=env.vault)
    with reverts(env.venue.LtvOutOfRange, ltv=ltv, lltv=LLTV):
        env.venue.repayAndWithdraw(env.b, ltv, sender=env.vault)


# ---------------------------------------------------------------------------------------------------------
# Interest
# ---------------------------------------------------------------------------------------------------------


def test_interest__30_days__debt_matches_independent_irm_to_the_wei(env):
    env.open(100_000 * env.q, 30 * env.b)  # utilization 30 %: 0.5 % + 5 % x 0.3 = 2 % a year
    env.base.mint(env.vault, 30 * env.b, sender=env.owner)  # enough to repay with interest
    market = env.market_state()
    shares = env.morpho_position()[1]
    rate = irm_rate(utilization(market.totalBorrowAssets, market.totalSupplyAssets), lending.DEFAULT_IRM)
    elapsed = 30 * DAY
    interest = accrued_interest(market.totalBorrowAssets, rate, elapsed)
    expected = to_assets_up(shares, market.totalBorrowAssets + interest, market.totalBorrowShares)

    ape.chain.pending_timestamp = market.lastUpdate + elapsed
    ape.chain.mine()
    assert ape.chain.blocks.head.timestamp == market.lastUpdate + elapsed
    assert env.venue.position() == (100_000 * env.q, expected)
    # Against continuous compounding at the same rate: within 1e-9 of the debt (the Taylor terms left out).
    continuous = 30 * env.b * math.exp(rate * elapsed / WAD)
    assert abs(expected - continuous) / continuous < 1e-9
    assert expected > 30 * env.b  # 2 % a year for 30 days: about 0.16 %
    assert expected == pytest.approx(30 * env.b * (1 + 0.02 * 30 / 365), rel=1e-4)

    # Repaying at that time pulls exactly the predicted debt; Morpho's own accrual agrees.
    before = env.base.balanceOf(env.vault)
    same_time()
    tx = env.venue.repay(MAX_UINT, sender=env.vault)
    assert tx.return_value == expected
    assert before - env.base.balanceOf(env.vault) == expected
    after = env.market_state()
    assert after.totalSupplyAssets == market.totalSupplyAssets + interest
    assert env.venue.position() == (100_000 * env.q, 0)
    _venue_holds_nothing(env)


# ---------------------------------------------------------------------------------------------------------
# Health, liquidation price, third-party liquidations
# ---------------------------------------------------------------------------------------------------------


def test_health__open_short__matches_morpho_math(env):
    env.open(10_000 * env.q, 2 * env.b)
    collateral, debt = env.venue.position()
    price = env.market.oracle.price()
    value = collateral * price // ORACLE_PRICE_SCALE
    ltv, health_factor, liquidation_price = env.venue.health()
    assert ltv == -(-debt * WAD // value)
    assert health_factor == max_debt(collateral, price, LLTV) * WAD // debt
    assert liquidation_price == collateral * LLTV * env.b // (debt * env.q)
    # 10,000 quote x 0.86 / 2 base = 4,300 quote per base; LTV 4,000 / 10,000.
    assert liquidation_price == 4300 * WAD
    assert ltv == 4 * WAD // 10
    assert health_factor == 2150 * WAD // 1000


def _fund_liquidator(env, liquidator, amount):
    env.base.mint(liquidator, amount, sender=liquidator)
    env.base.approve(env.morpho, MAX_UINT, sender=liquidator)


def test_liquidation_price__just_below_healthy__just_above_liquidatable(env, third):
    env.open(10_000 * env.q, 2 * env.b)
    liquidation_price = Decimal(env.venue.health()[2]) / WAD
    _fund_liquidator(env, third, 10 * env.b)
    env.set_price(liquidation_price * Decimal("0.9999"))
    assert env.venue.health()[1] >= WAD
    with ape.reverts("position is healthy"):
        env.morpho.liquidate(env.params, env.venue, 0, 1000, b"", sender=third)
    env.set_price(liquidation_price * Decimal("1.0001"))
    assert env.venue.health()[1] < WAD
    env.morpho.liquidate(env.params, env.venue, 0, 1000, b"", sender=third)


def test_liquidation__partial_by_third_party__position_and_round_trip_right(env, third):
    env.open(10_000 * env.q, 4 * env.b)  # liquidation at 2,150
    _fund_liquidator(env, third, 10 * env.b)
    env.set_price(2400)
    collateral0, shares0 = env.morpho_position()
    debt0 = env.venue.position()[1]
    same_time()
    tx = env.morpho.liquidate(env.params, env.venue, 0, shares0 // 2, b"", sender=third)
    seized, repaid = tx.return_value
    assert seized > 0 and repaid > 0

    collateral, debt = env.venue.position()
    market = env.market_state()
    assert collateral == collateral0 - seized
    assert debt == to_assets_up(shares0 - shares0 // 2, market.totalBorrowAssets, market.totalBorrowShares)
    assert abs(debt - (debt0 - repaid)) <= 1
    # The liquidator took collateral worth the repaid debt plus Morpho's incentive at LLTV 0.86 (about 4.4 %).
    incentive = Decimal(seized) / env.q / (Decimal(repaid) / env.b * 2400)
    assert Decimal("1.04") < incentive < Decimal("1.05")

    # The vault winds the rest down with exact amounts.
    env.base.mint(env.vault, 2 * debt, sender=env.owner)
    collateral, debt = env.venue.position()
    quote0, base0 = _balances(env, env.vault)
    same_time()
    assert env.venue.repay(MAX_UINT, sender=env.vault).return_value == debt
    env.venue.withdrawCollateral(collateral, sender=env.vault)
    assert _balances(env, env.vault) == (quote0 + collateral, base0 - debt)
    assert env.venue.position() == (0, 0)
    _venue_holds_nothing(env)


def test_liquidation__extreme_move_bad_debt__position_zero_and_nothing_stuck(env, third):
    env.open(10_000 * env.q, 4 * env.b)
    _fund_liquidator(env, third, 100 * env.b)
    env.set_price(20_000)  # base x10: the debt is worth 8 x the collateral
    collateral0, _ = env.morpho_position()
    tx = env.morpho.liquidate(env.params, env.venue, collateral0, 0, b"", sender=third)
    assert tx.return_value[0] == collateral0
    # Morpho realizes the bad debt when the collateral is gone: the position is closed.
    assert env.morpho_position() == (0, 0)
    assert env.venue.position() == (0, 0)
    assert env.venue.health() == (0, MAX_UINT, MAX_UINT)
    assert env.venue.status() == ACTIVE
    before = _balances(env, env.vault)
    assert env.venue.repay(env.b, sender=env.vault).return_value == 0
    with reverts(env.venue.WithdrawAboveLimit, assets=1, withdrawable=0):
        env.venue.withdrawCollateral(1, sender=env.vault)
    assert _balances(env, env.vault) == before
    # The venue keeps working: a new short at the new price.
    env.open(100_000 * env.q, env.b)
    assert env.venue.position() == (100_000 * env.q, env.b)
    _venue_holds_nothing(env)


# ---------------------------------------------------------------------------------------------------------
# Venue status: no liquidity, oracle down
# ---------------------------------------------------------------------------------------------------------


def test_drained_market__reports_no_liquidity__views_never_revert(env, third):
    env.open(10_000 * env.q, 2 * env.b)
    env.quote.mint(third, 10_000_000 * env.q, sender=third)
    env.quote.approve(env.morpho, MAX_UINT, sender=third)
    env.morpho.supplyCollateral(env.params, 10_000_000 * env.q, third, b"", sender=third)
    available = env.venue.availableLiquidity()
    assert available == 98 * env.b
    env.morpho.borrow(env.params, available, 0, third, third, sender=third)

    assert env.venue.availableLiquidity() == 0
    assert env.venue.status() == NO_LIQUIDITY
    assert env.venue.maxBorrow(WAD // 2) == 0
    with reverts(env.venue.InsufficientLiquidity, assets=1, available=0):
        env.venue.borrow(1, sender=env.vault)
    # A day later interest has accrued on both sides: still nothing to borrow, still no revert in the views.
    ape.chain.pending_timestamp = ape.chain.blocks.head.timestamp + DAY
    env.set_price(PRICE)
    assert env.venue.availableLiquidity() == 0
    assert env.venue.status() == NO_LIQUIDITY
    assert env.venue.position()[1] > 2 * env.b
    assert env.venue.health()[1] > WAD
    # Repaying and withdrawing freed collateral need no liquidity.
    env.base.mint(env.vault, env.b, sender=env.owner)
    env.venue.repay(env.b, sender=env.vault)
    assert env.venue.availableLiquidity() == env.b
    assert env.venue.status() == ACTIVE
    env.venue.withdrawCollateral(env.venue.withdrawableCollateral(WAD // 2), sender=env.vault)
    _venue_holds_nothing(env)


def test_stale_oracle__status_unavailable__borrow_reverts_repay_works(env):
    env.open(10_000 * env.q, 2 * env.b)
    updated_at = env.feed.latestRoundData().updatedAt
    ape.chain.pending_timestamp = updated_at + HOUR + 1
    ape.chain.mine()
    assert env.venue.status() == ORACLE_UNAVAILABLE
    call_reverts(env.market.oracle.OracleStale, env.venue.health, updatedAt=updated_at, maxAge=HOUR)
    assert env.venue.position()[0] == 10_000 * env.q  # the position reads without the oracle
    with reverts(env.market.oracle.OracleStale):
        env.venue.borrow(1, sender=env.vault)
    with reverts(env.market.oracle.OracleStale):
        env.venue.withdrawCollateral(1, sender=env.vault)
    env.venue.supplyCollateral(env.q, sender=env.vault)
    env.venue.repay(env.b, sender=env.vault)
    env.set_price(PRICE)
    assert env.venue.status() == ACTIVE


# ---------------------------------------------------------------------------------------------------------
# Donations
# ---------------------------------------------------------------------------------------------------------


def test_token_donation__ignored_by_operations__skimmed_to_vault(env, third):
    env.quote.mint(env.venue, 777 * env.q, sender=third)
    env.base.mint(env.venue, 3 * env.b, sender=third)
    quote0, base0 = _balances(env, env.vault)
    env.open(10_000 * env.q, 2 * env.b)
    same_time()
    repaid = env.venue.repay(MAX_UINT, sender=env.vault).return_value
    env.venue.withdrawCollateral(10_000 * env.q, sender=env.vault)
    # Every operation moved the exact amounts; the donation sat untouched.
    assert _balances(env, env.vault) == (quote0, base0 + 2 * env.b - repaid)
    assert _balances(env, env.venue) == (777 * env.q, 3 * env.b)
    tx = env.venue.skim(env.quote, sender=third)  # anyone may skim; it always goes to the vault
    assert tx.return_value == 777 * env.q
    assert tx.decode_logs(env.venue.Skimmed) == [
        env.venue.Skimmed(token=env.quote.address, amount=777 * env.q)
    ]
    env.venue.skim(env.base, sender=third)
    assert _balances(env, env.vault) == (quote0 + 777 * env.q, base0 + 2 * env.b - repaid + 3 * env.b)
    _venue_holds_nothing(env)
    assert env.venue.skim(env.base, sender=third).return_value == 0


def test_position_donation__collateral_and_repayment_by_others__reported_and_usable(env, third):
    env.open(10_000 * env.q, 2 * env.b)
    env.quote.mint(third, 5_000 * env.q, sender=third)
    env.quote.approve(env.morpho, MAX_UINT, sender=third)
    env.morpho.supplyCollateral(env.params, 5_000 * env.q, env.venue, b"", sender=third)
    assert env.venue.position()[0] == 15_000 * env.q

    _fund_liquidator(env, third, env.b)
    debt0 = env.venue.position()[1]
    same_time()
    env.morpho.repay(env.params, env.b, 0, env.venue, b"", sender=third)
    collateral, debt = env.venue.position()
    assert collateral == 15_000 * env.q
    assert debt0 - env.b <= debt <= debt0 - env.b + 1

    before = env.base.balanceOf(env.vault)
    same_time()
    assert env.venue.repay(MAX_UINT, sender=env.vault).return_value == debt
    assert before - env.base.balanceOf(env.vault) == debt
    quote0 = env.quote.balanceOf(env.vault)
    env.venue.withdrawCollateral(
        15_000 * env.q, sender=env.vault
    )  # the donated collateral is the vault's now
    assert env.quote.balanceOf(env.vault) == quote0 + 15_000 * env.q
    _venue_holds_nothing(env)


# ---------------------------------------------------------------------------------------------------------
# Gas
# ---------------------------------------------------------------------------------------------------------

# Upper bounds of each venue call on a warm market (the figures the rebalance budget is planned with).
GAS_BOUNDS = {
    "supplyCollateral": 110_000,
    "borrow": 160_000,
    "repay (part)": 120_000,
    "repay (all)": 130_000,
    "withdrawCollateral": 110_000,
    "borrowWithCollateral": 200_000,
    "repayAndWithdraw (part)": 160_000,
    "repayAndWithdraw (all)": 160_000,
}


def test_gas__venue_calls__within_bounds(env):
    env.base.mint(env.vault, 10 * env.b, sender=env.owner)  # interest on top of what the vault borrows
    env.venue.supplyCollateral(env.q, sender=env.vault)  # warm the position's slot
    env.venue.borrow(1, sender=env.vault)
    gas = {
        "supplyCollateral": env.venue.supplyCollateral(10_000 * env.q, sender=env.vault).gas_used,
        "borrow": env.venue.borrow(2 * env.b, sender=env.vault).gas_used,
        "repay (part)": env.venue.repay(env.b, sender=env.vault).gas_used,
        "repay (all)": env.venue.repay(MAX_UINT, sender=env.vault).gas_used,
        "withdrawCollateral": env.venue.withdrawCollateral(5_000 * env.q, sender=env.vault).gas_used,
        "borrowWithCollateral": env.venue.borrowWithCollateral(
            4 * env.b, WAD // 2, MAX_UINT, sender=env.vault
        ).gas_used,
        "repayAndWithdraw (part)": env.venue.repayAndWithdraw(env.b, WAD // 2, sender=env.vault).gas_used,
        "repayAndWithdraw (all)": env.venue.repayAndWithdraw(MAX_UINT, WAD // 2, sender=env.vault).gas_used,
    }
    print("\nvenue gas:", gas)
    for name, used in gas.items():
        assert used <= GAS_BOUNDS[name], f"{name}: {used} gas"
