// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FixedPointMathLib as F} from "solady/utils/FixedPointMathLib.sol";

/// @title RebalanceLib
/// @notice The math of the rebalancing rules (see IDeltaHedger for the formulas). All values WAD.
/// @dev Products over a divisor are Solady's `fullMulDiv` (512-bit intermediate, rounded down: the same results as
///      OpenZeppelin's `Math.mulDiv` for a fraction of its gas on the rebalance path).
library RebalanceLib {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant YEAR = 365 days;
    /// @notice Bounds of the volatility scale k.
    uint256 internal constant MIN_SCALE = 0.25e18;
    uint256 internal constant MAX_SCALE = 4e18;

    /// @notice k = clamp(referenceVol / realizedVol, 1/4, 4); 1 before the first estimate.
    function volScale(uint256 referenceVol, uint256 realizedVol) internal pure returns (uint256 k) {
        if (realizedVol == 0) return WAD;
        k = F.fullMulDiv(referenceVol, WAD, realizedVol);
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
        int256 r = F.lnWad(int256(F.fullMulDiv(price, WAD, lastPrice)));
        uint256 r2 = F.fullMulDiv(uint256(r >= 0 ? r : -r), uint256(r >= 0 ? r : -r), WAD);
        uint256 sample = F.fullMulDiv(r2, YEAR, elapsed);
        // The first sample seeds the estimate.
        if (variance == 0) return sample;
        return F.fullMulDiv(alpha, sample, WAD) + F.fullMulDiv(WAD - alpha, variance, WAD);
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
        uint256 x = F.fullMulDiv(3 * lambda, spot, 2 * WAD);
        x = F.fullMulDiv(x, gamma, riskAversion);
        x = F.fullMulDiv(x, gamma, WAD);
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
    ///      Solved by Newton's method from an upper bound within 1/3 of the root, one Taylor step from the larger
    ///      of the two limits a = p^(1/3) and b = q^(1/4): with b >= a (gas dominates), H = b (1 + e) where
    ///      (1 + e)^4 >= 1 + 4e gives e <= s / (4 - s), s = a^3 / b^3, so H0 = b + p b / (4 b^3 - p); with a > b,
    ///      (1 + e)^4 - (1 + e) >= 3e gives e <= b^4 / (3 a^4), so H0 = a + q / (3 a^3). f(H) = H^4 - p H - q is
    ///      convex for H > 0, so the iterates decrease monotonically to the root (within a few wei: a and b are
    ///      rounded down, so H0 may start a few wei below it, where the first step ends the solve). Only the
    ///      larger limit's root is taken (b first, a only when p dominates), and the steps run unchecked under
    ///      the bounds stated there: 3,000 to 5,500 gas.
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
    ) internal pure returns (uint256) {
        return fixedCostBand(fixedCost, lambda, spot, gamma, riskAversion, 0);
    }

    /// @notice `fixedCostBand`, or an upper bound of it below `above` when that is enough to tell that `above`
    ///         exceeds the band: the solve stops at its starting point H0 when H0 < above (the iterates only
    ///         decrease, so the band is at most H0); `above` = 0 always solves. A rebalance that only needs to
    ///         know whether |D - T| crossed the band passes |D - T| and skips the solve when it is past H0.
    function fixedCostBand(
        uint256 fixedCost,
        uint256 lambda,
        uint256 spot,
        uint256 gamma,
        uint256 riskAversion,
        uint256 above
    ) internal pure returns (uint256 h) {
        // p = 4 x the Whalley-Wilmott cube (3/2 -> 6), q = 12 K Gamma^2 / riskAversion; both WAD.
        uint256 p = F.fullMulDiv(6 * lambda, spot, WAD);
        p = F.fullMulDiv(F.fullMulDiv(p, gamma, riskAversion), gamma, WAD);
        uint256 q = F.fullMulDiv(F.fullMulDiv(12 * fixedCost, gamma, riskAversion), gamma, WAD);
        // Beyond 1e27 (a billion base units, DeltaHedger's MAX_BAND) the band means "never": a limit above it is
        // returned without the solve, which also bounds every product below.
        uint256 b = F.sqrtWad(F.sqrtWad(q));
        if (b > 1e27) return b;
        uint256 b3 = F.mulWad(F.mulWad(b, b), b);
        if (b3 >= p) {
            if (b == 0) return 0; // p = q = 0: no cost, no band
            // 4 b^3 - p >= 3 b^3 > 0.
            h = b + F.fullMulDiv(p, b, 4 * b3 - p);
        } else {
            uint256 a = F.cbrtWad(p);
            if (a > 1e27) return a;
            uint256 a3 = F.mulWad(F.mulWad(a, a), a);
            h = a + (a3 == 0 ? 0 : F.divWad(q, 3 * a3));
        }
        if (h > 1e27 || h < above) return h;
        // h <= 1e27 and decreasing: h^2 <= 1e54, h^3 <= 1e45 (WAD), h^4 <= 1e72 before the division, and
        // q <= h^4 / 1e54 <= 1e54 (WAD), so every product and sum stays below 2^256.
        unchecked {
            for (uint256 i; i < 8; ++i) {
                uint256 h3 = (((h * h) / WAD) * h) / WAD;
                // f'(h) = 4 h^3 - p > 0 at and above the root.
                if (4 * h3 <= p) break;
                uint256 next = ((3 * ((h3 * h) / WAD) + q) * WAD) / (4 * h3 - p);
                if (next >= h) break;
                h = next;
            }
        }
    }
}
