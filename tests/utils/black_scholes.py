"""High-precision Black-Scholes reference (mpmath, 50 digits) in the units of `BlackScholes.sol`.

Inputs are the raw on-chain integers (WAD spot/strike/vol/rate, seconds); outputs are exact-ish reals in natural
units: price and vega in quote per base, delta dimensionless, gamma in 1/quote.
"""

from dataclasses import dataclass

from mpmath import mp, mpf

from tests.utils.constants import WAD

YEAR = 365 * 24 * 3600

mp.dps = 50


@dataclass(frozen=True)
class Greeks:
    price: mpf
    delta: mpf
    gamma: mpf
    vega: mpf


def ncdf(x):
    return mp.ncdf(x)


def npdf(x):
    return mp.npdf(x)


def greeks(spot: int, strike: int, tau: int, vol: int, rate: int, is_call: bool) -> Greeks:
    """Black-Scholes price, delta, gamma, vega for raw on-chain inputs (tau > 0)."""
    with mp.workdps(50):
        s, k, v, r = mpf(spot) / WAD, mpf(strike) / WAD, mpf(vol) / WAD, mpf(rate) / WAD
        t = mpf(tau) / YEAR
        if tau == 0:
            if spot == strike:
                return Greeks(mpf(0), mpf(0.5) if is_call else mpf(-0.5), mpf(0), mpf(0))
            itm = spot > strike if is_call else spot < strike
            intrinsic = max(s - k, 0) if is_call else max(k - s, 0)
            return Greeks(intrinsic, mpf(int(itm)) * (1 if is_call else -1), mpf(0), mpf(0))
        sst = v * mp.sqrt(t)
        d1 = (mp.log(s / k) + (r + v * v / 2) * t) / sst
        d2 = d1 - sst
        df = mp.exp(-r * t)
        if is_call:
            price = s * ncdf(d1) - k * df * ncdf(d2)
            delta = ncdf(d1)
        else:
            price = k * df * ncdf(-d2) - s * ncdf(-d1)
            delta = -ncdf(-d1)
        gamma = npdf(d1) / (s * sst)
        vega = s * npdf(d1) * mp.sqrt(t)
        return Greeks(price, delta, gamma, vega)


def discounted_strike(strike: int, tau: int, rate: int):
    """K e^{-r tau} in quote per base."""
    with mp.workdps(50):
        return mpf(strike) / WAD * mp.exp(-mpf(rate) / WAD * mpf(tau) / YEAR)


@dataclass(frozen=True)
class Errors:
    """Errors of on-chain results against the reference, in the units of the targets."""

    price_over_spot: float
    delta: float
    gamma_spot: float  # |gamma * spot error| / max(1, gamma * spot)
    vega_over_spot: float


def errors(
    onchain: tuple[int, int, int, int], spot: int, strike: int, tau: int, vol: int, rate: int, is_call: bool
):
    price, delta, gamma, vega = onchain
    ref = greeks(spot, strike, tau, vol, rate, is_call)
    with mp.workdps(50):
        s = mpf(spot) / WAD
        gs_ref = ref.gamma * s
        gs = mpf(gamma) / WAD * s
        return Errors(
            price_over_spot=float(abs(mpf(price) / WAD - ref.price) / s),
            delta=float(abs(mpf(delta) / WAD - ref.delta)),
            gamma_spot=float(abs(gs - gs_ref) / max(1, gs_ref)),
            vega_over_spot=float(abs(mpf(vega) / WAD - ref.vega) / s),
        )
