"""Integration fixtures: a complete local market (real Uniswap V3 from npm artifacts) deployed once per module."""

import pytest

from deltavault.deploy import VENUES
from deltavault.local import uniswap

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


# --- rebalancing market ---------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def maker(accounts):
    """Moves the pool price (swaps of any size). Autouse: it exists before any module snapshot (see
    `_session_height` in tests/conftest.py)."""
    return accounts[7]


def _create_market(venue, owner, manager, guardian, depositor, trader, maker, create_feed, chain):
    from deltavault.deploy import deploy_vault_system
    from tests.utils.market import SERIES_LIFE, THRESHOLD_POLICY, USDC, Market

    stack = uniswap.deploy_local_stack(owner, base_decimals=18, base_is_token0=True)
    feed = create_feed(2000)
    system = deploy_vault_system(
        owner,
        quote=stack.quote,
        base=stack.base,
        price_feed=feed,
        pool=stack.pool.contract,
        router=stack.uni.router,
        venue=venue,
        manager=manager,
        guardian=guardian,
        hedge_policy=THRESHOLD_POLICY,
    )
    vault = system.vault
    for account, amount in ((depositor, 1_000_000 * USDC), (trader, 10_000_000 * USDC)):
        stack.quote.mint(account, amount, sender=owner)
        stack.quote.approve(vault, 2**256 - 1, sender=account)
    vault.deposit(1_000_000 * USDC, depositor, sender=depositor)
    expiry = chain.pending_timestamp + SERIES_LIFE
    vault.listSeries(2000 * 10**18, 2000 * 10**18, expiry, True, sender=manager)
    vault.listSeries(2000 * 10**18, 0, expiry, False, sender=manager)
    m = Market(
        stack=stack,
        feed=feed,
        vault=vault,
        hedger=system.hedger,
        adapter=system.adapter,
        owner=owner,
        manager=manager,
        trader=trader,
        maker=maker,
        chain=chain,
        call_id=1,
        put_id=2,
    )
    m.advance(120)
    return m


@pytest.fixture(scope="module")
def market(owner, manager, guardian, depositor, trader, keeper, attacker, maker, create_feed, chain):
    """WETH (token0) / USDC pool at 2000 with 10 M of liquidity, a 2000 feed, a vault system with the threshold +
    time hedge policy (`THRESHOLD_POLICY`, trading on the pool directly) and 1 M USDC deposited, a 30-day 2000
    call (cap 2000) and put listed, the cooldown elapsed. No option is written yet: each test writes what it
    needs."""
    return _create_market("pool", owner, manager, guardian, depositor, trader, maker, create_feed, chain)


@pytest.fixture(scope="module", params=VENUES)
def venue_market(
    request, owner, manager, guardian, depositor, trader, keeper, attacker, maker, create_feed, chain
):
    """`market`, once per swap venue: the pool adapter and the router adapter (SwapRouter02)."""
    return _create_market(
        request.param, owner, manager, guardian, depositor, trader, maker, create_feed, chain
    )


@pytest.fixture(scope="module")
def deployed(owner, manager, keeper, depositor, trader):
    """`deltavault.local.stack.deploy_stack`: the whole market as `ape run deploy stack` deploys it, with 1M USDC
    deposited by the depositor (the trader is left to the tests)."""
    from deltavault.local.stack import deploy_stack

    result = deploy_stack(owner, liquidity=2_000_000)
    quote, vault = result.market.quote, result.system.vault
    quote.mint(depositor, 1_000_000 * 10**6, sender=depositor)
    quote.approve(vault, 2**256 - 1, sender=depositor)
    vault.deposit(1_000_000 * 10**6, depositor, sender=depositor)
    return result
