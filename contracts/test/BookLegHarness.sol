// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FixedPointMathLib} from "solady/utils/FixedPointMathLib.sol";

import {BlackScholes} from "../libraries/BlackScholes.sol";
import {BookLib} from "../libraries/BookLib.sol";
import {Gaussian} from "../libraries/Gaussian.sol";

/// @title BookLegHarness
/// @notice Exposes `BookLib.legNormal` (d1, N(d1) and phi(d1) of one leg) next to the library path it replaces
///         (`BlackScholes._d1`'s operations at rate zero, then `Gaussian.cdfPdfPrecise`), to compare them bit for
///         bit at single points and over many strikes in one call, and to measure the gas of each.
/// @dev Units: spot and strike WAD, drift (vol^2 tau / 2, tau in years) WAD, volSqrtTau (vol sqrt(tau)) 1e27;
///      d1 WAD, N(d1) 1e36, phi(d1) WAD.
contract BookLegHarness {
    /*//////////////////////////////////////////////////////////////
                                EXTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @notice `BookLib.legNormal(spot, strike, drift, volSqrtTau)`.
    function legNormal(
        uint256 spot,
        uint256 strike,
        int256 drift,
        uint256 volSqrtTau
    ) external pure returns (int256 d1, uint256 n1, uint256 pdf1) {
        return BookLib.legNormal(spot, strike, drift, volSqrtTau);
    }

    /// @notice The library path: the same three results through `FixedPointMathLib.lnWad` and `Gaussian.cdfPdfPrecise`.
    function libraryPath(
        uint256 spot,
        uint256 strike,
        int256 drift,
        uint256 volSqrtTau
    ) external pure returns (int256 d1, uint256 n1, uint256 pdf1) {
        return _libraryPath(spot, strike, drift, volSqrtTau);
    }

    /// @notice How many of the points (spot, strikes[i], drifts[i], volSqrtTau) give a result of `legNormal`
    ///         different from the library path, and the index of the first (`strikes.length` if none).
    function mismatches(
        uint256 spot,
        uint256[] calldata strikes,
        int256[] calldata drifts,
        uint256 volSqrtTau
    ) external pure returns (uint256 count, uint256 first) {
        first = strikes.length;
        for (uint256 i; i < strikes.length; ++i) {
            (int256 d1, uint256 n1, uint256 pdf1) = BookLib.legNormal(
                spot,
                strikes[i],
                drifts[i],
                volSqrtTau
            );
            (int256 rd1, uint256 rn1, uint256 rpdf1) = _libraryPath(spot, strikes[i], drifts[i], volSqrtTau);
            if (d1 != rd1 || n1 != rn1 || pdf1 != rpdf1) {
                if (count == 0) first = i;
                ++count;
            }
        }
    }

    /// @notice Gas of `legNormal` and of the reference path, each measured with `gasleft()` around it.
    function gas(
        uint256 spot,
        uint256 strike,
        int256 drift,
        uint256 volSqrtTau
    ) external view returns (uint256 fused, uint256 path) {
        uint256 before = gasleft();
        (int256 d1, uint256 n1, uint256 pdf1) = BookLib.legNormal(spot, strike, drift, volSqrtTau);
        fused = before - gasleft();
        before = gasleft();
        (int256 rd1, uint256 rn1, uint256 rpdf1) = _libraryPath(spot, strike, drift, volSqrtTau);
        path = before - gasleft();
        // Keep the results live so the optimizer cannot drop any part of either computation.
        if (d1 == rd1 && n1 == rn1 && pdf1 == rpdf1 && d1 == type(int256).min) fused = path = 0;
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev `BlackScholes._d1`'s operations at rate zero, with the drift and vol sqrt(tau) given, then
    ///      `Gaussian.cdfPdfPrecise`.
    function _libraryPath(
        uint256 spot,
        uint256 strike,
        int256 drift,
        uint256 volSqrtTau
    ) private pure returns (int256 d1, uint256 n1, uint256 pdf1) {
        unchecked {
            int256 logMoneyness = FixedPointMathLib.lnWad(int256((spot * 1e36) / strike)) -
                BlackScholes.LN_WAD;
            d1 = ((logMoneyness + drift) * 1e27) / int256(volSqrtTau);
        }
        (n1, pdf1) = Gaussian.cdfPdfPrecise(d1);
    }
}
