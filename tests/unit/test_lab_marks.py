"""The vault's implied-vol marks in the lab: the manager's re-marks move within the contract's limits
(setImpliedVol: one change an hour, steps of at most volMarkBand, within [MIN_VOL, MAX_VOL]), use no future
price, follow the GARCH forecast, and the simulator values, hedges and prices the book at them."""

import math

import numpy as np
import pytest

from deltavault.lab import paths as lab_paths
from deltavault.lab.book import demo_book
from deltavault.lab.errors import LabError
from deltavault.lab.frontier import Scenario, default_policy
from deltavault.lab.marks import Marking, garch_forecasts, manager_marks
from deltavault.lab.paths import Grid
from deltavault.lab.sim import simulate
from deltavault.policy import VaultPolicy

GRID = Grid(days=10, step_seconds=300)
VOL_UPDATE_DELAY = 3600  # VaultLimits.VOL_UPDATE_DELAY
MIN_VOL, MAX_VOL = 0.05, 5.0  # VaultLimits.MIN_VOL, MAX_VOL


def _history(n=40, seed=1):
    return lab_paths.history(n, GRID, spot=2000, seed=seed, prior=True)


def test_marks__every_change__allowed_by_set_implied_vol():
    paths, prior = _history()
    marks = manager_marks(prior, paths, GRID)
    assert marks.shape == paths.shape
    assert np.all((marks >= MIN_VOL) & (marks <= MAX_VOL))
    step = np.diff(marks, axis=0)
    changed = np.flatnonzero(np.any(step != 0, axis=1)) + 1  # rows where a new mark starts
    assert changed.size > 0
    # At most one change an hour, each at most volMarkBand.
    assert np.all(changed * GRID.step_seconds % VOL_UPDATE_DELAY == 0)
    assert np.abs(step).max() <= VaultPolicy().vol_mark_band / 1e18 + 1e-12


def test_marks__later_prices__do_not_change_earlier_marks():
    paths, prior = _history()
    marks = manager_marks(prior, paths, GRID)
    cut = 3 * GRID.steps_per_day + 5
    moved = paths.copy()
    moved[cut:] *= np.exp(np.linspace(0, 1.5, paths.shape[0] - cut))[:, None]
    assert np.array_equal(manager_marks(prior, moved, GRID)[:cut], marks[:cut])
    assert not np.array_equal(manager_marks(prior, moved, GRID), marks)


def test_marks__start__the_garch_forecast_of_the_prior_returns():
    paths, prior = _history()
    long_run = Scenario("demo / history", "demo", "history").implied_vol()
    assert long_run == pytest.approx(1.018, abs=1e-3)  # the history's realized vol: the variance target
    marks = manager_marks(prior, paths, GRID, Marking(long_run_vol=long_run))
    assert np.array_equal(
        marks, Scenario("demo / history", "demo", "history").market_paths(40, GRID, spot=2000, seed=1)[1]
    )
    assert np.allclose(marks[0], np.clip(garch_forecasts(prior, 30, long_run)[0], MIN_VOL, MAX_VOL))
    # A calm month marks lower than a wild one, both pulled toward the long-run vol.
    calm, wild = np.full((30, 1), 0.01), np.full((30, 1), 0.08)  # 19 % and 153 % a year
    assert (
        0.19
        < garch_forecasts(calm, 30, 1.0)[0, 0]
        < 0.8
        < 1.0
        < 1.2
        < garch_forecasts(wild, 30, 1.0)[0, 0]
        < 1.53
    )
    # At the long-run level the forecast stays there.
    at_level = np.full((30, 1), 1.0 / math.sqrt(365))
    assert garch_forecasts(at_level, 30, 1.0)[0, 0] == pytest.approx(1.0, rel=1e-9)


def test_marks__realized_estimator__walks_to_the_trailing_realized_vol():
    daily = 1.0 / math.sqrt(365)  # 100 % a year
    prior = np.full((30, 1), 0.5 * daily)
    grid = Grid(days=40, step_seconds=3600)
    # Alternating +-daily returns at each day's close: the trailing realized vol climbs to 100 %.
    closes = 2000 * np.exp(np.cumsum(np.r_[0.0, daily * (-1.0) ** np.arange(40)]))
    path = np.repeat(closes, grid.steps_per_day)[: grid.steps + 1, None]
    marks = manager_marks(prior, path, grid, Marking(estimator="realized"))
    assert marks[0, 0] == pytest.approx(0.5)
    assert marks[-1, 0] == pytest.approx(1.0)


def test_marks__bad_shapes__one_line_error():
    paths, prior = _history(n=4)
    with pytest.raises(LabError, match="30 days of returns"):
        manager_marks(prior[:10], paths, GRID)
    with pytest.raises(LabError, match="must divide"):
        manager_marks(prior, paths, Grid(days=10, step_seconds=7 * 60))


def test_simulator__constant_marks__equal_one_implied_vol():
    paths = lab_paths.gbm(30, GRID, spot=2000, vol=0.8, seed=4)
    scalar = simulate(demo_book(), paths, GRID, default_policy(), implied_vol=0.7)
    marked = simulate(demo_book(), paths, GRID, default_policy(), implied_vol=np.full(paths.shape, 0.7))
    assert marked.premium == pytest.approx(scalar.premium)
    assert np.allclose(marked.pnl, scalar.pnl)


def test_simulator__remarked_scenario__each_path_written_at_its_own_mark():
    scenario = Scenario("demo / history", "demo", "history")
    paths, marks = scenario.market_paths(40, GRID, spot=2000, seed=1)
    assert marks.shape == paths.shape and np.ptp(marks[0]) > 0.2
    result = simulate(demo_book(), paths, GRID, default_policy(), implied_vol=marks)
    premiums = [demo_book().greeks(paths[:1, [k]], np.zeros(1), marks[:1, [k]])[0][0, 0] for k in range(40)]
    assert result.premium == pytest.approx(np.mean(premiums))
    constant = Scenario("demo / history", "demo", "history", remark=False)
    same_paths, vol = constant.market_paths(40, GRID, spot=2000, seed=1)
    assert np.array_equal(same_paths, paths) and np.ndim(vol) == 0
