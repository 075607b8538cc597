"""DeltaVault as an ERC-4626 vault: round trips, fees, rounding direction, share inflation, non-standard tokens,
and trading against a predictable mark (threat 11)."""

import ape
import pytest

from tests.utils.vault import (
    HOUR,
    WAD,
    buy,
    default_policy,
    erc4626_redeem,
    list_series,
    oracle_config,
    reverts,
    same_time,
)

BPS = 10_000
OFFSET = 10**6  # virtual shares per asset unit


def fee_on_total(assets, fee_bps):
    return -(-assets * fee_bps // (BPS + fee_bps))


def fee_on_raw(assets, fee_bps):
    return -(-assets * fee_bps // BPS)


@pytest.fixture(
    scope="module",
    params=[(6, 18), (18, 18), (6, 8), (18, 8)],
    ids=["quote6-base18", "quote18-base18", "quote6-base8", "quote18-base8"],
)
def decimals_env(request, create_vault):
    quote_decimals, base_decimals = request.param
    return create_vault(quote_decimals=quote_decimals, base_decimals=base_decimals)


# ---------------------------------------------------------------- round trips and fees


def test_deposit_redeem__round_trip__fees_charged_as_documented_and_kept(decimals_env, depositor):
    env, vault = decimals_env, decimals_env.vault
    assets = 10_000 * env.q
    env.fund(depositor, assets)
    preview = vault.previewDeposit(assets)
    shares = vault.deposit(assets, depositor, sender=depositor).return_value
    # The entry fee is taken out of the assets: shares = (assets - fee) x virtual offset on an empty vault.
    assert shares == preview == (assets - fee_on_total(assets, 50)) * OFFSET
    assert vault.balanceOf(depositor) == shares
    assert env.quote.balanceOf(vault) == vault.totalAssets() == assets

    # The entry fee stayed in the vault and belongs to the shareholders (here only the depositor); the exit
    # fee is taken out of the shares' value, rounded up.
    gross = vault.convertToAssets(shares)
    assert assets - fee_on_total(assets, 50) <= gross <= assets
    out = vault.previewRedeem(shares)
    assert out == gross - fee_on_total(gross, 50)
    erc4626_redeem(vault)(shares, depositor, depositor, sender=depositor)
    assert env.quote.balanceOf(depositor) == out
    assert env.quote.balanceOf(vault) == assets - out > 0
    assert vault.totalSupply() == 0


def test_mint_withdraw__round_trip__fees_charged_as_documented_and_kept(decimals_env, depositor):
    env, vault = decimals_env, decimals_env.vault
    shares = 5_000 * env.q * OFFSET
    env.fund(depositor, 10_000 * env.q)
    cost = vault.previewMint(shares)
    # The entry fee is added on top of the assets the shares are worth.
    assert cost == 5_000 * env.q + fee_on_raw(5_000 * env.q, 50)
    assert vault.mint(shares, depositor, sender=depositor).return_value == cost
    assert env.quote.balanceOf(depositor) == 10_000 * env.q - cost
    assert vault.balanceOf(depositor) == shares

    assets = vault.maxWithdraw(depositor)
    assert assets == vault.previewRedeem(shares)
    burn = vault.previewWithdraw(assets)
    assert burn <= shares
    assert vault.withdraw(assets, depositor, depositor, sender=depositor).return_value == burn
    assert env.quote.balanceOf(depositor) == 10_000 * env.q - cost + assets
    assert vault.balanceOf(depositor) == shares - burn
    # The exit fee (~50 bps of what is withdrawn) and the dust stay in the vault.
    assert assets < cost * (1 - 0.0049)
    assert env.quote.balanceOf(vault) == cost - assets


def test_round_trip__other_shareholders__both_fees_lost_to_them(env, depositor, trader):
    vault = env.vault
    env.deposit(depositor, 1_000_000 * env.q)
    assets = 10_000 * env.q
    shares = env.deposit(trader, assets).return_value
    erc4626_redeem(vault)(shares, trader, trader, sender=trader)
    back = env.quote.balanceOf(trader)
    # Entry and exit fees (50 bps each) go almost entirely to the other shareholder.
    assert assets * (1 - 0.0100) < back < assets * (1 - 0.0098)
    assert vault.totalAssets() == 1_000_000 * env.q + assets - back


def test_withdraw__exit_fee__burns_shares_for_assets_plus_fee(env, depositor, trader):
    vault = env.vault
    env.deposit(depositor, 100_000 * env.q)
    env.deposit(trader, 100_000 * env.q)
    before = vault.balanceOf(trader)
    assets = 1_000 * env.q
    total_assets, supply = vault.totalAssets(), vault.totalSupply()
    # shares = ceil((assets + ceil(fee)) x (supply + 1e6) / (totalAssets + 1)): rounded up, in the vault's favour.
    expected = -(-(assets + fee_on_raw(assets, 50)) * (supply + OFFSET) // (total_assets + 1))
    burnt = vault.withdraw(assets, trader, trader, sender=trader).return_value
    assert burnt == expected
    assert before - vault.balanceOf(trader) == burnt
    assert env.quote.balanceOf(trader) == assets


@pytest.mark.parametrize("entry,exit_", [(5, 5), (200, 200), (50, 5)])
def test_fees__other_policies__charged_as_set(create_vault, depositor, entry, exit_):
    env = create_vault(policy=default_policy(entryFeeBps=entry, exitFeeBps=exit_))
    vault = env.vault
    assets = 1_000_000 * env.q
    shares = env.deposit(depositor, assets).return_value
    assert shares == (assets - fee_on_total(assets, entry)) * OFFSET
    out = vault.previewRedeem(shares)
    gross = vault.convertToAssets(shares)
    assert out == gross - fee_on_total(gross, exit_)


# ---------------------------------------------------------------- rounding in the vault's favour


@pytest.fixture(scope="module")
def seasoned(create_vault, depositor, owner):
    """A vault with 1.23M quote deposited and an odd share price (a quote donation)."""
    env = create_vault()
    env.deposit(depositor, 1_234_567_891_011)
    env.quote.mint(env.vault, 777_777_777, sender=owner)
    return env


@pytest.mark.parametrize("amount", [1, 2, 3, 199, 201, 10**6 + 7, 123_456_789_013])
def test_rounding__deposit_then_redeem__never_returns_more(seasoned, trader, amount):
    env, vault = seasoned, seasoned.vault
    env.fund(trader, amount)
    shares = vault.deposit(amount, trader, sender=trader).return_value
    assert shares == vault.balanceOf(trader)
    # Shares are never worth more than the assets paid in.
    assert vault.convertToAssets(shares) <= amount
    erc4626_redeem(vault)(shares, trader, trader, sender=trader)
    assert env.quote.balanceOf(trader) < amount


@pytest.mark.parametrize("shares", [1, 10**6 - 1, 10**6, 10**6 + 1, 987_654_321_123_456])
def test_rounding__mint_then_withdraw__never_returns_more(seasoned, trader, shares):
    env, vault = seasoned, seasoned.vault
    env.fund(trader, 10**12)
    cost = vault.previewMint(shares)
    assert cost >= 1  # a share is never free
    vault.mint(shares, trader, sender=trader)
    assert env.quote.balanceOf(trader) == 10**12 - cost
    withdrawable = vault.maxWithdraw(trader)
    if withdrawable:
        vault.withdraw(withdrawable, trader, trader, sender=trader)
    assert env.quote.balanceOf(trader) - (10**12 - cost) < cost


def test_rounding__previews__match_actual_on_all_four_entry_points(seasoned, trader):
    env, vault = seasoned, seasoned.vault
    env.fund(trader, 10**12)
    assets, shares = 333_333_333, 777_777_777_777_777

    expected = vault.previewDeposit(assets)
    # previewDeposit rounds shares down: minting them back costs at most the assets.
    assert vault.previewMint(expected) <= assets
    assert vault.deposit(assets, trader, sender=trader).return_value == expected

    expected = vault.previewMint(shares)
    # previewMint rounds assets up: depositing them instead would give at least the shares.
    assert vault.previewDeposit(expected) >= shares
    assert vault.mint(shares, trader, sender=trader).return_value == expected

    expected = vault.previewWithdraw(assets)
    # Shares burnt for assets are at least the shares that would redeem those assets.
    assert vault.previewRedeem(expected) >= assets
    assert vault.withdraw(assets, trader, trader, sender=trader).return_value == expected

    shares = vault.balanceOf(trader) // 2
    expected = vault.previewRedeem(shares)
    assert vault.previewWithdraw(expected) <= shares
    assert erc4626_redeem(vault)(shares, trader, trader, sender=trader).return_value == expected


def test_rounding__tiny_deposit__mints_nothing_and_keeps_the_unit(seasoned, trader):
    env, vault = seasoned, seasoned.vault
    env.fund(trader, 1)
    # One unit pays a one-unit fee (rounded up): no shares, the unit stays in the vault.
    assert vault.previewDeposit(1) == 0
    assert vault.deposit(1, trader, sender=trader).return_value == 0
    assert vault.balanceOf(trader) == 0


def test_rounding__many_small_redemptions__return_no_more_than_one(seasoned, trader):
    env, vault = seasoned, seasoned.vault
    env.fund(trader, 10 * env.q)
    shares = vault.deposit(10 * env.q, trader, sender=trader).return_value
    one_shot = vault.previewRedeem(shares)
    redeem = erc4626_redeem(vault)
    piece = shares // 5
    for _ in range(4):
        redeem(piece, trader, trader, sender=trader)
    redeem(vault.balanceOf(trader), trader, trader, sender=trader)
    assert env.quote.balanceOf(trader) <= one_shot + 1


# ---------------------------------------------------------------- first-depositor inflation attack


@pytest.mark.parametrize("dust,donation", [(2, 10_000), (10, 10_000), (10, 1_000_000), (1_000, 100_000)])
def test_inflation_attack__dust_deposit_and_donation__attacker_loses(
    env, attacker, depositor, dust, donation
):
    vault, q = env.vault, env.q
    spent = dust + donation * q
    env.fund(attacker, spent)
    vault.deposit(dust, attacker, sender=attacker)
    env.quote.transfer(vault, donation * q, sender=attacker)

    victim_assets = 20_000 * q
    env.fund(depositor, victim_assets)
    victim_shares = vault.deposit(victim_assets, depositor, sender=depositor).return_value
    assert victim_shares > 0

    redeem = erc4626_redeem(vault)
    if vault.balanceOf(attacker):
        redeem(vault.balanceOf(attacker), attacker, attacker, sender=attacker)
    # The virtual shares take a part of the donation: the attacker ends with less than they spent.
    assert env.quote.balanceOf(attacker) < spent

    redeem(victim_shares, depositor, depositor, sender=depositor)
    # The victim loses at most the two fees (50 bps each) and a negligible rounding amount.
    assert env.quote.balanceOf(depositor) >= victim_assets * (1 - 0.0100) - 10


# ---------------------------------------------------------------- non-standard quote tokens


@pytest.fixture(scope="module")
def fot_env(project, owner, manager, guardian, create_token, create_feed, greeks_engine):
    from tests.utils.vault import VaultEnv

    quote = owner.deploy(project.FeeOnTransferERC20, "Fee USD", "FUSD", 6, 10)
    base = create_token("Wrapped Ether", "WETH", 18)
    feed = create_feed(2000)
    vault = owner.deploy(
        project.DeltaVault,
        quote,
        base,
        owner.deploy(project.DeltaVaultExtension, quote, base, greeks_engine),
        "DeltaVault FUSD/WETH",
        "dvFUSD",
        oracle_config(feed),
        default_policy(),
        int(0.8 * WAD),
        owner,
        manager,
        guardian,
    )
    return VaultEnv(vault, quote, base, feed, project.OptionToken.at(vault.optionToken()))


def test_fee_on_transfer__deposit__reverts(fot_env, depositor):
    env = fot_env
    env.fund(depositor, 1_000 * env.q)
    with reverts(env.vault.TransferAmountMismatch, expected=1_000 * env.q, received=999 * env.q):
        env.vault.deposit(1_000 * env.q, depositor, sender=depositor)
    with reverts(env.vault.TransferAmountMismatch):
        env.vault.mint(10**12, depositor, sender=depositor)


def test_fee_on_transfer__buy_option__reverts(fot_env, owner, manager, trader):
    env = fot_env
    env.quote.mint(env.vault, 1_000_000 * env.q, sender=owner)  # collateral without a transfer fee
    sid = list_series(env, manager, 2000, 500)
    premium = env.vault.quoteBuy(sid, WAD)
    env.fund(trader, 2 * premium)
    same_time()
    premium = env.vault.quoteBuy(sid, WAD)
    with reverts(env.vault.TransferAmountMismatch, expected=premium, received=premium - premium // 1000):
        env.vault.buyOption(sid, WAD, premium, trader, sender=trader)


# ---------------------------------------------------------------- trading against a predictable mark (threat 11)


def _round_trip_profit(env, attacker, assets, move):
    """Attacker deposits `assets`, `move()` happens (the predictable update), attacker redeems everything."""
    vault = env.vault
    env.fund(attacker, assets)
    start = env.quote.balanceOf(attacker)
    shares = vault.deposit(assets, attacker, sender=attacker).return_value
    move()
    erc4626_redeem(vault)(shares, attacker, attacker, sender=attacker)
    return env.quote.balanceOf(attacker) - start


@pytest.mark.parametrize("entry,exit_", [(50, 50), (50, 5)])
def test_predictable_mark__price_rise_at_fee__base_heavy_vault__no_profit(
    create_vault, owner, depositor, attacker, entry, exit_
):
    env = create_vault(policy=default_policy(entryFeeBps=entry, exitFeeBps=exit_))
    env.deposit(depositor, 1_000 * env.q)
    env.base.mint(env.vault, 1_000 * env.b, sender=owner)  # the hedge: NAV is ~99.95% base
    move = entry / BPS  # the feed's deviation threshold equals the entry fee

    profit = _round_trip_profit(
        env, attacker, 100_000 * env.q, lambda: env.set_price(2000 * (1 + move), owner)
    )
    assert profit < 0


@pytest.fixture(scope="module")
def short_call_book(create_vault, owner, manager, depositor, trader):
    """1M deposited; traders bought 30-day 2000/2200 call spreads reserving 40% of the assets."""
    env = create_vault()
    env.deposit(depositor, 1_000_000 * env.q)
    sid = list_series(env, manager, 2000, 200, days=30)
    buy(env, trader, sid, 2_000 * WAD)
    return env, sid


def test_predictable_mark__short_calls_price_fall_at_fee__no_profit(short_call_book, owner, attacker):
    env, _ = short_call_book
    delta, _, _ = env.vault.portfolioGreeks()
    assert delta < 0  # net short: NAV rises when the price falls
    profit = _round_trip_profit(
        env, attacker, 500_000 * env.q, lambda: env.set_price(2000 * (1 - 0.005), owner)
    )
    assert profit < 0


def test_predictable_mark__short_calls_stale_vol_drop__no_profit(
    short_call_book, manager, owner, attacker, chain
):
    env, _ = short_call_book
    chain.pending_timestamp += HOUR

    def vol_drop():
        env.vault.setImpliedVol(int(0.78 * WAD), sender=manager)
        env.set_price(2000, owner)

    env.set_price(2000, owner)
    profit = _round_trip_profit(env, attacker, 500_000 * env.q, vol_drop)
    assert profit < 0


def test_predictable_mark__levered_short_calls_price_fall_at_fee__no_profit(
    create_vault, owner, manager, depositor, trader, attacker
):
    env = create_vault()
    env.deposit(depositor, 1_000_000 * env.q)
    sid = list_series(env, manager, 2000, 200, days=2)
    buy(env, trader, sid, 4_000 * WAD)
    profit = _round_trip_profit(
        env, attacker, 500_000 * env.q, lambda: env.set_price(2000 * (1 - 0.005), owner)
    )
    assert profit < 0


def test_predictable_mark__short_calls_vol_drop_of_full_mark_band__no_profit(
    short_call_book, manager, owner, attacker, chain
):
    env, _ = short_call_book
    chain.pending_timestamp += HOUR
    step = env.vault.policy().volMarkBand

    def vol_drop():
        env.vault.setImpliedVol(int(0.8 * WAD) - step, sender=manager)
        env.set_price(2000, owner)

    env.set_price(2000, owner)
    profit = _round_trip_profit(env, attacker, 500_000 * env.q, vol_drop)
    assert profit < 0


def test_set_implied_vol__step_beyond_mark_band__reverts(short_call_book, manager, owner, chain):
    env, _ = short_call_book
    chain.pending_timestamp += HOUR
    env.set_price(2000, owner)
    step = env.vault.policy().volMarkBand
    with ape.reverts(
        env.vault.VolatilityStepTooLarge,
        current=int(0.8 * WAD),
        requested=int(0.8 * WAD) - step - 1,
        maxStep=step,
    ):
        env.vault.setImpliedVol(int(0.8 * WAD) - step - 1, sender=manager)
    assert env.vault.impliedVol() == int(0.8 * WAD)


def test_max_redeem__last_shareholder__can_redeem_every_share(env, depositor):
    """Regression: maxRedeem used convertToShares(freeAssets), which is below the supply even when the vault
    is all free, so the last shareholder could never redeem their last shares."""
    vault = env.vault
    shares = env.deposit(depositor, 10_000 * env.q).return_value
    assert vault.maxRedeem(depositor) == shares
    erc4626_redeem(vault)(shares, depositor, depositor, sender=depositor)
    assert vault.totalSupply() == 0
