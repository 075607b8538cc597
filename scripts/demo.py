"""`make demo`: option vaults that hedge both ways on a local anvil, a replayed price path and the keeper at work.

    ape run demo --network ethereum:local:foundry [--books put-heavy,mixed] [--steps 48] [--dt-hours 2] [--seed 3]
                 [--prices path.csv]

Deploys one market (WETH/USDC on the real Uniswap V3, price and volatility feeds) and one vault per book, each
with its short leg on the real Morpho Blue, the tuned default rebalancing policy and the short policy (target
LTV 0.5, max LTV 0.6). A liquidity provider deposits 2M USDC into each vault and a trader buys the book. Then,
for every step of the price path (seeded GBM by default, or a CSV with a `price` column), the pool and the
feeds move to the new price and each vault's keeper (`deltavault.keeper.Keeper`, as `ape run keeper`)
rebalances when its vault says it is due (`deltavault.demo.run_demo`). Prints a table per book, writes
reports/demo.png, and exits non-zero when some book's |D - T| was outside its band after the keeper at a step
after the first.
"""

import csv
from datetime import UTC, datetime
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, network_option

from deltavault.local.anvil import lean_anvil

lean_anvil()  # the local anvil of `ape run demo` keeps its history in memory only

REPORTS = Path(__file__).resolve().parent.parent / "reports"


def read_prices(path: str) -> list[float]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "price" not in rows[0]:
        raise click.ClickException(f"{path}: expected a CSV with a `price` column")
    try:
        prices = [float(r["price"]) for r in rows]
    except ValueError as err:
        raise click.ClickException(f"{path}: a `price` is not a number ({err})") from None
    if len(prices) < 2 or min(prices) <= 0:
        raise click.ClickException(f"{path}: expected at least 2 positive prices")
    return prices


def parse_books(value: str):
    from deltavault.demo import BOOKS

    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in BOOKS]
    if unknown or not names:
        raise click.BadParameter(
            f"unknown book {', '.join(unknown) or '(none)'}; choose from {', '.join(BOOKS)}"
        )
    if len(names) > 6:
        raise click.BadParameter("at most 6 books")
    return [BOOKS[n] for n in names]


@click.command(cls=ConnectedProviderCommand, short_help="Run the local demo")
@network_option()
@click.option("--books", "books_arg", default="put-heavy,mixed", show_default=True,
              help="comma-separated books: put-heavy, mixed, call-heavy")  # fmt: skip
@click.option("--steps", type=click.IntRange(min=1), default=48, show_default=True, help="GBM steps")
@click.option(
    "--dt-hours", type=click.FloatRange(min=0.1), default=2.0, show_default=True, help="hours per step"
)
@click.option("--seed", type=int, default=3, show_default=True)
@click.option("--vol", "path_vol", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="GBM volatility")  # fmt: skip
@click.option("--prices", "prices_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="replay a CSV with a `price` column instead of GBM")  # fmt: skip
@click.option("--base-fee-gwei", type=click.FloatRange(min=0), default=20.0, show_default=True,
              help="base fee of the demo chain")  # fmt: skip
@click.option("--out", "out_file", default=str(REPORTS / "demo.png"), show_default=True)
def cli(network, books_arg, steps, dt_hours, seed, path_vol, prices_file, base_fee_gwei, out_file):
    from ape.logging import LogLevel, logger

    from deltavault.demo import gbm_path, plot_demo, run_demo

    books = parse_books(books_arg)
    prices = (
        read_prices(prices_file)
        if prices_file
        else gbm_path(steps, start=2000.0, vol=path_vol, drift=0.0, dt_hours=dt_hours, seed=seed)
    )
    logger.set_level(LogLevel.WARNING)  # one line per transaction would drown the progress lines
    result = run_demo(
        books, prices, dt_hours=dt_hours, seed=seed, base_fee_gwei=base_fee_gwei, echo=click.echo
    )
    source = f" ({prices_file})" if prices_file else f" (GBM vol {path_vol:g}, seed {seed})"
    start = datetime.fromtimestamp(result.start_time, UTC)
    click.echo("")
    click.echo(
        f"path: {len(prices) - 1} x {dt_hours:g} h from {start:%Y-%m-%d %H:%M} UTC{source}, "
        f"price {prices[0]:,.2f} -> {prices[-1]:,.2f} (low {min(prices):,.2f}, high {max(prices):,.2f})"
    )
    for run in result.runs:
        click.echo("")
        click.echo(f"book {run.book.name}: {run.book.description}")
        rows = summary_rows(run)
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            click.echo(f"  {key:<{width}}  {value}")
    try:
        plot_demo(result, Path(out_file))
    except OSError as err:
        raise click.ClickException(f"cannot write {out_file}: {err.strerror or err}") from None
    click.echo(f"\nwrote {out_file}")
    failed = [run for run in result.runs if run.out_of_band()]
    if failed:
        raise click.ClickException(
            "; ".join(
                f"{run.book.name}: |D - T| outside the band after the keeper at step(s) "
                + ", ".join(str(s.step) for s in run.out_of_band()[:10])
                for run in failed
            )
        )


def summary_rows(run) -> list[tuple[str, str]]:
    low, high = run.hedge_range()
    last = run.steps[-1]
    out = run.out_of_band()
    checked = len(run.steps) - 1
    per_rule = ", ".join(f"{name} {n}" for name, n in run.per_rule().items() if n)
    health = run.min_health()
    gap = run.min_liquidation_gap()
    cost = run.hedging_cost
    return [
        ("premium collected", f"{run.premium / 1e6:,.2f} USDC"),
        ("rebalances", f"{len(run.rebalances)}" + (f" ({per_rule})" if per_rule else "")),
        (
            "hedge range (base held - owed)",
            f"{low:+,.3f} .. {high:+,.3f} WETH" + (" (crossed zero)" if run.crossed_zero else ""),
        ),  # fmt: skip
        (
            "final |D - T| / band",
            f"{last.deviation:.3f} / {last.band:.3f} WETH ({'inside' if last.in_band else 'OUTSIDE'})",
        ),  # fmt: skip
        (
            "|D - T| in band after the keeper",
            f"{checked - len(out)} of {checked} steps after the first"
            + ("" if not out else f" (OUTSIDE at {len(out)})"),
        ),  # fmt: skip
        (
            "hedging cost / premium collected",
            f"{cost / 1e6:,.2f} / {run.premium / 1e6:,.2f} USDC = "
            f"{cost / run.premium:.3f} (pool fees {run.fees / 1e6:,.2f} + price impact {run.impact / 1e6:,.2f} + "
            f"bounties {run.bounty / 1e6:,.2f})",
        ),  # fmt: skip
        ("bounty paid to the keeper", f"{run.bounty / 1e6:,.2f} USDC"),
        ("gas used by rebalances", f"{run.gas_used:,} gas ({run.gas_eth:.5f} ETH)"),
        (
            "max LTV of the short / policy max",
            f"{run.max_ltv_seen():.1%} / {run.max_ltv:.0%}"
            if health is not None
            else f"no base owed / {run.max_ltv:.0%}",
        ),  # fmt: skip
        (
            "min health factor",
            f"{health:.2f} (liquidation price at least {gap:+.1%} from spot)"
            if health is not None
            else "no base owed",
        ),  # fmt: skip
        ("NAV change after the book was written", f"{last.nav_change:+,.2f} USDC"),
        ("sends skipped or failed", str(len(run.skipped))),
    ]
