"""`make demo`: a whole DeltaVault market on a local anvil, a replayed price path and the keeper at work.

    ape run demo --network ethereum:local:foundry [--steps 96] [--seed 7] [--prices path.csv]

Deploys the stack, lets two liquidity providers deposit and three traders buy options, then for every step of
the price path (seeded GBM by default, or a CSV with a `price` column) advances time, trades the real Uniswap
pool to the new price, updates the price feed, sets the next block's base fee, records a volatility
observation, and lets the keeper (the same `deltavault.keeper.Keeper` as `ape run keeper`) rebalance when the
vault says it is due. Prints a summary table and writes reports/demo.png.
"""

import csv
import math
import random
from decimal import Decimal
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, network_option

from deltavault.policy import WAD, HedgePolicy, Rule

REPORTS = Path(__file__).resolve().parent.parent / "reports"
GWEI = 10**9


def gbm_path(
    steps: int, *, start: float, vol: float, drift: float, dt_hours: float, seed: int
) -> list[float]:
    rng = random.Random(seed)
    dt = dt_hours / (365 * 24)
    prices = [start]
    for _ in range(steps):
        z = rng.gauss(0.0, 1.0)
        prices.append(prices[-1] * math.exp((drift - 0.5 * vol * vol) * dt + vol * math.sqrt(dt) * z))
    return prices


def read_prices(path: str) -> list[float]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "price" not in rows[0]:
        raise click.ClickException(f"{path}: expected a CSV with a `price` column")
    return [float(r["price"]) for r in rows]


