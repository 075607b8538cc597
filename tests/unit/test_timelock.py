"""PolicyTimelock: loosening changes wait for the delay, tightening ones apply at once, the guardian cancels."""

from dataclasses import fields

import pytest

from deltavault.deploy import deploy_vault_system
from deltavault.local import uniswap
from deltavault.policy import HedgePolicy, OracleConfig, VaultPolicy
from deltavault.roles import Role
from tests.utils.vault import DAY, deploy_reverts, reverts

DELAY = 2 * DAY
GRACE_PERIOD = 14 * DAY


def b32(name: str) -> bytes:
    return name.encode().ljust(32, b"\0")


@pytest.fixture(scope="module")
def system(owner, manager, guardian, create_feed):
    """A vault system on a real Uniswap V3 pool, with the owner role handed to a timelock (2-day delay)."""
    stack = uniswap.deploy_local_stack(owner, base_decimals=18, base_is_token0=True)
    feed = create_feed(2000)
    return deploy_vault_system(
        owner,
        quote=stack.quote,
        base=stack.base,
        price_feed=feed,
        pool=stack.pool.contract,
        manager=manager,
        guardian=guardian,
    )


@pytest.fixture(scope="module")
def vault(system):
    return system.vault


@pytest.fixture(scope="module")
def hedger(system):
    return system.hedger


@pytest.fixture(scope="module")
def timelock(project, system, owner, guardian):
    timelock = owner.deploy(project.PolicyTimelock, system.vault, owner, guardian, DELAY)
    system.vault.grantRole(Role.OWNER.value, timelock, sender=owner)
    system.vault.renounceRole(Role.OWNER.value, owner, sender=owner)
    return timelock


def vault_policy(**changes) -> tuple:
    return VaultPolicy(**changes).as_tuple()


def hedge_policy(**changes) -> tuple:
    return HedgePolicy.for_quote_decimals(6).with_(**changes).as_tuple()


def event(tx, name):
    [log] = [log for log in tx.events if log.event_name == name]
    return log


def queued_id(tx) -> bytes:
    return event(tx, "ChangeQueued").id


# ---------------------------------------------------------------- deployment


@pytest.mark.parametrize("delay", [DAY - 1, 7 * DAY + 1])
def test_constructor__delay_outside_1_to_7_days__reverts(project, owner, guardian, vault, delay):
    deploy_reverts(
        project.PolicyTimelock.DelayOutOfBounds, project.PolicyTimelock, vault, owner, guardian, delay,
        _from=owner, delay=delay, min=DAY, max=7 * DAY,
    )  # fmt: skip


def test_constructor__zero_guardian__reverts(project, owner, vault):
    deploy_reverts(
        project.PolicyTimelock.ZeroAddress, project.PolicyTimelock, vault, owner, "0x" + "00" * 20, DELAY,
        _from=owner,
    )  # fmt: skip


def test_timelock__holds_the_owner_role__old_owner_cannot_bypass(timelock, vault, hedger, owner):
    assert vault.hasRole(Role.OWNER.value, timelock)
    assert not vault.hasRole(Role.OWNER.value, owner)
    with reverts(vault.AccessControlUnauthorizedAccount, account=owner.address, neededRole=Role.OWNER.value):
        vault.setPolicy(vault_policy(entry_fee_bps=200), sender=owner)
    with reverts(hedger.NotVaultOwner, caller=owner.address):
        hedger.setPolicy(hedge_policy(max_slippage_bps=500), sender=owner)


# ---------------------------------------------------------------- tightening applies at once


def test_vault_policy__tightening_only__applies_at_once(timelock, vault, owner):
    tighter = vault_policy(entry_fee_bps=40, min_premium_bps=20, base_spread_bps=150, gamma_limit=10**29)
    tx = timelock.proposeVaultPolicy(tighter, sender=owner)
    assert tx.return_value.applied
    assert event(tx, "ChangeApplied").immediate
    assert tuple(vault.policy()) == tighter
    assert timelock.pendingIds() == []


def test_hedger_policy__lower_slippage_and_bounty__applies_at_once(timelock, hedger, owner):
    tighter = hedge_policy(
        max_slippage_bps=50, bounty_cap=10 * 10**6, hedge_cap=10 * 10**18, min_interval=600
    )
    tx = timelock.proposeHedgerPolicy(hedger, tighter, sender=owner)
    assert tx.return_value.applied
    assert tuple(hedger.policy()) == tighter


