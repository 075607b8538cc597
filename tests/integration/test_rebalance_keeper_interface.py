"""The keeper's side of DeltaHedger: the bounty, the Chainlink Automation interface, and the policy."""

import ape
import pytest
from eth_abi import decode

from deltavault.policy import HedgePolicy, Rule
from tests.utils.constants import GWEI, USDC
from tests.utils.events import rebalanced
from tests.utils.market import WAD

OVERHEAD = 60_000  # DeltaHedger.BOUNTY_GAS_OVERHEAD (checked below)


def set_base_fee(m, fee_wei):
    m.chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(fee_wei)])


def rebalance_at_base_fee(m, keeper, fee_wei, **kwargs):
    set_base_fee(m, fee_wei)
    tx = m.hedger.rebalance(sender=keeper, max_fee=2 * fee_wei, max_priority_fee=0, **kwargs)
    assert m.chain.blocks[tx.block_number].base_fee == fee_wei
    return tx


@pytest.fixture(autouse=True)
def zero_base_fee_after(market):
    """Anvil's snapshots do not restore the base fee: put it back to zero after each test."""
    yield
    set_base_fee(market, 0)


# --- bounty ---------------------------------------------------------------------------------------------


def test_bounty__non_zero_base_fee__keeper_paid_gas_times_multiplier_in_quote(market, keeper):
    m = market
    m.write(m.call_id, 20 * WAD)
    before = m.quote.balanceOf(keeper)
    tx = rebalance_at_base_fee(m, keeper, 10 * GWEI)
    event = rebalanced(tx, m.hedger)
    paid = tx.decode_logs(m.vault.KeeperPaid)
    assert len(paid) == 1 and paid[0].keeper == keeper.address and paid[0].amount == event.bounty
    assert m.quote.balanceOf(keeper) - before == event.bounty > 0
    # bounty = (measured gas + overhead) x min(gas price, basefee x 1.2), in quote at 2000; with no priority fee
    # the gas price is the base fee: recover the gas it paid for. It is gas before refunds, so it may exceed the
    # receipt's gas (by ~8% here); never by more than 15%.
    gas_paid_for = event.bounty * 10**30 // (2000 * WAD) // (10 * GWEI)
    assert 0.95 * tx.gas_used <= gas_paid_for <= 1.15 * tx.gas_used
    print(f"bounty paid for {gas_paid_for} gas; receipt {tx.gas_used}")
    assert event.bounty < 20 * USDC


def test_bounty__high_base_fee__capped(market, keeper):
    m = market
    m.write(m.call_id, 20 * WAD)
    before = m.quote.balanceOf(keeper)
    event = rebalanced(rebalance_at_base_fee(m, keeper, 200 * GWEI), m.hedger)
    assert event.bounty == 20 * USDC == m.quote.balanceOf(keeper) - before


def test_bounty__zero_base_fee__no_bounty_no_payment(market, keeper):
    m = market
    m.write(m.call_id, 20 * WAD)
    before = m.quote.balanceOf(keeper)
    set_base_fee(m, 0)
    tx = m.hedger.rebalance(sender=keeper)
    assert m.chain.blocks[tx.block_number].base_fee == 0
    assert rebalanced(tx, m.hedger).bounty == 0
    assert tx.decode_logs(m.vault.KeeperPaid) == []
    assert m.quote.balanceOf(keeper) == before


def test_bounty__call_when_not_due__reverts_on_chain_and_pays_nothing(market, keeper):
    m = market
    before_quote, before_eth = m.quote.balanceOf(keeper), keeper.balance
    vault_quote = m.quote_held()
    set_base_fee(m, 10 * GWEI)
    # An explicit gas limit skips estimation, so the failing transaction is really mined (and paid for).
    with ape.reverts(m.hedger.RebalanceNotDue):
        m.hedger.rebalance(sender=keeper, gas=1_000_000, max_fee=20 * GWEI, max_priority_fee=0)
    assert m.chain.blocks.head.base_fee == 10 * GWEI
    assert keeper.balance < before_eth
    assert m.quote.balanceOf(keeper) == before_quote
    assert m.quote_held() == vault_quote


