"""The swap adapters on the real Uniswap V3 pool (npm artifacts), in both token orders: UniswapV3PoolAdapter
(directly on the pool) and UniswapV3Adapter (through SwapRouter02 or the original SwapRouter). The caller pays
during the swap through `ISwapPayer.swapPayment` (`TestSwapPayer` here, the vault in production); the output
goes to the caller; the adapters hold nothing afterwards; the pool adapter's callback accepts only the pool,
and only during a swap."""

import ape
import pytest

from deltavault.deploy import deploy_adapter
from deltavault.local import uniswap as u

# venue id -> (deploy_adapter venue, router is the original SwapRouter)
VENUES = {"pool": ("pool", False), "router02": ("router", False), "router-v1": ("router", True)}


def make_adapter(owner, stack, uni, venue):
    kind, has_deadline = VENUES[venue]
    return deploy_adapter(
        owner,
        venue=kind,
        pool=stack.pool.contract,
        base=stack.base,
        router=uni.router_v1 if has_deadline else uni.router,
        router_has_deadline=has_deadline,
    )


@pytest.fixture(scope="module", autouse=True)
def _session_fixtures(attacker, create_token):
    """Session fixtures this module uses, created before Ape's module snapshot."""


@pytest.fixture(params=list(VENUES))
def adapter(request, owner, stack, uni):
    return make_adapter(owner, stack, uni, request.param)


@pytest.fixture
def pool_adapter(owner, stack, uni):
    return make_adapter(owner, stack, uni, "pool")


@pytest.fixture
def payer(project, owner, stack, uni):
    """A TestSwapPayer holding 10 base and 100,000 quote."""
    contract = owner.deploy(project.TestSwapPayer)
    for token, whole in ((stack.base, 10), (stack.quote, 100_000)):
        amount = whole * 10 ** token.decimals()
        u.fund(uni, token, owner, amount)
        token.transfer(contract, amount, sender=owner)
    return contract


def pair(stack, sell_base):
    """(tokenIn, tokenOut, amountIn): one base, or 2,000 quote."""
    if sell_base:
        return stack.base, stack.quote, 10 ** stack.base.decimals()
    return stack.quote, stack.base, 2_000 * 10 ** stack.quote.decimals()


def quoted(uni, pool, token_in, token_out, amount_in) -> int:
    return uni.quoter.quoteExactInputSingle.call((token_in, token_out, amount_in, pool.fee, 0)).amountOut


def holdings(stack, *accounts):
    return [(stack.base.balanceOf(a), stack.quote.balanceOf(a)) for a in accounts]


@pytest.mark.parametrize("sell_base", [True, False], ids=["sell-base", "buy-base"])
def test_swap_exact_in__both_directions__paid_during_the_swap_output_to_the_caller(
    adapter, payer, stack, uni, pool, trader, sell_base
):
    token_in, token_out, amount_in = pair(stack, sell_base)
    expected = quoted(uni, pool, token_in, token_out, amount_in)
    in_before, out_before = token_in.balanceOf(payer), token_out.balanceOf(payer)
    price_before = u.pool_price(pool)
    tx = payer.swap(adapter, token_in, token_out, amount_in, expected, sender=trader)
    assert tx.return_value == expected > 0
    assert token_in.balanceOf(payer) == in_before - amount_in
    assert token_out.balanceOf(payer) == out_before + expected
    assert payer.lastPaid() == amount_in
    assert holdings(stack, adapter) == [(0, 0)]
    assert (u.pool_price(pool) < price_before) == sell_base


@pytest.mark.parametrize("sell_base", [True, False], ids=["sell-base", "buy-base"])
def test_swap_exact_in__output_below_minimum__reverts_nothing_moves(
    adapter, payer, stack, uni, pool, trader, sell_base
):
    token_in, token_out, amount_in = pair(stack, sell_base)
    expected = quoted(uni, pool, token_in, token_out, amount_in)
    before = holdings(stack, payer, adapter)
    with ape.reverts(adapter.AdapterSlippage, amountOut=expected, minAmountOut=expected + 1):
        payer.swap(adapter, token_in, token_out, amount_in, expected + 1, sender=trader)
    assert holdings(stack, payer, adapter) == before


def test_swap_exact_in__tokens_not_the_pair__reverts(adapter, payer, stack, trader, owner, create_token):
    other = create_token("Other", "OTH", 18)
    with ape.reverts(adapter.UnsupportedToken, token=other.address):
        payer.swap(adapter, other, stack.quote, 1, 0, sender=trader)
    with ape.reverts(adapter.UnsupportedToken, token=stack.base.address):
        payer.swap(adapter, stack.base, stack.base, 1, 0, sender=trader)


def test_venue_views__same_on_every_venue_and_match_the_pool(owner, stack, uni, pool):
    adapters = [make_adapter(owner, stack, uni, venue) for venue in VENUES]
    prices = {a.venuePrice() for a in adapters}
    costs = {tuple(a.tradingCost(3 * 10**18)) for a in adapters}
    assert len(prices) == 1 and len(costs) == 1
    assert abs(prices.pop() / 10**18 - float(u.pool_price(pool))) < 1e-6 * 2000
    fee, impact = costs.pop()
    assert fee == pool.fee * 10**12 and 0 < impact < 10**16
    assert all((a.base(), a.quote()) == (stack.base.address, stack.quote.address) for a in adapters)


def test_pool_adapter__caller_not_a_payer__reverts(pool_adapter, stack, trader):
    token_in, token_out, amount_in = pair(stack, False)
    before = holdings(stack, trader, pool_adapter)
    with ape.reverts():
        pool_adapter.swapExactIn(token_in, token_out, amount_in, 0, sender=trader)
    assert holdings(stack, trader, pool_adapter) == before


def test_pool_adapter__callback_not_from_the_pool__reverts(pool_adapter, pool, attacker):
    with ape.reverts(pool_adapter.CallbackNotFromVenue, caller=attacker.address, venue=pool.address):
        pool_adapter.uniswapV3SwapCallback(10**18, 0, b"", sender=attacker)


def test_pool_adapter__callback_from_the_pool_outside_a_swap__reverts(pool_adapter, pool, accounts, chain):
    as_pool = accounts[pool.address]  # impersonated: the pool contract itself calling
    chain.provider.set_balance(pool.address, 10**18)
    with ape.reverts(pool_adapter.CallbackOutsideSwap):
        pool_adapter.uniswapV3SwapCallback(10**18, 0, b"", sender=as_pool)
