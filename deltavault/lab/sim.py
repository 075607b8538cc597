"""The vectorised hedging simulator: a book, price paths and a policy in; P&L, risk and costs out.

Per check (every `grid.step_seconds`) and for all paths at once: a volatility observation (the hedger's EWMA),
the decision of each rule in the contract's order (threshold, volatility-adjusted, cost-aware, time; cooldown;
see `deltavault.lab.rules` for the exact integer mirror), the trade (to the target or the band edge, capped by
`hedgeCap` and, long-only, by the base held), and its costs: the pool fee, the price impact at the pool's
in-range liquidity (the same estimate as `UniswapV3AdapterBase.tradingCost`, liquidity from the demo pool's
positions computed with `deltavault.local.uniswap`), the keeper bounty the vault pays (gas x min(base fee + tip,
base fee x bounty multiplier), capped) and, for a short hedge, borrow interest. The book is valued and hedged by Black-Scholes at
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
    three ranges around `spot` (`deltavault.local.uniswap.default_ranges`), 214k gas per rebalance at a base fee of
    20 gwei (lognormal, 25 % per check), no short hedge (long-only spot, as DeltaHedger today)."""

    spot: float = 2000.0
    fee_tier: int = 500  # hundredths of a bip
    liquidity_quote: float = 20_000_000.0
    gas_per_rebalance: int = 214_000
    basefee_gwei: float = 20.0
    basefee_vol: float = 0.25
    priority_fee_gwei: float = 0.1  # the keeper's tip (deltavault.keeper's default in the demo)
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
    from deltavault.local import uniswap as u

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
    """A `HedgePolicy` plus the lab's choice of cost rule: "fixed" is DeltaHedger's (the fixed + proportional
    cost band of `RebalanceLib.fixedCostBand`: gas as the fixed cost it is), "ww" the former rule, kept for
    comparison (gas as a proportional cost `rebalanceGas * basefee / |D - T|`, `RebalanceLib.whalleyWilmott`)."""

    hedge: HedgePolicy = field(default_factory=HedgePolicy)
    cost_rule: str = "fixed"
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


def fixed_cost_band(fixed_cost, lam, spot, gamma, risk_aversion, iterations: int = 6):
    """Float version of `RebalanceLib.fixedCostBand`: the root H of ra/6 H^4 - lam S G^2 H - 2 K G^2 = 0."""
    g2 = gamma * gamma
    b, c = lam * spot * g2, 2.0 * fixed_cost * g2
    h = (12.0 * fixed_cost * g2 / risk_aversion) ** 0.25 + np.cbrt(6.0 * b / risk_aversion)
    for _ in range(iterations):
        h3 = h * h * h
        f = risk_aversion / 6.0 * h3 * h - b * h - c
        df = 2.0 * risk_aversion / 3.0 * h3 - b
        h = np.where(df > 0, h - f / df, h)
    return h


def simulate(
    book: Book,
    paths: np.ndarray,
    grid: Grid,
    policy: LabPolicy,
    market: Market | None = None,
    **kwargs,
) -> Result:
    """Runs one policy on every path (see `simulate_many`)."""
    return simulate_many(book, paths, grid, [policy], market, **kwargs)[0]


class _Params:
    """The policies' parameters as per-column arrays (column = policy-major, path-minor)."""

    def __init__(self, policies: list[LabPolicy], n: int, quote_decimals: int):
        def col(f):
            return np.repeat(np.array([f(lp.hedge) for lp in policies], dtype=float), n)

        def flag(f):
            return np.repeat(np.array([bool(f(lp)) for lp in policies]), n)

        self.target = col(lambda p: p.target / WAD)
        self.band = col(lambda p: p.band / WAD)
        self.min_band = col(lambda p: p.min_band / WAD)
        self.cap = col(lambda p: p.hedge_cap / WAD)
        self.ra = col(lambda p: p.risk_aversion / WAD)
        self.ref_vol = col(lambda p: p.reference_vol / WAD)
        self.min_interval = col(lambda p: p.min_interval)
        self.max_interval = col(lambda p: p.max_interval)
        self.gas = col(lambda p: p.rebalance_gas)
        self.mult = col(lambda p: p.bounty_multiplier_bps / 1e4)
        self.bounty_cap = col(lambda p: p.bounty_cap / 10**quote_decimals)
        self.threshold = flag(lambda lp: lp.hedge.rules & Rules.THRESHOLD)
        self.time = flag(lambda lp: lp.hedge.rules & Rules.TIME)
        self.vol = flag(lambda lp: lp.hedge.rules & Rules.VOLATILITY)
        self.cost = flag(lambda lp: lp.hedge.rules & Rules.COST)
        self.fixed_rule = flag(lambda lp: lp.cost_rule == "fixed")
        self.to_edge = flag(lambda lp: lp.hedge.trade_to_edge)
        alphas = {lp.hedge.ewma_alpha for lp in policies}
        spacings = {lp.hedge.observation_spacing for lp in policies}
        if len(alphas) > 1 or len(spacings) > 1:
            raise LabError("policies run together must share ewma_alpha and observation_spacing")
        self.alpha = alphas.pop() / WAD
        self.spacing = spacings.pop()


