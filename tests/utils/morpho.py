"""Morpho Blue's arithmetic written out from its specification (whitepaper and `MathLib`/`SharesMathLib` docs),
and `LinearIrm`'s curve from its yearly parameters: the independent side of the lending tests."""

from deltavault.local.lending import YEAR, IrmParams
from tests.utils.constants import WAD

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


def constructor_error(container, error, *args) -> dict:
    """Simulates deploying `container(*args)` and returns the inputs of the custom error `error` it reverts with
    (a simulation: Ape would decode a failed deployment with whatever contract it last saw at that address)."""
    import ape
    from eth_utils import keccak
    from hexbytes import HexBytes
    from web3.exceptions import ContractCustomError

    data = container.constructor.serialize_transaction(*args).data
    try:
        ape.chain.provider.web3.eth.call({"data": HexBytes(data).to_0x_hex()})
    except ContractCustomError as err:
        raw = HexBytes(err.data if isinstance(err.data, str) else err.args[-1])
        assert raw[:4] == keccak(text=error.abi.selector)[:4], f"expected {error.abi.name}"
        return dict(ape.networks.ethereum.decode_calldata(error.abi, raw[4:]))
    raise AssertionError("the deployment did not revert")
