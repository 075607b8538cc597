"""Option trading: quotes, premiums, spreads, minimum premium, slippage bounds, revert paths, gamma and vega
limits, re-entrancy from an ERC-1155 receiver."""

import pytest

from tests.utils.vault import (
    WAD,
    buy,
    call_reverts,
    default_policy,
    list_series,
    reverts,
    same_time,
    series_greeks,
)

BPS = 10_000


@pytest.fixture(scope="module")
def book(create_vault, depositor, manager):
    """1M quote deposited; a 30-day 2000/2500 call spread (id 1) and a 30-day 1800 put (id 2) listed."""
    env = create_vault()
    env.deposit(depositor, 1_000_000 * env.q)
    call = list_series(env, manager, 2000, 500, days=30)
    put = list_series(env, manager, 1800, 0, is_call=False, days=30)
    return env, call, put


def fair_premium(env, sid, amount):
    """Black-Scholes value (mpmath) of `amount` options of `sid` now, quote units (float)."""
    return fair_and_mark(env, sid, amount)[0]


def fair_and_mark(env, sid, amount):
    """Black-Scholes value (mpmath) of `amount` options of `sid` now, and their mark against one routine update
    (|delta| dS + |gamma| dS^2 / 2 + |vega| x volMarkBand, dS = spot x priceMarkBps), quote units (floats)."""
    from ape import chain

    s = env.vault.series(sid)
    tau = s.expiry - chain.blocks.head.timestamp
    spot = env.vault.spotPrice()
    value, delta, gamma, vega = series_greeks(s.strike, s.cap, s.isCall, spot, env.vault.impliedVol(), tau)
    policy = env.vault.policy()
    ds = spot / WAD * policy.priceMarkBps / 10_000
    mark = abs(delta) * ds + abs(gamma) * ds * ds / 2 + abs(vega) * policy.volMarkBand / WAD
    scale = amount / WAD * env.q
    return float(value) * scale, float(mark) * scale


# ---------------------------------------------------------------- quotes and premiums


@pytest.mark.parametrize("which", ["call", "put"])
def test_buy__quote__equals_premium_charged_and_mints_options(book, trader, depositor, which):
    env, call, put = book
    vault, sid = env.vault, call if which == "call" else put
    amount = 3 * WAD
    env.fund(trader, 10_000 * env.q)
    same_time()
    quoted = vault.quoteBuy(sid, amount)
    tx = vault.buyOption(sid, amount, quoted, depositor, sender=trader)
    assert tx.return_value == quoted
    assert env.quote.balanceOf(trader) == 10_000 * env.q - quoted
    assert env.option_token.balanceOf(depositor, sid) == amount  # minted to the receiver
    assert vault.series(sid).outstanding == amount
    max_payoff = 500 if which == "call" else 1800
    assert vault.reservedAssets() == amount * max_payoff * env.q // WAD
    [event] = tx.decode_logs(vault.OptionBought)
    assert (event.seriesId, event.buyer, event.receiver) == (sid, trader, depositor)
    assert (event.amount, event.premium, event.spot, event.vol) == (
        amount,
        quoted,
        2000 * WAD,
        int(0.8 * WAD),
    )


@pytest.mark.parametrize("which", ["call", "put"])
def test_sell__quote__equals_premium_paid_and_burns_options(book, trader, attacker, which):
    env, call, put = book
    vault, sid = env.vault, call if which == "call" else put
    buy(env, trader, sid, 5 * WAD)
    before = env.quote.balanceOf(attacker)
    same_time()
    quoted = vault.quoteSell(sid, 2 * WAD)
    tx = vault.sellOption(sid, 2 * WAD, quoted, attacker, sender=trader)
    assert tx.return_value == quoted
    assert env.quote.balanceOf(attacker) - before == quoted  # paid to the receiver
    assert env.option_token.balanceOf(trader, sid) == 3 * WAD
    assert vault.series(sid).outstanding == 3 * WAD
    max_payoff = 500 if which == "call" else 1800
    assert vault.reservedAssets() == 3 * max_payoff * env.q
    [event] = tx.decode_logs(vault.OptionSold)
    assert (event.seriesId, event.seller, event.receiver, event.premium) == (sid, trader, attacker, quoted)


