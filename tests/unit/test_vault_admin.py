"""Administration: roles, policy and oracle bounds, implied volatility, series listing, pause."""

import pytest

from deltavault.roles import Role
from tests.utils.vault import (
    DAY,
    HOUR,
    WAD,
    ZERO_ADDRESS,
    buy,
    default_policy,
    deploy_reverts,
    erc4626_redeem,
    list_series,
    option_redeem,
    oracle_config,
    reverts,
)


def b32(name: str) -> bytes:
    return name.encode().ljust(32, b"\0")


@pytest.fixture(scope="module")
def env(create_vault, depositor, manager):
    env = create_vault()
    env.deposit(depositor, 1_000_000 * env.q)
    return env


# ---------------------------------------------------------------- roles


def test_roles__granted_at_deployment(env, owner, manager, guardian):
    vault = env.vault
    assert vault.hasRole(Role.OWNER.value, owner)
    assert vault.hasRole(Role.MANAGER.value, manager)
    assert vault.hasRole(Role.GUARDIAN.value, guardian)
    assert not vault.hasRole(Role.MANAGER.value, owner)


def test_roles__manager_functions__reject_others(env, attacker, owner, chain):
    vault = env.vault
    expiry = chain.pending_timestamp + DAY
    for account in (attacker, owner):
        with reverts(
            vault.AccessControlUnauthorizedAccount, account=account.address, neededRole=Role.MANAGER.value
        ):
            vault.listSeries(2000 * WAD, 500 * WAD, expiry, True, sender=account)
        with reverts(
            vault.AccessControlUnauthorizedAccount, account=account.address, neededRole=Role.MANAGER.value
        ):
            vault.setImpliedVol(WAD, sender=account)


def test_roles__owner_functions__reject_others(env, attacker, manager):
    vault = env.vault
    for account in (attacker, manager):
        with reverts(
            vault.AccessControlUnauthorizedAccount, account=account.address, neededRole=Role.OWNER.value
        ):
            vault.setPolicy(default_policy(), sender=account)
        with reverts(
            vault.AccessControlUnauthorizedAccount, account=account.address, neededRole=Role.OWNER.value
        ):
            vault.setOracleConfig(oracle_config(env.feed), sender=account)
        with reverts(
            vault.AccessControlUnauthorizedAccount, account=account.address, neededRole=Role.OWNER.value
        ):
            vault.grantRole(Role.MANAGER.value, account, sender=account)


def test_roles__guardian_functions__reject_others(env, attacker, owner):
    vault = env.vault
    for account in (attacker, owner):
        with reverts(
            vault.AccessControlUnauthorizedAccount, account=account.address, neededRole=Role.GUARDIAN.value
        ):
            vault.pause(sender=account)
        with reverts(
            vault.AccessControlUnauthorizedAccount, account=account.address, neededRole=Role.GUARDIAN.value
        ):
            vault.unpause(sender=account)


def test_roles__owner_grants_manager__new_manager_lists(env, owner, keeper, chain):
    env.vault.grantRole(Role.MANAGER.value, keeper, sender=owner)
    env.vault.listSeries(2000 * WAD, 500 * WAD, chain.pending_timestamp + DAY, True, sender=keeper)
    assert env.vault.seriesCount() == 1


@pytest.mark.parametrize("which", ["owner", "manager", "guardian"])
def test_constructor__zero_role_address__reverts(
    project, owner, manager, guardian, create_token, create_feed, greeks_engine, which
):
    def extension(quote, base):
        return owner.deploy(project.DeltaVaultExtension, quote, base, greeks_engine)

    roles = {"owner": owner.address, "manager": manager.address, "guardian": guardian.address}
    roles[which] = ZERO_ADDRESS
    quote, base, feed = create_token(), create_token("W", "W", 18), create_feed()
    deploy_reverts(
        project.DeltaVault.ZeroAddress, project.DeltaVault, quote, base, extension(quote, base), "v", "v",
        oracle_config(feed), default_policy(), WAD, roles["owner"], roles["manager"], roles["guardian"], _from=owner,
    )  # fmt: skip


@pytest.mark.parametrize("quote_decimals,base_decimals,name", [(5, 18, "quoteDecimals"), (19, 18, "quoteDecimals"),
                                                                (6, 19, "baseDecimals")])  # fmt: skip
