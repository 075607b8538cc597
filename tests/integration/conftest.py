"""Integration fixtures: a complete local market (real Uniswap V3 from npm artifacts) deployed once per module."""

import pytest

from deltavault import uniswap

# (base decimals, base is token0): WETH/USDC with WETH as token0, and an 8-decimal base as token1, so both
# token orders and three decimal counts go through every stack test.
STACK_PARAMS = [(18, True), (8, False)]


@pytest.fixture(
    scope="module", params=STACK_PARAMS, ids=lambda p: f"base{p[0]}-{'token0' if p[1] else 'token1'}"
)
def stack(request, owner, depositor, trader):
    # depositor and trader are requested here so every session fixture exists before Ape's module snapshot.
    base_decimals, base_is_token0 = request.param
    return uniswap.deploy_local_stack(owner, base_decimals=base_decimals, base_is_token0=base_is_token0)


@pytest.fixture(scope="module")
def uni(stack):
    return stack.uni


@pytest.fixture(scope="module")
def pool(stack):
    return stack.pool


@pytest.fixture(scope="module")
def deployed(owner, manager, keeper, depositor, trader):
    """`deltavault.stack.deploy_stack`: the whole market as `ape run deploy stack` deploys it, with 1M USDC
    deposited by the depositor (the trader is left to the tests)."""
    from deltavault.stack import deploy_stack

    result = deploy_stack(owner, liquidity=2_000_000)
    quote, vault = result.market.quote, result.system.vault
    quote.mint(depositor, 1_000_000 * 10**6, sender=depositor)
    quote.approve(vault, 2**256 - 1, sender=depositor)
    vault.deposit(1_000_000 * 10**6, depositor, sender=depositor)
    return result
