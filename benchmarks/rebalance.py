"""Gas of a full `DeltaHedger.rebalance()` against the number of live series with positions.

A full rebalance: the oracle read, the greeks of every live series (one `GreeksEngine.book` pass), a volatility
observation, the pool/oracle check, a real Uniswap V3 swap (local pool from the npm artifacts, 10 M of
liquidity at 2000), the loss budget, and the keeper bounty paid at a non-zero base fee. Each point deploys a
fresh system on a local anvil, lists N 30-day series (calls and puts alternating, strikes 1800..2550), writes
positions on each (net delta short: the rebalance buys base), and measures two rebalances by the same keeper:

- `first`: the vault's first hedge ever. It also pays one-time storage initialisation outside the engine's
  control: the vault's base balance and the keeper's quote balance go from zero to non-zero (about 17,000 gas
  each in the ERC-20s);
- `running`: the next rebalance after the price moves 5 % and the cooldown passes: the steady state of a vault
  in service, which the targets apply to.

Each rule is measured under the policy that runs it, set explicitly (not the package default): `threshold` is the
threshold (0.5) + time (1 day) rule; `cost` is the cost-aware rule alone (the fixed + proportional cost band,
whose Newton solve the threshold rule does not run), with a riskAversion high enough that the book's deviation
crosses its band at both rebalances.
"""

import time

from deltavault.bench import report
from deltavault.policy import HedgePolicy, Rule, Rules

WAD = 10**18
USDC = 10**6
SERIES_COUNTS = (1, 8, 16)
# One series, running vault, long-spot hedge (the rebalance buys or sells base it holds).
TARGET_ONE = 220_000
TARGET_PER_EXTRA = 8_000
BASE_FEE = 10 * 10**9
# The policy each row measures; every other field is the package default (bounty cap in 6-decimal USDC).
POLICIES = {
    "threshold": HedgePolicy.for_quote_decimals(6, rules=Rules.THRESHOLD | Rules.TIME),
    # riskAversion 0.1 per quote unit (the default's 100 times): a band the 5 % move's change of delta crosses.
    "cost": HedgePolicy.for_quote_decimals(6, rules=Rules.COST, risk_aversion=10**17),
}
RULES = {"threshold": Rule.THRESHOLD, "cost": Rule.COST}


def measure(n: int, rule: str) -> dict:
    from ape import accounts, chain, project

    from deltavault.deploy import deploy_vault_system
    from deltavault.local import uniswap

    owner, keeper, lp, trader = accounts.test_accounts[:4]
    stack = uniswap.deploy_local_stack(owner, base_decimals=18, base_is_token0=True)
    feed = owner.deploy(project.TestAggregator, 8, "ETH / USD")
    feed.pushAnswer(2000 * 10**8, sender=owner)
    system = deploy_vault_system(
        owner,
        quote=stack.quote,
        base=stack.base,
        price_feed=feed,
        pool=stack.pool.contract,
        router=stack.uni.router,
        hedge_policy=POLICIES[rule],
    )
    vault, hedger = system.vault, system.hedger
    for account, amount in ((lp, 10_000_000 * USDC), (trader, 10_000_000 * USDC)):
        stack.quote.mint(account, amount, sender=owner)
        stack.quote.approve(vault, 2**256 - 1, sender=account)
    vault.deposit(10_000_000 * USDC, lp, sender=lp)
    expiry = chain.pending_timestamp + 30 * 86400
    calls = puts = 0
    for i in range(n):
        strike = (1800 + 50 * i) * WAD
        is_call = i % 2 == 0
        vault.listSeries(strike, 2000 * WAD if is_call else 0, expiry, is_call, sender=owner)
        amount = 10 * WAD if is_call else 3 * WAD
        vault.buyOption(i + 1, amount, 2**255, trader, sender=trader)
        calls, puts = calls + is_call, puts + (not is_call)
    first = _rebalance(hedger, feed, chain, owner, keeper, 2000, RULES[rule])
    # The market moves 5 %: the short calls' delta grows, the vault buys more base.
    uniswap.swap_to_price(stack.uni, stack.pool, 2100, owner)
    running = _rebalance(hedger, feed, chain, owner, keeper, 2100, RULES[rule])
    return {
        "rule": rule,
        "series": n,
        "calls": calls,
        "puts": puts,
        "gas_first": first["gas"],
        "gas": running["gas"],
        "trade_base_wad": running["trade"],
        "bounty_quote": running["bounty"],
    }


def _rebalance(hedger, feed, chain, owner, keeper, price: int, rule: Rule) -> dict:
    """Waits out the cooldown, pushes `price` to the feed and rebalances at BASE_FEE (due by `rule`); returns gas
    and trade."""
    chain.pending_timestamp += 600
    feed.pushAnswer(price * 10**8, sender=owner)
    status = hedger.rebalanceStatus()
    assert status.due and status.trade > 0 and status.rule == rule, status
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(BASE_FEE)])
    tx = hedger.rebalance(sender=keeper, max_fee=2 * BASE_FEE, max_priority_fee=0)
    event = tx.decode_logs(hedger.Rebalanced)[0]
    assert event.bounty > 0 and chain.blocks[tx.block_number].base_fee == BASE_FEE
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(0)])
    return {"gas": tx.gas_used, "trade": status.trade, "bounty": event.bounty}


def main() -> bool:
    from ape import networks

    started = time.monotonic()
    with networks.parse_network_choice("ethereum:local:foundry", disconnect_after=True):
        points = [measure(n, rule) for rule in POLICIES for n in SERIES_COUNTS]
    rows = []
    for point in points:
        n, rule = point["series"], point["rule"]
        one = next(p["gas"] for p in points if p["rule"] == rule and p["series"] == 1)
        per_extra = (point["gas"] - one) / (n - 1) if n > 1 else None
        row = {
            "name": f"rebalance.{rule}.series_{n}",
            **point,
            "gas_target": TARGET_ONE + TARGET_PER_EXTRA * (n - 1),
            "base_fee_wei": BASE_FEE,
        }
        if per_extra is not None:
            row["gas_per_extra_series"] = round(per_extra)
            row["gas_per_extra_target"] = TARGET_PER_EXTRA
        row["targets_met"] = point["gas"] <= TARGET_ONE if n == 1 else per_extra <= TARGET_PER_EXTRA
        rows.append(row)
    return report(
        f"DeltaHedger.rebalance() gas: oracle, greeks of every live series, Uniswap V3 swap, bounty at "
        f"{BASE_FEE // 10**9} gwei; targets on the running vault ({time.monotonic() - started:.0f} s)",
        rows,
        [
            ("rule", "rule"),
            ("series", "series"),
            ("calls", "calls"),
            ("puts", "puts"),
            ("gas_first", "gas, first"),
            ("gas", "gas, running"),
            ("gas_per_extra_series", "gas per extra series"),
            ("gas_target", "target"),
            ("targets_met", "met"),
        ],
    )


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
