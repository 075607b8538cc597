"""Solvency and valuation: settlement and redemption at extreme prices (with and without the hedge), reserves,
NAV against a Black-Scholes reference, portfolio greeks."""

import pytest
from mpmath import mpf

from tests.utils.vault import (
    DAY,
    HOUR,
    WAD,
    buy,
    call_reverts,
    erc4626_redeem,
    list_series,
    option_redeem,
    reverts,
    series_greeks,
)


def settle_at(env, owner, keeper, series_ids, price, chain):
    """Pushes a round before and one after the (common) expiry, at `price`, and settles every series."""
    expiry = env.vault.series(series_ids[0]).expiry
    chain.pending_timestamp = expiry - 60
    env.set_price(2000, owner)
    chain.pending_timestamp = expiry + 60
    rid = env.feed.pushAnswer(int(price * 10**8), sender=owner).return_value
    for sid in series_ids:
        env.vault.settle(sid, rid, sender=keeper)
    return rid


# ---------------------------------------------------------------- settlement life cycle


@pytest.fixture(scope="module")
def book(create_vault, depositor, manager, trader, attacker, keeper):
    """1M deposited; calls (2000/+1000, 2500/+20000) and puts (1800, 2200), 7 days, held by three accounts."""
    env = create_vault()
    env.deposit(depositor, 1_000_000 * env.q)
    ids = [
        list_series(env, manager, 2000, 1000, days=7),
        list_series(env, manager, 2500, 20000, days=7),
        list_series(env, manager, 1800, 0, is_call=False, days=7),
        list_series(env, manager, 2200, 0, is_call=False, days=7),
    ]
    holders = [trader, attacker, keeper]
    amounts = {}
    for i, sid in enumerate(ids):
        for j, holder in enumerate(holders):
            amount = (j + 1) * WAD + 10**15 * (i + 1) + 7  # odd amounts: rounding matters
            if sid == ids[1]:
                amount //= 3  # the wide call spread reserves 20000 each
            buy(env, holder, sid, amount)
            amounts[(sid, holder.address)] = amount
    return env, ids, holders, amounts


def test_settle__before_expiry__reverts(book, keeper):
    env, ids, _, _ = book
    expiry = env.vault.series(ids[0]).expiry
    with reverts(env.vault.SeriesNotExpired, seriesId=ids[0], expiry=expiry):
        env.vault.settle(ids[0], 2**64 + 1, sender=keeper)


def test_settle__twice__reverts_and_redeem_before__reverts(book, owner, keeper, trader, chain):
    env, ids, _, _ = book
    with reverts(env.vault.SeriesNotSettled, seriesId=ids[0]):
        option_redeem(env.vault)(ids[0], WAD, trader, sender=trader)
    rid = settle_at(env, owner, keeper, ids[:1], 2500, chain)
    with reverts(env.vault.SeriesAlreadySettled, seriesId=ids[0]):
        env.vault.settle(ids[0], rid, sender=keeper)
    # Expired but not settled: still cannot redeem.
    with reverts(env.vault.SeriesNotSettled, seriesId=ids[2]):
        option_redeem(env.vault)(ids[2], WAD, trader, sender=trader)


def _payoff(series, price):
    strike, cap = series.strike, series.cap
    if series.isCall:
        return min(max(price - strike, 0), cap)
    return max(strike - price, 0)


