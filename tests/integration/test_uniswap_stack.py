"""The real Uniswap V3 (npm artifacts) on anvil: deployment, pools in both token orders, liquidity, swaps."""

from decimal import Decimal

import pytest
from eth_utils import keccak, to_checksum_address

from deltavault.local import artifacts
from deltavault.local import uniswap as u

POOL_INIT_CODE_HASH = bytes.fromhex("e34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54")
PRICE = Decimal(2000)


def human(amount: int, decimals: int) -> Decimal:
    return Decimal(amount) / Decimal(10**decimals)


def rel_err(a, b) -> Decimal:
    return abs(Decimal(a) - Decimal(b)) / abs(Decimal(b))


# --- artifacts ------------------------------------------------------------------------------------------


def test_artifacts__pool_creation_code__hashes_to_periphery_init_code_hash():
    bytecode = artifacts.load_contract_type("UniswapV3Pool").deployment_bytecode.bytecode
    assert keccak(hexstr=bytecode) == POOL_INIT_CODE_HASH


@pytest.mark.parametrize("name", sorted(artifacts.ARTIFACTS))
def test_artifacts__every_named_artifact__loads_with_abi_and_bytecode(name):
    contract_type = artifacts.load_contract_type(name)
    assert contract_type.name == name
    assert len(contract_type.abi) > 0
    assert len(contract_type.deployment_bytecode.bytecode) > 1000
    assert artifacts.load_contract_type(name) is contract_type  # cached


def test_artifacts__needs_linking__refused():
    with pytest.raises(artifacts.ArtifactError, match="linking"):
        artifacts.parse_artifact({"abi": [], "bytecode": "0x6000", "linkReferences": {"L.sol": {"L": []}}})
    with pytest.raises(artifacts.ArtifactError, match="unlinked"):
        artifacts.parse_artifact({"abi": [], "bytecode": "0x60__Lib______________________________60"})
    with pytest.raises(artifacts.ArtifactError, match="unknown"):
        artifacts.artifact_path("UniswapV4PoolManager")


# --- deployment -----------------------------------------------------------------------------------------


def test_stack__periphery__wired_to_the_factory(uni, stack):
    assert uni.router.factory() == uni.factory.address
    assert uni.router.factoryV2() == "0x0000000000000000000000000000000000000000"
    assert uni.router.WETH9() == uni.weth.address
    assert uni.router.positionManager() == uni.position_manager.address
    assert uni.router_v1.factory() == uni.factory.address
    assert uni.position_manager.factory() == uni.factory.address
    assert uni.quoter is not None and uni.quoter.factory() == uni.factory.address
    assert uni.factory.feeAmountTickSpacing(100) == 1
    assert uni.factory.feeAmountTickSpacing(3000) == 60
    assert stack.quote.decimals() == 6


def test_pool__address__is_the_create2_address_periphery_computes(uni, pool):
    token0, token1 = pool.token0.address, pool.token1.address
    assert int(token0, 16) < int(token1, 16)
    salt = keccak(
        bytes.fromhex(token0[2:]).rjust(32, b"\0")
        + bytes.fromhex(token1[2:]).rjust(32, b"\0")
        + pool.fee.to_bytes(32, "big")
    )
    digest = keccak(b"\xff" + bytes.fromhex(uni.factory.address[2:]) + salt + POOL_INIT_CODE_HASH)
    assert pool.address == to_checksum_address(digest[12:])


def test_pool__initialized_at_2000__in_the_requested_token_order(pool, stack, request):
    base_decimals, base_is_token0 = request.node.callspec.params["stack"]
    assert pool.base_is_token0 is base_is_token0
    assert (pool.contract.token0() == stack.base.address) is base_is_token0
    assert pool.base_decimals == base_decimals == stack.base.decimals()
    if base_decimals == 18:
        assert stack.base.address == stack.weth.address
    assert rel_err(u.pool_price(pool), PRICE) < Decimal("1e-20")
    assert pool.contract.slot0().tick == u.price_to_tick(PRICE, base_decimals, 6, base_is_token0)


def test_pool__liquidity__in_range_over_three_positions(uni, pool, stack, owner):
    tick = pool.contract.slot0().tick
    assert len(stack.positions) == 3
    in_range = 0
    for position, expected in zip(stack.positions, u.default_ranges(PRICE), strict=True):
        assert uni.position_manager.ownerOf(position.token_id) == owner.address
        assert position.tick_lower % pool.tick_spacing == position.tick_upper % pool.tick_spacing == 0
        assert position.tick_lower <= tick < position.tick_upper
        in_range += position.liquidity
        amount_base, amount_quote = (
            (position.amount0, position.amount1)
            if pool.base_is_token0
            else (position.amount1, position.amount0)
        )
        value = human(amount_base, pool.base_decimals) * PRICE + human(amount_quote, 6)
        assert rel_err(
            value, Decimal(expected.quote_value.numerator) / expected.quote_value.denominator
        ) < Decimal("1e-6")
    assert pool.contract.liquidity() == in_range
    full = stack.positions[2]
    assert (full.tick_lower, full.tick_upper) == (u.min_usable_tick(60), u.max_usable_tick(60))


def test_add_liquidity__range_above_price__holds_only_base(uni, pool, depositor):
    liquidity_before = pool.contract.liquidity()
    (position,) = u.add_liquidity(uni, pool, [u.LiquidityRange(2200, 2600, 100_000)], depositor)
    amount_base, amount_quote = (
        (position.amount0, position.amount1) if pool.base_is_token0 else (position.amount1, position.amount0)
    )
    assert amount_quote == 0
    # 100k quote worth of base valued at the current price
    assert rel_err(human(amount_base, pool.base_decimals) * PRICE, 100_000) < Decimal("1e-6")
    assert pool.contract.liquidity() == liquidity_before  # out of range
    assert u.tick_to_price(position.tick_lower, pool.base_decimals, 6, pool.base_is_token0) > PRICE


