"""The engine of `make demo` (scripts/demo.py is its click front end): option books written on vaults that
hedge both ways, a replayed price path and the keeper at work, on a local chain.

`run_demo` deploys one market (`deltavault.local.stack.deploy_market`: tokens, the real Uniswap V3 pool, the
price and volatility feeds), then one vault system per book on it, each with its short leg on the real Morpho
Blue (`deltavault.local.stack.deploy_short_leg`), the tuned default rebalancing policy and the short policy of
`ShortLegSpec` (target LTV 0.5, max LTV 0.6, at most 500 WETH owed). A liquidity provider deposits into each
vault and traders buy the book's options. Then, for every price of the path, it advances time, trades the pool
to the price, pushes the feeds, records a volatility observation, sets the next block's base fee and lets each
vault's keeper (`deltavault.keeper.Keeper`, the code behind `ape run keeper`) rebalance when the vault says it
is due. Every step is read back from the chain after the keeper: portfolio delta D against its target T and
band, base held, base owed, collateral, the short's LTV and liquidation price, NAV, and the hedging cost paid.

`DemoBook`s are written relative to the first price of the path (strike = moneyness x start price), so a
replayed CSV at any price level writes the same shape of book.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from deltavault.policy import WAD, HedgePolicy, Rule

GWEI = 10**9
QUOTE_DECIMALS = 6
Q = 10**QUOTE_DECIMALS
LP_DEPOSIT = 2_000_000  # USDC per vault
SKIPPED_EVENTS = ("simulation_reverted", "unprofitable_after_simulation", "tx_failed", "tx_rejected")


# ---------------------------------------------------------------------------------------------------------
# Books and paths
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leg:
    """Options a trader buys from the vault: `amount` options of strike `moneyness` x start price; a call pays
    at most `cap` x start price (a call spread K / K + cap)."""

    is_call: bool
    moneyness: Decimal
    amount: int
    cap: Decimal = Decimal(0)
    days: int = 30


@dataclass(frozen=True)
class DemoBook:
    name: str
    legs: tuple[Leg, ...]
    description: str


PUT_HEAVY = DemoBook(
    "put-heavy",
    (
        Leg(False, Decimal("1.0"), 30),
        Leg(False, Decimal("0.9"), 20),
        Leg(True, Decimal("1.1"), 10, cap=Decimal("0.2")),
    ),
    "30 puts at 2000, 20 puts at 1800, 10 call spreads 2200/2600 (net long delta: the hedge is short)",
)
MIXED = DemoBook(
    "mixed",
    (
        Leg(False, Decimal("1.0"), 30),
        Leg(False, Decimal("0.9"), 10),
        Leg(True, Decimal("1.0"), 30, cap=Decimal("1.0")),
        Leg(True, Decimal("1.1"), 10, cap=Decimal("1.0")),
    ),
    "30 puts at 2000, 10 puts at 1800, 30 calls at 2000, 10 calls at 2200 (delta changes sign near spot)",
)
CALL_HEAVY = DemoBook(
    "call-heavy",
    (
        Leg(True, Decimal("0.9"), 20, cap=Decimal("1.0")),
        Leg(True, Decimal("1.1"), 20, cap=Decimal("1.0")),
        Leg(True, Decimal("1.0"), 30, cap=Decimal("1.0"), days=7),
        Leg(False, Decimal("0.9"), 10),
    ),
    "20 call spreads 1800/3800, 20 call spreads 2200/4200, 30 seven-day call spreads 2000/4000, 10 puts at "
    "1800 (the lab's `demo` book: net short delta, the hedge holds base)",
)
BOOKS: dict[str, DemoBook] = {b.name: b for b in (PUT_HEAVY, MIXED, CALL_HEAVY)}


def gbm_path(
    steps: int, *, start: float, vol: float, drift: float, dt_hours: float, seed: int
) -> list[float]:
    """`steps + 1` prices of a geometric Brownian motion (annual `vol` and `drift`) from `start`."""
    rng = random.Random(seed)
    dt = dt_hours / (365 * 24)
    prices = [start]
    for _ in range(steps):
        z = rng.gauss(0.0, 1.0)
        prices.append(prices[-1] * math.exp((drift - 0.5 * vol * vol) * dt + vol * math.sqrt(dt) * z))
    return prices


# ---------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One book after the keeper at one step of the path (deltas and base amounts in WETH, money in USDC)."""

    step: int
    time: int  # block timestamp, seconds
    price: float
    delta_before: float  # D before the keeper
    delta: float  # D after the keeper
    target: float
    band: float
    base_held: float
    base_owed: float
    collateral: float
    ltv: float  # 0 without debt
    liquidation_price: float | None  # None without debt
    health_factor: float | None  # collateral x LLTV / debt; None without debt
    nav_change: float  # NAV now - NAV after the options were written
    cost: float  # cumulative hedging cost: pool fees + price impact + bounties
    rule: str  # the rule of the rebalance landed at this step, or ""

    @property
    def hedge(self) -> float:
        """The hedge's base position: base held - base owed."""
        return self.base_held - self.base_owed

    @property
    def deviation(self) -> float:
        return abs(self.delta - self.target)

    @property
    def in_band(self) -> bool:
        return self.deviation <= self.band


