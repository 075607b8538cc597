"""The vault's implied-volatility marks over a simulated month, as a manager sets them through the contract.

Without a volatility feed, `DeltaVault` values and hedges its book at the manager's `setImpliedVol` mark, and
the contract bounds how that mark moves (`DeltaVaultExtension.setImpliedVol`): at most one change an hour
(`VaultLimits.VOL_UPDATE_DELAY`), each step at most the policy's `volMarkBand` (0.05 in `VaultPolicy`), always
within [`MIN_VOL`, `MAX_VOL`] = [0.05, 5]. `manager_marks` models a manager who, once a day, takes a forecast of
the volatility over the next 30 days from the daily closes so far and walks the mark to it in hourly steps of at
most `volMarkBand`. The forecast is the GARCH(1,1) one (`garch_forecasts`: the fitted alpha and beta, filtered
through the returns up to that day) or, with `estimator="realized"`, the trailing 30-day realized vol. The book
is written at the mark in force at the start (the forecast from the 30 days before it), so the premium and the
hedge both use the vault's own vol; nothing after a mark's time enters it.

The GBM and Merton scenarios keep a constant mark equal to the diffusion vol (the manager knows it); the
GARCH-t and history scenarios use these marks (`deltavault.lab.frontier.Scenario.market_paths`): GARCH-t with
the simulated model's own forecast, the history with the fit's alpha and beta and the history's realized vol as
the long-run level (variance targeting: the fit's t-shocks put its own long-run vol at 1.67, the history's is
1.02).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from deltavault.lab.errors import LabError
from deltavault.lab.paths import DAY_SECONDS, Grid

HOUR_SECONDS = 3_600


@dataclass(frozen=True)
class Marking:
    """How the manager marks: a new target every `every_seconds` from the trailing `window_days` of daily
    returns, reached in steps of at most `max_step` no closer than `spacing_seconds` (the contract's limits)."""

    window_days: int = 30
    every_seconds: int = DAY_SECONDS
    spacing_seconds: int = HOUR_SECONDS  # VaultLimits.VOL_UPDATE_DELAY
    max_step: float = 0.05  # VaultPolicy.vol_mark_band
    estimator: str = "garch"  # "garch": the GARCH(1,1) forecast; "realized": trailing realized vol
    long_run_vol: float | None = None  # garch: the variance target (None: the fitted model's own)
    min_vol: float = 0.05  # VaultLimits.MIN_VOL
    max_vol: float = 5.0  # VaultLimits.MAX_VOL


def manager_marks(
    prior_log: np.ndarray, paths: np.ndarray, grid: Grid, marking: Marking | None = None
) -> np.ndarray:
    """The mark in force at every check, shape of `paths` (steps + 1, n). `prior_log` (days, n) holds the daily
    log returns before the window (at least `window_days` of them); the window's own daily returns are read from
    `paths` at each day's end (for the history replay: the real closes)."""
    marking = marking or Marking()
    if marking.spacing_seconds % grid.step_seconds or marking.every_seconds % marking.spacing_seconds:
        raise LabError(
            f"vol marks: the step ({grid.step_seconds} s) must divide the mark spacing "
            f"({marking.spacing_seconds} s), which must divide the re-mark interval ({marking.every_seconds} s)"
        )
    if (
        prior_log.ndim != 2
        or prior_log.shape[1] != paths.shape[1]
        or prior_log.shape[0] < marking.window_days
    ):
        raise LabError(
            f"vol marks need {marking.window_days} days of returns before each path, got {prior_log.shape}"
        )
    per_day = grid.steps_per_day
    closes = paths[::per_day]
    returns = np.vstack([prior_log[-marking.window_days :], np.diff(np.log(closes), axis=0)])

    if marking.estimator == "garch":
        forecasts = garch_forecasts(returns, marking.window_days, marking.long_run_vol)

    def target(day: int) -> np.ndarray:
        if marking.estimator == "garch":
            vol = forecasts[day]
        else:
            r = returns[day : day + marking.window_days]
            vol = np.sqrt(np.mean(r * r, axis=0) * 365.0)
        return np.clip(vol, marking.min_vol, marking.max_vol)

    steps_per_mark = marking.spacing_seconds // grid.step_seconds
    marks_per_target = marking.every_seconds // marking.spacing_seconds
    n_marks = int(math.ceil((grid.steps + 1) / steps_per_mark))
    mark = target(0)
    out = np.empty((n_marks, paths.shape[1]))
    goal = mark
    for h in range(n_marks):
        if h and h % marks_per_target == 0:
            day = min(
                h // marks_per_target * marking.every_seconds // DAY_SECONDS,
                returns.shape[0] - marking.window_days,
            )
            goal = target(day)
        if h:
            mark = mark + np.clip(goal - mark, -marking.max_step, marking.max_step)
        out[h] = mark
    return np.repeat(out, steps_per_mark, axis=0)[: grid.steps + 1]


def garch_forecasts(returns: np.ndarray, horizon_days: int, long_run_vol: float | None = None) -> np.ndarray:
    """Per day d (rows 0 .. len - horizon), the GARCH(1,1) forecast of the annualized vol over the next
    `horizon_days`, filtered from the long-run variance through returns[: d + horizon]. alpha and beta are
    `garch_fit`'s; the long-run variance is the fit's own, or `long_run_vol` (variance targeting)."""
    from deltavault.lab.paths import garch_fit

    p = garch_fit().params
    omega, alpha, beta = (float(p[k]) for k in ("omega", "alpha[1]", "beta[1]"))
    persistence = alpha + beta
    if long_run_vol is not None:
        omega = (100 * long_run_vol) ** 2 / 365 * (1 - persistence)
    long_run = omega / (1 - persistence)
    r = returns * 100
    var = np.full(r.shape[1], long_run)
    out = []
    w = horizon_days
    decay = persistence ** np.arange(w)
    for d in range(r.shape[0]):
        var = omega + alpha * r[d] ** 2 + beta * var  # variance of day d + 1
        if d + 1 >= w:
            avg = long_run + (var - long_run) * decay.mean()
            out.append(np.sqrt(avg * 365) / 100)
    return np.array(out)
