"""The vault's side of the swap payment protocol: during `hedge` the adapter draws the input through
`swapPayment`; at any other time, from anyone else, in another token or beyond `amountIn`, the call reverts and
nothing moves. The venue is `MaliciousSwapAdapter` (contracts/test), honest or attacking, with the hedger role
held by an account so that each test chooses the hedge's arguments."""

import pytest

from tests.utils.vault import WAD, reverts

(
    NONE,
    OVER_BUDGET,
    SECOND_PAYMENT,
    WRONG_TOKEN,
    FROM_ACCOMPLICE,
    REENTER_HEDGE,
    REENTER_WITHDRAW,
    PAY_TO_ATTACKER,
) = range(8)
AMOUNT_IN = 10_000 * 10**6  # 10,000 USDC
PAYOUT = 5 * WAD  # base the honest venue pays for it


@pytest.fixture(scope="module")
def setup(create_vault, owner, keeper, depositor, project):
    """1M USDC deposited, 100 base held; `keeper` is the hedger; the adapter holds 100 base and 1M USDC to pay
    its outputs. Deployed once for the module: Ape reverts each test to it."""
    env = create_vault()
    env.deposit(depositor, 1_000_000 * env.q)
    env.base.mint(env.vault, 100 * env.b, sender=owner)
    adapter = owner.deploy(project.MaliciousSwapAdapter, env.vault, env.base, env.quote)
    env.base.mint(adapter, 100 * env.b, sender=owner)
    env.quote.mint(adapter, 1_000_000 * env.q, sender=owner)
    env.vault.setHedger(keeper, sender=owner)
    return env, adapter


def balances(env, *accounts):
    return [(env.quote.balanceOf(a), env.base.balanceOf(a)) for a in accounts]


def test_hedge__honest_adapter__draws_amount_in_during_the_swap(setup, keeper):
    env, adapter = setup
    adapter.setAttack(NONE, PAYOUT, keeper, sender=keeper)
    ((quote_before, base_before),) = balances(env, env.vault)
    tx = env.vault.hedge(adapter, True, AMOUNT_IN, PAYOUT, sender=keeper)
    assert tx.return_value == PAYOUT
    assert balances(env, env.vault) == [(quote_before - AMOUNT_IN, base_before + PAYOUT)]
    event = tx.decode_logs(env.vault.Hedged)[0]
    assert (event.adapter, event.buyBase, event.amountIn, event.amountOut) == (
        adapter.address,
        True,
        AMOUNT_IN,
        PAYOUT,
    )


def test_hedge__sell_base__draws_base(setup, keeper):
    env, adapter = setup
    adapter.setAttack(NONE, 9_000 * env.q, keeper, sender=keeper)
    ((quote_before, base_before),) = balances(env, env.vault)
    env.vault.hedge(adapter, False, 5 * env.b, 9_000 * env.q, sender=keeper)
    assert balances(env, env.vault) == [(quote_before + 9_000 * env.q, base_before - 5 * env.b)]


@pytest.mark.parametrize("buy_base", [True, False], ids=["buy-base", "sell-base"])
def test_swap_payment__beyond_amount_in__reverts(setup, keeper, buy_base):
    env, adapter = setup
    amount_in = AMOUNT_IN if buy_base else 5 * env.b
    adapter.setAttack(OVER_BUDGET, PAYOUT, keeper, sender=keeper)
    before = balances(env, env.vault, adapter)
    with reverts(env.vault.SwapPaymentOverBudget, amount=amount_in + 1, remaining=amount_in):
        env.vault.hedge(adapter, buy_base, amount_in, 0, sender=keeper)
    assert balances(env, env.vault, adapter) == before


def test_swap_payment__second_payment_beyond_budget__reverts(setup, keeper):
    env, adapter = setup
    adapter.setAttack(SECOND_PAYMENT, PAYOUT, keeper, sender=keeper)
    with reverts(env.vault.SwapPaymentOverBudget, amount=1, remaining=0):
        env.vault.hedge(adapter, True, AMOUNT_IN, 0, sender=keeper)


@pytest.mark.parametrize("buy_base", [True, False], ids=["buy-base", "sell-base"])
def test_swap_payment__wrong_token__reverts(setup, keeper, buy_base):
    env, adapter = setup
    token_in, token_out = (env.quote, env.base) if buy_base else (env.base, env.quote)
    adapter.setAttack(WRONG_TOKEN, PAYOUT, keeper, sender=keeper)
    with reverts(env.vault.SwapPaymentWrongToken, token=token_out.address, tokenIn=token_in.address):
        env.vault.hedge(adapter, buy_base, 1_000, 0, sender=keeper)


def test_swap_payment__from_another_address_during_the_hedge__reverts(setup, keeper):
    env, adapter = setup
    adapter.setAttack(FROM_ACCOMPLICE, PAYOUT, keeper, sender=keeper)
    before = balances(env, env.vault, adapter.accomplice())
    with reverts(env.vault.SwapPaymentNotFromAdapter, caller=adapter.accomplice(), adapter=adapter.address):
        env.vault.hedge(adapter, True, AMOUNT_IN, 0, sender=keeper)
    assert balances(env, env.vault, adapter.accomplice()) == before


@pytest.mark.parametrize("mode", [REENTER_HEDGE, REENTER_WITHDRAW], ids=["hedge", "withdraw"])
def test_hedge__adapter_reenters_the_vault__reverts(setup, keeper, mode):
    env, adapter = setup
    adapter.setAttack(mode, PAYOUT, keeper, sender=keeper)
    with reverts(env.vault.ReentrancyGuardReentrantCall):
        env.vault.hedge(adapter, True, AMOUNT_IN, 0, sender=keeper)


def test_hedge__adapter_pays_input_elsewhere_returns_nothing__reverts_nothing_lost(setup, keeper, attacker):
    env, adapter = setup
    adapter.setAttack(PAY_TO_ATTACKER, 0, attacker, sender=keeper)
    before = balances(env, env.vault, attacker)
    with reverts(env.vault.HedgeSlippage, amountOut=0, minAmountOut=1):
        env.vault.hedge(adapter, True, AMOUNT_IN, 1, sender=keeper)
    assert balances(env, env.vault, attacker) == before


def test_swap_payment__no_hedge_in_progress__reverts(setup, keeper, attacker):
    env, adapter = setup
    for caller in (attacker, keeper):
        with reverts(env.vault.SwapPaymentOutsideHedge, caller=caller.address):
            env.vault.swapPayment(env.quote, caller, 1, sender=caller)


def test_swap_payment__after_the_hedge_in_the_same_transaction__reverts(setup, owner, keeper):
    env, adapter = setup
    adapter.setAttack(NONE, PAYOUT, keeper, sender=keeper)
    env.vault.setHedger(adapter, sender=owner)
    before = balances(env, env.vault)
    with reverts(env.vault.SwapPaymentOutsideHedge, caller=adapter.address):
        adapter.hedgeThenPay(True, AMOUNT_IN, sender=keeper)
    assert balances(env, env.vault) == before
    # the same hedge alone goes through: what reverted above is the payment after it
    env.vault.setHedger(keeper, sender=owner)
    env.vault.hedge(adapter, True, AMOUNT_IN, 0, sender=keeper)


def test_hedge__buy_base_beyond_free_assets__reverts_before_any_payment(setup, keeper):
    env, adapter = setup
    adapter.setAttack(NONE, PAYOUT, keeper, sender=keeper)
    free = env.vault.freeAssets()
    with reverts(env.vault.InsufficientCollateral, required=free + 1, available=free):
        env.vault.hedge(adapter, True, free + 1, 0, sender=keeper)
