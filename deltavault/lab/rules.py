"""An exact Python mirror of `DeltaHedger`'s decision: `_status`, `_tradeSize`, `_costBand`, the math of
`RebalanceLib` (`volScale`, `fixedCostBand`) and `UniswapV3AdapterBase.tradingCost`.

Same integer math, same clamps, same order as the Solidity, so that `status(...)` equals
`DeltaHedger.rebalanceStatus()` to the wei for the same inputs (checked on anvil by
tests/integration/test_lab_mirror.py over random states). The float simulator (`deltavault.lab.sim`) implements
the same rules vectorised; this module is the reference it is read against.

Inputs are what the contract reads: the vault's `hedgeState()` (`HedgeState`), the policy (`HedgePolicy`), the
hedger's storage and block (`HedgerState`: now, base fee, last rebalance, EWMA variance) and the venue
(`Venue`: pool fee, in-range liquidity, sqrtPriceX96, token order, decimals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from deltavault.policy import HedgePolicy, Rule, Rules

WAD = 10**18
UINT256_MAX = 2**256 - 1
Q96 = 2**96
MIN_SCALE = WAD // 4
MAX_SCALE = 4 * WAD


# ---------------------------------------------------------------------------------------------------------
# Integer primitives (OpenZeppelin Math, Solady FixedPointMathLib)
# ---------------------------------------------------------------------------------------------------------


def mul_div(x: int, y: int, d: int) -> int:
    """`Math.mulDiv`: floor(x * y / d); reverts (raises) on a zero divisor or a result beyond 256 bits."""
    if d == 0:
        raise ZeroDivisionError("mulDiv by zero")
    z = x * y // d
    if z > UINT256_MAX:
        raise OverflowError("mulDiv overflow")
    return z


def icbrt(x: int) -> int:
    """Floor cube root of a non-negative integer (Solady `cbrt`, formally verified to round down)."""
    if x < 0:
        raise ValueError("cube root of a negative number")
    if x == 0:
        return 0
    # Integer Newton from above: by AM-GM every iterate stays >= floor(cbrt(x)) and it decreases until there.
    z = 1 << ((x.bit_length() + 2) // 3)
    while True:
        y = (2 * z + x // (z * z)) // 3
        if y >= z:
            return z
        z = y


def sqrt_wad(x: int) -> int:
    """Solady `sqrtWad`: floor(sqrt(x * 1e18)) (the 512-bit branch is never reached by a uint128 input)."""
    if x > UINT256_MAX // 10**18:
        raise NotImplementedError("sqrtWad above 2**256 / 1e18")
    return math.isqrt(x * 10**18)


def cbrt_wad(x: int) -> int:
    """Solady `cbrtWad`, both branches, bit for bit."""
    if x <= UINT256_MAX // 10**36:
        return icbrt(x * 10**36)
    z = (1 + icbrt(x)) * 10**12
    z = ((x * 10**36) // (z * z) + z + z) // 3
    p = x
    if p >> 229 == 0:
        p = p * 10**17 if p >> 199 == 0 else p * 10**8
    elif p >> 249 == 0:
        p = p * 100
    t = (((z * z) & UINT256_MAX) * z) % p
    if t < (p >> 1) and t != 0:
        z -= 1
    return z


# ---------------------------------------------------------------------------------------------------------
# RebalanceLib and the venue's cost estimate
# ---------------------------------------------------------------------------------------------------------


def vol_scale(reference_vol: int, realized_vol: int) -> int:
    """`RebalanceLib.volScale`: clamp(referenceVol / realizedVol, 1/4, 4), WAD; 1 before the first estimate."""
    if realized_vol == 0:
        return WAD
    k = mul_div(reference_vol, WAD, realized_vol)
    return min(max(k, MIN_SCALE), MAX_SCALE)


def whalley_wilmott(lam: int, spot: int, gamma: int, risk_aversion: int) -> int:
    """`RebalanceLib.whalleyWilmott`: (3/2 * lambda * S * Gamma^2 / riskAversion)^(1/3), WAD of base."""
    x = mul_div(3 * lam, spot, 2 * WAD)
    x = mul_div(x, gamma, risk_aversion)
    x = mul_div(x, gamma, WAD)
    return cbrt_wad(x)


def fixed_cost_band(fixed_cost: int, lam: int, spot: int, gamma: int, risk_aversion: int) -> int:
    """`RebalanceLib.fixedCostBand`, bit for bit: the root of H^4 - p H - q = 0 by Newton from an upper
    bound one Taylor step from the larger limit (WAD)."""
    p = mul_div(6 * lam, spot, WAD)
    p = mul_div(mul_div(p, gamma, risk_aversion), gamma, WAD)
    q = mul_div(mul_div(12 * fixed_cost, gamma, risk_aversion), gamma, WAD)
    b = sqrt_wad(sqrt_wad(q))
    if b > 10**27:
        return b
    b3 = (b * b // WAD) * b // WAD
    if b3 >= p:
        if b == 0:
            return 0
        h = b + mul_div(p, b, 4 * b3 - p)
    else:
        a = cbrt_wad(p)
        if a > 10**27:
            return a
        a3 = (a * a // WAD) * a // WAD
        h = a + (q * WAD // (3 * a3) if a3 else 0)
    if h > 10**27:
        return h
    for _ in range(8):
        h3 = (h * h // WAD) * h // WAD
        if 4 * h3 <= p:
            break
        nxt = (3 * (h3 * h // WAD) + q) * WAD // (4 * h3 - p)
        if nxt >= h:
            break
        h = nxt
    return h


@dataclass(frozen=True)
class Venue:
    """What `UniswapV3AdapterBase.tradingCost` reads: the pool's fee tier (hundredths of a bip), in-range
    liquidity, sqrtPriceX96 and token order, and the base token's decimals."""

    fee: int
    liquidity: int
    sqrt_price_x96: int
    base_is_token0: bool
    base_decimals: int = 18

    def trading_cost(self, base_amount: int) -> tuple[int, int]:
        """(feeWad, impactWad) for a trade of `base_amount` WAD of base."""
        fee_wad = self.fee * 10**12
        if self.liquidity == 0:
            return fee_wad, WAD
        raw = base_amount // 10 ** (18 - self.base_decimals)
        if self.base_is_token0:
            impact = mul_div(raw * WAD, self.sqrt_price_x96, self.liquidity * Q96)
        else:
            impact = mul_div(raw * WAD, Q96, self.liquidity * self.sqrt_price_x96)
        return fee_wad, min(impact, WAD)