@dataclass
class BookRun:
    """A book's vault, its keeper and what happened to it."""

    book: DemoBook
    vault: Any
    hedger: Any
    venue: Any
    keeper: Any
    keeper_account: Any
    premium: int  # quote units
    nav0: int
    keeper_quote0: int
    max_ltv: float
    steps: list[Step] = field(default_factory=list)
    logs: list[dict] = field(default_factory=list)  # the keeper's log records
    fees: int = 0
    impact: int = 0
    bounty: int = 0

    @property
    def skipped(self) -> list[dict]:
        """The keeper's sends that were skipped (simulation reverted) or failed."""
        return [r for r in self.logs if r["event"] in SKIPPED_EVENTS]

    @property
    def hedging_cost(self) -> int:
        return self.fees + self.impact + self.bounty

    @property
    def rebalances(self) -> list:
        return self.keeper.rebalances

    def per_rule(self) -> dict[str, int]:
        counts = {r.name.lower(): 0 for r in Rule if r != Rule.NONE}
        for r in self.rebalances:
            counts[r.rule.name.lower()] += 1
        return counts

    @property
    def gas_used(self) -> int:
        return sum(r.gas_used for r in self.rebalances)

    @property
    def gas_eth(self) -> float:
        return sum(r.gas_used * r.effective_gas_price for r in self.rebalances) / 1e18

    def hedge_range(self) -> tuple[float, float]:
        hedges = [s.hedge for s in self.steps]
        return min(hedges), max(hedges)

    def out_of_band(self) -> list[Step]:
        """The steps after the first at which |D - T| was outside the band after the keeper."""
        return [s for s in self.steps[1:] if not s.in_band]

    @property
    def crossed_zero(self) -> bool:
        low, high = self.hedge_range()
        return low < 0 < high

    def max_ltv_seen(self) -> float:
        return max(s.ltv for s in self.steps)

    def min_health(self) -> float | None:
        factors = [s.health_factor for s in self.steps if s.health_factor is not None]
        return min(factors) if factors else None

    def min_liquidation_gap(self) -> float | None:
        """The smallest (liquidation price / spot - 1) seen while base was owed, or None."""
        gaps = [s.liquidation_price / s.price - 1 for s in self.steps if s.liquidation_price]
        return min(gaps) if gaps else None


@dataclass
class DemoResult:
    runs: list[BookRun]
    prices: list[float]
    start_time: int  # block timestamp of the start, seconds
    dt_hours: float
    fee_pips: int


# ---------------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------------


