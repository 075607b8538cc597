"""The lab's inputs: price models (seeded, with the statistics they claim), the real history, book and policy
files, and one-line errors for bad input, through the library and through `ape run lab`."""

import json
import math

import numpy as np
import pytest

from deltavault.lab import paths as lab_paths
from deltavault.lab.book import load_book, parse_book
from deltavault.lab.errors import LabError
from deltavault.lab.frontier import default_policy, load_policy, policy_json
from deltavault.lab.paths import Grid
from deltavault.lab.rules import check_policy
from deltavault.lab.sim import simulate
from deltavault.policy import HedgePolicy
from tests.utils.cli import invoke, one_line_error

GRID = Grid(days=30, step_seconds=3600)


# --- paths ---------------------------------------------------------------------------------------------


def test_gbm__seeded__reproducible_with_the_stated_vol():
    a = lab_paths.gbm(500, GRID, spot=2000, vol=0.8, seed=1)
    b = lab_paths.gbm(500, GRID, spot=2000, vol=0.8, seed=1)
    assert np.array_equal(a, b)
    assert a.shape == (GRID.steps + 1, 500)
    realized = np.diff(np.log(a), axis=0).std() * math.sqrt(365 * 24)
    assert realized == pytest.approx(0.8, rel=0.02)
    assert np.mean(a[-1]) == pytest.approx(2000, rel=0.03)  # a martingale


def test_merton__jumps__fatter_tails_than_gbm_and_a_martingale():
    m = lab_paths.merton(2000, GRID, spot=2000, vol=0.6, seed=2)
    g = lab_paths.gbm(2000, GRID, spot=2000, vol=0.6, seed=2)
    kurt = lambda x: ((x - x.mean()) ** 4).mean() / x.var() ** 2  # noqa: E731
    assert kurt(np.diff(np.log(m), axis=0).ravel()) > 2 * kurt(np.diff(np.log(g), axis=0).ravel())
    assert np.mean(m[-1]) == pytest.approx(2000, rel=0.03)


def test_history__bitstamp_eth_usd__daily_from_2017_08_18_to_2020_12_08_without_gaps():
    close, high, low, (first, last) = lab_paths.eth_history()
    assert (first, last) == ("2017-08-18", "2020-12-08")
    assert len(close) == 1209  # every day of the span
    assert np.all(low <= close) and np.all(close <= high)


def test_history_paths__each_day__ends_on_the_real_close():
    path, _ = lab_paths.history_window("2020-03-01", GRID, spot=2000, seed=1)
    close = lab_paths.eth_history()[0]
    i0 = 926  # 2020-03-01
    daily = path[:: GRID.steps_per_day, 0]
    assert np.allclose(daily / daily[0], close[i0 : i0 + 31] / close[i0], rtol=1e-9)


def test_garch_t__fit__persistent_and_heavy_tailed():
    fit = lab_paths.garch_fit()
    assert 0.9 < fit.params["alpha[1]"] + fit.params["beta[1]"] < 1.0
    assert fit.params["nu"] < 5
    p = lab_paths.garch_t(200, GRID, spot=2000, seed=3)
    assert np.array_equal(p, lab_paths.garch_t(200, GRID, spot=2000, seed=3))
    assert np.all(p > 0)


# --- bad input: one line naming the problem -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        ("price\n2000\nabc\n", "line 3: price 'abc' is not a number"),
        ("price\n2000\n-5\n", "line 3: price must be positive, got -5"),
        ("price\n2000\n0\n", "line 3: price must be positive, got 0"),
        ("price\n2000\n", "needs at least 2 prices, got 1"),
        ("close\n2000\n2100\n", "expected a CSV with a `price` column"),
    ],
)
def test_csv__bad_prices__one_line_error(tmp_path, text, message):
    f = tmp_path / "p.csv"
    f.write_text(text)
    with pytest.raises(LabError, match=message.replace("(", r"\(").replace(")", r"\)")):
        lab_paths.from_csv(str(f))


def test_grid_and_paths__zero__one_line_error():
    with pytest.raises(LabError, match="paths must be positive, got 0"):
        lab_paths.gbm(0, GRID, spot=2000, vol=0.8, seed=1)
    with pytest.raises(LabError, match="step must be a positive number of seconds, got 0"):
        Grid(days=30, step_seconds=0)
    with pytest.raises(LabError, match="hold no step"):
        Grid(days=0.001, step_seconds=3600)
    with pytest.raises(LabError, match="paths must be"):
        simulate(load_book("demo"), np.ones((3, 2)) * 2000, GRID, default_policy())


@pytest.mark.parametrize(
    "series, message",
    [
        ({"type": "call", "strike": 2000, "expiry_days": 30, "sold": 1, "strik": 1}, "series 1: unknown field `strik`"),
        ({"type": "straddle", "strike": 2000, "expiry_days": 30, "sold": 1}, 'series 1: `type` must be "call" or "put"'),
        ({"type": "put", "strike": -1, "expiry_days": 30, "sold": 1}, "series 1: `strike` must be > 0"),
        ({"type": "put", "strike": 2000, "expiry_days": 30, "sold": 0}, "series 1: `sold` must be > 0"),
        ({"type": "put", "strike": 2000, "expiry_days": 30, "sold": 1, "cap": 5}, "series 1: a put has no `cap`"),
        ({"type": "put", "strike": 2000, "sold": 1}, "series 1: missing field `expiry_days`"),
        ({"type": "put", "strike": 2000, "expiry_days": "soon", "sold": 1}, "`expiry_days` must be a number"),
    ],
)  # fmt: skip
def test_book__invalid_series__one_line_error(series, message):
    with pytest.raises(LabError, match=message.replace("(", r"\(")):
        parse_book({"series": [series]}, "book.json")


def test_book__file__round_trips_and_unknown_names_fail(tmp_path):
    f = tmp_path / "b.json"
    f.write_text(json.dumps({"spot": 2000, "series": [{"type": "call", "strike": 2200, "cap": 400,
                                                       "expiry_days": 30, "sold": 10}]}))  # fmt: skip
    book = load_book(str(f))
    assert book.series[0].cap == 400 and book.premium() > 0
    with pytest.raises(LabError, match="no such book file"):
        load_book("nope")


def test_policy__outside_the_contract_bounds__one_line_error(tmp_path):
    with pytest.raises(LabError, match=r"`min_band` = 2 outside the contract's bounds"):
        check_policy(HedgePolicy(min_band=2))
    with pytest.raises(LabError, match=r"`max_interval` = 10 outside"):
        check_policy(HedgePolicy(min_interval=60, max_interval=10))
    with pytest.raises(LabError, match=r"`rebalance_gas` = 3000000 outside"):
        check_policy(HedgePolicy(rebalance_gas=3_000_000))
    f = tmp_path / "p.json"
    data = policy_json(default_policy())
    f.write_text(json.dumps(data))
    assert load_policy(str(f)).hedge == default_policy().hedge
    data["policy"]["band_width"] = 1
    f.write_text(json.dumps(data))
    with pytest.raises(LabError, match="unknown policy field `band_width`"):
        load_policy(str(f))


def test_ape_run_lab__bad_csv__one_line_no_traceback(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("price\n2000\n")
    result = invoke("lab", "backtest", "--prices", str(f), "--out", str(tmp_path / "backtest.png"))
    line = one_line_error(result)
    assert (result.stdout + result.stderr).strip().splitlines()[-1] == line
    assert line == f"Error: {f}: needs at least 2 prices, got 1"
    assert not (tmp_path / "backtest.png").exists()