# ---------------------------------------------------------------------------------------------------------
# DeltaHedger._status / _costBand / _tradeSize
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HedgeState:
    """`IDeltaVault.HedgeState`: spot (WAD), delta and gamma (signed WAD), base held (WAD), free quote (units)."""

    spot: int
    delta: int
    gamma: int
    base_held: int
    free_assets: int


@dataclass(frozen=True)
class HedgerState:
    """The hedger's storage and block values the decision reads."""

    now: int
    basefee: int
    last_rebalance: int
    variance: int  # annualized realized variance, WAD (realizedVol = sqrtWad(variance))
    base_decimals: int = 18
    quote_decimals: int = 6

    @property
    def base_scale(self) -> int:
        return 10 ** (18 - self.base_decimals)

    @property
    def quote_scale(self) -> int:
        return 10 ** (36 - self.quote_decimals)


@dataclass(frozen=True)
class Status:
    """`IDeltaHedger.Status`."""

    due: bool
    rule: Rule
    delta: int
    target: int
    band: int
    trade: int
    next_allowed: int

    def as_tuple(self) -> tuple:
        return (self.due, int(self.rule), self.delta, self.target, self.band, self.trade, self.next_allowed)


def cost_band(p: HedgePolicy, spot: int, gamma: int, deviation: int, hs: HedgerState, venue: Venue) -> int:
    """`DeltaHedger._costBand`: `fixed_cost_band` with K = rebalanceGas * basefee at the spot (WAD quote) and
    lambda = fee + impact(|x|)."""
    fee_wad, impact_wad = venue.trading_cost(deviation)
    fixed_cost = mul_div(p.rebalance_gas * hs.basefee, spot, WAD)
    return fixed_cost_band(fixed_cost, fee_wad + impact_wad, spot, gamma, p.risk_aversion)