@click.command(cls=ConnectedProviderCommand, short_help="Run the local demo")
@network_option()
@click.option("--steps", type=int, default=96, show_default=True, help="GBM steps")
@click.option("--dt-hours", type=float, default=1.0, show_default=True, help="hours per step")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--vol", "path_vol", type=float, default=1.0, show_default=True, help="GBM volatility")
@click.option("--prices", "prices_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="replay a CSV with a `price` column instead of GBM")  # fmt: skip
@click.option(
    "--base-fee-gwei", type=float, default=20.0, show_default=True, help="base fee of the demo chain"
)
@click.option("--out", "out_file", default=str(REPORTS / "demo.png"), show_default=True)
def cli(network, steps, dt_hours, seed, path_vol, prices_file, base_fee_gwei, out_file):
    from ape import accounts, chain
    from ape.logging import LogLevel, logger

    from deltavault.keeper import Keeper, KeeperConfig, ape_signer, lens_abi
    from deltavault.local import uniswap
    from deltavault.local.stack import deploy_stack

    test = accounts.test_accounts
    owner, keeper_account, lp1, lp2 = test[0], test[2], test[3], test[5]
    traders, arb = [test[4], test[6], test[7]], test[8]
    rng = random.Random(seed)

    def set_base_fee(gwei: float) -> None:
        chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(int(gwei * GWEI))])

    start_price = 2000.0
    prices = (
        read_prices(prices_file)
        if prices_file
        else gbm_path(steps, start=start_price, vol=path_vol, drift=0.0, dt_hours=dt_hours, seed=seed)
    )
    start_price = prices[0]

    logger.set_level(LogLevel.WARNING)  # one line per transaction would drown the progress bar
    click.echo(f"deploying the stack on chain {chain.chain_id} ...")
    # The tuned default (`ape run lab tune` on this book: the cost-aware rule alone, riskAversion 0.001).
    policy = HedgePolicy.for_quote_decimals(6)
    stack = deploy_stack(
        owner, price=Decimal(str(round(start_price, 2))), liquidity=20_000_000, hedge_policy=policy
    )
    market, system = stack.market, stack.system
    vault, hedger, quote = system.vault, system.hedger, market.quote

    click.echo("liquidity providers deposit, traders buy options ...")
    from ape import project

    from deltavault import requests

    request_queue = project.RequestQueue.at(vault.requestQueue())
    for lp, amount in ((lp1, 2_000_000), (lp2, 1_000_000)):
        quote.mint(lp, amount * 10**6, sender=lp)
        quote.approve(vault, 2**256 - 1, sender=lp)
        quote.approve(request_queue, 2**256 - 1, sender=lp)
    # The first deposit into an empty vault takes the synchronous path (no book, so no jump band); the second
    # comes once options are written, as a request the keeper fulfils at the first price round after its delay.
    vault.deposit(2_000_000 * 10**6, lp1, sender=lp1)
    for trader in traders:
        quote.mint(trader, 1_000_000 * 10**6, sender=trader)
        quote.approve(vault, 2**256 - 1, sender=trader)
    # Calls outweigh puts, so the book stays net short delta along the path: the vault hedges by holding base,
    # and it cannot sell base it does not hold (the hedge is long-only spot).
    calls = [row["id"] for row in stack.record["series"] if row["isCall"]]
    puts = [row["id"] for row in stack.record["series"] if not row["isCall"]]
    orders = [(trader, rng.choice(calls), rng.choice([20, 25, 30])) for trader in traders]
    orders.append((traders[0], rng.choice(puts), 10))
    premium = 0
    for trader, sid, amount in orders:
        tx = vault.buyOption(sid, amount * WAD, 10**30, trader, sender=trader)
        premium += sum(e.premium for e in tx.decode_logs(vault.OptionBought))
        click.echo(f"  trader {traders.index(trader) + 1} bought {amount} options of series {sid}")
    request_queue.requestDeposit(1_000_000 * 10**6, lp2, lp2, sender=lp2)
    click.echo("  liquidity provider 2 asked to deposit 1,000,000 USDC (due after the request delay)")
    controllers = requests.request_controllers(request_queue)
    fulfilled: list[tuple[int, int, int]] = []

    nav0 = vault.totalAssets()
    keeper_quote0 = quote.balanceOf(keeper_account)
    logs: list[dict] = []
    k = Keeper(
        web3=chain.provider.web3,
        lens=stack.record["lens"],
        lens_abi=lens_abi(),
        hedgers=[stack.record["hedger"]],
        sender=keeper_account.address,
        sign=ape_signer(keeper_account),
        chain_id=chain.chain_id,
        # The vault operator's own keeper: the bounty reimburses its gas (it is no source of profit), so it acts
        # whenever a rebalance is due rather than only when the reimbursement would beat its estimate.
        config=KeeperConfig(
            priority_fee=GWEI // 10, log_every_block=False, poll_interval=0.0, require_profit=False
        ),
        log=logs.append,
    )

    rows = []
    step_seconds = int(dt_hours * 3600)
    with click.progressbar(prices[1:], label="replaying the price path", show_pos=True) as bar:
        for step, price in enumerate(bar, start=1):
            chain.pending_timestamp += step_seconds
            uniswap.swap_to_price(market.uni, market.pool, Decimal(str(price)), arb)
            stack.price_feed.pushAnswer(int(Decimal(str(price)) * 10**8), sender=owner)
            stack.vol_feed.pushAnswer(int(0.8 * 10**8), sender=owner)
            hedger.observe(sender=owner)
            gas_gwei = base_fee_gwei * math.exp(rng.gauss(0, 0.25))
            set_base_fee(gas_gwei)
            chain.mine()
            for due in requests.due_requests(
                request_queue, controllers, chain.pending_timestamp, stack.price_feed, stack.vol_feed
            ):
                fulfil = request_queue.fulfilDeposit if due.is_deposit else request_queue.fulfilRedeem
                tx = fulfil(due.controller, due.price_round, due.vol_round, sender=keeper_account)
                fulfilled.append((step, tx.return_value, due.amount))
            before = hedger.rebalanceStatus()
            n_before = len(k.rebalances)
            result = k.tick()
            if result is not None and result.sent:
                k.wait_pending(30)
            landed = k.rebalances[n_before:]
            after = hedger.rebalanceStatus()
            rows.append(
                {
                    "step": step,
                    "price": price,
                    "delta_before": before.delta / WAD,
                    "delta": after.delta / WAD,
                    "target": after.target / WAD,
                    "band": before.band / WAD,
                    "rule": landed[0].rule.name.lower() if landed else "",
                    "basefee_gwei": gas_gwei,
                }
            )

    # ------------------------------------------------------------------ summary
    # The deposit fulfilled during the run is new money, not a result of the hedge.
    nav1 = vault.totalAssets() - sum(assets for _, _, assets in fulfilled)
    per_rule = {r.name.lower(): 0 for r in Rule if r != Rule.NONE}
    for r in k.rebalances:
        per_rule[r.rule.name.lower()] += 1
    gas_used = sum(r.gas_used for r in k.rebalances)
    gas_eth = sum(r.gas_used * r.effective_gas_price for r in k.rebalances) / 1e18
    bounty = sum(r.bounty for r in k.rebalances)
    fees, impact = _swap_costs(k.rebalances, hedger, int(market.pool.contract.fee()))
    hedging_cost = fees + impact + bounty
    deviations = [abs(r["delta_before"] - r["target"]) for r in rows]
    rms = math.sqrt(sum(d * d for d in deviations) / len(deviations))
    final = hedger.rebalanceStatus()
    inside = abs(final.delta - final.target) <= final.band
    skipped = [r for r in logs if r["event"] in ("simulation_reverted", "tx_failed", "tx_rejected")]
    summary = [
        (
            "steps",
            f"{len(rows)} x {dt_hours:g} h"
            + (f" ({prices_file})" if prices_file else f" (GBM, seed {seed})"),
        ),
        ("price", f"{prices[0]:,.2f} -> {prices[-1]:,.2f}"),
        (
            "deposit request fulfilled",
            ", ".join(
                f"step {step}: {assets / 1e6:,.0f} USDC for {shares / 1e12:,.2f} shares"
                for step, shares, assets in fulfilled
            )
            or "none",
        ),
        ("rebalances", f"{len(k.rebalances)}"),
        *[(f"  by rule {name}", str(n)) for name, n in per_rule.items()],
        ("gas used by rebalances", f"{gas_used:,} gas ({gas_eth:.5f} ETH)"),
        (
            "bounty paid to the keeper",
            f"{bounty / 1e6:,.2f} USDC (keeper balance +"
            f"{(quote.balanceOf(keeper_account) - keeper_quote0) / 1e6:,.2f})",
        ),  # fmt: skip
        (
            "hedging cost / premium collected",
            f"{hedging_cost / 1e6:,.2f} / {premium / 1e6:,.2f} USDC = {hedging_cost / premium:.3f} (pool fees "
            f"{fees / 1e6:,.2f} + price impact {impact / 1e6:,.2f} + bounties {bounty / 1e6:,.2f})",
        ),  # fmt: skip
        ("hedging error (RMS |delta-target| before the keeper)", f"{rms:.4f} WETH"),
        ("max |delta-target| seen", f"{max(deviations):.4f} WETH"),
        (
            "final delta / target / band",
            f"{final.delta / WAD:+.4f} / {final.target / WAD:+.4f} / "
            f"{final.band / WAD:.4f} ({'inside' if inside else 'OUTSIDE'})",
        ),  # fmt: skip
        (
            "NAV (less the deposit fulfilled during the run)",
            f"{nav0 / 1e6:,.2f} -> {nav1 / 1e6:,.2f} USDC ({(nav1 - nav0) / 1e6:+,.2f}, "
            f"{(nav1 - nav0) / nav0 * 100:+.3f} %)",
        ),  # fmt: skip
        ("sends skipped or failed", str(len(skipped))),
    ]
    width = max(len(k_) for k_, _ in summary)
    click.echo("")
    click.echo(f"{'metric':<{width}}  value")
    click.echo(f"{'-' * width}  {'-' * 40}")
    for key, value in summary:
        click.echo(f"{key:<{width}}  {value}")
    _plot(rows, Path(out_file))
    click.echo(f"\nwrote {out_file}")