@pytest.mark.parametrize("which", ["call", "put"])
def test_spread__buy_above_fair_value_above_sell(book, which):
    env, call, put = book
    sid = call if which == "call" else put
    amount = 10 * WAD
    fair, mark = fair_and_mark(env, sid, amount)
    bought, sold = env.vault.quoteBuy(sid, amount), env.vault.quoteSell(sid, amount)
    assert bought > fair > sold
    # Marked against one update on the side against the trader; the base spread is 100 bps each side; on a flat
    # book either trade adds |vega| and pays the exposure spread, rounded up to 1 bp however small the use of a
    # 1e30 vega limit.
    assert bought == pytest.approx((fair + mark) * 1.0101, rel=1e-6)
    assert sold == pytest.approx((fair - mark) * 0.9899, rel=1e-6)


def test_spread__trade_reducing_exposure__pays_less_than_one_adding(create_vault, depositor, trader, manager):
    env = create_vault(policy=default_policy(vegaLimit=100_000 * WAD, exposureSpreadBps=1_000))
    env.deposit(depositor, 1_000_000 * env.q)
    sid = list_series(env, manager, 2000, 500, days=30)
    vault = env.vault
    fair_first = sum(fair_and_mark(env, sid, 10 * WAD))
    first = vault.quoteBuy(sid, 10 * WAD)
    buy(env, trader, sid, 300 * WAD)
    _, _, vega = vault.portfolioGreeks()
    assert vega < 0  # short options: the vault is short vega

    fair, mark = fair_and_mark(env, sid, 10 * WAD)
    buy_spread = vault.quoteBuy(sid, 10 * WAD) / (fair + mark) - 1
    sell_spread = 1 - vault.quoteSell(sid, 10 * WAD) / (fair - mark)
    # A sale back reduces |vega| and pays the base spread only; a buy adds and pays the exposure spread too.
    assert sell_spread == pytest.approx(0.01, abs=1e-6)
    # Exposure spread: 10% x the average use of the vega limit over the trade (300 -> 310 options), rounded up.
    use = -vega / (100_000 * WAD)
    assert buy_spread == pytest.approx(0.01 + 0.1 * use * (1 + 1 / 60), abs=1.2e-4)
    assert buy_spread > sell_spread + 0.005
    # Adding to an existing exposure costs more than the same trade on a flat book.
    assert buy_spread > first / fair_first - 1


