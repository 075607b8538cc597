// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FixedPointMathLib} from "solady/utils/FixedPointMathLib.sol";

/// @title Gaussian
/// @notice Standard normal cumulative distribution N(x) and density phi(x) in WAD fixed point.
/// @dev N(x) = erfc(-x / sqrt 2) / 2, with W. J. Cody's rational Chebyshev approximations of erf and erfc
///      (Math. Comp. 23 (1969) 631-637, the coefficients of his CALERF routine), evaluated with Horner's rule in
///      1e18 fixed point. Three regions of y = |x| / sqrt 2:
///        - y < 0.5:        erf(y)  = y * A(y^2) / B(y^2)                      (no exponential needed);
///        - 0.5 <= y < 4:   erfc(y) = exp(-y^2) * C(y) / D(y);
///        - 4 <= y < 6.29:  erfc(y) = exp(-y^2) / y * (1/sqrt(pi) - P(1/y^2) / (y^2 Q(1/y^2))).
///      exp(-x^2 / 2) comes from Solady's `expWad` (shifted by ln(1e18) to get 1e36 fixed point), and is shared
///      with the density by `cdfPdfPrecise`. Beyond |x| >= 12.8, N(x) is 0 or 1 to within 1e-37.
///      Error: the approximation's, below 1e-17 absolute and 4e-15 relative in the tails.
///      Inputs are WAD (x = 1.5 is 1.5e18); `cdf` and `pdf` return WAD, the `Precise` variants N(x) in 1e36.
library Gaussian {
    /*//////////////////////////////////////////////////////////////
                                CONSTANTS
    //////////////////////////////////////////////////////////////*/

    uint256 internal constant WAD = 1e18;
    /// @dev Scale of the precise results: 1e36.
    uint256 internal constant WAD2 = 1e36;
    /// @dev |x| (WAD) from which N(x) is returned as exactly 0 or 1 (N(-12.8) = 8e-38 < 1e-36).
    uint256 internal constant CDF_CLAMP = 12.8e18;
    /// @dev 1 / sqrt(2), WAD.
    uint256 internal constant INV_SQRT_2 = 707106781186547524;
    /// @dev 1 / sqrt(2 pi), WAD.
    uint256 internal constant INV_SQRT_2PI = 398942280401432678;
    /// @dev ln(1e18), WAD: expWad(LN_WAD - z) = exp(-z) in 1e36 fixed point.
    int256 internal constant LN_WAD = 41446531673892822312;

    /*//////////////////////////////////////////////////////////////
                              DISTRIBUTION
    //////////////////////////////////////////////////////////////*/

    /// @notice Standard normal cumulative distribution function.
    /// @param x The point, WAD.
    /// @return N(x), WAD in [0, 1e18], rounded down.
    function cdf(int256 x) internal pure returns (uint256) {
        unchecked {
            return cdfPrecise(x) / WAD;
        }
    }

    /// @notice Standard normal density phi(x) = exp(-x^2 / 2) / sqrt(2 pi).
    /// @param x The point, WAD.
    /// @return phi(x), WAD in [0, 0.3990e18], rounded down.
    function pdf(int256 x) internal pure returns (uint256) {
        if (_abs(x) >= CDF_CLAMP) return 0;
        unchecked {
            return (_expHalfSquare(x) * INV_SQRT_2PI) / WAD2;
        }
    }

    /// @notice N(x) in 1e36 fixed point: the tails keep ~15 significant digits down to N(-12.8) ~ 1e-37, so that
    ///         differences of tails (out-of-the-money prices) stay accurate and monotone.
    /// @param x The point, WAD.
    /// @return p N(x) * 1e36, in [0, 1e36].
    function cdfPrecise(int256 x) internal pure returns (uint256 p) {
        uint256 a = _abs(x);
        if (a >= CDF_CLAMP) return x > 0 ? WAD2 : 0;
        uint256 tail;
        unchecked {
            uint256 y = (a * INV_SQRT_2) / WAD;
            tail = y < 0.5e18 ? WAD2 / 2 - _halfErf(y) : _tail(y, _expHalfSquare(x));
            p = x >= 0 ? WAD2 - tail : tail;
        }
    }

    /// @notice N(x) (1e36 fixed point, as `cdfPrecise`) and phi(x) (WAD), sharing one exponential.
    /// @param x The point, WAD.
    /// @return p N(x) * 1e36, in [0, 1e36].
    /// @return d phi(x), WAD, rounded down.
    function cdfPdfPrecise(int256 x) internal pure returns (uint256 p, uint256 d) {
        uint256 a = _abs(x);
        if (a >= CDF_CLAMP) return (x > 0 ? WAD2 : 0, 0);
        uint256 e = _expHalfSquare(x);
        uint256 tail;
        unchecked {
            d = (e * INV_SQRT_2PI) / WAD2;
            uint256 y = (a * INV_SQRT_2) / WAD;
            tail = y < 0.5e18 ? WAD2 / 2 - _halfErf(y) : _tail(y, e);
            p = x >= 0 ? WAD2 - tail : tail;
        }
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev exp(-x^2 / 2) in 1e36 fixed point (relative error ~1e-18), for |x| < 12.8e18 (the caller clamps).
    function _expHalfSquare(int256 x) private pure returns (uint256) {
        unchecked {
            return uint256(FixedPointMathLib.expWad(LN_WAD - (x * x) / 2e18));
        }
    }

    /// @dev erf(y) / 2 in 1e36 for 0 <= y < 0.5 (WAD), Cody's first approximation: y A(y^2) / B(y^2).
    function _halfErf(uint256 y) private pure returns (uint256 h) {
        /// @solidity memory-safe-assembly
        assembly {
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
            // y (1e18) * n (1e18) * 1e18 / m (1e18) = 1e36; y * n * 1e18 < 2e57.
            h := div(mul(mul(y, n), 1000000000000000000), add(m, m))
        }
    }

    /// @dev erfc(y) / 2 in 1e36 for 0.5 <= y < 9.06 (WAD), given e = exp(-y^2) in 1e36.
    function _tail(uint256 y, uint256 e) private pure returns (uint256 t) {
        /// @solidity memory-safe-assembly
        assembly {
            let r
            switch lt(y, 4000000000000000000)
            case 1 {
                // Cody's second approximation: erfc(y) = exp(-y^2) C(y) / D(y).
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
                // r = C / (2 D) in 1e27.
                r := div(mul(n, 1000000000000000000000000000), add(m, m))
            }
            default {
                // Cody's third approximation in s = 1 / y^2:
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
                // r = (1 / sqrt(pi) - s P / Q) / (2 y) in 1e27 (1 / sqrt(pi) in 1e27 first).
                r := div(
                    mul(
                        sub(564189583547756286948079452, div(mul(mul(s, n), 1000000000), m)),
                        1000000000000000000
                    ),
                    add(y, y)
                )
            }
            // r (1e27) * e (1e36) < 3e62.
            t := div(mul(r, e), 1000000000000000000000000000)
        }
    }

    function _abs(int256 x) private pure returns (uint256) {
        unchecked {
            return x >= 0 ? uint256(x) : uint256(-x);
        }
    }
}