def test_constructor__token_decimals_out_of_bounds__reverts(
    project,
    owner,
    manager,
    guardian,
    create_token,
    create_feed,
    greeks_engine,
    quote_decimals,
    base_decimals,
    name,
):
    quote, base, feed = (
        create_token("Q", "Q", quote_decimals),
        create_token("B", "B", base_decimals),
        create_feed(),
    )
    # The extension of a valid quote: the vault's own decimals check is what refuses the deployment.
    ext_quote = quote if 6 <= quote_decimals <= 18 else create_token()
    extension = owner.deploy(project.DeltaVaultExtension, ext_quote, base, greeks_engine)
    deploy_reverts(
        project.DeltaVault.ParameterOutOfBounds, project.DeltaVault, quote, base, extension, "v", "v",
        oracle_config(feed), default_policy(), WAD, owner, manager, guardian, _from=owner, parameter=b32(name),
    )  # fmt: skip


def test_constructor__extension_of_another_quote__reverts(
    project, owner, manager, guardian, create_token, create_feed, greeks_engine
):
    quote, base, feed = create_token(), create_token("W", "W", 18), create_feed()
    other = owner.deploy(project.DeltaVaultExtension, create_token(), base, greeks_engine)
    deploy_reverts(
        project.DeltaVault.ExtensionMismatch, project.DeltaVault, quote, base, other, "v", "v",
        oracle_config(feed), default_policy(), WAD, owner, manager, guardian, _from=owner, extension=other.address,
    )  # fmt: skip


# ---------------------------------------------------------------- policy and oracle bounds


@pytest.mark.parametrize(
    "field,value,lo,hi",
    [
        ("entryFeeBps", 4, 5, 200),
        ("entryFeeBps", 201, 5, 200),
        ("exitFeeBps", 4, 5, 200),
        ("exitFeeBps", 201, 5, 200),
        ("baseSpreadBps", 2_001, 0, 2_000),
        ("exposureSpreadBps", 2_001, 0, 2_000),
        ("minPremiumBps", 0, 1, 1_000),
        ("minPremiumBps", 1_001, 1, 1_000),
        ("gammaLimit", 0, 1, 2**128 - 1),
        ("vegaLimit", 0, 1, 2**128 - 1),
    ],
)
def test_set_policy__field_out_of_bounds__reverts(env, owner, field, value, lo, hi):
    with reverts(env.vault.ParameterOutOfBounds, parameter=b32(field), value=value, min=lo, max=hi):
        env.vault.setPolicy(default_policy(**{field: value}), sender=owner)


def test_set_policy__bounds_inclusive__accepted_and_emitted(env, owner):
    policy = default_policy(entryFeeBps=5, exitFeeBps=200, baseSpreadBps=2_000, exposureSpreadBps=0,
                            minPremiumBps=1_000, gammaLimit=1, vegaLimit=2**128 - 1)  # fmt: skip
    tx = env.vault.setPolicy(policy, sender=owner)
    assert tuple(env.vault.policy()) == policy
    assert len(tx.decode_logs(env.vault.PolicySet)) == 1


@pytest.mark.parametrize(
    "kwargs,field,value,lo,hi",
    [
        ({"max_age": 59}, "priceMaxAge", 59, 60, 2 * DAY),
        ({"max_age": 2 * DAY + 1}, "priceMaxAge", 2 * DAY + 1, 60, 2 * DAY),
        ({"vol_max_age": 59, "vol_feed": "feed"}, "volMaxAge", 59, 60, 2 * DAY),
        ({"vol_max_age": 2 * DAY + 1, "vol_feed": "feed"}, "volMaxAge", 2 * DAY + 1, 60, 2 * DAY),
        ({"grace": DAY + 1, "sequencer": "feed"}, "sequencerGracePeriod", DAY + 1, 0, DAY),
    ],
)
def test_set_oracle_config__out_of_bounds__reverts(env, owner, kwargs, field, value, lo, hi):
    kwargs = {k: (env.feed if v == "feed" else v) for k, v in kwargs.items()}
    with reverts(env.vault.ParameterOutOfBounds, parameter=b32(field), value=value, min=lo, max=hi):
        env.vault.setOracleConfig(oracle_config(env.feed, **kwargs), sender=owner)


def test_set_oracle_config__zero_price_feed__reverts(env, owner):
    with reverts(env.vault.ZeroAddress):
        env.vault.setOracleConfig(oracle_config(ZERO_ADDRESS), sender=owner)