@pytest.mark.parametrize("hedge", [False, True], ids=["no-hedge", "with-hedge"])
@pytest.mark.parametrize("price", [20_000, 20, 2_000], ids=["10x", "minus-99pct", "unchanged"])
def test_settle_and_redeem__extreme_prices__every_holder_paid_then_depositors_withdraw(
    book, owner, keeper, depositor, chain, price, hedge
):
    env, ids, holders, amounts = book
    vault = env.vault
    if hedge:
        env.base.mint(vault, 200 * env.b, sender=owner)  # the spot hedge: never counted towards the reserve
    reserved_before = vault.reservedAssets()
    assert env.quote.balanceOf(vault) >= reserved_before
    settle_at(env, owner, keeper, ids, price, chain)

    scale = 10**36 // env.q
    owed = 0
    for sid in ids:
        s = vault.series(sid)
        assert s.payoffPerOption == _payoff(s, price * WAD)
        owed += -(-s.outstanding * s.payoffPerOption // scale)
    assert vault.reservedAssets() == owed <= reserved_before
    assert vault.liveSeries() == []

    for sid in ids:
        payoff = vault.series(sid).payoffPerOption
        for holder in holders:
            amount = amounts[(sid, holder.address)]
            before = env.quote.balanceOf(holder)
            payout = option_redeem(vault)(sid, amount, holder, sender=holder).return_value
            assert payout == amount * payoff // scale  # rounded down
            assert env.quote.balanceOf(holder) - before == payout
            assert env.option_token.balanceOf(holder, sid) == 0
        assert vault.series(sid).outstanding == 0
    # Only rounding dust, in the vault's favour, can stay reserved: here every ceil was released exactly.
    assert vault.reservedAssets() == 0

    # With the hedge, base held at a 99% lower price changed nothing above. Depositors withdraw every free unit.
    free = vault.freeAssets()
    assert free == env.quote.balanceOf(vault)
    shares = vault.balanceOf(depositor)
    if not hedge:
        assert vault.maxRedeem(depositor) == shares
        erc4626_redeem(vault)(shares, depositor, depositor, sender=depositor)
        assert vault.totalSupply() == 0
        # What is left is the exit fee and rounding dust, < 1%.
        assert env.quote.balanceOf(vault) < free // 100
    else:
        # The base is not quote: withdrawals are limited to the free quote, all of which can be taken.
        max_assets = vault.maxWithdraw(depositor)
        assert max_assets == min(vault.previewRedeem(shares), free)
        vault.withdraw(max_assets, depositor, depositor, sender=depositor)
        assert env.base.balanceOf(vault) == 200 * env.b


def test_redeem__partial_amounts__sum_never_exceeds_one_shot(book, owner, keeper, trader, chain):
    env, ids, _, amounts = book
    settle_at(env, owner, keeper, ids, 2345.67, chain)
    sid = ids[0]
    amount = amounts[(sid, trader.address)]
    payoff = env.vault.series(sid).payoffPerOption
    scale = 10**36 // env.q
    total = 0
    pieces = [1, 10**12 + 1, amount // 3, amount // 3]
    pieces.append(amount - sum(pieces))
    for piece in pieces:
        total += option_redeem(env.vault)(sid, piece, trader, sender=trader).return_value
    assert total <= amount * payoff // scale
    # The reserve released covers every payout: the quote balance still covers what is owed.
    assert env.quote.balanceOf(env.vault) >= env.vault.reservedAssets()


def test_redeem__more_than_held__reverts(book, owner, keeper, trader, chain):
    env, ids, _, amounts = book
    settle_at(env, owner, keeper, ids, 2500, chain)
    held = amounts[(ids[0], trader.address)]
    call_reverts(
        env.option_token.ERC1155InsufficientBalance,
        option_redeem(env.vault),
        ids[0],
        held + 1,
        trader,
        _from=trader,
        balance=held,
        needed=held + 1,
    )


def test_withdraw__more_than_free_assets__reverts(book, depositor):
    env, _, _, _ = book
    vault = env.vault
    free = vault.freeAssets()
    assert 0 < free < vault.totalAssets()
    assert vault.maxWithdraw(depositor) == free
    with reverts(vault.ERC4626ExceededMaxWithdraw, assets=free + 1, max=free):
        vault.withdraw(free + 1, depositor, depositor, sender=depositor)
    vault.withdraw(free, depositor, depositor, sender=depositor)
    assert env.quote.balanceOf(vault) == vault.reservedAssets()


def test_reserve__base_held__never_counts(book, owner):
    env, _, _, _ = book
    vault = env.vault
    reserved, free, nav = vault.reservedAssets(), vault.freeAssets(), vault.totalAssets()
    env.base.mint(vault, 1_000 * env.b, sender=owner)
    assert vault.reservedAssets() == reserved
    assert vault.freeAssets() == free
    assert vault.totalAssets() > nav  # but the NAV counts it


# ---------------------------------------------------------------- NAV against the reference


def reference_liability(env, chain, spot, vol):
    """Python/mpmath value of every live short position, quote units."""
    now = chain.blocks.head.timestamp
    total = mpf(0)
    for sid in env.vault.liveSeries():
        s = env.vault.series(sid)
        value = series_greeks(s.strike, s.cap, s.isCall, spot, vol, max(s.expiry - now, 0))[0]
        total += mpf(s.outstanding) / WAD * value
    return total * env.q


def reference_nav(env, chain):
    vault = env.vault
    spot, vol = vault.spotPrice(), vault.impliedVol()
    base = mpf(env.base.balanceOf(vault)) / env.b * spot / WAD * env.q
    liability = reference_liability(env, chain, spot, vol)
    return env.quote.balanceOf(vault) + base - liability - vault.reservedAssets() + _reserved_live(env)


def _reserved_live(env):
    scale = 10**36 // env.q
    total = 0
    for sid in env.vault.liveSeries():
        s = env.vault.series(sid)
        total += -(-s.outstanding * (s.cap if s.isCall else s.strike) // scale)
    return total


@pytest.fixture(scope="module")
def short_calls(create_vault, depositor, manager, trader):
    env = create_vault()
    env.deposit(depositor, 1_000_000 * env.q)
    sid = list_series(env, manager, 2100, 400, days=20)
    buy(env, trader, sid, 500 * WAD)
    return env, sid


@pytest.mark.parametrize("price", [1500, 2000, 2100, 2500, 3000])
def test_nav__short_calls__matches_reference(short_calls, owner, chain, price):
    env, _ = short_calls
    env.set_price(price, owner)
    nav = env.vault.totalAssets()
    assert float(abs(nav - reference_nav(env, chain))) <= 2 + 1e-9 * nav


def test_nav__price_rise__falls_by_the_options_value_change(short_calls, owner, chain):
    env, _ = short_calls
    vault = env.vault
    nav0 = vault.totalAssets()
    liability0 = reference_liability(env, chain, vault.spotPrice(), vault.impliedVol())
    env.set_price(2200, owner)
    nav1 = vault.totalAssets()
    liability1 = reference_liability(env, chain, vault.spotPrice(), vault.impliedVol())
    assert nav1 < nav0
    assert float(abs((nav0 - nav1) - (liability1 - liability0))) <= 3


def test_nav__base_held__adds_base_times_price(short_calls, owner):
    env, _ = short_calls
    vault = env.vault
    chain = __import__("ape").chain
    nav0, ref0 = vault.totalAssets(), reference_nav(env, chain)
    env.base.mint(vault, 12_345 * env.b // 1000, sender=owner)  # 12.345 base
    nav1, ref1 = vault.totalAssets(), reference_nav(env, chain)
    base_value = 12_345 * 2000 * env.q // 1000
    # The mint lands in a later block, so the options decay meanwhile; the reference carries the same decay.
    decay = ref1 - ref0 - base_value
    assert float(nav1 - nav0 - decay) == pytest.approx(base_value, abs=3)
    env.set_price(1000, owner)
    # Half the price, same base: the base part halves (the options' part moves too, so compare with the ref).
    assert vault.totalAssets() == pytest.approx(
        float(reference_nav(env, chain=__import__("ape").chain)), abs=3
    )


def test_nav__vol_increase__lowers_nav_as_reference(short_calls, manager, owner, chain):
    env, _ = short_calls
    vault = env.vault
    nav0 = vault.totalAssets()
    chain.pending_timestamp += HOUR
    vault.setImpliedVol(int(0.85 * WAD), sender=manager)
    env.set_price(2000, owner)
    nav1 = vault.totalAssets()
    assert nav1 < nav0
    assert float(abs(nav1 - reference_nav(env, chain))) <= 3


def test_nav__settled_unredeemed_payouts__deducted(short_calls, owner, keeper, chain, trader):
    env, sid = short_calls
    vault = env.vault
    settle_at(env, owner, keeper, [sid], 2300, chain)
    owed = 500 * 200 * env.q
    assert vault.reservedAssets() == owed
    nav = vault.totalAssets()
    assert nav == env.quote.balanceOf(vault) - owed
    # Redeeming moves quote out and the debt down by the same amount: NAV unchanged.
    option_redeem(vault)(sid, 500 * WAD, trader, sender=trader)
    assert vault.totalAssets() == nav


# ---------------------------------------------------------------- portfolio greeks


@pytest.fixture(scope="module")
def mixed(create_vault, depositor, manager, trader, owner):
    """Calls and puts at several strikes and expiries, plus base held."""
    env = create_vault()
    env.deposit(depositor, 5_000_000 * env.q)
    specs = [
        (2000, 500, True, 30, 50),
        (2400, 1000, True, 90, 30),
        (1600, 0, False, 30, 40),
        (2000, 0, False, 7, 25),
        (3000, 200, True, 1, 100),
        (1000, 0, False, 180, 10),
    ]
    for strike, cap, is_call, days, amount in specs:
        sid = list_series(env, manager, strike, cap, is_call=is_call, days=days)
        buy(env, trader, sid, amount * WAD + 12345)
    env.base.mint(env.vault, 7 * env.b, sender=owner)
    return env


def reference_greeks(env, chain):
    vault = env.vault
    spot, vol, now = vault.spotPrice(), vault.impliedVol(), chain.blocks.head.timestamp
    delta = gamma = vega = mpf(0)
    for sid in vault.liveSeries():
        s = vault.series(sid)
        _, d, g, v = series_greeks(s.strike, s.cap, s.isCall, spot, vol, s.expiry - now)
        n = mpf(s.outstanding)
        delta -= n * d
        gamma -= n * g
        vega -= n * v
    delta += mpf(env.base.balanceOf(vault)) * WAD / env.b
    return delta, gamma, vega


@pytest.mark.parametrize("price", [2000, 1700, 2600])
def test_greeks__portfolio__equals_sum_of_short_series_plus_base(mixed, owner, chain, price):
    env = mixed
    env.set_price(price, owner)
    delta, gamma, vega = env.vault.portfolioGreeks()
    ref_delta, ref_gamma, ref_vega = reference_greeks(env, chain)
    assert float(abs(delta - ref_delta)) <= 1e-9 * float(abs(ref_delta))
    assert float(abs(gamma - ref_gamma)) <= 1e-9 * float(abs(ref_gamma))
    assert float(abs(vega - ref_vega)) <= 1e-9 * float(abs(ref_vega))
    if price == 2000:
        assert gamma < 0 and vega < 0  # short options near the money


def test_greeks__after_settlement__settled_series_drop_out(mixed, owner, keeper, chain):
    env = mixed
    vault = env.vault
    short = [
        sid for sid in vault.liveSeries() if vault.series(sid).expiry < chain.pending_timestamp + 2 * DAY
    ]
    assert len(short) == 1
    settle_at(env, owner, keeper, short, 2000, chain)
    env.set_price(2000, owner)
    delta, gamma, vega = vault.portfolioGreeks()
    ref_delta, ref_gamma, ref_vega = reference_greeks(env, chain)
    assert len(vault.liveSeries()) == 5
    assert float(abs(delta - ref_delta)) <= 1e-9 * float(abs(ref_delta))
    assert float(abs(vega - ref_vega)) <= 1e-9 * float(abs(ref_vega))
