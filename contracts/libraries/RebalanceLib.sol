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

    /// @notice Half-width H of the no-trade band for a hedge that pays a fixed cost per rebalance plus a
    ///         proportional cost, and trades back to the target when |D - T| reaches H. WAD of base.
    /// @dev The band minimises the long-run rate of (risk penalty + trading costs) in the small-cost regime of
    ///      Whalley & Wilmott: with x = D - T moving like Gamma * dS (variance rate a = Gamma^2 S^2 sigma^2) and
    ///      reset to 0 at |x| = H, x spends the cycle with density (H - |x|) / H^2 (E[x^2] = H^2 / 6) and a cycle
    ///      lasts H^2 / a. The rate (riskAversion / 2) sigma^2 S^2 H^2 / 6 + (K + lambda S H) a / H^2 is least at
    ///          H^4 - p H - q = 0,  p = 6 lambda S Gamma^2 / riskAversion,  q = 12 K Gamma^2 / riskAversion,
    ///      independent of sigma. Limits: K = 0 gives (6 lambda S Gamma^2 / riskAversion)^(1/3), the
    ///      trade-to-target form of the Whalley-Wilmott band (whose trade-to-edge constant is 3/2); lambda = 0
    ///      gives (12 K Gamma^2 / riskAversion)^(1/4), the fixed-cost scaling of the asymptotic analyses.
    ///      Sources: A. E. Whalley and P. Wilmott, "An asymptotic analysis of an optimal hedging model for option
    ///      pricing with transaction costs", Mathematical Finance 7(3), 1997 (proportional costs); A. E. Whalley
    ///      and P. Wilmott, "Optimal hedging of options with small but arbitrary transaction cost structure",
    ///      European Journal of Applied Mathematics 10(2), 1999 (fixed + proportional costs); V. I. Zakamouline,
    ///      "European option pricing and hedging with both fixed and proportional transaction costs", Journal
    ///      of Economic Dynamics and Control 30(1), 2006. Because the fixed cost enters as a cost per trade (not
    ///      spread over the trade's notional), one riskAversion gives the optimal band for books of any size.
    ///      Solved by Newton's method from H0 = p^(1/3) + q^(1/4), which is never below the root
    ///      (H0^4 >= q + p H0); f(H) = H^4 - p H - q is convex for H > 0, so the iterates decrease
    ///      monotonically to the root (within a few wei; at most 2 x the root at the start, 8 steps suffice;
    ///      about 7,500 gas plus 1,500 a step, 15,000 at most).
    /// @param fixedCost Cost of one rebalance independent of its size (rebalanceGas x base fee at the oracle price:
    ///        what the keeper bounty reimburses), WAD of quote.
    /// @param lambda Proportional trading cost (pool fee + expected price impact), WAD fraction of notional.
    /// @param spot Spot, WAD quote per base.
    /// @param gamma |Portfolio gamma|, WAD of base per one quote unit of spot.
    /// @param riskAversion WAD per quote unit.
    function fixedCostBand(
        uint256 fixedCost,
        uint256 lambda,
        uint256 spot,
        uint256 gamma,
        uint256 riskAversion
    ) internal pure returns (uint256 h) {
        // p = 4 x the Whalley-Wilmott cube (3/2 -> 6), q = 12 K Gamma^2 / riskAversion; both WAD.
        uint256 p = Math.mulDiv(6 * lambda, spot, WAD);
        p = Math.mulDiv(Math.mulDiv(p, gamma, riskAversion), gamma, WAD);
        uint256 q = Math.mulDiv(Math.mulDiv(12 * fixedCost, gamma, riskAversion), gamma, WAD);
        h = F.cbrtWad(p) + F.sqrtWad(F.sqrtWad(q));
        // Beyond 1e27 (a billion base units, DeltaHedger's MAX_BAND) the band means "never": skip the solve,
        // which also keeps h^4 / 1e54 inside 256 bits for Solady's mulWad below.
        if (h == 0 || h > 1e27) return h;
        for (uint256 i; i < 8; ++i) {
            uint256 h3 = F.mulWad(F.mulWad(h, h), h);
            // f'(h) = 4 h^3 - p > 0 at and above the root.
            if (4 * h3 <= p) break;
            uint256 next = F.divWad(3 * F.mulWad(h3, h) + q, 4 * h3 - p);
            if (next >= h) break;
            h = next;
        }
    }
}
