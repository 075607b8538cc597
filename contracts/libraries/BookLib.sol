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
///        - per leg: d1, N(d1) and phi(d1) in one assembly block (`legNormal`: one logarithm, one exponential);
///          N(d2), the price and vega are computed only when `full`. The hedging pass (`full` false) is a
///          separate loop that reads the positions straight from calldata and computes no values.
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

    /*//////////////////////////////////////////////////////////////
                                  LEG
    //////////////////////////////////////////////////////////////*/

    /// @dev d1, N(d1) and phi(d1) of one leg at rate zero, in one assembly block: the same fixed-point operations,
    ///      in the same order, as `BlackScholes._d1` followed by `Gaussian.cdfPdfPrecise`, so the three results are
    ///      bit-identical to theirs:
    ///        d1  = ((lnWad(spot * 1e36 / strike) - ln(1e18)) + drift) * 1e27 / volSqrtTau, truncated toward 0;
    ///        n1  = N(d1) in 1e36: 0 or 1e36 for |d1| >= 12.8, else Cody's erf / erfc (three regions of
    ///              y = |d1| / sqrt 2: y < 0.5, 0.5 <= y < 4, y >= 4), as `Gaussian`;
    ///        pdf = phi(d1) in WAD, exp(-d1^2 / 2) / sqrt(2 pi) rounded down, 0 for |d1| >= 12.8.
    ///      The logarithm and the exponential are Solady's `lnWad` and `expWad` (FixedPointMathLib v0.1.26,
    ///      https://github.com/vectorized/solady/blob/main/src/utils/FixedPointMathLib.sol, MIT License,
    ///      Copyright (c) 2022-2025 Solady; algorithms credited there to Remco Bloemen, MIT,
    ///      https://2π.com/22/exp-ln), copied with their constants; only their range checks are left out, as
    ///      the preconditions keep their arguments inside the range where those checks do not fire.
    ///      Preconditions (those of `_blackScholes`): spot in [1e12, 1e30] and strike in [ceil(spot / 100),
    ///      100 spot], so spot * 1e36 < 2^256 and the logarithm's argument is in [1e34, 1e38] (> 0: `lnWad` does
    ///      not revert); |drift| <= 5e20 and volSqrtTau in [1.7e20, 3.2e28].
    /// @param spot Spot, WAD.
    /// @param strike Strike, WAD.
    /// @param drift vol^2 tau / 2 (tau in years), WAD.
    /// @param volSqrtTau vol sqrt(tau), 1e27.
    /// @return d1 d1, WAD.
    /// @return n1 N(d1), 1e36, in [0, 1e36].
    /// @return pdf1 phi(d1), WAD.
    function legNormal(
        uint256 spot,
        uint256 strike,
        int256 drift,
        uint256 volSqrtTau
    ) internal pure returns (int256 d1, uint256 n1, uint256 pdf1) {
        /// @solidity memory-safe-assembly
        assembly {
            // ---- ln(spot / strike): Solady's lnWad(spot * 1e36 / strike), then - ln(1e18) ----
            {
                let x := div(mul(spot, 1000000000000000000000000000000000000), strike)
                // r = 255 ^ log2(x) (lnWad's `k = log2(x) - 96`, `r = 159 - k`).
                let r := shl(7, lt(0xffffffffffffffffffffffffffffffff, x))
                r := or(r, shl(6, lt(0xffffffffffffffff, shr(r, x))))
                r := or(r, shl(5, lt(0xffffffff, shr(r, x))))
                r := or(r, shl(4, lt(0xffff, shr(r, x))))
                r := or(r, shl(3, lt(0xff, shr(r, x))))
                // (lnWad's `LnWadUndefined` check for x <= 0 is omitted: x >= 1e34 here.)
                r := xor(
                    r,
                    byte(
                        and(0x1f, shr(shr(r, x), 0x8421084210842108cc6318c6db6d54be)),
                        0xf8f9f9faf9fdfafbf9fdfcfdfafbfcfef9fafdfafcfcfbfefafafcfbffffffff
                    )
                )
                // x reduced to (1, 2) * 2^96: ln(2^k x) = k ln(2) + ln(x).
                x := shr(159, shl(r, x))
                // (8, 8)-term rational approximation; p monic, left in 2^192 basis.
                let p := sub(
                    sar(
                        96,
                        mul(
                            add(
                                43456485725739037958740375743393,
                                sar(
                                    96,
                                    mul(
                                        add(
                                            24828157081833163892658089445524,
                                            sar(96, mul(add(3273285459638523848632254066296, x), x))
                                        ),
                                        x
                                    )
                                )
                            ),
                            x
                        )
                    ),
                    11111509109440967052023855526967
                )
                p := sub(sar(96, mul(p, x)), 45023709667254063763336534515857)
                p := sub(sar(96, mul(p, x)), 14706773417378608786704636184526)
                p := sub(mul(p, x), shl(96, 795164235651350426258249787498))
                // q monic; no zeros in the domain.
                let q := add(5573035233440673466300451813936, x)
                q := add(71694874799317883764090561454958, sar(96, mul(x, q)))
                q := add(283447036172924575727196451306956, sar(96, mul(x, q)))
                q := add(401686690394027663651624208769553, sar(96, mul(x, q)))
                q := add(204048457590392012362485061816622, sar(96, mul(x, q)))
                q := add(31853899698501571402653359427138, sar(96, mul(x, q)))
                q := add(909429971244387300277376558375, sar(96, mul(x, q)))
                // p / q in (0, 0.125) * 2^96.
                p := sdiv(p, q)
                // Scale factor s * 5^18 * 2^96: base 5^18 * 2^192.
                p := mul(1677202110996718588342820967067443963516166, p)
                // + ln(2) * k * 5^18 * 2^192.
                p := add(
                    mul(16597577552685614221487285958193947469193820559219878177908093499208371, sub(159, r)),
                    p
                )
                // + ln(2^96 / 1e18) * 5^18 * 2^192.
                p := add(600920179829731861736702779321621459595472258049074101567377883020018308, p)
                // lnWad = p * 2^18 / 2^192, minus ln(1e18) = 41446531673892822312 (BlackScholes.LN_WAD): ln(S/K),
                // WAD, in [-4.61e18, 4.61e18].
                let logMoneyness := sub(sar(174, p), 41446531673892822312)
                // d1 = (ln(S/K) + drift) * 1e27 / volSqrtTau (signed, truncated toward zero, as Solidity's `/`):
                // |numerator| < 6e20 * 1e27; volSqrtTau >= 1.7e20 (nonzero).
                d1 := sdiv(mul(add(logMoneyness, drift), 1000000000000000000000000000), volSqrtTau)
            }
            // ---- N(d1) and phi(d1): Gaussian.cdfPdfPrecise ----
            // a = |d1|.
            let a := d1
            if slt(d1, 0) {
                a := sub(0, d1)
            }
            switch lt(a, 12800000000000000000)
            case 0 {
                // |d1| >= 12.8 (Gaussian.CDF_CLAMP): N is 0 or 1 to within 1e-37; phi(d1) is returned as 0.
                n1 := mul(sgt(d1, 0), 1000000000000000000000000000000000000)
            }
            default {
                // e = exp(-d1^2 / 2) in 1e36: Solady's expWad(z) with z = ln(1e18) - d1^2 / 2e18 (WAD). |d1| < 12.8e18,
                // so d1^2 < 1.64e38 and z is in (-40.5e18, 41.45e18]: above expWad's zero threshold
                // (z <= -41446531673892822313 returns 0) and below its overflow bound (z >= 135305999368893231589
                // reverts), both checks omitted.
                let e
                {
                    let z := sub(41446531673892822312, sdiv(mul(d1, d1), 2000000000000000000))
                    // To 2^96 basis: z * 2^78 / 5^18 (5^18 = 3814697265625).
                    z := sdiv(shl(78, z), 3814697265625)
                    // k = round(z / ln 2), with ln(2) * 2^96 = 54916777467707473351141471128; z -= k ln 2.
                    let k := sar(96, add(sdiv(shl(96, z), 54916777467707473351141471128), shl(95, 1)))
                    z := sub(z, mul(k, 54916777467707473351141471128))
                    // (6, 7)-term rational approximation; p monic, left in 2^192 basis.
                    let y := add(z, 1346386616545796478920950773328)
                    y := add(sar(96, mul(y, z)), 57155421227552351082224309758442)
                    let p := sub(add(y, z), 94201549194550492254356042504812)
                    p := add(sar(96, mul(p, y)), 28719021644029726153956944680412240)
                    p := add(mul(p, z), shl(96, 4385272521454847904659076985693276))
                    let q := sub(z, 2855989394907223263936484059900)
                    q := add(sar(96, mul(q, z)), 50020603652535783019961831881945)
                    q := sub(sar(96, mul(q, z)), 533845033583426703283633433725380)
                    q := add(sar(96, mul(q, z)), 3604857256930695427073651918091429)
                    q := sub(sar(96, mul(q, z)), 14423608567350463180887372962807573)
                    q := add(sar(96, mul(q, z)), 26449188498355588339934803723976023)
                    // p / q in (0.09, 0.25) * 2^96 (q has no real roots); times the scale factor s * 2^k * 1e18 /
                    // 2^96, through 2^213 basis (k in [-61, 195]: the shift is positive).
                    e := shr(sub(195, k), mul(sdiv(p, q), 3822833074963236453042738258902158003155416615667))
                }
                // phi(d1) = e / sqrt(2 pi): 1 / sqrt(2 pi) = 0.398942280401432678 (Gaussian.INV_SQRT_2PI), WAD.
                pdf1 := div(mul(e, 398942280401432678), 1000000000000000000000000000000000000)
                // y = |d1| / sqrt 2: 1 / sqrt 2 = 0.707106781186547524 (Gaussian.INV_SQRT_2), WAD.
                let y := div(mul(a, 707106781186547524), 1000000000000000000)
                // tail = N(-|d1|) in 1e36.
                let tail
                switch lt(y, 500000000000000000)
                case 1 {
                    // y < 0.5, Cody's first approximation: erf(y) = y A(y^2) / B(y^2); tail = 1/2 - erf(y) / 2.
                    let s := div(mul(y, y), 1000000000000000000)
                    let n := div(mul(185777706184603153, s), 1000000000000000000)
                    let m := s
                    n := div(mul(add(n, 3161123743870565600), s), 1000000000000000000)
                    m := div(mul(add(m, 23601290952344120900), s), 1000000000000000000)
                    n := div(mul(add(n, 113864154151050156000), s), 1000000000000000000)
                    m := div(mul(add(m, 244024637934444173000), s), 1000000000000000000)
                    n := div(mul(add(n, 377485237685302021000), s), 1000000000000000000)
                    m := div(mul(add(m, 1282616526077372280000), s), 1000000000000000000)
                    n := add(n, 3209377589138469470000)
                    m := add(m, 2844236833439170620000)
                    // erf(y) / 2 = y (1e18) * n (1e18) * 1e18 / (2 m) (1e18): 1e36; y * n * 1e18 < 2e57.
                    tail := sub(
                        500000000000000000000000000000000000,
                        div(mul(mul(y, n), 1000000000000000000), add(m, m))
                    )
                }
                default {
                    // erfc(y) / 2 = exp(-y^2) r, with r in 1e27 from one of Cody's two erfc approximations.
                    let r
                    switch lt(y, 4000000000000000000)
                    case 1 {
                        // 0.5 <= y < 4, Cody's second approximation: erfc(y) = exp(-y^2) C(y) / D(y).
                        let n := div(mul(21531153547, y), 1000000000000000000)
                        let m := y
                        n := div(mul(add(n, 564188496988670089), y), 1000000000000000000)
                        m := div(mul(add(m, 15744926110709834700), y), 1000000000000000000)
                        n := div(mul(add(n, 8883149794388375940), y), 1000000000000000000)
                        m := div(mul(add(m, 117693950891312499000), y), 1000000000000000000)
                        n := div(mul(add(n, 66119190637141629500), y), 1000000000000000000)
                        m := div(mul(add(m, 537181101862009858000), y), 1000000000000000000)
                        n := div(mul(add(n, 298635138197400131000), y), 1000000000000000000)
                        m := div(mul(add(m, 1621389574566690190000), y), 1000000000000000000)
                        n := div(mul(add(n, 881952221241769090000), y), 1000000000000000000)
                        m := div(mul(add(m, 3290799235733459630000), y), 1000000000000000000)
                        n := div(mul(add(n, 1712047612634070580000), y), 1000000000000000000)
                        m := div(mul(add(m, 4362619090143247160000), y), 1000000000000000000)
                        n := div(mul(add(n, 2051078377826071470000), y), 1000000000000000000)
                        m := div(mul(add(m, 3439367674143721640000), y), 1000000000000000000)
                        n := add(n, 1230339354797997250000)
                        m := add(m, 1230339354803749420000)
                        // r = C / (2 D), 1e27.
                        r := div(mul(n, 1000000000000000000000000000), add(m, m))
                    }
                    default {
                        // 4 <= y < 9.06, Cody's third approximation in s = 1 / y^2 (1e18):
                        // erfc(y) = exp(-y^2) / y * (1 / sqrt(pi) - s P(s) / Q(s)).
                        let s := div(1000000000000000000000000000000000000000000000000000000, mul(y, y))
                        let n := div(mul(16315387137302098, s), 1000000000000000000)
                        let m := s
                        n := div(mul(add(n, 305326634961232344), s), 1000000000000000000)
                        m := div(mul(add(m, 2568520192289822420), s), 1000000000000000000)
                        n := div(mul(add(n, 360344899949804439), s), 1000000000000000000)
                        m := div(mul(add(m, 1872952849923467250), s), 1000000000000000000)
                        n := div(mul(add(n, 125781726111229246), s), 1000000000000000000)
                        m := div(mul(add(m, 527905102951428412), s), 1000000000000000000)
                        n := div(mul(add(n, 16083785148742277), s), 1000000000000000000)
                        m := div(mul(add(m, 60518341312441319), s), 1000000000000000000)
                        n := add(n, 658749161529838)
                        m := add(m, 2335204976268692)
                        // r = (1 / sqrt(pi) - s P / Q) / (2 y), 1e27; 1 / sqrt(pi) = 0.564189583547756286948079452
                        // in 1e27.
                        r := div(
                            mul(
                                sub(564189583547756286948079452, div(mul(mul(s, n), 1000000000), m)),
                                1000000000000000000
                            ),
                            add(y, y)
                        )
                    }
                    // r (1e27) * e (1e36) < 3e62.
                    tail := div(mul(r, e), 1000000000000000000000000000)
                }
                // N(d1) = 1 - N(-d1) for d1 >= 0.
                n1 := tail
                if iszero(slt(d1, 0)) {
                    n1 := sub(1000000000000000000000000000000000000, tail)
                }
            }
        }
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
                (, uint256 n1, uint256 pdf1) = legNormal(b.spot, strike, b.drift, b.volSqrtTau);
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
            (int256 d1, uint256 n1, uint256 pdf1) = legNormal(spot, strike, b.drift, b.volSqrtTau);
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

    /// @dev Reverts with the first BlackScholes domain error, in `BlackScholes._checkDomain`'s order.
    function _revertDomain(Book memory b) private pure {
        if (b.spot < BlackScholes.MIN_SPOT || b.spot > BlackScholes.MAX_SPOT) {
            revert BlackScholes.SpotOutOfRange(b.spot);
        }
        if (b.tau > BlackScholes.MAX_TIME_TO_EXPIRY) revert BlackScholes.TimeToExpiryOutOfRange(b.tau);
        revert BlackScholes.VolatilityOutOfRange(b.vol);
    }
}