def test_set_oracle_config__longer_max_age__accepts_older_answer(env, owner, chain):
    updated_at = env.feed.latestRoundData().updatedAt
    env.vault.setOracleConfig(oracle_config(env.feed, max_age=2 * DAY), sender=owner)
    assert env.vault.oracleConfig().priceMaxAge == 2 * DAY
    chain.mine(timestamp=updated_at + DAY)
    assert env.vault.spotPrice() == 2000 * WAD


# ---------------------------------------------------------------- implied volatility


@pytest.mark.parametrize("start,target", [(0.1, 0.05), (4.95, 5.0), (0.8, 0.85)])
def test_set_vol__within_bounds_and_step_after_delay__sets_and_emits(
    create_vault, manager, chain, start, target
):
    vault = create_vault(vol=start).vault
    chain.pending_timestamp += HOUR
    tx = vault.setImpliedVol(int(target * WAD), sender=manager)
    assert vault.impliedVol() == int(target * WAD)
    assert [log.vol for log in tx.decode_logs(vault.ImpliedVolSet)] == [int(target * WAD)]


@pytest.mark.parametrize("vol", [int(0.05 * WAD) - 1, 5 * WAD + 1, 0])
def test_set_vol__out_of_bounds__reverts(env, manager, chain, vol):
    chain.pending_timestamp += HOUR
    with reverts(env.vault.VolatilityOutOfBounds, vol=vol, min=int(0.05 * WAD), max=5 * WAD):
        env.vault.setImpliedVol(vol, sender=manager)


def test_set_vol__before_delay__reverts(env, manager, chain):
    vault = env.vault
    chain.pending_timestamp += HOUR
    last = vault.setImpliedVol(int(0.85 * WAD), sender=manager).timestamp
    chain.pending_timestamp = last + HOUR - 1
    with reverts(vault.VolatilityUpdateTooSoon, lastUpdate=last, nextAllowed=last + HOUR):
        vault.setImpliedVol(int(0.9 * WAD), sender=manager)
    chain.pending_timestamp = last + HOUR
    vault.setImpliedVol(int(0.9 * WAD), sender=manager)
    assert vault.impliedVol() == int(0.9 * WAD)


@pytest.mark.parametrize("vol", [int(0.04 * WAD), 6 * WAD])
def test_constructor__initial_vol_out_of_bounds__reverts(
    project, owner, manager, guardian, create_token, create_feed, greeks_engine, vol
):
    def extension(quote, base):
        return owner.deploy(project.DeltaVaultExtension, quote, base, greeks_engine)

    quote, base, feed = create_token(), create_token("W", "W", 18), create_feed()
    deploy_reverts(
        project.DeltaVault.VolatilityOutOfBounds, project.DeltaVault, quote, base, extension(quote, base), "v", "v",
        oracle_config(feed), default_policy(), vol, owner, manager, guardian, _from=owner, vol=vol,
    )  # fmt: skip


# ---------------------------------------------------------------- series listing


@pytest.mark.parametrize(
    "strike,cap,offset,is_call",
    [
        (10**15 - 1, 0, DAY, False),
        (10**27 + 1, 0, DAY, False),
        (2000 * WAD, 0, DAY, True),  # a call needs a cap
        (2000 * WAD, 10**27 + 1, DAY, True),
        (2000 * WAD, 1, DAY, False),  # a put has no cap
        (2000 * WAD, 500 * WAD, HOUR - 1, True),
        (2000 * WAD, 500 * WAD, 730 * DAY + 1, True),
        (2000 * WAD + 10**10, 0, DAY, False),  # strikes are whole multiples of STRIKE_UNIT (1e11)
        (2000 * WAD, 500 * WAD + 1, DAY, True),  # so are caps
    ],
    ids=[
        "strike-low",
        "strike-high",
        "call-no-cap",
        "cap-high",
        "put-cap",
        "expiry-soon",
        "expiry-far",
        "strike-unit",
        "cap-unit",
    ],  # fmt: skip
)
def test_list_series__invalid__reverts(env, manager, chain, strike, cap, offset, is_call):
    now = chain.pending_timestamp + 10
    chain.pending_timestamp = now  # mined at an exact time: "expiry-far" is one second beyond the bound
    expiry = now + offset
    with reverts(env.vault.InvalidSeries, strike=strike, cap=cap, expiry=expiry):
        env.vault.listSeries(strike, cap, expiry, is_call, sender=manager)


