// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeltaHedger} from "@deltavault/interfaces/IDeltaHedger.sol";

/// @title RebalanceTwice
/// @notice Test helper: calls `rebalance()` twice in one transaction; the second call's revert is caught and
///         recorded, so a test sees both what the first did and why the second failed.
contract RebalanceTwice {
    IDeltaHedger public immutable hedger;
    /// @notice The first call's trade, WAD of base.
    int256 public firstTrade;
    /// @notice True when the second call succeeded.
    bool public secondSucceeded;
    /// @notice The second call's revert data.
    bytes public secondError;

    constructor(IDeltaHedger hedger_) {
        hedger = hedger_;
    }

    /// @notice Rebalances twice in this transaction.
    function run() external {
        firstTrade = hedger.rebalance();
        try hedger.rebalance() returns (int256) {
            secondSucceeded = true;
        } catch (bytes memory reason) {
            secondError = reason;
        }
    }
}