def test_oracle_config__shorter_max_age__applies_at_once(timelock, vault, owner):
    config = OracleConfig(price_feed=vault.oracleConfig().priceFeed, price_max_age=1800).as_tuple()
    tx = timelock.proposeOracleConfig(config, sender=owner)
    assert tx.return_value.applied
    assert vault.oracleConfig().priceMaxAge == 1800


# ---------------------------------------------------------------- loosening waits for the delay


def test_vault_policy__higher_fee__queued_and_cannot_apply_early(timelock, vault, owner, chain):
    before = tuple(vault.policy())
    looser = vault_policy(entry_fee_bps=60)
    tx = timelock.proposeVaultPolicy(looser, sender=owner)
    assert not tx.return_value.applied
    queued = event(tx, "ChangeQueued")
    ready_at = chain.blocks.head.timestamp + DELAY
    assert queued.field == b32("entryFeeBps")
    assert queued.readyAt == ready_at
    assert tuple(vault.policy()) == before
    assert timelock.pendingIds() == [queued.id]

    chain.pending_timestamp = ready_at - 1
    with reverts(timelock.ChangeNotReady, id=queued.id, readyAt=ready_at):
        timelock.execute(queued.id, sender=owner)
    assert tuple(vault.policy()) == before

    chain.pending_timestamp = ready_at
    tx = timelock.execute(queued.id, sender=owner)
    assert not event(tx, "ChangeApplied").immediate
    assert tuple(vault.policy()) == looser
    assert timelock.pendingIds() == []


def test_vault_policy__one_field_looser__queued_with_that_field(timelock, owner):
    # Tighter entry fee and minimum premium, but a lower price band: the change as a whole waits.
    tx = timelock.proposeVaultPolicy(
        vault_policy(entry_fee_bps=40, min_premium_bps=20, price_mark_bps=10), sender=owner
    )
    assert not tx.return_value.applied
    assert event(tx, "ChangeQueued").field == b32("priceMarkBps")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"max_slippage_bps": 200}, "maxSlippageBps"),
        ({"max_pool_deviation_bps": 200}, "maxPoolDeviationBps"),
        ({"loss_budget_bps": 500}, "lossBudgetBps"),
        ({"bounty_cap": 50 * 10**6}, "bountyCap"),
        ({"bounty_multiplier_bps": 20_000}, "bountyMultiplierBps"),
        ({"hedge_cap": 100 * 10**18}, "hedgeCap"),
        ({"min_interval": 30}, "minInterval"),
        ({"loss_window": 3600}, "lossWindow"),
        ({"band": 10**18}, "band"),
    ],
)
def test_hedger_policy__loosening_field__queued(timelock, hedger, owner, change, field):
    before = tuple(hedger.policy())
    tx = timelock.proposeHedgerPolicy(hedger, hedge_policy(**change), sender=owner)
    assert not tx.return_value.applied
    assert event(tx, "ChangeQueued").field == b32(field)
    assert tuple(hedger.policy()) == before


def test_hedger_policy__higher_slippage__applies_after_delay(timelock, hedger, owner, chain):
    looser = hedge_policy(max_slippage_bps=200)
    change_id = queued_id(timelock.proposeHedgerPolicy(hedger, looser, sender=owner))
    chain.pending_timestamp += DELAY
    timelock.execute(change_id, sender=owner)
    assert tuple(hedger.policy()) == looser


def test_oracle_config__new_feed__queued(timelock, vault, owner, create_feed):
    other = create_feed(2000)
    config = OracleConfig(price_feed=other.address).as_tuple()
    tx = timelock.proposeOracleConfig(config, sender=owner)
    assert not tx.return_value.applied
    assert event(tx, "ChangeQueued").field == b32("priceFeed")
    assert vault.oracleConfig().priceFeed != other.address


def test_hedger__new_hedger__always_queued(timelock, vault, owner, chain, accounts):
    new_hedger = accounts[8]
    tx = timelock.proposeHedger(new_hedger, sender=owner)
    change_id = queued_id(tx)
    assert event(tx, "ChangeQueued").field == b32("hedger")
    assert vault.hedger() != new_hedger.address
    chain.pending_timestamp += DELAY
    timelock.execute(change_id, sender=owner)
    assert vault.hedger() == new_hedger.address


def test_role__grant__queued_then_applied(timelock, vault, owner, chain, accounts):
    account = accounts[8]
    change_id = queued_id(timelock.proposeRole(Role.MANAGER.value, account, True, sender=owner))
    assert not vault.hasRole(Role.MANAGER.value, account)
    chain.pending_timestamp += DELAY
    timelock.execute(change_id, sender=owner)
    assert vault.hasRole(Role.MANAGER.value, account)


