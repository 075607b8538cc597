"""The policy lab's Python mirror of DeltaHedger's decision (`deltavault.lab.rules.status`) against the deployed
contract code: >= 1,000 random states (books as delta/gamma/base held/free quote, prices, volatilities, times,
base fees, pool states, policies), both token orders and two base decimals. Each state is evaluated by the real
`DeltaHedger._status` through `RebalanceStatusHarness` (which inherits DeltaHedger and reads the real pool
through the real UniswapV3PoolAdapter), in batches of one `eth_call`, and must agree on every field of the
status (due, rule, delta, target, band, trade, end of cooldown) to the wei."""

import random
from decimal import Decimal

import pytest

from deltavault.deploy import deploy_vault_system
from deltavault.lab import rules
from deltavault.local import uniswap
from deltavault.policy import HedgePolicy, Rule
from tests.utils.constants import GWEI

STATES_PER_STACK = 600
BATCH = 50


@pytest.fixture(
    scope="module",
    params=[(18, True), (8, False)],
    ids=lambda p: f"base{p[0]}-{'token0' if p[1] else 'token1'}",
)
def harness_stack(request, project, owner, accounts, create_feed):
    base_decimals, base_is_token0 = request.param
    stack = uniswap.deploy_local_stack(owner, base_decimals=base_decimals, base_is_token0=base_is_token0)
    system = deploy_vault_system(
        owner,
        quote=stack.quote,
        base=stack.base,
        price_feed=create_feed(2000),
        pool=stack.pool.contract,
        router=stack.uni.router,
    )
    harness = owner.deploy(
        project.RebalanceStatusHarness,
        system.vault,
        system.adapter,
        HedgePolicy.for_quote_decimals(6).as_tuple(),
    )
    return stack, harness, base_decimals, accounts[7]


def _log_uniform(rng: random.Random, lo_exp: float, hi_exp: float) -> int:
    return int(10 ** rng.uniform(lo_exp, hi_exp)) + rng.randrange(1000)


def _random_policy(rng: random.Random) -> HedgePolicy:
    band = _log_uniform(rng, 12, 21)
    min_interval = rng.choice([1, 60, 300, rng.randrange(1, 86_401)])
    return HedgePolicy(
        rules=rng.randrange(1, 16),
        trade_to_edge=rng.random() < 0.5,
        target=rng.choice([0, 0, rng.randrange(-(10**20), 10**20)]),
        band=band,
        min_band=rng.randrange(10**12, band + 1),
        hedge_cap=_log_uniform(rng, 12, 22),
        min_interval=min_interval,
        max_interval=rng.randrange(min_interval, 30 * 86_400 + 1),
        risk_aversion=_log_uniform(rng, 0, 20),
        rebalance_gas=rng.randrange(0, 2_000_001),
        bounty_multiplier_bps=rng.randrange(0, 30_001),
        bounty_cap=rng.choice([0, _log_uniform(rng, 3, 9)]),
        reference_vol=rng.randrange(5 * 10**16, 5 * 10**18 + 1),
        ewma_alpha=rng.randrange(10**16, 5 * 10**17 + 1),
    )


def _random_state(rng: random.Random) -> tuple[rules.HedgeState, int, int]:
    spot = _log_uniform(rng, 20, 22.5)  # 100 .. 30,000 quote per base
    delta = rng.choice([1, -1]) * rng.choice([0, _log_uniform(rng, 10, 22)])
    gamma = rng.choice([1, -1]) * rng.choice([0, _log_uniform(rng, 12, 19)])
    base_held = rng.choice([0, _log_uniform(rng, 10, 22)])
    free = rng.choice([0, _log_uniform(rng, 4, 13)])
    elapsed = rng.choice([0, rng.randrange(0, 600), rng.randrange(0, 60 * 86_400)])
    variance = rng.choice([0, _log_uniform(rng, 13, 19.5)])
    return rules.HedgeState(spot, delta, gamma, base_held, free), elapsed, variance


def _venue(stack) -> rules.Venue:
    pool = stack.pool
    return rules.Venue(
        fee=int(pool.contract.fee()),
        liquidity=int(pool.contract.liquidity()),
        sqrt_price_x96=int(pool.contract.slot0().sqrtPriceX96),
        base_is_token0=pool.base_is_token0,
        base_decimals=pool.base_decimals,
    )


def test_lab_mirror__random_states__matches_contract_to_the_wei(harness_stack, chain):
    stack, harness, base_decimals, maker = harness_stack
    rng = random.Random(13 + base_decimals)
    compared, by_rule, due, basefees = 0, dict.fromkeys(Rule, 0), 0, set()
    prices = [2000, 2150, 1700, 2600, 1400, 2000]
    batches = STATES_PER_STACK // BATCH
    for batch in range(batches):
        # A new pool price (in-range liquidity changes with it) and a new base fee for each batch.
        uniswap.swap_to_price(stack.uni, stack.pool, Decimal(prices[batch % len(prices)]), maker)
        basefee = rng.choice([0, 1, rng.randrange(1, 500 * GWEI)])
        chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(basefee)])
        chain.mine()
        venue = _venue(stack)
        cases, expected_inputs = [], []
        while len(cases) < BATCH:
            state, elapsed, variance = _random_state(rng)
            policy = _random_policy(rng)
            cases.append(((state.spot, state.delta, state.gamma, state.base_held, state.free_assets, 0, 0),
                          policy.as_tuple(), elapsed, variance))  # fmt: skip
            expected_inputs.append((state, policy, elapsed, variance))
        out, timestamp, block_basefee = harness.statusOf.call(cases)
        assert block_basefee == chain.blocks.head.base_fee
        basefees.add(block_basefee)
        for got, (state, policy, elapsed, variance) in zip(out, expected_inputs, strict=True):
            hs = rules.HedgerState(
                now=timestamp,
                basefee=block_basefee,
                last_rebalance=timestamp - elapsed,
                variance=variance,
                base_decimals=base_decimals,
                quote_decimals=6,
            )
            want = rules.status(state, policy, hs, venue)
            got_tuple = tuple(int(v) if i else bool(v) for i, v in enumerate(got))
            # No short position in these states: the short leg's fields stay zero.
            assert got_tuple[7:] == (0, 0, 0)
            assert got_tuple[:7] == want.as_tuple(), (state, policy, elapsed, variance, block_basefee)
            compared += 1
            by_rule[want.rule] += 1
            due += want.due
    assert compared == STATES_PER_STACK
    # The states exercise every rule, due and not due.
    # Every rule of the four-rule decision (the health rule needs a short position, none in these states).
    assert all(by_rule[r] > 0 for r in Rule if r != Rule.HEALTH), by_rule
    assert 0 < due < compared
    assert len(basefees) >= 3