def test_list_series__bounds_inclusive__listed_with_event(env, manager, chain):
    vault = env.vault
    now = chain.pending_timestamp + 10
    chain.pending_timestamp = now  # mine at an exact time: the bounds are inclusive to the second
    expiry = now + HOUR
    tx = vault.listSeries(10**15, 10**27, expiry, True, sender=manager)
    [event] = tx.decode_logs(vault.SeriesListed)
    assert (event.seriesId, event.strike, event.cap, event.expiry, event.isCall) == (
        1,
        10**15,
        10**27,
        expiry,
        True,
    )
    now = chain.pending_timestamp + 10
    chain.pending_timestamp = now
    vault.listSeries(10**27, 0, now + 730 * DAY, False, sender=manager)
    assert list(vault.liveSeries()) == [1, 2]
    s = vault.series(2)
    assert (s.strike, s.cap, s.isCall, s.settled, s.outstanding) == (10**27, 0, False, False, 0)


def test_list_series__sixteen_live__seventeenth_reverts_until_one_settles(env, manager, owner, keeper, chain):
    vault = env.vault
    for i in range(16):
        list_series(env, manager, 1000 + 100 * i, 500, days=1 + i)
    assert len(vault.liveSeries()) == vault.MAX_LIVE_SERIES() == 16
    expiry = chain.pending_timestamp + 30 * DAY
    with reverts(vault.TooManyLiveSeries, max=16):
        vault.listSeries(2000 * WAD, 500 * WAD, expiry, True, sender=manager)
    # Settling the first series frees a slot.
    first_expiry = vault.series(1).expiry
    chain.pending_timestamp = first_expiry - 60
    env.set_price(2000, owner)
    chain.pending_timestamp = first_expiry + 60
    rid = env.feed.pushAnswer(2000 * 10**8, sender=owner).return_value
    vault.settle(1, rid, sender=keeper)
    assert 1 not in vault.liveSeries() and len(vault.liveSeries()) == 15
    sid = list_series(env, manager, 2000, 500, days=30)
    assert sid == 17 and sid in vault.liveSeries()


# ---------------------------------------------------------------- pause


@pytest.fixture(scope="module")
def paused(env, manager, trader, guardian, owner, chain):
    """A book with a call bought, then paused by the guardian."""
    call = list_series(env, manager, 2000, 500, days=2)
    buy(env, trader, call, 10 * WAD)
    env.vault.pause(sender=guardian)
    return env, call


def test_pause__buy_deposit_mint__revert(paused, trader, depositor):
    env, call = paused
    vault = env.vault
    assert vault.paused()
    assert vault.maxDeposit(depositor) == vault.maxMint(depositor) == 0
    env.fund(trader, 10_000 * env.q)
    with reverts(vault.EnforcedPause):
        vault.buyOption(call, WAD, 10**30, trader, sender=trader)
    with reverts(vault.EnforcedPause):
        vault.deposit(1_000 * env.q, trader, sender=trader)
    with reverts(vault.EnforcedPause):
        vault.mint(10**12, trader, sender=trader)


def test_pause__sell_withdraw_redeem__still_work(paused, trader, depositor):
    env, call = paused
    vault = env.vault
    assert vault.sellOption(call, WAD, 0, trader, sender=trader).return_value > 0
    assert vault.withdraw(1_000 * env.q, depositor, depositor, sender=depositor).return_value > 0
    shares = vault.balanceOf(depositor) // 10
    assert erc4626_redeem(vault)(shares, depositor, depositor, sender=depositor).return_value > 0


def test_pause__settle_and_option_redeem__still_work(paused, trader, owner, keeper, chain):
    env, call = paused
    vault = env.vault
    expiry = vault.series(call).expiry
    chain.pending_timestamp = expiry - 60
    env.set_price(2000, owner)
    chain.pending_timestamp = expiry + 60
    rid = env.feed.pushAnswer(2100 * 10**8, sender=owner).return_value
    vault.settle(call, rid, sender=keeper)
    before = env.quote.balanceOf(trader)
    assert option_redeem(vault)(call, 10 * WAD, trader, sender=trader).return_value == 1_000 * env.q
    assert env.quote.balanceOf(trader) - before == 1_000 * env.q


def test_unpause__buy_and_deposit__work_again(paused, guardian, trader):
    env, call = paused
    env.vault.unpause(sender=guardian)
    assert not env.vault.paused()
    assert buy(env, trader, call, WAD) > 0
    assert env.deposit(trader, 1_000 * env.q).return_value > 0