# --- Chainlink Automation -------------------------------------------------------------------------------


def upkeep(m):
    needed, data = m.hedger.checkUpkeep(b"")
    return needed, decode(["uint8"], bytes(data))[0]


def test_check_upkeep__agrees_with_status__not_due_due_cooldown(market, keeper):
    m = market
    for setup in ("nothing written", "calls written", "just rebalanced"):
        if setup == "calls written":
            m.write(m.call_id, 20 * WAD)
        if setup == "just rebalanced":
            m.hedger.rebalance(sender=keeper)
            m.write(m.call_id, 20 * WAD)
        status = m.status()
        needed, rule = upkeep(m)
        assert (needed, rule) == (status.due, status.rule), setup
    assert status.rule == Rule.THRESHOLD and not status.due  # cooldown


@pytest.mark.parametrize(
    "perform_data", [b"", b"\x00" * 32, bytes.fromhex("04") * 200], ids=["empty", "rule-none", "garbage"]
)
def test_perform_upkeep__not_due__reverts_whatever_the_data(market, keeper, perform_data):
    m = market
    with ape.reverts(m.hedger.RebalanceNotDue):
        m.hedger.performUpkeep(perform_data, sender=keeper)


@pytest.mark.parametrize("perform_data", [b"", b"\x04" + b"\xff" * 63], ids=["empty", "claims-cost-rule"])
def test_perform_upkeep__due__rebalances_ignoring_the_data(market, keeper, perform_data):
    m = market
    m.write(m.call_id, 20 * WAD)
    needed, rule = upkeep(m)
    assert needed and rule == Rule.THRESHOLD
    event = rebalanced(m.hedger.performUpkeep(perform_data, sender=keeper), m.hedger)
    assert event.rule == Rule.THRESHOLD and event.caller == keeper.address
    assert abs(m.deviation()) < WAD // 10
    assert upkeep(m) == (False, Rule.NONE)


# --- policy ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "attacker", "keeper"])
def test_set_policy__not_vault_owner__reverts(market, who, request):
    m = market
    caller = request.getfixturevalue(who)
    policy = HedgePolicy.for_quote_decimals(6).with_(band=WAD)
    with ape.reverts(m.hedger.NotVaultOwner, caller=caller.address):
        m.hedger.setPolicy(policy.as_tuple(), sender=caller)


def _b32(name: str) -> bytes:
    return name.encode().ljust(32, b"\0")