def run_demo(
    books: Sequence[DemoBook],
    prices: Sequence[float],
    *,
    dt_hours: float = 1.0,
    seed: int = 7,
    base_fee_gwei: float = 20.0,
    liquidity: int = 20_000_000,
    echo: Callable[[str], None] = print,
    progress_every: int = 6,
) -> DemoResult:
    """Deploys the market and one vault per book on the connected local chain, writes the books at
    `prices[0]`, replays `prices[1:]` (one step every `dt_hours`) and returns what happened. `echo` gets the
    progress lines (one every `progress_every` steps)."""
    import time

    from ape import accounts, chain

    from deltavault.local import uniswap
    from deltavault.local.stack import ShortLegSpec, deploy_market

    started = time.monotonic()

    if len(prices) < 2:
        raise ValueError(f"the price path needs at least 2 prices, got {len(prices)}")
    if not books:
        raise ValueError("no book to run")
    test = accounts.test_accounts
    owner, arb = test[0], test[1]
    rng = random.Random(seed)
    start = Decimal(str(round(prices[0], 2)))

    echo(f"deploying the market at {start:,} USDC per WETH on chain {chain.chain_id} ...")
    market = deploy_market(owner, price=start, liquidity=liquidity)
    fee_pips = int(market.pool.contract.fee())
    runs = []
    for index, book in enumerate(books):
        echo(f"book {book.name}: deploying its vault and short leg, writing {book.description} ...")
        runs.append(_open_book(book, index, market, owner, start, ShortLegSpec()))

    def set_base_fee(gwei: float) -> None:
        chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(int(gwei * GWEI))])

    step_seconds = int(dt_hours * 3600)
    start_time = chain.pending_timestamp
    steps = len(prices) - 1
    echo(f"replaying {steps} steps of {dt_hours:g} h ({time.monotonic() - started:.0f} s so far) ...")
    for step, price in enumerate(prices[1:], start=1):
        chain.pending_timestamp += step_seconds
        uniswap.swap_to_price(market.uni, market.pool, Decimal(str(price)), arb)
        market.price_feed.pushAnswer(int(Decimal(str(price)) * 10**8), sender=owner)
        market.vol_feed.pushAnswer(int(0.8 * 10**8), sender=owner)
        for run in runs:
            run.hedger.observe(sender=owner)
        set_base_fee(base_fee_gwei * math.exp(rng.gauss(0, 0.25)))
        chain.mine()
        for run in runs:
            # Arbitrage brings the pool back to the price after another book's rebalance (one block apart on
            # a live chain), so no book trades on the price impact of another.
            uniswap.swap_to_price(market.uni, market.pool, Decimal(str(price)), arb)
            _keep(run, step, price, fee_pips)
        if step % progress_every == 0 or step == steps:
            elapsed_h = step * dt_hours
            line = ", ".join(
                f"{r.book.name}: D-T {r.steps[-1].delta - r.steps[-1].target:+.2f} "
                f"(band {r.steps[-1].band:.2f}), hedge {r.steps[-1].hedge:+.2f} WETH" for r in runs
            )  # fmt: skip
            echo(
                f"  step {step:>3}/{steps} (+{elapsed_h:g} h, {time.monotonic() - started:.0f} s) "
                f"price {price:,.2f}: {line}"
            )
    return DemoResult(runs, list(prices), start_time, dt_hours, fee_pips)


