"""The fork reads the upstream and never writes to it; on a real chain, the market file names real contracts (the
tokens, pool, feed and Morpho Blue at their mainnet addresses)."""

from decimal import Decimal

import pytest

from deltavault.policy import ZERO_ADDRESS
from tests.fork import upstream


@pytest.mark.upstream_check
def test_upstream__left_untouched_by_the_whole_suite(fork_run, market, trader):
    if fork_run.mode != "local":
        pytest.skip("a real upstream moves on its own; anvil --fork-url only ever reads from it")
    seeded = fork_run.market["upstreamState"]
    # This test runs last: every other fork test has swapped, pushed prices and moved time on the fork.
    assert upstream.upstream_state(fork_run.uri, fork_run.market) == seeded

    # A write on the fork shows on the fork only.
    market.move_price(Decimal(2100), trader)
    assert market.pool.contract.slot0().sqrtPriceX96 != seeded["poolSqrtPriceX96"]
    assert upstream.upstream_state(fork_run.uri, fork_run.market) == seeded


@pytest.mark.real_chain
def test_mainnet_market__file_names_the_real_contracts(fork_run, market, chain):
    if fork_run.market_file != upstream.network_file("mainnet"):
        pytest.skip(f"the market file is {fork_run.market_file}, not mainnet's")
    assert chain.chain_id == 1
    assert (market.quote.symbol(), market.quote.decimals()) == ("USDC", 6)
    assert (market.base.symbol(), market.base.decimals()) == ("WETH", 18)
    assert market.pool.contract.fee() == 500
    assert {market.pool.contract.token0(), market.pool.contract.token1()} == {
        market.quote.address,
        market.base.address,
    }
    assert market.router.WETH9() == market.base.address
    assert (market.feed.decimals(), market.feed.description()) == (8, "ETH / USD")
    assert any(market.quote.balanceOf(w) >= 3_000_000 * market.q for w in market.whales)
    # The pool and Chainlink agree within the vault's default deviation bound (1 %).
    assert abs(market.pool_price() / market.oracle_price() - 1) < Decimal("0.01")


def assert_morpho_blue(morpho, irm: str, lltv: int, chain) -> None:
    """What the short leg needs of a Morpho Blue: the singleton's code, an owner (who enables IRMs and LLTVs),
    a fee recipient, the market's IRM enabled (with code) and its LLTV enabled."""
    assert len(chain.provider.get_code(morpho.address)) > 10_000  # Morpho Blue's runtime is about 17 KB
    assert morpho.owner() != ZERO_ADDRESS
    morpho.feeRecipient()  # an address (zero while no fee is set)
    assert morpho.isIrmEnabled(irm)
    assert chain.provider.get_code(irm)
    assert morpho.isLltvEnabled(lltv)


@pytest.mark.real_chain
def test_mainnet_morpho__read_at_its_mainnet_address(fork_run, market, chain):
    if fork_run.market_file != upstream.network_file("mainnet"):
        pytest.skip(f"the market file is {fork_run.market_file}, not mainnet's")
    assert market.morpho.address == upstream.MAINNET_MORPHO
    assert fork_run.market["morphoIrm"] == upstream.MAINNET_ADAPTIVE_CURVE_IRM
    assert_morpho_blue(market.morpho, upstream.MAINNET_ADAPTIVE_CURVE_IRM, 86 * 10**16, chain)


def test_upstream_morpho__the_short_legs_market_is_on_the_upstream(fork_run, market, chain):
    if fork_run.mode != "local":
        pytest.skip("the local upstream's lending market (a real chain runs the mainnet check instead)")
    raw = fork_run.market
    assert_morpho_blue(market.morpho, raw["morphoIrm"], raw["morphoLltv"], chain)
    state = market.morpho.market(market.lending.id)
    assert state.lastUpdate > 0 and state.totalSupplyAssets >= upstream.MORPHO_SUPPLY * 10**18
    assert market.lending.oracle.price() > 0
