// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BlackScholes} from "../libraries/BlackScholes.sol";

/// @title GreeksHarness
/// @notice Exposes `BlackScholes` to tests and benchmarks: the results, and the gas of the library call alone
///         (measured with `gasleft()` around it, so call overhead and ABI decoding are excluded).
/// @dev Units as in `BlackScholes`: spot and strike WAD, timeToExpiry seconds, vol WAD, rate signed WAD.
contract GreeksHarness {
    /*//////////////////////////////////////////////////////////////
                                EXTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @notice Price (WAD), delta (signed WAD), gamma (WAD of 1/quote) and vega (WAD per 1.00 of vol).
    function greeks(
        uint256 spot,
        uint256 strike,
        uint256 timeToExpiry,
        uint256 vol,
        int256 rate,
        bool isCall
    ) external pure returns (uint256 price, int256 delta, uint256 gamma, uint256 vega) {
        return BlackScholes.greeks(spot, strike, timeToExpiry, vol, rate, isCall);
    }

    /// @notice `BlackScholes.delta` and the gas of that library call only.
    function deltaGas(
        uint256 spot,
        uint256 strike,
        uint256 timeToExpiry,
        uint256 vol,
        int256 rate,
        bool isCall
    ) external view returns (int256 delta, uint256 gasUsed) {
        uint256 before = gasleft();
        delta = BlackScholes.delta(spot, strike, timeToExpiry, vol, rate, isCall);
        gasUsed = before - gasleft();
    }

    /// @notice Gas of one `BlackScholes.greeks` call (all four greeks) only.
    function greeksGas(
        uint256 spot,
        uint256 strike,
        uint256 timeToExpiry,
        uint256 vol,
        int256 rate,
        bool isCall
    ) external view returns (uint256 gasUsed) {
        uint256 before = gasleft();
        (uint256 p, int256 d, uint256 g, uint256 v) = BlackScholes.greeks(
            spot,
            strike,
            timeToExpiry,
            vol,
            rate,
            isCall
        );
        gasUsed = before - gasleft();
        // Keep the results live so the optimizer cannot drop any part of the computation.
        if (p == type(uint256).max && d == 0 && g == 0 && v == 0) gasUsed = 0;
    }
}