def _open_book(book: DemoBook, index: int, market, owner, start: Decimal, spec) -> BookRun:
    from ape import accounts, chain

    from deltavault.deploy import deploy_vault_system
    from deltavault.keeper import Keeper, KeeperConfig, ape_signer, lens_abi
    from deltavault.local.stack import DAY, deploy_short_leg
    from deltavault.policy import OracleConfig

    test = accounts.test_accounts
    # One liquidity provider and one trader for every vault; a keeper account per vault (each keeper keeps its
    # own nonce).
    lp, trader, keeper_account = test[2], test[3], test[4 + index]
    quote = market.quote
    oracle = OracleConfig(
        price_feed=market.price_feed.address, price_max_age=3600, vol_feed=market.vol_feed.address,
        vol_max_age=DAY,
    )  # fmt: skip
    system = deploy_vault_system(
        owner,
        quote=quote,
        base=market.base,
        price_feed=market.price_feed,
        pool=market.pool.contract,
        router=market.uni.router,
        oracle=oracle,
        # The tuned default (`ape run lab tune`: the cost-aware rule alone, riskAversion 0.001).
        hedge_policy=HedgePolicy.for_quote_decimals(QUOTE_DECIMALS),
        name=f"DeltaVault {book.name}",
    )
    vault, hedger = system.vault, system.hedger
    deploy_short_leg(owner, system, market.base, quote, market.price_feed, spec)
    from ape import project

    venue = project.MorphoBlueVenue.at(vault.borrowVenue())
    lens = owner.deploy(project.VaultLens)

    quote.mint(lp, LP_DEPOSIT * Q, sender=lp)
    quote.approve(vault, 2**256 - 1, sender=lp)
    vault.deposit(LP_DEPOSIT * Q, lp, sender=lp)
    quote.mint(trader, 1_000_000 * Q, sender=trader)
    quote.approve(vault, 2**256 - 1, sender=trader)
    now = chain.blocks.head.timestamp
    premium = 0
    for leg in book.legs:
        strike = _rounded(start * leg.moneyness)
        cap = _rounded(start * leg.cap) if leg.is_call else Decimal(0)
        expiry = (now + leg.days * DAY) // 3600 * 3600
        tx = vault.listSeries(int(strike * WAD), int(cap * WAD), expiry, leg.is_call, sender=owner)
        series_id = next(iter(tx.decode_logs(vault.SeriesListed))).seriesId
        tx = vault.buyOption(series_id, leg.amount * WAD, 10**30, trader, sender=trader)
        premium += sum(e.premium for e in tx.decode_logs(vault.OptionBought))
    logs: list[dict] = []
    keeper = Keeper(
        web3=chain.provider.web3,
        lens=lens.address,
        lens_abi=lens_abi(),
        hedgers=[hedger.address],
        sender=keeper_account.address,
        sign=ape_signer(keeper_account),
        chain_id=chain.chain_id,
        # The vault operator's own keeper: the bounty reimburses its gas (it is no source of profit), so it acts
        # whenever a rebalance is due rather than only when the reimbursement would beat its estimate.
        config=KeeperConfig(
            priority_fee=GWEI // 10,
            log_every_block=False,
            poll_interval=0.0,
            require_profit=False,
            duties=False,
        ),  # fmt: skip
        log=logs.append,
    )
    max_ltv = hedger.shortPolicy().maxLtv / WAD
    return BookRun(
        book, vault, hedger, venue, keeper, keeper_account, premium, vault.totalAssets(),
        quote.balanceOf(keeper_account), max_ltv, logs=logs,
    )  # fmt: skip


def _rounded(value: Decimal) -> Decimal:
    """A strike or cap on the vault's grid: whole multiples of 50 above 500 USDC, of 0.5 below."""
    tick = Decimal(50) if value >= 500 else Decimal("0.5")
    return (value / tick).to_integral_value() * tick


