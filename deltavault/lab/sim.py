"""The vectorised hedging simulator: a book, price paths and a policy in; P&L, risk and costs out.

Per check (every `grid.step_seconds`) and for all paths at once: a volatility observation (the hedger's EWMA),
the decision of each rule in the contract's order (threshold, volatility-adjusted, cost-aware, time; cooldown;
see `deltavault.lab.rules` for the exact integer mirror), the trade (to the target or the band edge, capped by
`hedgeCap` and, long-only, by the base held), and its costs: the pool fee, the price impact at the pool's
in-range liquidity (the same estimate as `UniswapV3AdapterBase.tradingCost`, liquidity from the demo pool's
positions computed with `deltavault.uniswap`), the keeper bounty the vault pays (bounty multiplier x gas x
base fee, capped) and, for a short hedge, borrow interest. The book is valued and hedged by Black-Scholes at
the vault's implied volatility. The vault starts hedged (the first trade is the same for every policy).

Out (`Result`): P&L of book + hedge per path, its standard deviation and 95 % CVaR relative to the premium,
mean cost by component relative to the premium, rebalances per day, and the share of time outside the band.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from deltavault.lab.book import Book
from deltavault.lab.errors import LabError
from deltavault.lab.paths import YEAR_SECONDS, Grid
from deltavault.policy import WAD, HedgePolicy, Rules

GWEI = 1e-9
COST_RULES = ("ww", "fixed")


# ---------------------------------------------------------------------------------------------------------
# Market: pool, gas, borrowing
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Market:
    """The venue and the chain. Defaults: a 5 bp WETH/USDC pool holding 20 M USDC of liquidity in the demo's
    three ranges around `spot` (`deltavault.uniswap.default_ranges`), 214k gas per rebalance at a base fee of
    20 gwei (lognormal, 25 % per check), no short hedge (long-only spot, as DeltaHedger today)."""

    spot: float = 2000.0
    fee_tier: int = 500  # hundredths of a bip
    liquidity_quote: float = 20_000_000.0
    gas_per_rebalance: int = 214_000
    basefee_gwei: float = 20.0
    basefee_vol: float = 0.25
    allow_short: bool = False
    borrow_rate: float = 0.05  # annual, on the quote value of base borrowed
    base_decimals: int = 18
    quote_decimals: int = 6

    @property
    def fee(self) -> float:
        return self.fee_tier / 1e6

    def ranges(self) -> list[tuple[float, float, float]]:
        """(lower price, upper price, raw liquidity) of each position, as `uniswap.add_liquidity` mints them."""
        return _pool_ranges(
            self.spot, self.fee_tier, self.liquidity_quote, self.base_decimals, self.quote_decimals
        )

    def impact_per_base(self, spot: np.ndarray) -> np.ndarray:
        """Price impact per unit of base traded at `spot`: raw * sqrtP / L (the adapter's estimate), per WAD."""
        liquidity = np.zeros_like(spot)
        for lower, upper, raw_l in self.ranges():
            liquidity += np.where((spot >= lower) & (spot < upper), raw_l, 0.0)
        sqrt_raw = np.sqrt(spot * 10.0 ** (self.quote_decimals - self.base_decimals))
        with np.errstate(divide="ignore"):
            return np.where(liquidity > 0, 10.0**self.base_decimals * sqrt_raw / liquidity, np.inf)


_RANGE_CACHE: dict = {}


def _pool_ranges(spot, fee_tier, value, base_decimals, quote_decimals):
    key = (spot, fee_tier, value, base_decimals, quote_decimals)
    if key in _RANGE_CACHE:
        return _RANGE_CACHE[key]
    from deltavault import uniswap as u

    spacing = u.FEE_TICK_SPACING[fee_tier]
    args = (base_decimals, quote_decimals, True)  # base as token0: the impact is the same either way
    sqrt_price = u.price_to_sqrt_price_x96(spot, *args)
    price = u.to_fraction(u.sqrt_price_x96_to_price(sqrt_price, *args))
    out = []
    for r in u.default_ranges(spot, value):
        lo = (
            u.min_usable_tick(spacing)
            if r.lower is None
            else u.price_to_tick(r.lower, *args, spacing, "down")
        )
        hi = u.max_usable_tick(spacing) if r.upper is None else u.price_to_tick(r.upper, *args, spacing, "up")
        sl, su = u.sqrt_price_x96_at_tick(lo), u.sqrt_price_x96_at_tick(hi)
        ref = 10**24
        a0, a1 = u.position_amounts(sqrt_price, sl, su, ref)
        ref_value = Fraction(a0, 10**base_decimals) * price + Fraction(a1, 10**quote_decimals)
        liquidity = int(ref * u.to_fraction(r.quote_value) / ref_value)
        lower = 0.0 if r.lower is None else float(u.tick_to_price(lo, *args))
        upper = math.inf if r.upper is None else float(u.tick_to_price(hi, *args))
        out.append((lower, upper, float(liquidity)))
    _RANGE_CACHE[key] = out
    return out


# ---------------------------------------------------------------------------------------------------------
# Policy
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabPolicy:
    """A `HedgePolicy` plus the lab's choice of cost rule: "ww" is DeltaHedger today (gas as a proportional
    cost, `RebalanceLib.whalleyWilmott`), "fixed" the fixed + proportional cost band of
    `RebalanceLib.fixedCostBand` (gas as the fixed cost it is; trades to the target)."""

    hedge: HedgePolicy = field(default_factory=HedgePolicy)
    cost_rule: str = "ww"
    name: str = "policy"

    def __post_init__(self):
        if self.cost_rule not in COST_RULES:
            raise LabError(f"cost rule must be one of {', '.join(COST_RULES)}, got {self.cost_rule!r}")


# ---------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------

COMPONENTS = ("fee", "impact", "bounty", "borrow")


@dataclass
class Result:
    premium: float
    pnl: np.ndarray  # per path, quote
    costs: dict[str, np.ndarray]  # per component, per path, quote
    gas: np.ndarray  # gas the keeper paid (repaid by the bounty), quote
    trades: np.ndarray  # rebalances per path
    outside: np.ndarray  # share of checks ending outside the band, per path
    days: float
    trace: dict[str, np.ndarray] | None = None

    @property
    def risk(self) -> float:
        """Standard deviation of the P&L, relative to the premium."""
        return float(np.std(self.pnl) / self.premium)

    @property
    def cvar(self) -> float:
        """95 % CVaR of the loss (mean of the worst 5 % of -P&L), relative to the premium."""
        loss = np.sort(-self.pnl)[::-1]
        k = max(1, int(math.ceil(0.05 * len(loss))))
        return float(loss[:k].mean() / self.premium)

    @property
    def total_cost(self) -> np.ndarray:
        return sum(self.costs[c] for c in COMPONENTS)

    @property
    def cost(self) -> float:
        """Mean total cost (fee + impact + bounty + borrow), relative to the premium."""
        return float(self.total_cost.mean() / self.premium)

    def component(self, name: str) -> float:
        return float(self.costs[name].mean() / self.premium)

    @property
    def trades_per_day(self) -> float:
        return float(self.trades.mean() / self.days)

    def summary(self) -> dict[str, float]:
        return {
            "risk": self.risk,
            "cvar95": self.cvar,
            "cost": self.cost,
            **{f"cost_{c}": self.component(c) for c in COMPONENTS},
            "gas": float(self.gas.mean() / self.premium),
            "mean_pnl": float(self.pnl.mean() / self.premium),
            "trades_per_day": self.trades_per_day,
            "outside_band": float(self.outside.mean()),
        }


# ---------------------------------------------------------------------------------------------------------
# The simulation
# ---------------------------------------------------------------------------------------------------------


def fixed_cost_band(fixed_cost, lam, spot, gamma, risk_aversion, iterations: int = 8):
    """Float version of `RebalanceLib.fixedCostBand`: the root H of ra/6 H^4 - lam S G^2 H - 2 K G^2 = 0."""
    g2 = gamma * gamma
    b, c = lam * spot * g2, 2.0 * fixed_cost * g2
    h = (12.0 * fixed_cost * g2 / risk_aversion) ** 0.25 + np.cbrt(6.0 * b / risk_aversion)
    for _ in range(iterations):
        f = risk_aversion / 6.0 * h**4 - b * h - c
        df = 2.0 * risk_aversion / 3.0 * h**3 - b
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.where(df > 0, h - f / df, h)
    return h


def simulate(
    book: Book,
    paths: np.ndarray,
    grid: Grid,
    policy: LabPolicy,
    market: Market | None = None,
    *,
    seed: int = 0,
    implied_vol: float | None = None,
    trace_path: int | None = None,
    chunk_steps: int = 576,
    progress: Callable[[int], None] | None = None,
) -> Result:
    """Runs `policy` on every path. `paths` is (grid.steps + 1, n). `trace_path` records one path step by step
    (for the backtest plot). `progress(k)` is called with the number of steps done since the last call."""
    market = market or Market()
    if paths.ndim != 2 or paths.shape[0] != grid.steps + 1 or paths.shape[1] == 0:
        raise LabError(f"paths must be (steps + 1, paths) = ({grid.steps + 1}, n), got {paths.shape}")
    if not np.all(np.isfinite(paths)) or np.any(paths <= 0):
        raise LabError("paths: every price must be positive and finite")
    p = policy.hedge
    vol = book.implied_vol if implied_vol is None else implied_vol
    if vol <= 0:
        raise LabError(f"implied vol must be positive, got {vol:g}")
    book = Book(book.series, book.spot, vol, book.name)
    n = paths.shape[1]
    times = grid.times()
    rng = np.random.default_rng(seed)
    liab0, delta0, _ = book.greeks(paths[:1], times[:1])
    premium = float(liab0.mean())
    if premium <= 0:
        raise LabError("the book has no value at the start (nothing sold)")

    # Policy in floats.
    target, band, min_band = p.target / WAD, p.band / WAD, p.min_band / WAD
    cap, ra = p.hedge_cap / WAD, p.risk_aversion / WAD
    ref_vol, alpha = p.reference_vol / WAD, p.ewma_alpha / WAD
    rules = int(p.rules)
    mult, bounty_cap = p.bounty_multiplier_bps / 1e4, p.bounty_cap / 10**market.quote_decimals
    obs_every = max(1, int(math.ceil(p.observation_spacing / grid.step_seconds)))

    # State.
    hedge = target - delta0[0]
    if not market.allow_short:
        hedge = np.maximum(hedge, 0.0)
    last = np.zeros(n)
    variance = np.zeros(n)
    last_obs_price, last_obs_time = paths[0].copy(), 0.0
    hedge_pnl = np.zeros(n)
    costs = {c: np.zeros(n) for c in COMPONENTS}
    gas_paid = np.zeros(n)
    trades = np.zeros(n)
    outside = np.zeros(n)
    trace = None
    if trace_path is not None:
        keys = ("price", "delta_before", "delta", "band", "hedge", "pnl", "cost", "rebalanced")
        trace = {k: np.zeros(grid.steps + 1) for k in keys}
        trace["time"] = times
        trace["price"][0] = paths[0, trace_path]
        trace["delta"][0] = trace["delta_before"][0] = delta0[0, trace_path] + hedge[trace_path]
        trace["band"][0] = band
        trace["hedge"][0] = hedge[trace_path]

    # The price each leg settles at: the first check at or after its expiry.
    settle_rows = np.minimum(np.ceil(book.expiries_seconds() / grid.step_seconds).astype(int), grid.steps)
    settle = paths[settle_rows]

    for start in range(1, grid.steps + 1, chunk_steps):
        stop = min(start + chunk_steps, grid.steps + 1)
        liab_c, delta_c, gamma_c = book.greeks(
            paths[start:stop], times[start:stop], settle_spot=settle, value=trace is not None
        )
        impact_c = market.impact_per_base(paths[start:stop])
        for j, i in enumerate(range(start, stop)):
            s, t = paths[i], times[i]
            hedge_pnl += hedge * (s - paths[i - 1])
            if not market.allow_short:
                pass
            else:
                costs["borrow"] += np.maximum(-hedge, 0.0) * s * market.borrow_rate * grid.dt_years
            if i % obs_every == 0:
                r = np.log(s / last_obs_price)
                sample = r * r * YEAR_SECONDS / (t - last_obs_time)
                variance = np.where(variance == 0, sample, alpha * sample + (1 - alpha) * variance)
                last_obs_price, last_obs_time = s, t
            basefee = market.basefee_gwei * np.exp(market.basefee_vol * rng.standard_normal(n))
            x = delta_c[j] + hedge - target
            dev = np.abs(x)
            elapsed = t - last
            fired = np.zeros(n, dtype=bool)
            band_used = np.zeros(n)
            primary = None
            if rules & Rules.THRESHOLD:
                primary = np.full(n, band)
                f = dev > band
                fired |= f
                band_used = np.where(f, band, band_used)
            if rules & Rules.VOLATILITY:
                with np.errstate(divide="ignore"):
                    k = np.where(variance > 0, np.clip(ref_vol / np.sqrt(variance), 0.25, 4.0), 1.0)
                vband = np.maximum(band * k, min_band)
                f = ~fired & ((dev > vband) | ((elapsed >= p.max_interval * k * k) & (dev > min_band)))
                primary = vband if primary is None else primary
                fired |= f
                band_used = np.where(f, vband, band_used)
            if rules & Rules.COST:
                g = np.abs(gamma_c[j])
                lam = market.fee + np.minimum(dev * impact_c[j], 1.0)
                with np.errstate(divide="ignore", invalid="ignore"):
                    if policy.cost_rule == "ww":
                        lam = lam + p.rebalance_gas * basefee * GWEI / dev
                        cband = np.cbrt(1.5 * lam * s * g * g / ra)
                    else:
                        fixed = p.rebalance_gas * basefee * GWEI * s * mult
                        cband = fixed_cost_band(fixed, lam, s, g, ra)
                cband = np.where(dev > 0, np.maximum(np.nan_to_num(cband, nan=np.inf), min_band), np.inf)
                f = ~fired & (dev > cband)
                primary = cband if primary is None else primary
                fired |= f
                band_used = np.where(f, cband, band_used)
            if rules & Rules.TIME:
                f = ~fired & (elapsed >= p.max_interval) & (dev > min_band)
                primary = np.full(n, min_band) if primary is None else primary
                fired |= f
                band_used = np.where(f, min_band, band_used)
            size = np.where(fired, dev, 0.0)
            if p.trade_to_edge and not (policy.cost_rule == "fixed" and rules & Rules.COST):
                size = np.maximum(size - band_used, 0.0)
            size = np.minimum(size, cap)
            if not market.allow_short:
                size = np.where(x > 0, np.minimum(size, hedge), size)
            due = fired & (size > 0) & (elapsed >= p.min_interval)
            q = np.where(due, np.where(x > 0, -size, size), 0.0)
            notional = np.abs(q) * s
            costs["fee"] += notional * market.fee
            costs["impact"] += notional * np.minimum(np.abs(q) * impact_c[j], 1.0)
            gas = np.where(due, market.gas_per_rebalance * basefee * GWEI * s, 0.0)
            gas_paid += gas
            costs["bounty"] += np.minimum(gas * mult, bounty_cap)
            hedge = hedge + q
            last = np.where(due, t, last)
            trades += due
            dev_after = np.abs(delta_c[j] + hedge - target)
            outside += dev_after > primary
            if trace is not None:
                tp = trace_path
                trace["price"][i] = s[tp]
                trace["delta_before"][i] = x[tp] + target
                trace["delta"][i] = dev_after[tp] * np.sign(delta_c[j][tp] + hedge[tp] - target) + target
                trace["band"][i] = np.where(fired, band_used, primary)[tp]
                trace["hedge"][i] = hedge[tp]
                trace["rebalanced"][i] = due[tp]
                spent = sum(costs[c][tp] for c in COMPONENTS)
                trace["cost"][i] = spent
                trace["pnl"][i] = premium - liab_c[j][tp] + hedge_pnl[tp] - spent
        if progress is not None:
            progress(stop - start)

    liab_end, _, _ = book.greeks(paths[-1:], times[-1:], settle_spot=settle)
    pnl = premium - liab_end[0] + hedge_pnl - sum(costs[c] for c in COMPONENTS)
    return Result(premium, pnl, costs, gas_paid, trades, outside / grid.steps, grid.days, trace)