def test_execute__after_grace_period__reverts(timelock, vault, owner, chain):
    tx = timelock.proposeVaultPolicy(vault_policy(exit_fee_bps=100), sender=owner)
    change_id = queued_id(tx)
    ready_at = event(tx, "ChangeQueued").readyAt
    chain.pending_timestamp = ready_at + GRACE_PERIOD + 1
    with reverts(timelock.ChangeExpired, id=change_id, expiredAt=ready_at + GRACE_PERIOD):
        timelock.execute(change_id, sender=owner)


# ---------------------------------------------------------------- cancellation


def test_cancel__by_guardian__change_can_never_apply(timelock, vault, owner, guardian, chain):
    before = tuple(vault.policy())
    change_id = queued_id(timelock.proposeVaultPolicy(vault_policy(exit_fee_bps=100), sender=owner))
    tx = timelock.cancel(change_id, sender=guardian)
    assert event(tx, "ChangeCancelled").by == guardian.address
    assert timelock.pendingIds() == []
    chain.pending_timestamp += DELAY
    with reverts(timelock.ChangeNotQueued, id=change_id):
        timelock.execute(change_id, sender=owner)
    assert tuple(vault.policy()) == before


def test_cancel__one_of_several__others_stay_pending(timelock, hedger, owner, guardian):
    first = queued_id(timelock.proposeVaultPolicy(vault_policy(exit_fee_bps=100), sender=owner))
    second = queued_id(
        timelock.proposeHedgerPolicy(hedger, hedge_policy(bounty_cap=50 * 10**6), sender=owner)
    )
    third = queued_id(timelock.proposeHedger(hedger, sender=owner))
    timelock.cancel(first, sender=guardian)
    assert sorted(timelock.pendingIds()) == sorted([second, third])


# ---------------------------------------------------------------- unauthorized callers


def test_propose__not_admin__reverts(timelock, hedger, attacker, guardian):
    with reverts(timelock.NotAdmin, caller=attacker.address):
        timelock.proposeVaultPolicy(vault_policy(entry_fee_bps=40), sender=attacker)
    with reverts(timelock.NotAdmin, caller=guardian.address):
        timelock.proposeHedgerPolicy(hedger, hedge_policy(max_slippage_bps=50), sender=guardian)
    with reverts(timelock.NotAdmin, caller=attacker.address):
        timelock.proposeHedger(attacker, sender=attacker)
    with reverts(timelock.NotAdmin, caller=attacker.address):
        timelock.proposeRole(Role.OWNER.value, attacker, True, sender=attacker)


def test_cancel__not_guardian__reverts(timelock, owner, attacker):
    change_id = queued_id(timelock.proposeVaultPolicy(vault_policy(exit_fee_bps=100), sender=owner))
    with reverts(timelock.NotGuardian, caller=attacker.address):
        timelock.cancel(change_id, sender=attacker)


def test_execute__unknown_id__reverts(timelock, attacker):
    with reverts(timelock.ChangeNotQueued, id=b"\x01" * 32):
        timelock.execute(b"\x01" * 32, sender=attacker)


# ---------------------------------------------------------------- the rule tables follow the structs


def test_rules__one_per_field_in_struct_order(timelock):
    for rules, mirror in (
        (timelock.vaultPolicyRules(), VaultPolicy),
        (timelock.oracleConfigRules(), OracleConfig),
        (timelock.hedgerPolicyRules(), HedgePolicy),
    ):
        names = [rule.name.rstrip(b"\0").decode() for rule in rules]
        expected = [
            f.name.split("_")[0] + "".join(w.title() for w in f.name.split("_")[1:]) for f in fields(mirror)
        ]
        assert names == expected


def test_loosens__views_name_the_first_loosened_field(timelock):
    base = vault_policy()
    assert timelock.vaultPolicyLoosens(base, base) == b"\0" * 32
    assert timelock.vaultPolicyLoosens(base, vault_policy(exit_fee_bps=51)) == b32("exitFeeBps")
    assert timelock.vaultPolicyLoosens(base, vault_policy(exit_fee_bps=49)) == b"\0" * 32
    assert timelock.vaultPolicyLoosens(base, vault_policy(vol_mark_band=4 * 10**16)) == b32("volMarkBand")
    hedge = hedge_policy()
    assert timelock.hedgerPolicyLoosens(hedge, hedge_policy(target=-(10**18))) == b32("target")
    assert timelock.hedgerPolicyLoosens(hedge, hedge_policy(loss_budget_bps=100)) == b"\0" * 32