def _keep(run: BookRun, step: int, price: float, fee_pips: int) -> None:
    """Lets the book's keeper act once and records the step."""
    from ape import chain

    before = run.hedger.rebalanceStatus()
    n_before = len(run.keeper.rebalances)
    result = run.keeper.tick()
    if result is not None and result.sent:
        run.keeper.wait_pending(30)
    landed = run.keeper.rebalances[n_before:]
    for r in landed:
        fees, impact = swap_costs([r], run.hedger, fee_pips)
        run.fees += fees
        run.impact += impact
        run.bounty += r.bounty
    after = run.hedger.rebalanceStatus()
    state = run.vault.hedgeState()
    ltv, health, liquidation = run.venue.health()
    run.steps.append(
        Step(
            step=step,
            time=chain.blocks.head.timestamp,
            price=price,
            delta_before=before.delta / WAD,
            delta=after.delta / WAD,
            target=after.target / WAD,
            band=after.band / WAD,
            base_held=state.baseHeld / WAD,
            base_owed=state.baseOwed / WAD,
            collateral=state.collateral / Q,
            ltv=0.0 if state.baseOwed == 0 else ltv / WAD,
            liquidation_price=None if state.baseOwed == 0 else liquidation / WAD,
            health_factor=None if state.baseOwed == 0 else health / WAD,
            nav_change=(run.vault.totalAssets() - run.nav0) / Q,
            cost=run.hedging_cost / Q,
            rule=landed[0].rule.name.lower() if landed else "",
        )
    )


def swap_costs(rebalances, hedger, fee_pips: int) -> tuple[int, int]:
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


# ---------------------------------------------------------------------------------------------------------
# The figure
# ---------------------------------------------------------------------------------------------------------

BOOK_COLORS = ("tab:red", "tab:blue", "tab:green", "tab:purple", "tab:brown", "tab:olive")
BOOK_MARKERS = ("o", "D", "^", "s", "v", "P")


