"""`RebalanceLib.fixedCostBand`, the no-trade band for a fixed plus a proportional cost per rebalance: the root of
H^4 - p H - q = 0 (p = 6 lambda S Gamma^2 / riskAversion, q = 12 K Gamma^2 / riskAversion), checked against a
50-digit mpmath root, its two limits, its monotonicity and its gas."""

import random

import mpmath
import pytest

from deltavault.lab import rules
from tests.utils.constants import WAD


@pytest.fixture(scope="module")
def lib(project, owner):
    return owner.deploy(project.RebalanceLibHarness)


def _reference(k: int, lam: int, spot: int, gamma: int, ra: int) -> mpmath.mpf:
    """The exact root, WAD, from the real-valued inputs."""
    with mpmath.workdps(50):
        k_, lam_, s, g, a = (mpmath.mpf(v) / WAD for v in (k, lam, spot, gamma, ra))
        p = 6 * lam_ * s * g * g / a
        q = 12 * k_ * g * g / a
        if p == 0 and q == 0:
            return mpmath.mpf(0)
        start = mpmath.cbrt(p) + mpmath.root(q, 4)
        root = mpmath.findroot(lambda h: h**4 - p * h - q, start)
        return root * WAD


def _random_inputs(rng: random.Random) -> tuple[int, int, int, int, int]:
    k = int(10 ** rng.uniform(15, 21))  # 0.001 .. 1,000 quote per rebalance
    lam = int(10 ** rng.uniform(12, 17))  # 1e-6 .. 10 %
    spot = int(10 ** rng.uniform(20, 23))  # 100 .. 100,000
    gamma = int(10 ** rng.uniform(13, 19))  # 1e-5 .. 10 base per quote
    ra = int(10 ** rng.uniform(12, 19))  # 1e-6 .. 10 per quote
    return k, lam, spot, gamma, ra


def test_fixed_cost_band__random_inputs__equals_the_exact_root(lib):
    rng = random.Random(2006)
    for _ in range(150):
        args = _random_inputs(rng)
        got = lib.fixedCostBand(*args)
        want = _reference(*args)
        # p, q and H^4 are WAD numbers, so the equation holds to ~1e-18 absolute: an error of e in H^4 moves H
        # by e / (4 H^3). Allow 100 such ulps, 1e-12 relative, or 1,000 wei.
        h = want / WAD
        ulps = 100 * mpmath.mpf("1e-18") / (4 * h**3) * WAD if h > 0 else 0
        tolerance = max(mpmath.mpf(1000), want * mpmath.mpf("1e-12"), ulps)
        assert abs(got - want) <= tolerance, (args, got, want)


def test_fixed_cost_band__python_mirror__equal_to_the_wei(lib):
    # deltavault.lab.rules.fixed_cost_band is what the lab's mirror of DeltaHedger uses once the rule is wired.
    rng = random.Random(1999)
    for _ in range(100):
        args = _random_inputs(rng)
        assert lib.fixedCostBand(*args) == rules.fixed_cost_band(*args), args


def test_fixed_cost_band__no_fixed_cost__is_the_trade_to_target_whalley_wilmott_band(lib):
    # K = 0: H^3 = 6 lambda S Gamma^2 / ra = 4 x the (3/2) Whalley-Wilmott cube.
    args = (3 * 10**15, 2000 * WAD, 9 * 10**16, 5 * 10**16)
    ww = lib.whalleyWilmott(*args)
    band = lib.fixedCostBand(0, *args)
    assert band == pytest.approx(ww * 4 ** (1 / 3), rel=1e-12)


def test_fixed_cost_band__no_proportional_cost__is_the_fixed_cost_band(lib):
    k, spot, gamma, ra = 8 * WAD, 2000 * WAD, 9 * 10**16, 10**15
    band = lib.fixedCostBand(k, 0, spot, gamma, ra)
    assert band == pytest.approx((12 * (k / WAD) * (gamma / WAD) ** 2 / (ra / WAD)) ** 0.25 * WAD, rel=1e-12)


def test_fixed_cost_band__zero_gamma__is_zero(lib):
    assert lib.fixedCostBand(8 * WAD, 3 * 10**15, 2000 * WAD, 0, 10**15) == 0


def test_fixed_cost_band__costs_and_aversion__move_the_band_the_right_way(lib):
    base = (8 * WAD, 3 * 10**15, 2000 * WAD, 9 * 10**16, 10**15)
    h = lib.fixedCostBand(*base)
    assert lib.fixedCostBand(2 * base[0], *base[1:]) > h  # dearer gas: wider
    assert lib.fixedCostBand(base[0], 2 * base[1], *base[2:]) > h  # dearer pool: wider
    assert lib.fixedCostBand(*base[:4], 2 * base[4]) < h  # more risk-averse: narrower


def test_fixed_cost_band__book_size__band_grows_like_the_square_root_of_gamma_when_gas_dominates(lib):
    # Fixed cost only: H = (12 K Gamma^2 / ra)^(1/4), so a book n times larger has a band sqrt(n) times wider
    # at the same riskAversion (today's rule spreads the gas over |D - T| and has no such scaling).
    k, spot, gamma, ra = 8 * WAD, 2000 * WAD, 9 * 10**16, 10**15
    h1 = lib.fixedCostBand(k, 0, spot, gamma, ra)
    h4 = lib.fixedCostBand(k, 0, spot, 4 * gamma, ra)
    assert h4 == pytest.approx(2 * h1, rel=1e-12)


def test_fixed_cost_band__above__same_crossing_as_the_exact_band(lib):
    # The rebalance path passes |D - T| as `above`: the solve may stop at an upper bound of the band below it,
    # never changing whether |D - T| is past the band.
    rng = random.Random(11)
    stopped = 0
    for _ in range(60):
        args = _random_inputs(rng)
        exact = lib.fixedCostBand(*args)
        if exact == 0:
            continue
        for above in (exact - 1, exact, exact + 1, exact * 21 // 20, 2 * exact + 1):
            got = lib.fixedCostBandAbove(*args, above)
            assert (above > got) == (above > exact), (args, above, got, exact)
            assert got == exact or exact <= got < above, (args, above, got, exact)
            stopped += got != exact
    assert stopped > 0  # the early stop is exercised


def test_fixed_cost_band__gas__is_bounded(lib):
    rng = random.Random(7)
    worst = max(lib.fixedCostBandGas(*_random_inputs(rng))[1] for _ in range(40))
    assert worst < 6_000, worst
