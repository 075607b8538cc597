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