def plot_demo(result: DemoResult, out) -> None:
    """A figure a trader reads, on a real time axis (UTC): the price with every book's rebalances on top, then
    one column per book: portfolio delta D after the keeper in its band around the target T (D before the
    keeper faint); the hedge's base position (base held - base owed, WETH); the short's LTV with the policy's
    max LTV and the market's LLTV; the NAV change and the cumulative hedging cost (USDC)."""
    import textwrap
    from datetime import UTC, datetime
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    runs = result.runs
    n = len(runs)

    def when(t: int) -> datetime:
        return datetime.fromtimestamp(t, UTC).replace(tzinfo=None)

    fig = plt.figure(figsize=(7.5 * n + 1, 16.5))
    grid = fig.add_gridspec(5, n, height_ratios=[1.4, 1.6, 1.3, 1.0, 1.2], hspace=0.5, wspace=0.18)
    ax_price = fig.add_subplot(grid[0, :])
    x0 = [when(result.start_time)] + [when(s.time) for s in runs[0].steps]
    ax_price.plot(x0, result.prices[: len(x0)], color="black", lw=1.2, label="ETH price (pool and feed)")
    for i, (run, color) in enumerate(zip(runs, BOOK_COLORS, strict=False)):
        hits = [s for s in run.steps if s.rule]
        # Books often rebalance at the same step: a smaller marker on top of a larger one keeps both visible.
        ax_price.scatter([when(s.time) for s in hits], [s.price for s in hits], s=max(90 - 30 * i, 15),
                         marker=BOOK_MARKERS[i % len(BOOK_MARKERS)], color=color, zorder=3 + i,
                         label=f"{run.book.name}: rebalance ({len(hits)})")  # fmt: skip
    ax_price.set_ylabel("USDC per WETH")
    ax_price.set_title(
        "DeltaVault demo: each book's vault hedges on Uniswap V3, shorting WETH through Morpho Blue when its "
        "options are net long delta"
    )
    ax_price.legend(loc="best", fontsize=9)
    ax_price.grid(alpha=0.3)

    axes_all = [ax_price]
    for col, (run, color) in enumerate(zip(runs, BOOK_COLORS, strict=False)):
        x = [when(s.time) for s in run.steps]
        ax_d = fig.add_subplot(grid[1, col], sharex=ax_price)
        lower = [s.target - s.band for s in run.steps]
        upper = [s.target + s.band for s in run.steps]
        ax_d.fill_between(x, lower, upper, step="post", color=color, alpha=0.15, label="target T +- band")
        ax_d.step(x, [s.target for s in run.steps], where="post", color=color, lw=0.8, ls="--")
        ax_d.plot(
            x, [s.delta_before for s in run.steps], ".", ms=3, color="grey", label="D before the keeper"
        )
        ax_d.step(
            x, [s.delta for s in run.steps], where="post", color=color, lw=1.5, label="D after the keeper"
        )
        hits = [s for s in run.steps if s.rule]
        ax_d.scatter([when(s.time) for s in hits], [s.delta for s in hits], s=22, color=color, zorder=3)
        legs = run.book.description.split(" (")[0]  # the parenthesis is for the printed table
        ax_d.set_title(textwrap.fill(f"{run.book.name} book: {legs}", 90), fontsize=10)
        ax_d.set_ylabel("portfolio delta D (WETH)")
        ax_d.legend(loc="best", fontsize=8)

        ax_h = fig.add_subplot(grid[2, col], sharex=ax_price)
        hedge = [s.hedge for s in run.steps]
        ax_h.fill_between(x, 0, [max(h, 0) for h in hedge], step="post", color="tab:green", alpha=0.35,
                          label="long: base held")  # fmt: skip
        ax_h.fill_between(x, 0, [min(h, 0) for h in hedge], step="post", color="tab:red", alpha=0.35,
                          label="short: base owed on Morpho Blue")  # fmt: skip
        ax_h.step(x, hedge, where="post", color="black", lw=1.2)
        ax_h.axhline(0, color="black", lw=0.6)
        low, high = run.hedge_range()
        ax_h.set_ylabel("hedge: held - owed (WETH)")
        ax_h.set_title(f"hedge position, from {low:+.1f} to {high:+.1f} WETH", fontsize=10)
        ax_h.legend(loc="best", fontsize=8)

        ax_l = fig.add_subplot(grid[3, col], sharex=ax_price)
        ax_l.step(
            x, [100 * s.ltv for s in run.steps], where="post", color=color, lw=1.4, label="LTV of the short"
        )
        ax_l.axhline(
            100 * run.max_ltv, color="tab:orange", ls="--", lw=1, label=f"policy max LTV {run.max_ltv:.0%}"
        )
        lltv = run.venue.lltv() / WAD
        ax_l.axhline(100 * lltv, color="tab:red", ls=":", lw=1.2, label=f"liquidation (LLTV {lltv:.0%})")
        ax_l.set_ylim(0, 112)
        ax_l.set_ylabel("LTV (%)")
        health = run.min_health()
        ax_l.set_title(
            "short's loan-to-value" + (f" (min health factor {health:.2f})" if health else " (no base owed)"),
            fontsize=10,
        )
        ax_l.legend(loc="upper center", ncol=3, fontsize=8)

        ax_p = fig.add_subplot(grid[4, col], sharex=ax_price)
        ax_p.plot(x, [s.nav_change for s in run.steps], color="black", lw=1.2,
                  label="NAV change since the book was written (costs included)")  # fmt: skip
        ax_p.step(x, [-s.cost for s in run.steps], where="post", color="tab:orange", lw=1.2,
                  label="- cumulative hedging cost (fees, impact, bounties)")  # fmt: skip
        ax_p.axhline(0, color="grey", lw=0.5)
        ax_p.set_ylabel("USDC")
        ax_p.set_title(f"P&L (premium collected {run.premium / Q:,.0f} USDC)", fontsize=10)
        ax_p.legend(loc="best", fontsize=8)
        for ax in (ax_d, ax_h, ax_l):
            ax.tick_params(labelbottom=False)
        axes_all += [ax_d, ax_h, ax_l, ax_p]
        ax_p.set_xlabel("time (UTC)")

    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    for ax in axes_all:
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %d\n%H:%M"))
    fig.savefig(out, dpi=100, bbox_inches="tight")
    plt.close(fig)