def gas_cost_band(
    p: HedgePolicy, spot: int, gamma: int, deviation: int, hs: HedgerState, venue: Venue
) -> int:
    """The former `DeltaHedger._costBand` (gas as a proportional cost: lambda = fee + impact(|x|) +
    gas * basefee / |x|, Whalley-Wilmott band), kept for the lab's comparison."""
    if deviation == 0:
        return UINT256_MAX
    fee_wad, impact_wad = venue.trading_cost(deviation)
    gas_wad = mul_div(p.rebalance_gas * hs.basefee, WAD, deviation)
    return whalley_wilmott(fee_wad + impact_wad + gas_wad, spot, gamma, p.risk_aversion)


def trade_size(p: HedgePolicy, deviation: int, band: int, h: HedgeState, hs: HedgerState) -> int:
    """`DeltaHedger._tradeSize`: WAD of base, positive buys; zero when the capped trade is below `minBand` (dust
    is never due). Sales are capped by the base held."""
    size = abs(deviation)
    if p.trade_to_edge:
        size = size - band if size > band else 0
    size = min(size, p.hedge_cap)
    if deviation > 0:
        size = min(size, h.base_held)
        size -= size % hs.base_scale
        return 0 if size < p.min_band else -size
    free = h.free_assets - p.bounty_cap if h.free_assets > p.bounty_cap else 0
    affordable = mul_div(free, hs.quote_scale, h.spot)
    size = min(size, affordable)
    size -= size % hs.base_scale
    return 0 if size < p.min_band else size


def is_due(p: HedgePolicy, trade: int, band: int, hs: HedgerState, next_allowed: int) -> bool:
    """Whether a fired rule's trade is made now."""
    return trade != 0 and hs.now >= next_allowed


def status(h: HedgeState, p: HedgePolicy, hs: HedgerState, venue: Venue) -> Status:
    """`DeltaHedger._status`: the decision from on-chain state only, in the contract's order."""
    spot, delta = h.spot, h.delta
    next_allowed = hs.last_rebalance + p.min_interval
    deviation = abs(delta - p.target)
    elapsed = hs.now - hs.last_rebalance
    rule, band, primary = Rule.NONE, 0, 0

    if p.rules & Rules.THRESHOLD:
        primary = p.band
        if deviation > p.band:
            rule, band = Rule.THRESHOLD, p.band
    if rule == Rule.NONE and p.rules & Rules.VOLATILITY:
        k = vol_scale(p.reference_vol, sqrt_wad(hs.variance))
        vband = max(mul_div(p.band, k, WAD), p.min_band)
        interval = mul_div(mul_div(p.max_interval, k, WAD), k, WAD)
        if primary == 0:
            primary = vband
        if deviation > vband or (elapsed >= interval and deviation > p.min_band):
            rule, band = Rule.VOLATILITY, vband
    if rule == Rule.NONE and p.rules & Rules.COST:
        cband = max(cost_band(p, spot, abs(h.gamma), deviation, hs, venue), p.min_band)
        if primary == 0:
            primary = cband
        if deviation > cband:
            rule, band = Rule.COST, cband
    if rule == Rule.NONE and p.rules & Rules.TIME:
        if primary == 0:
            primary = p.min_band
        if elapsed >= p.max_interval and deviation > p.min_band:
            rule, band = Rule.TIME, p.min_band
    if rule == Rule.NONE:
        return Status(False, Rule.NONE, delta, p.target, primary, 0, next_allowed)
    trade = trade_size(p, delta - p.target, band, h, hs)
    return Status(is_due(p, trade, band, hs, next_allowed), rule, delta, p.target, band, trade, next_allowed)


# ---------------------------------------------------------------------------------------------------------
# Policy bounds (DeltaHedger._setPolicy) and policy files
# ---------------------------------------------------------------------------------------------------------

