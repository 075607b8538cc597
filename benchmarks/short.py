"""Gas of a `DeltaHedger.rebalance()` that moves the short leg, with one live series.

Each rebalance: the oracle read, the greeks of the book, the short's position read from the real Morpho Blue
(`MorphoBlueVenue.position`, interest accrued), a volatility observation, the pool/oracle check, a real Uniswap
V3 swap (local pool from the npm artifacts, 10 M of liquidity at 2000), the loss budget and the keeper bounty at
a non-zero base fee. The vault writes 100 30-day 2000 puts (net long delta: the hedge goes short) and rebalances:

- `open`: the first short of the vault (post collateral, borrow + sell, through the vault): storage written
  from zero for the venue's Morpho position, Morpho's collateral-token balance and the market's borrow totals
  (the first borrow of this fresh market), and, in this setup only, the keeper's first quote balance and the
  pool's fee growth in the sale's direction (its first such swap);
- `grow`: the price falls 5 %, the puts' delta grows, the hedge borrows and sells more (the running short; the
  collateral posted carries it, so the hedger borrows on the venue directly);
- `shrink`: the price rises 10 %, the hedge buys base and repays (no collateral comes back: at 60 % of the
  target loan-to-value the debt left still needs all of it, so the venue only pulls the repayment from the vault).

Targets (running vault, one series): `grow` and `shrink` at most 300,000 gas.
"""

import time

from deltavault.bench import report

WAD = 10**18
USDC = 10**6
TARGET = 300_000
BASE_FEE = 10 * 10**9


def measure() -> list[dict]:
    from decimal import Decimal

    from ape import accounts, chain, project

    from deltavault.deploy import deploy_vault_system
    from deltavault.local import lending, uniswap

    owner, keeper, lp, trader, lender = accounts.test_accounts[:5]
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
    )
    vault, hedger = system.vault, system.hedger
    market = lending.deploy_lending_market(
        owner,
        base=stack.base,
        quote=stack.quote,
        price_feed=feed,
        lltv=Decimal("0.86"),
        lenders=[(lender, 1_000 * WAD)],
    )
    venue = lending.deploy_venue(owner, market, vault)
    vault.setBorrowVenue(venue, sender=owner)
    hedger.setShortPolicy((WAD // 2, 6 * WAD // 10, 500 * WAD), sender=owner)
    for account, amount in ((lp, 10_000_000 * USDC), (trader, 10_000_000 * USDC)):
        stack.quote.mint(account, amount, sender=owner)
        stack.quote.approve(vault, 2**256 - 1, sender=account)
    vault.deposit(10_000_000 * USDC, lp, sender=lp)
    expiry = chain.pending_timestamp + 30 * 86400
    vault.listSeries(2000 * WAD, 0, expiry, False, sender=owner)
    vault.buyOption(1, 100 * WAD, 2**255, trader, sender=trader)
    rows = []
    for name, price in (("open", 2000), ("grow", 1900), ("shrink", 2090)):
        if price != 2000:
            uniswap.swap_to_price(stack.uni, stack.pool, price, owner)
        point = _rebalance(hedger, feed, chain, owner, keeper, price)
        collateral, debt = venue.position()
        row = {
            "name": f"short.{name}",
            "leg": name,
            "gas": point["gas"],
            "trade_base_wad": point["trade"],
            "debt_base_wad": debt,
            "collateral_quote": collateral,
            "trade_base": f"{point['trade'] / WAD:+,.4f}",
            "debt_base": f"{debt / WAD:,.4f}",
            "collateral_usdc": f"{collateral / USDC:,.2f}",
            "targets_met": True,
            "base_fee_wei": BASE_FEE,
        }
        if name != "open":
            row["gas_target"] = TARGET
            row["targets_met"] = point["gas"] <= TARGET
        rows.append(row)
    return rows


def _rebalance(hedger, feed, chain, owner, keeper, price: int) -> dict:
    chain.pending_timestamp += 600
    feed.pushAnswer(price * 10**8, sender=owner)
    status = hedger.rebalanceStatus()
    assert status.due and status.trade != 0, status
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(BASE_FEE)])
    tx = hedger.rebalance(sender=keeper, max_fee=2 * BASE_FEE, max_priority_fee=0)
    assert tx.decode_logs(hedger.Rebalanced)[0].bounty > 0
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(0)])
    return {"gas": tx.gas_used, "trade": status.trade}


def main() -> bool:
    from ape import networks

    started = time.monotonic()
    with networks.parse_network_choice("ethereum:local:foundry", disconnect_after=True):
        rows = measure()
    return report(
        f"DeltaHedger.rebalance() gas, short leg on Morpho Blue (one put series, bounty at {BASE_FEE // 10**9} "
        f"gwei; targets on the running short) ({time.monotonic() - started:.0f} s)",
        rows,
        [
            ("leg", "leg"),
            ("trade_base", "trade (WETH)"),
            ("debt_base", "owed after (WETH)"),
            ("collateral_usdc", "collateral after (USDC)"),
            ("gas", "gas"),
            ("gas_target", "target"),
            ("targets_met", "met"),
        ],
    )


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