@pytest.mark.parametrize(
    "field, parameter, value, low, high",
    [
        ("rules", "rules", 0, 1, 15),
        ("band", "band", 10**12 - 1, 10**12, 10**27),
        ("min_band", "minBand", WAD, 10**12, WAD // 2),
        ("max_slippage_bps", "maxSlippageBps", 501, 1, 500),
        ("max_pool_deviation_bps", "maxPoolDeviationBps", 0, 1, 500),
        ("loss_window", "lossWindow", 3599, 3600, 30 * 86400),
        ("bounty_multiplier_bps", "bountyMultiplierBps", 30_001, 0, 30_000),
        ("ewma_alpha", "ewmaAlpha", 6 * 10**17, 10**16, 5 * 10**17),
        ("max_interval", "maxInterval", 59, 60, 30 * 86400),
    ],
)
def test_set_policy__out_of_bounds__reverts(market, owner, field, parameter, value, low, high):
    m = market
    policy = HedgePolicy.for_quote_decimals(6).with_(**{field: value})
    with ape.reverts(m.hedger.PolicyOutOfBounds, parameter=_b32(parameter), value=value, min=low, max=high):
        m.hedger.setPolicy(policy.as_tuple(), sender=owner)


def test_set_policy__owner__stored_and_event_emitted(market, owner):
    m = market
    policy = HedgePolicy.for_quote_decimals(6).with_(band=WAD, trade_to_edge=True, target=-2 * WAD)
    tx = m.hedger.setPolicy(policy.as_tuple(), sender=owner)
    events = tx.decode_logs(m.hedger.PolicySet)
    assert len(events) == 1
    assert tuple(events[0].policy) == policy.as_tuple()
    assert tuple(m.hedger.policy()) == policy.as_tuple()


def test_bounty__above_free_quote__capped_at_free_quote_rebalance_still_lands(
    market, keeper, depositor, attacker
):
    """A bounty larger than the free quote (a spike of the base fee, a small vault): it is capped at the free
    quote, so paying the keeper can never make a useful rebalance revert."""
    from deltavault.local import uniswap

    m = market
    m.vault.withdraw(m.vault.maxWithdraw(depositor), depositor, depositor, sender=depositor)
    leftover = m.vault.freeAssets()  # the exit fee stays in the vault
    assert leftover < 10_000 * USDC
    uniswap.fund(m.uni, m.base, attacker, WAD // 100)
    m.base.transfer(m.vault, WAD // 100, sender=attacker)
    m.set_policy(band=10**15, min_band=10**15, bounty_cap=10**6 * USDC)
    m.advance(120)
    before = m.quote.balanceOf(keeper)
    tx = rebalance_at_base_fee(m, keeper, 20_000 * GWEI)
    event = rebalanced(tx, m.hedger)
    assert event.amountIn == WAD // 100 and event.amountOut > 0
    # Uncapped: (gas + overhead) x 20,000 gwei at 2000 USDC/ETH, more than the free quote.
    uncapped = (tx.gas_used * 20_000 * GWEI) * 2000 // 10**12
    assert uncapped > leftover + event.amountOut
    assert event.bounty == leftover + event.amountOut
    assert m.quote.balanceOf(keeper) - before == event.bounty
    assert m.vault.freeAssets() == 0
    assert m.quote_held() >= m.vault.reservedAssets()


# --- the state a rebalance decides from ----------------------------------------------------------------------


def test_hedge_state__one_read__equals_the_vault_views(market, keeper):
    """hedgeState() is the vault's own spot, portfolio delta (base included) and gamma, base and free quote."""
    m = market
    m.write(m.call_id, 20 * WAD)
    m.write(m.put_id, 5 * WAD)
    m.hedger.rebalance(sender=keeper)  # the vault now holds base
    m.move(2100)
    h = m.vault.hedgeState()
    delta, gamma, _ = m.vault.portfolioGreeks()
    assert m.base_held() > 0 and gamma != 0
    assert h.spot == m.vault.spotPrice() == 2100 * WAD
    assert (h.delta, h.gamma) == (delta, gamma)
    assert h.baseHeld == m.base_held() * 10 ** (18 - m.base.decimals())
    assert h.freeAssets == m.vault.freeAssets()


def test_volatility_estimator__seeded_with_the_price_at_deployment(market, owner):
    """The hedger records the oracle price when it is deployed, so its first observation measures a return."""
    from ape import project

    m = market
    m.move(2345)
    policy = HedgePolicy.for_quote_decimals(m.quote.decimals())
    hedger = owner.deploy(project.DeltaHedger, m.vault, m.hedger.adapter(), policy.as_tuple())
    assert hedger.lastObservedPrice() == 2345 * WAD
    assert hedger.lastObservation() == m.chain.blocks.head.timestamp  # the deployment's block
    assert tuple(hedger.policy()) == policy.as_tuple()


def test_pay_keeper__not_the_hedger__reverts(market, attacker):
    with ape.reverts(market.vault.OnlyHedger, caller=attacker.address):
        market.vault.payKeeper(attacker, 1, sender=attacker)


def test_bounty_overhead__keeper_mirror_equals_the_hedger_constant(market):
    from deltavault import keeper

    assert market.hedger.BOUNTY_GAS_OVERHEAD() == OVERHEAD == keeper.BOUNTY_GAS_OVERHEAD