def simulate_many(
    book: Book,
    paths: np.ndarray,
    grid: Grid,
    policies: list[LabPolicy],
    market: Market | None = None,
    *,
    seed: int = 0,
    implied_vol: float | np.ndarray | None = None,
    trace_path: int | None = None,
    chunk_steps: int = 288,
    progress: Callable[[int], None] | None = None,
) -> list[Result]:
    """Runs every policy on every path, all at once (common random numbers: the same paths and base fees for
    each policy). `paths` is (grid.steps + 1, n). `trace_path` records that path of the first policy step by
    step (for the backtest plot). `progress(k)` is called with the number of steps done since its last call.
    `implied_vol` is the vault's mark: one value, or one per check and path (shape of `paths`, e.g. a
    manager's re-marks from `deltavault.lab.marks`); the book is written at the first row's mark, so each
    path collects its own premium (`Result.premium` is their mean)."""
    market = market or Market()
    if not policies:
        raise LabError("no policy to simulate")
    if paths.ndim != 2 or paths.shape[0] != grid.steps + 1 or paths.shape[1] == 0:
        raise LabError(f"paths must be (steps + 1, paths) = ({grid.steps + 1}, n), got {paths.shape}")
    if not np.all(np.isfinite(paths)) or np.any(paths <= 0):
        raise LabError("paths: every price must be positive and finite")
    vol = book.implied_vol if implied_vol is None else implied_vol
    if np.ndim(vol):
        vol = np.asarray(vol, dtype=float)
        if vol.shape != paths.shape:
            raise LabError(
                f"implied vol marks must have the shape of the paths {paths.shape}, got {vol.shape}"
            )
        if not np.all(np.isfinite(vol)) or np.any(vol <= 0):
            raise LabError("implied vol marks must be positive and finite")
        marks = vol
    else:
        if vol <= 0:
            raise LabError(f"implied vol must be positive, got {vol:g}")
        book = Book(book.series, book.spot, vol, book.name)
        marks = None
    n, n_pol = paths.shape[1], len(policies)
    m = n * n_pol
    P = _Params(policies, n, market.quote_decimals)
    times = grid.times()
    rng = np.random.default_rng(seed)
    liab0, delta0, _ = book.greeks(paths[:1], times[:1], None if marks is None else marks[:1])
    premium_paths = liab0[0]
    premium = float(premium_paths.mean())
    if premium <= 0:
        raise LabError("the book has no value at the start (nothing sold)")
    obs_every = max(1, int(math.ceil(P.spacing / grid.step_seconds)))
    vol_idx = np.flatnonzero(P.vol)
    ww_idx = np.flatnonzero(P.cost & ~P.fixed_rule)
    fixed_idx = np.flatnonzero(P.cost & P.fixed_rule)

    def tile(a):
        return np.tile(a, n_pol)

    # State, per column.
    hedge = P.target - tile(delta0[0])
    if not market.allow_short:
        hedge = np.maximum(hedge, 0.0)
    last = np.zeros(m)
    variance = np.zeros(n)  # depends on the path only
    last_obs_price, last_obs_time = paths[0].copy(), 0.0
    hedge_pnl = np.zeros(m)
    costs = {c: np.zeros(m) for c in COMPONENTS}
    gas_paid, trades, outside = np.zeros(m), np.zeros(m), np.zeros(m)
    trace = None
    if trace_path is not None:
        keys = ("price", "delta_before", "delta", "band", "hedge", "pnl", "cost", "rebalanced", "rule_fired",
                "trade", "gamma", "variance", "elapsed", "basefee_gwei", "hedge_before", "vol")  # fmt: skip
        trace = {k: np.zeros(grid.steps + 1) for k in keys}
        trace["time"] = times
        trace["target"] = np.full(grid.steps + 1, P.target[trace_path])
        trace["price"][0] = paths[0, trace_path]
        trace["delta"][0] = trace["delta_before"][0] = delta0[0, trace_path] + hedge[trace_path]
        trace["band"][0] = P.band[trace_path]
        trace["hedge"][0] = hedge[trace_path]
        trace["pnl"][0] = 0.0
        trace["vol"][0] = vol if marks is None else marks[0, trace_path]

    # The price each leg settles at: the first check at or after its expiry.
    settle_rows = np.minimum(np.ceil(book.expiries_seconds() / grid.step_seconds).astype(int), grid.steps)
    settle = paths[settle_rows]

    # Divisions by a zero deviation or gamma give inf bands, which is what the rules need.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for start in range(1, grid.steps + 1, chunk_steps):
            stop = min(start + chunk_steps, grid.steps + 1)
            liab_c, delta_c, gamma_c = book.greeks(
                paths[start:stop], times[start:stop], None if marks is None else marks[start:stop],
                settle_spot=settle, value=trace is not None,
            )  # fmt: skip
            impact_c = market.impact_per_base(paths[start:stop])
            for j, i in enumerate(range(start, stop)):
                t = times[i]
                s_n = paths[i]
                if i % obs_every == 0:
                    r = np.log(s_n / last_obs_price)
                    sample = r * r * YEAR_SECONDS / (t - last_obs_time)
                    variance = np.where(variance == 0, sample, P.alpha * sample + (1 - P.alpha) * variance)
                    last_obs_price, last_obs_time = s_n, t
                s = tile(s_n)
                hedge_pnl += hedge * (s - tile(paths[i - 1]))
                if market.allow_short:
                    costs["borrow"] += np.maximum(-hedge, 0.0) * s * market.borrow_rate * grid.dt_years
                basefee = tile(market.basefee_gwei * np.exp(market.basefee_vol * rng.standard_normal(n)))
                book_delta = tile(delta_c[j])
                x = book_delta + hedge - P.target
                dev = np.abs(x)
                elapsed = t - last

                # Threshold.
                fired = P.threshold & (dev > P.band)
                band_used = np.where(fired, P.band, 0.0)
                # Volatility-adjusted (only the columns that use it).
                vband = P.band.copy()
                if vol_idx.size:
                    inv = np.where(variance > 0, 1.0 / np.sqrt(variance), 0.0)
                    inv = tile(inv)[vol_idx]
                    k = np.where(inv > 0, np.clip(P.ref_vol[vol_idx] * inv, 0.25, 4.0), 1.0)
                    vb = np.maximum(P.band[vol_idx] * k, P.min_band[vol_idx])
                    d, e = dev[vol_idx], elapsed[vol_idx]
                    f = ~fired[vol_idx] & (
                        (d > vb) | ((e >= P.max_interval[vol_idx] * k * k) & (d > P.min_band[vol_idx]))
                    )
                    vband[vol_idx] = vb
                    fired[vol_idx] |= f
                    band_used[vol_idx] = np.where(f, vb, band_used[vol_idx])
                # Cost-aware (only the columns that use it; DeltaHedger's fixed-cost rule or the former rule).
                cband = np.full(m, np.inf)
                for idx, fixed_rule in ((ww_idx, False), (fixed_idx, True)):
                    if not idx.size:
                        continue
                    d, sc = dev[idx], s[idx]
                    g = tile(np.abs(gamma_c[j]))[idx]
                    lam = market.fee + np.minimum(d * tile(impact_c[j])[idx], 1.0)
                    gas_cost = P.gas[idx] * basefee[idx] * GWEI
                    if fixed_rule:
                        cb = fixed_cost_band(gas_cost * sc, lam, sc, g, P.ra[idx])
                    else:
                        cb = np.cbrt(1.5 * (lam + gas_cost / d) * sc * g * g / P.ra[idx])
                    # The former rule has no band at |x| = 0 (its gas share divides by |x|); DeltaHedger's has.
                    cb = np.where(
                        (d > 0) | fixed_rule,
                        np.maximum(np.nan_to_num(cb, nan=np.inf), P.min_band[idx]),
                        np.inf,
                    )
                    f = ~fired[idx] & (d > cb)
                    cband[idx] = cb
                    fired[idx] |= f
                    band_used[idx] = np.where(f, cb, band_used[idx])
                # Time.
                f = P.time & ~fired & (elapsed >= P.max_interval) & (dev > P.min_band)
                fired |= f
                band_used = np.where(f, P.min_band, band_used)
                primary = np.where(
                    P.threshold, P.band, np.where(P.vol, vband, np.where(P.cost, cband, P.min_band))
                )

                # Trade, costs.
                size = np.where(fired, dev, 0.0)
                size = np.where(P.to_edge, np.maximum(size - band_used, 0.0), size)
                size = np.minimum(size, P.cap)
                if not market.allow_short:
                    size = np.where(x > 0, np.minimum(size, hedge), size)
                # A trade below minBand is never due (DeltaHedger._tradeSize returns 0 for dust).
                due = fired & (size > 0) & (size >= P.min_band) & (elapsed >= P.min_interval)
                q = np.where(due, np.where(x > 0, -size, size), 0.0)
                notional = np.abs(q) * s
                costs["fee"] += notional * market.fee
                costs["impact"] += notional * np.minimum(np.abs(q) * tile(impact_c[j]), 1.0)
                # The keeper pays basefee + tip; the bounty reimburses gas at min(gas price, basefee x multiplier).
                gas_price = basefee + market.priority_fee_gwei
                gas_units = np.where(due, market.gas_per_rebalance * GWEI * s, 0.0)
                gas_paid += gas_units * gas_price
                costs["bounty"] += np.minimum(
                    gas_units * np.minimum(gas_price, basefee * P.mult), P.bounty_cap
                )
                hedge = hedge + q
                last = np.where(due, t, last)
                trades += due
                after = book_delta + hedge - P.target
                outside += np.abs(after) > primary
                if trace is not None:
                    tp = trace_path
                    trace["price"][i] = s[tp]
                    trace["delta_before"][i] = x[tp] + P.target[tp]
                    trace["delta"][i] = after[tp] + P.target[tp]
                    trace["band"][i] = band_used[tp] if fired[tp] else primary[tp]
                    trace["hedge"][i] = hedge[tp]
                    trace["rebalanced"][i] = due[tp]
                    trace["rule_fired"][i] = fired[tp]
                    trace["trade"][i] = q[tp]
                    trace["gamma"][i] = gamma_c[j][tp]
                    trace["variance"][i] = variance[tp]
                    trace["elapsed"][i] = elapsed[tp]
                    trace["basefee_gwei"][i] = basefee[tp]
                    trace["hedge_before"][i] = hedge[tp] - q[tp]
                    spent = sum(costs[c][tp] for c in COMPONENTS)
                    trace["cost"][i] = spent
                    trace["pnl"][i] = premium_paths[tp] - liab_c[j][tp] + hedge_pnl[tp] - spent
                    trace["vol"][i] = vol if marks is None else marks[i, tp]
            if progress is not None:
                progress(stop - start)

    liab_end, _, _ = book.greeks(
        paths[-1:], times[-1:], None if marks is None else marks[-1:], settle_spot=settle
    )
    pnl = tile(premium_paths) - tile(liab_end[0]) + hedge_pnl - sum(costs[c] for c in COMPONENTS)
    results = []
    for k in range(n_pol):
        cols = slice(k * n, (k + 1) * n)
        results.append(
            Result(
                premium,
                pnl[cols],
                {c: v[cols] for c, v in costs.items()},
                gas_paid[cols],
                trades[cols],
                outside[cols] / grid.steps,
                grid.days,
                trace if k == 0 else None,
            )
        )
    return results
