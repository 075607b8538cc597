"""Morpho Blue's arithmetic written out from its specification (whitepaper and `MathLib`/`SharesMathLib` docs),
and `LinearIrm`'s curve from its yearly parameters: the independent side of the lending tests."""

from deltavault.lending import YEAR, IrmParams

WAD = 10**18
ORACLE_PRICE_SCALE = 10**36
VIRTUAL_SHARES = 10**6
VIRTUAL_ASSETS = 1


def irm_rate(u: int, params: IrmParams) -> int:
    """`LinearIrm`'s per-second rate (WAD) at utilization u (WAD): each yearly rate divided by the year and each
    product rounded down."""
    base, slope1, slope2 = (int(v * WAD) // YEAR for v in (params.base_rate, params.slope1, params.slope2))
    kink = int(params.kink * WAD)
    if u <= kink:
        return base + slope1 * u // WAD
    return base + slope1 * kink // WAD + slope2 * (u - kink) // WAD


def utilization(borrowed: int, supplied: int) -> int:
    return 0 if supplied == 0 else min(WAD, borrowed * WAD // supplied)


def taylor_compounded(rate: int, seconds: int) -> int:
    """e^(rate x seconds) - 1 to three terms, WAD, rounded down term by term (Morpho's `wTaylorCompounded`)."""
    first = rate * seconds
    second = first * first // (2 * WAD)
    third = second * first // (3 * WAD)
    return first + second + third


def accrued_interest(total_borrow: int, rate: int, seconds: int) -> int:
    return total_borrow * taylor_compounded(rate, seconds) // WAD


def to_assets_up(shares: int, total_assets: int, total_shares: int) -> int:
    numerator = shares * (total_assets + VIRTUAL_ASSETS)
    denominator = total_shares + VIRTUAL_SHARES
    return -(-numerator // denominator)


def max_debt(collateral: int, price: int, lltv: int) -> int:
    """The most a position may owe: collateral valued at the oracle price, times the LLTV (both rounded down)."""
    return collateral * price // ORACLE_PRICE_SCALE * lltv // WAD
