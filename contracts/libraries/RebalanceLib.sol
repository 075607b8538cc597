// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FixedPointMathLib as F} from "solady/utils/FixedPointMathLib.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title RebalanceLib
/// @notice The math of the rebalancing rules (see IDeltaHedger for the formulas). All values WAD.
library RebalanceLib {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant YEAR = 365 days;
    /// @notice Bounds of the volatility scale k.
    uint256 internal constant MIN_SCALE = 0.25e18;
    uint256 internal constant MAX_SCALE = 4e18;

    /// @notice k = clamp(referenceVol / realizedVol, 1/4, 4); 1 before the first estimate.
    function volScale(uint256 referenceVol, uint256 realizedVol) internal pure returns (uint256 k) {
        if (realizedVol == 0) return WAD;
        k = Math.mulDiv(referenceVol, WAD, realizedVol);
        if (k < MIN_SCALE) return MIN_SCALE;
        if (k > MAX_SCALE) return MAX_SCALE;
    }

    /// @notice The EWMA of annualized squared log returns after a new price.
    /// @param variance Current estimate, WAD (annualized variance).
    /// @param lastPrice Previous observed price, WAD; 0 before the first observation.
    /// @param price New price, WAD.
    /// @param elapsed Seconds since the previous observation (> 0).
    /// @param alpha Weight of the new sample, WAD.
    function ewmaVariance(
        uint256 variance,
        uint256 lastPrice,
        uint256 price,
        uint256 elapsed,
        uint256 alpha
    ) internal pure returns (uint256) {
        if (lastPrice == 0) return variance;
        int256 r = F.lnWad(int256(Math.mulDiv(price, WAD, lastPrice)));
        uint256 r2 = Math.mulDiv(uint256(r >= 0 ? r : -r), uint256(r >= 0 ? r : -r), WAD);
        uint256 sample = Math.mulDiv(r2, YEAR, elapsed);
        // The first sample seeds the estimate.
        if (variance == 0) return sample;
        return Math.mulDiv(alpha, sample, WAD) + Math.mulDiv(WAD - alpha, variance, WAD);
    }

    /// @notice The Whalley-Wilmott half-width H = (3/2 * lambda * S * Gamma^2 / riskAversion)^(1/3), WAD of base.
    /// @param lambda Proportional trading cost, WAD.
    /// @param spot Spot, WAD quote per base.
    /// @param gamma |Portfolio gamma|, WAD of base per one quote unit of spot.
    /// @param riskAversion WAD per quote unit.
    function whalleyWilmott(
        uint256 lambda,
        uint256 spot,
        uint256 gamma,
        uint256 riskAversion
    ) internal pure returns (uint256) {
        uint256 x = Math.mulDiv(3 * lambda, spot, 2 * WAD);
        x = Math.mulDiv(x, gamma, riskAversion);
        x = Math.mulDiv(x, gamma, WAD);
        return F.cbrtWad(x);
    }
}
