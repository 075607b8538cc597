"""LinearIrm: a stateless kinked borrow-rate curve implementing Morpho's IIrm (per-second WAD rates)."""

import pytest

from deltavault.local.lending import YEAR, IrmParams
from tests.utils.morpho import constructor_error, irm_rate
from tests.utils.vault import WAD

PARAMS = IrmParams()  # 0.5 % + 5 % x u up to u = 0.9, then + 100 % x (u - 0.9): 5 % at the kink, 15 % at 1


def expected_rate(u: int) -> int:
    return irm_rate(u, PARAMS)


@pytest.fixture(scope="module")
def irm(project, owner):
    return owner.deploy(project.LinearIrm, *PARAMS.as_args())


def market(borrowed: int, supplied: int) -> tuple:
    """Morpho's `Market` struct (totalSupplyAssets, totalSupplyShares, totalBorrowAssets, totalBorrowShares,
    lastUpdate, fee)."""
    return (supplied, supplied * 10**6, borrowed, borrowed * 10**6, 1, 0)


NO_PARAMS = ("0x" + "00" * 20,) * 4 + (0,)


@pytest.mark.parametrize(
    ("borrowed", "supplied"),
    [(0, 0), (0, 100), (1, 3), (50, 100), (90, 100), (95, 100), (100, 100), (150, 100), (10**30, 10**30 + 7)],
)
def test_borrow_rate__utilization__matches_kinked_curve(irm, borrowed, supplied):
    u = 0 if supplied == 0 else min(WAD, borrowed * WAD // supplied)
    assert irm.utilization(borrowed, supplied) == u
    rate = irm.borrowRateView(NO_PARAMS, market(borrowed, supplied))
    assert rate == expected_rate(u)
    assert irm.borrowRate(NO_PARAMS, market(borrowed, supplied)) == rate


def test_borrow_rate__landmarks__yearly_rates():
    # 5 % a year at the kink, 15 % at full utilization, 0.5 % when idle (per-second rates, rounded down, times
    # a year: within 1e-7).
    assert expected_rate(0) * YEAR == pytest.approx(0.005 * WAD, rel=1e-7)
    assert expected_rate(9 * WAD // 10) * YEAR == pytest.approx(0.05 * WAD, rel=1e-7)
    assert expected_rate(WAD) * YEAR == pytest.approx(0.15 * WAD, rel=1e-7)


def test_borrow_rate__monotonic_and_steeper_above_kink(irm):
    rates = [irm.rateAt(u * WAD // 20) for u in range(21)]
    assert rates == sorted(rates)
    below = rates[18] - rates[17]
    above = rates[20] - rates[19]
    assert above > 10 * below


@pytest.mark.parametrize("kink", [0, WAD, WAD + 1])
def test_constructor__kink_out_of_range__reverts(project, kink):
    irm = project.LinearIrm
    assert constructor_error(irm, irm.KinkOutOfRange, 0, 0, 0, kink) == {"kink": kink}


def test_constructor__rate_above_max__reverts(project):
    # 1 % + 10 % x 0.5 + 2000 % x 0.5 = 1006 % at full utilization, above the 1000 % ceiling.
    irm = project.LinearIrm
    inputs = constructor_error(irm, irm.RateAboveMax, WAD // 100, WAD // 10, 20 * WAD, WAD // 2)
    assert inputs == {"rate": 10_060_000_000_000_000_000, "maxRate": 10 * WAD}
