// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RebalanceLib} from "../libraries/RebalanceLib.sol";

/// @title RebalanceLibHarness
/// @notice Exposes RebalanceLib's band math for its pure-math tests (tests/unit/test_lab_rebalance_lib.py).
contract RebalanceLibHarness {
    function fixedCostBand(
        uint256 fixedCost,
        uint256 lambda,
        uint256 spot,
        uint256 gamma,
        uint256 riskAversion
    ) external pure returns (uint256) {
        return RebalanceLib.fixedCostBand(fixedCost, lambda, spot, gamma, riskAversion);
    }

    function fixedCostBandAbove(
        uint256 fixedCost,
        uint256 lambda,
        uint256 spot,
        uint256 gamma,
        uint256 riskAversion,
        uint256 above
    ) external pure returns (uint256) {
        return RebalanceLib.fixedCostBand(fixedCost, lambda, spot, gamma, riskAversion, above);
    }

    function whalleyWilmott(
        uint256 lambda,
        uint256 spot,
        uint256 gamma,
        uint256 riskAversion
    ) external pure returns (uint256) {
        return RebalanceLib.whalleyWilmott(lambda, spot, gamma, riskAversion);
    }

    /// @notice Gas of one `fixedCostBand` evaluation.
    function fixedCostBandGas(
        uint256 fixedCost,
        uint256 lambda,
        uint256 spot,
        uint256 gamma,
        uint256 riskAversion
    ) external view returns (uint256 h, uint256 gasUsed) {
        uint256 before = gasleft();
        h = RebalanceLib.fixedCostBand(fixedCost, lambda, spot, gamma, riskAversion);
        gasUsed = before - gasleft();
    }
}
