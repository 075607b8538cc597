"""The engine of `make demo` (`deltavault.demo.run_demo`) on a short path that falls 9 % and then rallies 20 %:
the put-heavy book (net long delta) is hedged short on Morpho Blue, the mixed book's hedge goes short on the fall
and long on the rally, and after the keeper |D - T| is inside the band at every step after the first."""

import pytest

from deltavault.demo import MIXED, PUT_HEAVY, plot_demo, run_demo

PATH = [2000.0, 1820.0, 1820.0, 2180.0, 2180.0]


@pytest.fixture(scope="module")
def result(chain):
    yield run_demo((PUT_HEAVY, MIXED), PATH, dt_hours=1.0, echo=lambda line: None)
    # The demo sets a base fee of about 20 gwei; the tests after this module expect anvil's zero base fee.
    chain.provider.make_request("anvil_setNextBlockBaseFeePerGas", [hex(0)])
    chain.mine()


def test_run_demo__fall_then_rally__in_band_after_the_keeper_at_every_step(result):
    for run in result.runs:
        assert len(run.steps) == len(PATH) - 1
        assert run.skipped == [], run.logs
        assert run.out_of_band() == [], (run.book.name, run.logs)
        assert all(s.deviation <= s.band for s in run.steps[1:])


def test_run_demo__mixed_book__hedge_crosses_zero_both_ways(result):
    mixed = result.runs[1]
    hedges = [s.hedge for s in mixed.steps]
    assert hedges[0] < 0 < hedges[-1], hedges  # short after the fall, long after the rally
    assert mixed.crossed_zero
    assert mixed.steps[0].base_owed > 0 and mixed.steps[-1].base_owed == 0
    assert mixed.steps[-1].base_held > 0


def test_run_demo__put_heavy_book__short_kept_below_the_policy_max_ltv(result):
    put_heavy = result.runs[0]
    assert all(s.hedge < 0 for s in put_heavy.steps)
    assert put_heavy.max_ltv_seen() <= put_heavy.max_ltv
    assert put_heavy.min_health() > 1
    assert put_heavy.hedging_cost > 0 and put_heavy.bounty > 0
    assert {r.rule.name for r in put_heavy.rebalances} <= {"COST", "HEALTH"}


def test_plot_demo__writes_a_png(result, tmp_path):
    out = tmp_path / "demo.png"
    plot_demo(result, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