@pytest.mark.parametrize(
    "strike,cap,is_call", [(10_000, 1_000, True), (50, 0, False)], ids=["deep-otm-call", "deep-otm-put"]
)
def test_buy__deep_otm__pays_minimum_premium(book, manager, trader, strike, cap, is_call):
    env, _, _ = book
    sid = list_series(env, manager, strike, cap, is_call=is_call, days=7)
    amount = 7 * WAD + 3
    assert fair_premium(env, sid, amount) < 1e-6 * env.q
    max_payoff = cap if is_call else strike
    # 10 bps of the maximum payoff per option, rounded up.
    floor = -(-max_payoff * WAD * 10 // BPS)
    expected = -(-amount * floor // (WAD * WAD // env.q))
    assert env.vault.quoteBuy(sid, amount) == expected
    assert buy(env, trader, sid, amount) == expected


def test_buy__deep_itm_call_spread__premium_capped_at_max_payoff(book, manager, trader):
    env, _, _ = book
    sid = list_series(env, manager, 100, 50, days=7)
    # Worth its full cap; the spread would take the premium above the maximum payoff, which it never exceeds.
    assert fair_premium(env, sid, WAD) == pytest.approx(50 * env.q, rel=1e-9)
    assert buy(env, trader, sid, 4 * WAD) == 200 * env.q
    assert env.vault.quoteSell(sid, WAD) < 50 * env.q


def test_buy__premium_above_max__reverts(book, trader):
    env, call, _ = book
    env.fund(trader, 10_000 * env.q)
    same_time()
    premium = env.vault.quoteBuy(call, WAD)
    with reverts(env.vault.PremiumAboveMax, premium=premium, maxPremium=premium - 1):
        env.vault.buyOption(call, WAD, premium - 1, trader, sender=trader)


def test_sell__premium_below_min__reverts(book, trader):
    env, call, _ = book
    buy(env, trader, call, WAD)
    same_time()
    premium = env.vault.quoteSell(call, WAD)
    with reverts(env.vault.PremiumBelowMin, premium=premium, minPremium=premium + 1):
        env.vault.sellOption(call, WAD, premium + 1, trader, sender=trader)


# ---------------------------------------------------------------- revert paths


@pytest.mark.parametrize("sid", [0, 3, 2**64])
def test_trade__unlisted_series__reverts(book, trader, sid):
    env, _, _ = book
    vault = env.vault
    with reverts(vault.SeriesNotListed, seriesId=sid):
        vault.buyOption(sid, WAD, 10**30, trader, sender=trader)
    with reverts(vault.SeriesNotListed, seriesId=sid):
        vault.sellOption(sid, WAD, 0, trader, sender=trader)
    with reverts(vault.SeriesNotListed, seriesId=sid):
        vault.settle(sid, 2**64 + 1, sender=trader)


def test_trade__expired_series__reverts(book, trader, owner, chain):
    env, call, _ = book
    vault = env.vault
    buy(env, trader, call, WAD)
    expiry = vault.series(call).expiry
    chain.pending_timestamp = expiry
    env.set_price(2100, owner)
    with reverts(vault.SeriesExpired, seriesId=call, expiry=expiry):
        vault.buyOption(call, WAD, 10**30, trader, sender=trader)
    with reverts(vault.SeriesExpired, seriesId=call, expiry=expiry):
        vault.sellOption(call, WAD, 0, trader, sender=trader)
    with reverts(vault.SeriesExpired):
        vault.quoteBuy(call, WAD)


def test_trade__amount_too_small__reverts(book, trader):
    env, call, _ = book
    with reverts(env.vault.AmountTooSmall, amount=10**12 - 1, min=10**12):
        env.vault.buyOption(call, 10**12 - 1, 10**30, trader, sender=trader)
    # The minimum itself trades.
    assert buy(env, trader, call, 10**12) > 0
    with reverts(env.vault.AmountTooSmall, amount=0):
        env.vault.sellOption(call, 0, 0, trader, sender=trader)


def test_buy__free_assets_cannot_cover_reserve__reverts(book, trader):
    env, _, put = book
    vault = env.vault
    # 1M free + the premium cannot cover 600 puts x 1800 = 1.08M.
    env.fund(trader, 1_000_000 * env.q)
    same_time()
    premium = vault.quoteBuy(put, 600 * WAD)
    with reverts(
        vault.InsufficientCollateral, required=1_080_000 * env.q, available=1_000_000 * env.q + premium
    ):
        vault.buyOption(put, 600 * WAD, premium, trader, sender=trader)
    # 500 puts (900k) fit.
    buy(env, trader, put, 500 * WAD)
    assert vault.reservedAssets() == 900_000 * env.q


def test_sell__more_than_outstanding__reverts(book, trader, attacker):
    env, call, put = book
    buy(env, trader, call, 2 * WAD)
    with reverts(env.vault.ExceedsOutstanding, amount=3 * WAD, outstanding=2 * WAD):
        env.vault.sellOption(call, 3 * WAD, 0, trader, sender=trader)
    with reverts(env.vault.ExceedsOutstanding, amount=WAD, outstanding=0):
        env.vault.sellOption(put, WAD, 0, trader, sender=trader)


def test_sell__options_not_held__reverts(book, trader, attacker):
    env, call, _ = book
    buy(env, trader, call, 2 * WAD)
    call_reverts(
        env.option_token.ERC1155InsufficientBalance,
        env.vault.sellOption,
        call,
        WAD,
        0,
        attacker,
        _from=attacker,
        sender=attacker.address,
        balance=0,
        needed=WAD,
    )


def test_trade__zero_receiver__reverts(book, trader):
    env, call, _ = book
    zero = "0x0000000000000000000000000000000000000000"
    with reverts(env.vault.ZeroAddress):
        env.vault.buyOption(call, WAD, 10**30, zero, sender=trader)
    with reverts(env.vault.ZeroAddress):
        env.vault.sellOption(call, WAD, 0, zero, sender=trader)


def test_option_token__mint_and_burn__only_vault(book, attacker):
    env, call, _ = book
    with reverts(env.option_token.OnlyVault, caller=attacker.address):
        env.option_token.mint(attacker, call, WAD, sender=attacker)
    with reverts(env.option_token.OnlyVault, caller=attacker.address):
        env.option_token.burn(attacker, call, 0, sender=attacker)


# ---------------------------------------------------------------- gamma and vega limits


@pytest.fixture(scope="module")
def limited(create_vault, depositor, trader, manager, owner):
    """A book short 100 ATM 7-day calls (cap 500), with limits set just above its gamma and vega."""
    env = create_vault()
    env.deposit(depositor, 1_000_000 * env.q)
    sid = list_series(env, manager, 2000, 500, days=7)
    buy(env, trader, sid, 100 * WAD)
    _, gamma, vega = env.vault.portfolioGreeks()
    return env, sid, -gamma, -vega


def _set_limits(env, owner, gamma_limit, vega_limit):
    env.vault.setPolicy(default_policy(gammaLimit=gamma_limit, vegaLimit=vega_limit), sender=owner)


def test_limits__gamma_beyond_limit__adding_reverts_reducing_passes(limited, trader, owner):
    env, sid, gamma, vega = limited
    _set_limits(env, owner, gamma * 105 // 100, 10**30)
    buy(env, trader, sid, 4 * WAD)  # +4% gamma: within the limit
    env.fund(trader, 10_000 * env.q)
    with reverts(env.vault.GammaLimitExceeded, limit=gamma * 105 // 100) as info:
        env.vault.buyOption(sid, 2 * WAD, 10**30, trader, sender=trader)
    assert -info.value.inputs["gammaAfter"] > gamma * 105 // 100
    # Above the limit (lowered below the book's gamma), a sale back that reduces gamma still passes.
    _set_limits(env, owner, gamma // 2, 10**30)
    assert env.vault.sellOption(sid, WAD, 0, trader, sender=trader).return_value > 0
    with reverts(env.vault.GammaLimitExceeded):
        env.vault.buyOption(sid, 10**12, 10**30, trader, sender=trader)


def test_limits__vega_beyond_limit__adding_reverts_reducing_passes(limited, trader, owner):
    env, sid, gamma, vega = limited
    _set_limits(env, owner, 10**30, vega * 105 // 100)
    buy(env, trader, sid, 4 * WAD)
    env.fund(trader, 10_000 * env.q)
    with reverts(env.vault.VegaLimitExceeded, limit=vega * 105 // 100) as info:
        env.vault.buyOption(sid, 2 * WAD, 10**30, trader, sender=trader)
    assert -info.value.inputs["vegaAfter"] > vega * 105 // 100
    _set_limits(env, owner, 10**30, vega // 2)
    assert env.vault.sellOption(sid, WAD, 0, trader, sender=trader).return_value > 0
    with reverts(env.vault.VegaLimitExceeded):
        env.vault.buyOption(sid, 10**12, 10**30, trader, sender=trader)


def test_limits__buy_of_another_series__adds_to_portfolio_gamma__reverts(limited, trader, owner, manager):
    """Every buy makes the vault shorter gamma, whatever the series: the limit applies to the portfolio."""
    env, sid, gamma, vega = limited
    put = list_series(env, manager, 2000, 0, is_call=False, days=7)
    _set_limits(env, owner, gamma * 101 // 100, 10**30)
    env.fund(trader, 100_000 * env.q)
    with reverts(env.vault.GammaLimitExceeded):
        env.vault.buyOption(put, 5 * WAD, 10**30, trader, sender=trader)


# ---------------------------------------------------------------- re-entrancy


@pytest.fixture(scope="module")
def receiver(book, project, owner, trader):
    env, call, _ = book
    contract = owner.deploy(project.ReentrantReceiver, env.vault)
    env.quote.mint(contract, 100_000 * env.q, sender=owner)
    contract.deposit(10_000 * env.q, sender=owner)
    buy(env, trader, call, 5 * WAD, receiver=contract)  # no attack set: the receiver accepts the mint
    return contract


@pytest.mark.parametrize("attack", [1, 2, 3, 4, 5], ids=["buy", "sell", "withdraw", "deposit", "redeem"])
def test_reentrancy__receiver_reenters_from_on_erc1155_received__reverts(book, receiver, trader, attack):
    env, call, _ = book
    assert env.option_token.balanceOf(receiver, call) == 5 * WAD
    assert receiver.received() == 1
    amount = {1: WAD, 2: WAD, 3: 100 * env.q, 4: 100 * env.q, 5: 10**12}[attack]
    receiver.setAttack(attack, call, amount, sender=trader)
    env.fund(trader, 10_000 * env.q)
    if attack == 1:
        with reverts(env.vault.ReentrancyGuardReentrantCall):
            env.vault.buyOption(call, WAD, 10**30, receiver, sender=trader)
    else:  # the same transaction, simulated (the nested revert is slow for Ape to decode from a trace)
        call_reverts(
            env.vault.ReentrancyGuardReentrantCall,
            env.vault.buyOption,
            call,
            WAD,
            10**30,
            receiver,
            _from=trader,
        )
    assert env.option_token.balanceOf(receiver, call) == 5 * WAD
    assert env.vault.series(call).outstanding == 5 * WAD


def test_reentrancy__same_calls_outside_the_hook__succeed(book, receiver, trader):
    """Control: the receiver's own calls work when not re-entrant, so the revert above is the guard's."""
    env, call, _ = book
    vault = env.vault
    shares = vault.balanceOf(receiver)
    assert shares > 0
    receiver.setAttack(0, call, 0, sender=trader)
    buy(env, trader, call, WAD, receiver=receiver)
    assert env.option_token.balanceOf(receiver, call) == 6 * WAD
    assert receiver.received() == 2
