// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";
import {BlackScholes} from "./libraries/BlackScholes.sol";

/// @title GreeksEngine
/// @notice Stateless Black-Scholes engine shared by vaults (see IGreeksEngine for units and domain).
contract GreeksEngine is IGreeksEngine {
    /// @inheritdoc IGreeksEngine
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
}
