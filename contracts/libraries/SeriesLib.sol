// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";

/// @title SeriesLib
/// @notice Payoffs of one option of a series. A call with cap C is the call spread C(K) - C(K + C): it pays
///         min(max(S - K, 0), C). A put pays max(K - S, 0), at most K. Prices in WAD quote per base; the value
///         and greeks of a book of series come from `IGreeksEngine.book`.
library SeriesLib {
    uint256 internal constant WAD = 1e18;

    /// @notice The largest payoff one option can have, WAD quote.
    function maxPayoff(IDeltaVault.Series memory s) internal pure returns (uint256) {
        return s.isCall ? s.cap : s.strike;
    }

    /// @notice The payoff of one option at settlement price `price`, WAD quote.
    function payoff(IDeltaVault.Series memory s, uint256 price) internal pure returns (uint256) {
        if (s.isCall) {
            if (price <= s.strike) return 0;
            uint256 intrinsic = price - s.strike;
            return intrinsic < s.cap ? intrinsic : s.cap;
        }
        return price < s.strike ? s.strike - price : 0;
    }
}