# --- swaps ----------------------------------------------------------------------------------------------


def test_swap_exact_input__sell_base__price_falls_and_output_matches_price(uni, pool, stack, trader):
    amount_in = 10 * 10**pool.base_decimals
    result = u.swap_exact_input(uni, pool, stack.base, amount_in, trader)
    assert result.amount_in == amount_in
    assert result.price_after < result.price_before
    # execution price after the 0.3 % fee lies between the prices before and after the swap
    execution = human(result.amount_out, 6) / (human(amount_in, pool.base_decimals) * Decimal("0.997"))
    assert result.price_after <= execution <= result.price_before
    assert rel_err(execution, PRICE) < Decimal("0.001")  # deep liquidity: 10 base moves the price little
    assert u.pool_price(pool) == result.price_after


def test_swap_exact_input__buy_base__price_rises_and_output_matches_price(uni, pool, stack, trader):
    amount_in = 50_000 * 10**6
    result = u.swap_exact_input(uni, pool, stack.quote, amount_in, trader)
    assert result.price_after > result.price_before
    execution = human(amount_in, 6) * Decimal("0.997") / human(result.amount_out, pool.base_decimals)
    assert result.price_before <= execution <= result.price_after
    assert rel_err(execution, PRICE) < Decimal("0.002")


def test_swap_exact_input__matches_quoter_v2(uni, pool, stack, trader):
    amount_in = 3 * 10**pool.base_decimals
    quote = uni.quoter.quoteExactInputSingle.call((stack.base, stack.quote, amount_in, pool.fee, 0))
    result = u.swap_exact_input(uni, pool, stack.base, amount_in, trader)
    assert result.amount_out == quote.amountOut
    assert result.sqrt_price_x96_after == quote.sqrtPriceX96After


def test_swap_exact_input__router_v1__works_and_agrees_with_router02(uni, pool, stack, trader, chain):
    amount_in = 25_000 * 10**6
    with chain.isolate():
        v2 = u.swap_exact_input(uni, pool, stack.quote, amount_in, trader)
    v1 = u.swap_exact_input(uni, pool, stack.quote, amount_in, trader, use_router_v1=True)
    assert v1.amount_in == amount_in and v1.amount_out > 0
    assert v1.price_after > v1.price_before
    assert (v1.amount_out, v1.sqrt_price_x96_after) == (v2.amount_out, v2.sqrt_price_x96_after)


@pytest.mark.parametrize("move", ["-0.30", "+0.50", "-0.001", "+0.08"])
def test_swap_to_price__target__reached_exactly(uni, pool, stack, trader, move):
    target = PRICE * (1 + Decimal(move))
    token_in, estimate, target_sqrt = u.input_to_reach_price(pool, target)
    # lowering the price sells base, raising it buys base with quote
    assert token_in.address == (stack.base if Decimal(move) < 0 else stack.quote).address
    result = u.swap_to_price(uni, pool, target, trader)
    assert pool.contract.slot0().sqrtPriceX96 == target_sqrt == result.sqrt_price_x96_after
    assert rel_err(u.pool_price(pool), target) < Decimal("1e-15")
    # the tick walk predicted the input to within a few wei per crossed tick
    assert result.amount_in <= estimate <= result.amount_in + 20
    # the fill is on the right side of the market
    base_amount, quote_amount = (
        (result.amount_in, result.amount_out) if Decimal(move) < 0 else (result.amount_out, result.amount_in)
    )
    execution = human(quote_amount, 6) / human(base_amount, pool.base_decimals)
    low, high = sorted((PRICE, target))
    assert low * Decimal("0.99") < execution < high * Decimal("1.01")


def test_swap_to_price__path_down_up_and_back__lands_on_each_target(uni, pool, trader):
    for target in (Decimal(1400), Decimal(3000), Decimal("2123.45"), PRICE):
        u.swap_to_price(uni, pool, target, trader, use_router_v1=target == PRICE)
        assert pool.contract.slot0().sqrtPriceX96 == pool.sqrt_price_x96(target)
        assert rel_err(u.pool_price(pool), target) < Decimal("1e-15")


def test_swap_to_price__current_price__swaps_nothing(uni, pool, stack, trader):
    before = pool.contract.slot0().sqrtPriceX96
    result = u.swap_to_price(uni, pool, u.pool_price(pool), trader)
    assert (result.amount_in, result.amount_out) == (0, 0)
    assert pool.contract.slot0().sqrtPriceX96 == before
    assert stack.quote.balanceOf(trader) == 0


@pytest.mark.parametrize("base_is_token0", [True, False])
def test_deploy_local_stack__weth_base__either_token_order(owner, trader, base_is_token0):
    stack = u.deploy_local_stack(owner, base_is_token0=base_is_token0, price=3500, fee=500)
    pool = stack.pool
    assert stack.base.address == stack.weth.address
    assert pool.base_is_token0 is base_is_token0
    assert (pool.fee, pool.tick_spacing) == (500, 10)
    assert rel_err(u.pool_price(pool), 3500) < Decimal("1e-20")
    u.swap_to_price(stack.uni, pool, 5250, trader)
    assert rel_err(u.pool_price(pool), 5250) < Decimal("1e-15")
