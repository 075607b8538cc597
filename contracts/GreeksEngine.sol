// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";
import {BlackScholes} from "./libraries/BlackScholes.sol";
import {BookLib} from "./libraries/BookLib.sol";
import {PricingLib} from "./libraries/PricingLib.sol";

/// @title GreeksEngine
/// @notice Stateless Black-Scholes engine shared by vaults: greeks, books and option-trade premiums (see
///         IGreeksEngine for units and domain).
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

    /// @inheritdoc IGreeksEngine
    function quoteTrade(
        TradeQuery calldata query
    ) external view returns (uint256 premium, int256 gammaAfter, int256 vegaAfter) {
        return PricingLib.quoteTrade(query);
    }

    /// @inheritdoc IGreeksEngine
    function checkPolicy(IDeltaVault.Policy calldata policy) external pure {
        PricingLib.checkPolicy(policy);
    }

    /// @inheritdoc IGreeksEngine
    function book(
        Position[] calldata positions,
        uint256 spot,
        uint256 vol,
        bool full
    ) external view returns (uint256 liabilityWad, int256 delta, int256 gamma, int256 vega) {
        return BookLib.book(positions, spot, vol, full);
    }
}
