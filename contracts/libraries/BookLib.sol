// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {FixedPointMathLib} from "solady/utils/FixedPointMathLib.sol";

import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";

import {BlackScholes} from "./BlackScholes.sol";
import {Gaussian} from "./Gaussian.sol";

/// @title BookLib
/// @notice Value and greeks of a book of written options (see `IGreeksEngine.book` for units and signs).
/// @dev A call with cap C is the call spread C(K) - C(K + C); a put is one leg. The rate is zero: the vault holds
///      no interest-bearing cash. Each leg is valued as `BlackScholes.greeks(spot, strike, tau, vol, 0, isCall)`
///      would value it, with the same fixed-point operations in the same order, so every leg's price, delta, gamma
///      and vega are bit-identical to that function's; only the work is shared:
///        - per book: the spot and vol domain test (its revert is raised at the first leg that needs it, so a
///          book whose legs are all expired or outside the moneyness domain never reverts on spot or vol),
///          vol^2 / 2, and the strike range [ceil(spot / 100), 100 spot] of the moneyness domain;
///        - per expiry: tau, sqrt(tau), vol sqrt(tau), spot vol sqrt(tau) and the drift vol^2 tau / 2, shared by
///          both legs of a call spread and reused by the next position when it has the same expiry (books list
///          several strikes per expiry: keep them grouped by expiry);
///        - per leg: d1, then N(d1) and phi(d1) from one exponential (`Gaussian.cdfPdfPrecise`); N(d2), the
///          price and vega only when `full`. The hedging pass (`full` false) is a separate loop that reads the
///          positions straight from calldata and computes delta and gamma only.
///      Legs: at and after expiry, the intrinsic value with BlackScholes' at-the-money convention (delta +-0.5,
///      value 0 when spot == strike); before expiry, Black-Scholes inside the moneyness domain strike / spot in
///      [0.01, 100] and the intrinsic value outside it (delta 1 or 0 for a call, -1 or 0 for a put, no gamma or
///      vega). A call spread's value is clamped to [0, cap].
///      Aggregation: liability = sum of ceil(amount * value / 1e18); delta, gamma and vega are sums of
///      -(amount * legGreek) / 1e18 truncated toward zero (Solidity's signed division), where legGreek is the
///      position's greek (lower leg minus upper leg for a call spread).
///      Difference from summing `BlackScholes.greeks` leg by leg and aggregating as above: zero, for every input
///      where that sum does not revert. Reverts: the BlackScholes errors SpotOutOfRange, TimeToExpiryOutOfRange
///      (tau above 10 years) and VolatilityOutOfRange, raised only by a leg valued by Black-Scholes, in that
///      order; an arithmetic panic if strike + cap overflows.
library BookLib {
    /*//////////////////////////////////////////////////////////////
                                CONSTANTS
    //////////////////////////////////////////////////////////////*/

    uint256 internal constant WAD = 1e18;
    uint256 internal constant WAD2 = 1e36;
    /// @dev Amounts and values up to this bound are aggregated unchecked (their product is below 2^256); larger
    ///      ones take the checked path.
    uint256 internal constant MAX_UNCHECKED = type(uint128).max;

    /// @dev The market, the position being valued and the running sums (in memory: one stack frame is too small
    ///      for all of them).
    struct Book {
        // Per book.
        uint256 spot;
        uint256 vol;
        /// @dev vol^2 / 2, 1e36.
        uint256 halfVolSq;
        /// @dev The moneyness domain, strike in [minStrike, maxStrike] = [ceil(spot / 100), 100 spot].
        uint256 minStrike;
        uint256 maxStrike;
        /// @dev spot and vol are inside BlackScholes' domain.
        bool valid;
        bool full;
        // Per expiry (tau > 0): the expiry the terms below were computed for (0 before the first live position).
        uint256 expiry;
        uint256 tau;
        /// @dev sqrt(tau / YEAR) and vol sqrt(tau / YEAR), 1e27.
        uint256 sqrtTau;
        uint256 volSqrtTau;
        /// @dev spot * volSqrtTau, 1e45.
        uint256 spotVolSqrtTau;
        /// @dev vol^2 tau / 2 (tau in years), WAD.
        int256 drift;
    }

    /*//////////////////////////////////////////////////////////////
                                  BOOK
    //////////////////////////////////////////////////////////////*/

    /// @dev See `IGreeksEngine.book`.
    function book(
        IGreeksEngine.Position[] calldata positions,
        uint256 spot,
        uint256 vol,
        bool full
    ) internal view returns (uint256 liabilityWad, int256 delta, int256 gamma, int256 vega) {
        Book memory b = _market(spot, vol, full);
        if (!full) {
            (delta, gamma) = _hedge(b, positions);
            return (0, delta, gamma, 0);
        }
        uint256 n = positions.length;
        for (uint256 i; i < n; ) {
            IGreeksEngine.Position calldata p = positions[i];
            (uint256 value, int256 d, int256 g, int256 v) = _position(b, p);
            uint256 amount = p.amount;
            if ((amount | value) <= MAX_UNCHECKED) {
                unchecked {
                    // amount, value < 2^128: amount * value < 2^256 and the rounded-up quotient is < 2^197, so
                    // the sum of fewer than 2^58 terms cannot overflow. |d| <= 2e18, |g| < 2^103 and |v| < 2^102
                    // (bounds of `_blackScholes`): each product is < 2^231, each term < 2^172.
                    int256 a = int256(amount);
                    delta -= (a * d) / int256(WAD);
                    gamma -= (a * g) / int256(WAD);
                    if (full) {
                        // Rounded up: the liability is never understated.
                        liabilityWad += (amount * value + (WAD - 1)) / WAD;
                        vega -= (a * v) / int256(WAD);
                    }
                }
            } else {
                // Absurdly large amounts or values: checked arithmetic (a revert where the sums overflow).
                int256 a = int256(amount);
                delta -= (a * d) / int256(WAD);
                gamma -= (a * g) / int256(WAD);
                if (full) {
                    liabilityWad += Math.mulDiv(amount, value, WAD, Math.Rounding.Ceil);
                    vega -= (a * v) / int256(WAD);
                }
            }
            unchecked {
                ++i;
            }
        }
    }

    /// @dev Value, delta, gamma and vega of one long option of `p`'s series (its amount is ignored), with the legs
    ///      of `book`.
    function option(
        IGreeksEngine.Position calldata p,
        uint256 spot,
        uint256 vol
    ) internal view returns (uint256 value, int256 delta, int256 gamma, int256 vega) {
        return _position(_market(spot, vol, true), p);
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev The hedging pass (`full` false): the delta and gamma sums of `book`, with the same legs and the same
    ///      aggregation, in one loop that reads each position straight from calldata and computes no values.
    function _hedge(
        Book memory b,
        IGreeksEngine.Position[] calldata positions
    ) private view returns (int256 delta, int256 gamma) {
        uint256 n = positions.length;
        for (uint256 i; i < n; ) {
            uint256 strike;
            uint256 cap;
            uint256 expiry;
            uint256 amount;
            /// @solidity memory-safe-assembly
            assembly {
                // Position i is the 4 words at positions.offset + 128 i; the ABI decoder has checked that the
                // array lies within the calldata.
                let p := add(positions.offset, shl(7, i))
                strike := calldataload(p)
                cap := calldataload(add(p, 0x20))
                expiry := calldataload(add(p, 0x40))
                amount := calldataload(add(p, 0x60))
            }
            int256 d;
            int256 g;
            if (expiry <= block.timestamp) {
                d = _expiredDelta(b.spot, strike, cap);
            } else {
                if (expiry != b.expiry) _expiryTerms(b, expiry);
                (d, g) = _hedgeLeg(b, strike, cap != 0);
                if (cap != 0) {
                    (int256 uDelta, int256 uGamma) = _hedgeLeg(b, strike + cap, true);
                    unchecked {
                        // Bounds of `_blackScholes`: no overflow.
                        d -= uDelta;
                        g -= uGamma;
                    }
                }
            }
            int256 a = int256(amount);
            if (amount <= MAX_UNCHECKED) {
                unchecked {
                    // As in `book`: each product is < 2^231 and each term < 2^172.
                    delta -= (a * d) / int256(WAD);
                    gamma -= (a * g) / int256(WAD);
                }
            } else {
                delta -= (a * d) / int256(WAD);
                gamma -= (a * g) / int256(WAD);
            }
            unchecked {
                ++i;
            }
        }
    }

    /// @dev Delta of one long option of an expired position (`_atExpiry`'s, the call spread's difference).
    function _expiredDelta(uint256 spot, uint256 strike, uint256 cap) private pure returns (int256 d) {
        (, d) = _atExpiry(spot, strike, cap != 0);
        if (cap != 0) {
            (, int256 upperDelta) = _atExpiry(spot, strike + cap, true);
            unchecked {
                // Both in [-1e18, 1e18].
                d -= upperDelta;
            }
        }
    }

    /// @dev Delta and gamma of one leg before expiry, as `_leg` computes them with `full` false.
    function _hedgeLeg(
        Book memory b,
        uint256 strike,
        bool isCall
    ) private pure returns (int256 delta, int256 gamma) {
        unchecked {
            if (strike >= b.minStrike && strike <= b.maxStrike) {
                if (!b.valid || b.tau > BlackScholes.MAX_TIME_TO_EXPIRY) _revertDomain(b);
                (, uint256 n1, uint256 pdf1) = _normal(b, strike);
                // As in `_blackScholes`.
                delta = isCall ? int256(n1 / WAD) : -int256(WAD - n1 / WAD);
                gamma = int256((pdf1 * 1e45) / b.spotVolSqrtTau);
            } else if (isCall) {
                if (b.spot > strike) delta = int256(WAD);
            } else if (strike > b.spot) {
                delta = -int256(WAD);
            }
        }
    }

    /// @dev The per-book part of the context.
    function _market(uint256 spot, uint256 vol, bool full) private pure returns (Book memory b) {
        b.spot = spot;
        b.vol = vol;
        b.full = full;
        b.valid =
            spot >= BlackScholes.MIN_SPOT &&
            spot <= BlackScholes.MAX_SPOT &&
            vol >= BlackScholes.MIN_VOL &&
            vol <= BlackScholes.MAX_VOL;
        unchecked {
            // Only read by legs valued by Black-Scholes, which first require `valid` (vol <= 10e18): vol^2 < 1e38.
            b.halfVolSq = (vol * vol) / 2;
            // strike * 100 >= spot exactly when strike >= ceil(spot / 100); spot / 100 + 1 cannot overflow.
            b.minStrike = spot / 100 + (spot % 100 == 0 ? 0 : 1);
        }
        // 100 spot, saturated (a larger strike is then outside the domain only if spot is; `valid` covers it).
        b.maxStrike = spot > type(uint256).max / 100 ? type(uint256).max : spot * 100;
    }

    /// @dev The per-expiry part of the context, for expiry > block.timestamp. They depend on the expiry alone, so
    ///      a position on the same expiry as the last one computed reuses them.
    function _expiryTerms(Book memory b, uint256 expiry) private view {
        unchecked {
            // expiry > block.timestamp.
            uint256 tau = expiry - block.timestamp;
            b.expiry = expiry;
            b.tau = tau;
            // Read only after the leg's checks: tau <= 10 years, so tau * 1e54 < 3.2e62; vol <= 10e18 and
            // sqrtTau <= 3.2e27, so vol * sqrtTau < 3.2e46, volSqrtTau < 3.2e28 and spot * volSqrtTau < 3.2e58;
            // halfVolSq * tau < 5e37 * 3.2e8. The same operations as BlackScholes._d1 at rate 0.
            uint256 sqrtTau = FixedPointMathLib.sqrt((tau * 1e54) / BlackScholes.YEAR);
            uint256 volSqrtTau = (b.vol * sqrtTau) / WAD;
            b.sqrtTau = sqrtTau;
            b.volSqrtTau = volSqrtTau;
            b.spotVolSqrtTau = b.spot * volSqrtTau;
            b.drift = int256(b.halfVolSq * tau) / int256(BlackScholes.YEAR * WAD);
        }
    }

    /// @dev Value, delta, gamma and vega of one long option of the position's series (value, vega zero unless
    ///      `full`).
    function _position(
        Book memory b,
        IGreeksEngine.Position calldata p
    ) private view returns (uint256 value, int256 delta, int256 gamma, int256 vega) {
        uint256 expiry = p.expiry;
        uint256 strike = p.strike;
        uint256 cap = p.cap;
        bool isCall = cap != 0;
        if (expiry <= block.timestamp) {
            (value, delta) = _atExpiry(b.spot, strike, isCall);
            if (!isCall) return (value, delta, 0, 0);
            (uint256 upperValue, int256 upperDelta) = _atExpiry(b.spot, strike + cap, true);
            return (_spreadValue(value, upperValue, cap), delta - upperDelta, 0, 0);
        }
        if (expiry != b.expiry) _expiryTerms(b, expiry);
        (value, delta, gamma, vega) = _leg(b, strike, isCall);
        if (!isCall) return (value, delta, gamma, vega);
        (uint256 uValue, int256 uDelta, int256 uGamma, int256 uVega) = _leg(b, strike + cap, true);
        unchecked {
            // Each leg's delta is in [0, 1e18], gamma in [0, 2^102), vega in [0, 2^101): no overflow.
            return (_spreadValue(value, uValue, cap), delta - uDelta, gamma - uGamma, vega - uVega);
        }
    }

    /// @dev One leg before expiry: Black-Scholes inside the moneyness domain, the intrinsic value outside it.
    function _leg(
        Book memory b,
        uint256 strike,
        bool isCall
    ) private pure returns (uint256 value, int256 delta, int256 gamma, int256 vega) {
        if (strike >= b.minStrike && strike <= b.maxStrike) return _blackScholes(b, strike, isCall);
        unchecked {
            // Out of the domain: spot != strike, and each subtraction is guarded by its comparison.
            if (isCall) {
                if (b.spot > strike) return (b.full ? b.spot - strike : 0, int256(WAD), 0, 0);
            } else if (strike > b.spot) {
                return (b.full ? strike - b.spot : 0, -int256(WAD), 0, 0);
            }
        }
    }

    /// @dev `BlackScholes.greeks(spot, strike, tau, vol, 0, isCall)`, with the per-book and per-position terms
    ///      taken from `b`. Bounds (spot in [1e12, 1e30], vol >= 1e15, tau >= 1 s, so volSqrtTau >= 1.7e20):
    ///      delta in [-1e18, 1e18]; gamma <= 0.4e18 * 1e45 / (1e12 * 1.7e20) < 2.4e30 < 2^102; vega <= 1e30 *
    ///      0.4 * 3.2 < 2^101; value <= max(spot, strike) <= 1e32.
    function _blackScholes(
        Book memory b,
        uint256 strike,
        bool isCall
    ) private pure returns (uint256 value, int256 delta, int256 gamma, int256 vega) {
        if (!b.valid || b.tau > BlackScholes.MAX_TIME_TO_EXPIRY) _revertDomain(b);
        unchecked {
            uint256 spot = b.spot;
            (int256 d1, uint256 n1, uint256 pdf1) = _normal(b, strike);
            // n1 is N(d1) in 1e36; delta is rounded down, as in BlackScholes.
            delta = isCall ? int256(n1 / WAD) : -int256(WAD - n1 / WAD);
            // pdf1 * 1e45 < 4e62.
            gamma = int256((pdf1 * 1e45) / b.spotVolSqrtTau);
            if (!b.full) return (0, delta, gamma, 0);
            vega = int256((((spot * pdf1) / WAD) * b.sqrtTau) / 1e27);
            // Rate zero: the discounted strike is the strike. n1, n2 <= 1e36, products < 1e32 * 1e36.
            uint256 n2 = Gaussian.cdfPrecise(d1 - int256(b.volSqrtTau / 1e9));
            int256 p = isCall
                ? int256(spot * n1) - int256(strike * n2)
                : int256(strike * (WAD2 - n2)) - int256(spot * (WAD2 - n1));
            value = p > 0 ? uint256(p) / WAD2 : 0;
        }
    }

    /// @dev Intrinsic value and delta at expiry, BlackScholes' convention: at the money value 0, delta +-0.5e18.
    function _atExpiry(uint256 spot, uint256 strike, bool isCall) private pure returns (uint256, int256) {
        unchecked {
            // Each subtraction is guarded by its comparison.
            if (spot == strike) return (0, isCall ? int256(0.5e18) : int256(-0.5e18));
            if (isCall) {
                if (spot > strike) return (spot - strike, int256(WAD));
            } else if (spot < strike) {
                return (strike - spot, -int256(WAD));
            }
            return (0, 0);
        }
    }

    /// @dev A call spread is worth between 0 and its cap; clamp fixed-point noise into that range.
    function _spreadValue(uint256 lower, uint256 upper, uint256 cap) private pure returns (uint256 v) {
        unchecked {
            v = lower > upper ? lower - upper : 0;
        }
        if (v > cap) v = cap;
    }

    /// @dev d1, N(d1) (1e36) and phi(d1) (WAD) of one leg at rate zero: `BlackScholes._d1`'s operations with the
    ///      per-expiry terms of `b`, then `Gaussian.cdfPdfPrecise` (one exponential for both).
    function _normal(
        Book memory b,
        uint256 strike
    ) private pure returns (int256 d1, uint256 n1, uint256 pdf1) {
        unchecked {
            // As in BlackScholes._d1: spot * 1e36 < 1e66; |numerator| < 6e20, * 1e27 < 6e47; volSqrtTau >= 1.7e20.
            int256 logMoneyness = FixedPointMathLib.lnWad(int256((b.spot * 1e36) / strike)) -
                BlackScholes.LN_WAD;
            d1 = ((logMoneyness + b.drift) * 1e27) / int256(b.volSqrtTau);
        }
        (n1, pdf1) = Gaussian.cdfPdfPrecise(d1);
    }

    /// @dev Reverts with the first BlackScholes domain error, in `BlackScholes._checkDomain`'s order.
    function _revertDomain(Book memory b) private pure {
        if (b.spot < BlackScholes.MIN_SPOT || b.spot > BlackScholes.MAX_SPOT) {
            revert BlackScholes.SpotOutOfRange(b.spot);
        }
        if (b.tau > BlackScholes.MAX_TIME_TO_EXPIRY) revert BlackScholes.TimeToExpiryOutOfRange(b.tau);
        revert BlackScholes.VolatilityOutOfRange(b.vol);
    }
}