# DeltaHedger's constants.
MIN_BAND = 10**12
MAX_BAND = 10**27
MAX_COOLDOWN = 86_400
MAX_INTERVAL = 30 * 86_400
MAX_DEVIATION_BPS = 500
MAX_SLIPPAGE_BPS = 500
MIN_LOSS_WINDOW = 3_600
MAX_LOSS_WINDOW = 30 * 86_400
MAX_BOUNTY_MULTIPLIER_BPS = 30_000
MIN_EWMA_ALPHA = 10**16
MAX_EWMA_ALPHA = 5 * 10**17
MIN_REFERENCE_VOL = 5 * 10**16
MAX_REFERENCE_VOL = 5 * 10**18
MIN_OBSERVATION_SPACING = 60
MAX_OBSERVATION_SPACING = 86_400
MAX_REBALANCE_GAS = 2_000_000

# Solidity widths of IDeltaHedger.Policy (bits; negative: signed).
_WIDTHS = {
    "rules": 8,
    "target": -128,
    "band": 128,
    "min_band": 128,
    "hedge_cap": 128,
    "min_interval": 32,
    "max_interval": 32,
    "max_pool_deviation_bps": 16,
    "max_slippage_bps": 16,
    "loss_window": 32,
    "loss_budget_bps": 16,
    "risk_aversion": 128,
    "rebalance_gas": 32,
    "bounty_multiplier_bps": 16,
    "bounty_cap": 128,
    "reference_vol": 64,
    "ewma_alpha": 64,
    "observation_spacing": 32,
}


def policy_bounds(p: HedgePolicy) -> list[tuple[str, int, int, int]]:
    """(field, value, min, max) in the order `DeltaHedger._setPolicy` checks them."""
    return [
        ("rules", int(p.rules), 1, 15),
        ("target", abs(p.target), 0, MAX_BAND),
        ("band", p.band, MIN_BAND, MAX_BAND),
        ("min_band", p.min_band, MIN_BAND, p.band),
        ("hedge_cap", p.hedge_cap, MIN_BAND, MAX_BAND),
        ("min_interval", p.min_interval, 1, MAX_COOLDOWN),
        ("max_interval", p.max_interval, p.min_interval, MAX_INTERVAL),
        ("max_pool_deviation_bps", p.max_pool_deviation_bps, 1, MAX_DEVIATION_BPS),
        ("max_slippage_bps", p.max_slippage_bps, 1, MAX_SLIPPAGE_BPS),
        ("loss_window", p.loss_window, MIN_LOSS_WINDOW, MAX_LOSS_WINDOW),
        ("loss_budget_bps", p.loss_budget_bps, 1, 10_000),
        ("risk_aversion", p.risk_aversion, 1, 2**128 - 1),
        ("rebalance_gas", p.rebalance_gas, 0, MAX_REBALANCE_GAS),
        ("bounty_multiplier_bps", p.bounty_multiplier_bps, 0, MAX_BOUNTY_MULTIPLIER_BPS),
        ("reference_vol", p.reference_vol, MIN_REFERENCE_VOL, MAX_REFERENCE_VOL),
        ("ewma_alpha", p.ewma_alpha, MIN_EWMA_ALPHA, MAX_EWMA_ALPHA),
        ("observation_spacing", p.observation_spacing, MIN_OBSERVATION_SPACING, MAX_OBSERVATION_SPACING),
    ]


def check_policy(p: HedgePolicy, source: str = "policy") -> HedgePolicy:
    """Raises a one-line `LabError` for a policy the contract would refuse (`PolicyOutOfBounds`) or could not
    encode (a value outside its Solidity type)."""
    from deltavault.lab.errors import LabError

    for name, bits in _WIDTHS.items():
        value = getattr(p, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise LabError(f"{source}: `{name}` must be an integer, got {value!r}")
        lo, hi = (-(2 ** (-bits - 1)), 2 ** (-bits - 1) - 1) if bits < 0 else (0, 2**bits - 1)
        if not lo <= value <= hi:
            raise LabError(f"{source}: `{name}` = {value} does not fit its type ({lo} to {hi})")
    if not isinstance(p.trade_to_edge, bool):
        raise LabError(f"{source}: `trade_to_edge` must be true or false, got {p.trade_to_edge!r}")
    for name, value, lo, hi in policy_bounds(p):
        if not lo <= value <= hi:
            raise LabError(f"{source}: `{name}` = {value} outside the contract's bounds [{lo}, {hi}]")
    return p
