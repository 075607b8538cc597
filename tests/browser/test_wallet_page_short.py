"""The wallet page on a vault with the short leg (`ape run deploy stack --short-leg`: the real Morpho Blue, the
vault's MorphoBlueVenue and the hedger's short policy): the short hedge's card against the chain (base held and
owed with interest, collateral, LTV against the policy, health factor, liquidation price), its blocked states, and
a purchase beyond the hedge's capacity refused with the decoded error before anything is signed."""

import re
from decimal import Decimal

import pytest
from web3.exceptions import ContractCustomError

from deltavault.errors import decode
from tests.browser.conftest import USDC, WAD, human, sent_transactions, shot, text, wait_for_block
from tests.utils.constants import DAY

PUT = 5  # the 30-day at-the-money put of the stack's series
TARGET_LTV, MAX_LTV = WAD // 2, 6 * WAD // 10  # ShortLegSpec's defaults


@pytest.fixture(scope="module")
def stack(owner, manager, guardian, keeper, depositor, trader, attacker, user, broke, server, chain):
    """The browser suite's stack (conftest.py) with the short leg: a Morpho Blue market seeded with 1,000 WETH,
    LLTV 0.86, short policy target 0.5 / max 0.6 / 500 WETH owed at most."""
    from deltavault.local.stack import ShortLegSpec, deploy_stack
    from tests.utils.market import THRESHOLD_POLICY

    result = deploy_stack(
        owner,
        liquidity=2_000_000,
        network="ethereum:local:foundry",
        hedge_policy=THRESHOLD_POLICY,
        short_leg=ShortLegSpec(),
    )
    quote, vault = result.market.quote, result.system.vault
    for account, amount in ((depositor, 1_000_000), (trader, 1_000_000)):
        quote.mint(account, amount * USDC, sender=owner)
        quote.approve(vault, 2**256 - 1, sender=account)
    vault.deposit(1_000_000 * USDC, depositor, sender=depositor)
    quote.mint(user, 100_000 * USDC, sender=owner)
    server.deployments[f"{chain.chain_id}.json"] = result.record
    return result


@pytest.fixture
def venue(stack, project):
    return project.MorphoBlueVenue.at(stack.system.vault.borrowVenue())


def pct(wad: int) -> str:
    """The page's percentage of a WAD fraction (one decimal)."""
    return f"{human(wad * 100, 18, 1)} %"


def open_short(stack, trader, keeper, owner, chain) -> None:
    """A trader buys 20 puts (about 9 WETH of long delta); after the cooldown the keeper's rebalance borrows that
    base on Morpho Blue, with quote posted as collateral, and sells it."""
    vault, hedger = stack.system.vault, stack.system.hedger
    vault.buyOption(PUT, 20 * WAD, 100_000 * USDC, trader, sender=trader)
    chain.pending_timestamp = max(hedger.rebalanceStatus().nextAllowed, chain.blocks.head.timestamp) + 1
    stack.price_feed.pushAnswer(2000 * 10**8, sender=owner)
    assert hedger.rebalanceStatus().due
    hedger.rebalance(sender=keeper)


def test_short_card__short_opened_then_30_days__page_shows_the_position_as_the_chain(
    open_page, stack, venue, trader, keeper, owner, chain
):
    vault, base = stack.system.vault, stack.market.base
    page = open_page(connect=False)
    assert page.is_visible("[data-testid=short-card]")
    assert text(page, "short-owed") == "0.0000 WETH"
    assert text(page, "short-liquidation") == "no debt"
    assert text(page, "short-state") == "active"

    open_short(stack, trader, keeper, owner, chain)
    wait_for_block(page, chain.blocks.head.number)
    collateral, debt = venue.position()
    ltv, health_factor, liquidation = venue.health()
    state = vault.hedgeState()
    assert debt > 5 * WAD and state.baseOwed == debt and state.collateral == collateral  # an 18-decimal base
    assert text(page, "short-owed") == f"{human(debt, 18, 4)} WETH"
    assert text(page, "short-held") == f"{human(base.balanceOf(vault), 18, 4)} WETH"
    assert text(page, "short-collateral") == f"{human(collateral, 6)} USDC"
    assert text(page, "short-ltv") == f"{pct(ltv)}\ntarget 50.0 % · max 60.0 % · liquidation 86.0 %"
    assert text(page, "short-health") == human(health_factor, 18)
    spot = vault.spotPrice()
    above = (liquidation - spot) * WAD * 100 // spot  # WAD percent, as the page divides
    assert text(page, "short-liquidation") == (
        f"{human(liquidation, 18)} USDC\n+{human(above, 18, 1)} % from the oracle price"
    )
    assert text(page, "short-state") == "active" and text(page, "short-venue") == "active"
    assert text(page, "short-cap") == f"{human(debt, 18, 4)} / 500.0000 WETH"
    assert text(page, "short-liquidity") == f"{human(venue.availableLiquidity(), 18, 4)} WETH"
    assert text(page, "hedge") == f"{human(base.balanceOf(vault), 18, 4)} WETH"
    shot(page, "short")

    # Interest accrues on the debt: 30 days later the page reads the larger debt the chain reads.
    chain.pending_timestamp += 30 * DAY
    stack.price_feed.pushAnswer(2000 * 10**8, sender=owner)
    wait_for_block(page, chain.blocks.head.number)
    later = venue.position()[1]
    assert later > debt
    assert text(page, "short-owed") == f"{human(later, 18, 4)} WETH"
    assert text(page, "short-owed") != f"{human(debt, 18, 4)} WETH"


