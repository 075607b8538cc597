// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IIrm} from "@morpho-org/morpho-blue/src/interfaces/IIrm.sol";
import {Market, MarketParams} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";

/// @title LinearIrm
/// @notice A stateless kinked interest-rate model for Morpho Blue markets on local and test chains (Morpho's
///         AdaptiveCurveIrm is not published on npm; live markets use it at its deployed address). The borrow
///         rate is piecewise linear in utilization `u = totalBorrowAssets / totalSupplyAssets` (WAD, rounded
///         down, capped at 1): `base + slope1 * u` up to `kink`, then `base + slope1 * kink + slope2 * (u - kink)`.
/// @dev Rates are per second in WAD, as Morpho takes them; the constructor takes yearly rates (a year is 365
///      days) and divides each by the year, rounding down. `borrowRate` and `borrowRateView` return the same
///      value (nothing is stored), so Morpho's accrual and `MorphoBalancesLib`'s expected balances agree.
contract LinearIrm is IIrm {
    // ------------------------------------------------------------------------------------------------------
    // Errors
    // ------------------------------------------------------------------------------------------------------

    /// @notice The kink `kink` (WAD utilization) is not strictly between 0 and 1.
    error KinkOutOfRange(uint256 kink);
    /// @notice The yearly rate at full utilization, `rate` (WAD), exceeds `maxRate`.
    error RateAboveMax(uint256 rate, uint256 maxRate);

    // ------------------------------------------------------------------------------------------------------
    // Constants
    // ------------------------------------------------------------------------------------------------------

    uint256 internal constant WAD = 1e18;
    /// @notice Seconds in a year (365 days).
    uint256 public constant YEAR = 365 days;
    /// @notice Largest yearly rate at full utilization: 1000 % (WAD).
    uint256 public constant MAX_RATE_PER_YEAR = 10e18;

    // ------------------------------------------------------------------------------------------------------
    // Storage (immutable)
    // ------------------------------------------------------------------------------------------------------

    /// @notice Rate at zero utilization, per second (WAD).
    uint256 public immutable baseRate;
    /// @notice Rate added per unit of utilization below the kink, per second (WAD).
    uint256 public immutable slope1;
    /// @notice Rate added per unit of utilization above the kink, per second (WAD).
    uint256 public immutable slope2;
    /// @notice Utilization (WAD) where the slope changes.
    uint256 public immutable kink;

    // ------------------------------------------------------------------------------------------------------
    // Constructor
    // ------------------------------------------------------------------------------------------------------

    /// @param baseRatePerYear Yearly rate at zero utilization (WAD; 0.01e18 = 1 %).
    /// @param slope1PerYear Yearly rate added from zero utilization to the kink, per unit of utilization (WAD).
    /// @param slope2PerYear Yearly rate added from the kink to full utilization, per unit of utilization (WAD).
    /// @param kink_ Utilization where the slope changes (WAD, strictly between 0 and 1).
    constructor(uint256 baseRatePerYear, uint256 slope1PerYear, uint256 slope2PerYear, uint256 kink_) {
        if (kink_ == 0 || kink_ >= WAD) revert KinkOutOfRange(kink_);
        uint256 fullRate = baseRatePerYear +
            (slope1PerYear * kink_) / WAD +
            (slope2PerYear * (WAD - kink_)) / WAD;
        if (fullRate > MAX_RATE_PER_YEAR) revert RateAboveMax(fullRate, MAX_RATE_PER_YEAR);
        baseRate = baseRatePerYear / YEAR;
        slope1 = slope1PerYear / YEAR;
        slope2 = slope2PerYear / YEAR;
        kink = kink_;
    }

    // ------------------------------------------------------------------------------------------------------
    // External
    // ------------------------------------------------------------------------------------------------------

    /// @inheritdoc IIrm
    function borrowRate(MarketParams memory, Market memory market) external view returns (uint256) {
        return rateAt(utilization(market.totalBorrowAssets, market.totalSupplyAssets));
    }

    /// @inheritdoc IIrm
    function borrowRateView(MarketParams memory, Market memory market) external view returns (uint256) {
        return rateAt(utilization(market.totalBorrowAssets, market.totalSupplyAssets));
    }

    // ------------------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------------------

    /// @notice Utilization (WAD, rounded down, at most 1): borrowed over supplied; 0 with nothing supplied.
    function utilization(uint256 borrowed, uint256 supplied) public pure returns (uint256) {
        if (supplied == 0) return 0;
        if (borrowed >= supplied) return WAD;
        return (borrowed * WAD) / supplied;
    }

    /// @notice Borrow rate per second (WAD) at utilization `u` (WAD, at most 1).
    function rateAt(uint256 u) public view returns (uint256) {
        if (u <= kink) return baseRate + (slope1 * u) / WAD;
        return baseRate + (slope1 * kink) / WAD + (slope2 * (u - kink)) / WAD;
    }
}
