"""The vault's extension: listing, settlement, option redemption and configuration run in it through delegatecall,
in the vault's state; called directly, it refuses every entry point."""

import pytest

from tests.utils.vault import DAY, WAD, default_policy, list_series, oracle_config, reverts


@pytest.fixture(scope="module")
def env(create_vault):
    return create_vault()


@pytest.fixture(scope="module")
def extension(env, project):
    return project.DeltaVaultExtension.at(env.vault.extension())


def test_extension__created_with_the_vault__has_code(env, chain):
    address = env.vault.extension()
    assert len(chain.provider.get_code(address)) > 0
    assert address not in (env.vault.address, env.vault.requestQueue(), env.vault.optionToken())


def test_extension__listing_through_the_vault__lands_in_the_vault_state_and_logs(env, manager, chain):
    before = env.vault.seriesCount()
    receipt = env.vault.listSeries(
        2000 * WAD, 500 * WAD, chain.pending_timestamp + 30 * DAY, True, sender=manager
    )
    assert env.vault.seriesCount() == before + 1
    logs = list(receipt.decode_logs(env.vault.SeriesListed))
    assert len(logs) == 1 and logs[0].contract_address == env.vault.address
    assert env.vault.series(before + 1).strike == 2000 * WAD


def test_extension__called_directly__every_entry_point_reverts(
    env, extension, owner, manager, attacker, chain
):
    expiry = chain.pending_timestamp + 30 * DAY
    with reverts(extension.OnlyDelegateCall):
        extension.listSeries(2000 * WAD, 500 * WAD, expiry, True, sender=manager)
    with reverts(extension.OnlyDelegateCall):
        extension.setImpliedVol(WAD, sender=manager)
    with reverts(extension.OnlyDelegateCall):
        extension.setPolicy(default_policy(), sender=owner)
    with reverts(extension.OnlyDelegateCall):
        extension.setOracleConfig(oracle_config(env.feed), sender=owner)
    with reverts(extension.OnlyDelegateCall):
        extension.settle(1, 1, sender=attacker)
    with reverts(extension.OnlyDelegateCall):
        extension.redeemOption(1, WAD, attacker, sender=attacker)


def test_extension__manager_role_checked_in_the_vault_state(env, manager, attacker, chain):
    sid = list_series(env, manager, 2100, 500)
    assert env.vault.series(sid).expiry > chain.pending_timestamp
    with reverts(env.vault.AccessControlUnauthorizedAccount):
        env.vault.listSeries(2000 * WAD, 500 * WAD, chain.pending_timestamp + DAY, True, sender=attacker)