def test_short_card__cap_lowered_below_the_debt__capacity_reached(
    open_page, stack, venue, trader, keeper, owner, chain
):
    open_short(stack, trader, keeper, owner, chain)
    page = open_page(connect=False)
    assert text(page, "short-state") == "active"
    stack.system.hedger.setShortPolicy((TARGET_LTV, MAX_LTV, 2 * WAD), sender=owner)
    wait_for_block(page, chain.blocks.head.number)
    assert text(page, "short-pill") == "blocked"
    assert (
        text(page, "short-state")
        == "blocked: capacity reached: base owed has reached the hedger's cap of 2.0000 WETH"
    )


def test_short_card__market_drained__blocked_no_liquidity(open_page, stack, venue, owner, chain):
    from deltavault.local.lending import morpho_container

    morpho = morpho_container().at(venue.morpho())
    page = open_page(connect=False)
    # The market's only lender (the deployer) takes back everything it can lend.
    morpho.withdraw(venue.marketParams(), venue.availableLiquidity(), 0, owner, owner, sender=owner)
    assert venue.availableLiquidity() == 0 and venue.status() == 1
    wait_for_block(page, chain.blocks.head.number)
    assert text(page, "short-venue") == "no liquidity"
    assert text(page, "short-state") == (
        "blocked: no liquidity: the lending market has nothing left to lend, so the short cannot grow "
        "(repaying and collateral still work)"
    )
    assert text(page, "short-liquidity") == "0.0000 WETH"
    shot(page, "short-blocked")


def test_buy__beyond_hedge_capacity__decoded_error_before_signing(open_page, stack, user, owner, chain):
    vault, token = stack.system.vault, stack.system.option_token
    stack.system.hedger.setShortPolicy((TARGET_LTV, MAX_LTV, 2 * WAD), sender=owner)
    page = open_page()
    page.select_option("[data-testid=trade-series]", str(PUT))
    page.fill("[data-testid=trade-amount]", "20")
    page.click("[data-testid=trade-button]")
    page.wait_for_selector("[data-testid=action-error]:visible")
    message = text(page, "action-error")
    shot(page, "error-capacity")
    assert page.is_hidden("[data-testid=action-confirm]")
    assert sent_transactions(page) == 0 and token.balanceOf(user, PUT) == 0

    # The values the vault reverts with, read from the chain (the same purchase, approved, as an eth_call).
    stack.market.quote.approve(vault, 2**256 - 1, sender=user)
    call = {"from": user.address, "to": vault.address}
    call["data"] = vault.buyOption.encode_input(PUT, 20 * WAD, 100_000 * USDC, user).hex()
    with pytest.raises(ContractCustomError) as info:
        chain.provider.web3.eth.call(call)
    decoded = decode(info.value.data)
    assert decoded is not None and decoded.name == "HedgeCapacityExceeded", decoded
    needed, capacity = decoded.args["needed"], decoded.args["capacity"]
    assert capacity == 2 * WAD and needed > capacity
    match = re.fullmatch(
        r"The vault cannot hedge this trade: after it, the vault's options would need ([\d,.]+) WETH of short hedge \(borrowed and "
        r"sold\), beyond the 2\.0000 WETH its short can carry now \(the hedger's cap on base owed, what the lending "
        r"market can lend, and the free quote as collateral\)\. Try a smaller size, or wait until the hedge has "
        r"more room\.",
        message,
    )
    assert match, message
    # The page simulated one block later than this read: a second of theta apart at most.
    assert abs(Decimal(match[1].replace(",", "")) - Decimal(needed) / WAD) <= Decimal("0.0002")


def test_short_card__price_jumps_60pct__ltv_above_max_and_health_rule_due(
    open_page, stack, venue, trader, keeper, owner, chain
):
    hedger = stack.system.hedger
    open_short(stack, trader, keeper, owner, chain)
    page = open_page(connect=False)
    # +60 % in one round: the short's LTV goes from 40 % past the policy's 60 % (below the market's 86 %).
    chain.pending_timestamp = max(hedger.rebalanceStatus().nextAllowed, chain.blocks.head.timestamp) + 1
    stack.price_feed.pushAnswer(3200 * 10**8, sender=owner)
    wait_for_block(page, chain.blocks.head.number)
    status = hedger.rebalanceStatus()
    ltv = venue.health().ltv
    assert status.due and status.rule == 5 and status.collateralIn > 0 and MAX_LTV < ltv < venue.lltv()
    assert text(page, "short-ltv").startswith(f"{pct(ltv)}\n")
    assert text(page, "short-pill") == "LTV above max"
    assert text(page, "short-state") == "loan-to-value above the policy's maximum: the health rule is due"
    assert text(page, "rebalance-status") == "due: health rule"
    assert text(page, "rebalance-trade") == f"post {human(status.collateralIn, 6)} USDC as collateral"
    shot(page, "short-health")

    hedger.rebalance(sender=keeper)
    wait_for_block(page, chain.blocks.head.number)
    collateral, _ = venue.position()
    assert venue.health().ltv <= TARGET_LTV + WAD // 1000
    assert text(page, "short-collateral") == f"{human(collateral, 6)} USDC"
    assert text(page, "short-state") == "active"