def _swap_costs(rebalances, hedger, fee_pips: int) -> tuple[int, int]:
    """(pool fees, price impact) of the rebalances' swaps in quote units: what each swap lost against the
    oracle price of its `Rebalanced` event, the fee tier's share of the notional counted as fees."""
    from ape import chain

    fees = impact = 0
    for r in rebalances:
        for e in chain.provider.get_receipt(r.tx_hash).decode_logs(hedger.Rebalanced):
            bought = e.deltaAfter > e.deltaBefore  # quote in, base out
            base, quote_paid_or_got = (e.amountOut, e.amountIn) if bought else (e.amountIn, e.amountOut)
            notional = base * e.price // 10**30  # WAD base x WAD quote per base -> 6-decimal quote units
            lost = quote_paid_or_got - notional if bought else notional - quote_paid_or_got
            fee = notional * fee_pips // 10**6
            fees += fee
            impact += lost - fee
    return fees, impact


def _plot(rows: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.parent.mkdir(parents=True, exist_ok=True)
    steps = [r["step"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 7), sharex=True)
    ax1.plot(steps, [r["price"] for r in rows], color="black", lw=1.2, label="ETH price (pool and feed)")
    ax1.set_ylabel("USDC per WETH")
    ax1.set_title("DeltaVault demo: price path, portfolio delta and rebalances")
    lower = [r["target"] - r["band"] for r in rows]
    upper = [r["target"] + r["band"] for r in rows]
    ax2.fill_between(
        steps, lower, upper, color="tab:blue", alpha=0.15, step="mid", label="target +- active band"
    )
    ax2.step(
        steps,
        [r["delta_before"] for r in rows],
        where="mid",
        color="tab:red",
        lw=1,
        label="delta before keeper",
    )
    ax2.step(
        steps, [r["delta"] for r in rows], where="mid", color="tab:blue", lw=1.2, label="delta after keeper"
    )
    colors = {"threshold": "tab:orange", "time": "tab:green", "volatility": "tab:purple", "cost": "tab:brown"}
    for rule, color in colors.items():
        hits = [r for r in rows if r["rule"] == rule]
        if hits:
            ax1.scatter([r["step"] for r in hits], [r["price"] for r in hits], color=color, s=25, zorder=3,
                        label=f"rebalance ({rule})")  # fmt: skip
            ax2.scatter([r["step"] for r in hits], [r["delta"] for r in hits], color=color, s=25, zorder=3)
    ax2.axhline(0, color="grey", lw=0.5)
    ax2.set_ylabel("portfolio delta (WETH)")
    ax2.set_xlabel("step")
    ax1.legend(loc="best", fontsize=8)
    ax2.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
