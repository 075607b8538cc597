// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";

/// @title BookHarness
/// @notice Calls `IGreeksEngine.book` from a contract, as a vault does, and returns its results with the gas of the
///         call: `gasleft()` is read before the call expression and after it, so the gas covers ABI encoding in the
///         caller, the call itself, decoding and the loop in the engine, and decoding of the results.
contract BookHarness {
    /*//////////////////////////////////////////////////////////////
                                EXTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @notice `engine.book(positions, spot, vol, full)` and the gas of that external call.
    function bookGas(
        IGreeksEngine engine,
        IGreeksEngine.Position[] calldata positions,
        uint256 spot,
        uint256 vol,
        bool full
    ) external view returns (uint256 liabilityWad, int256 delta, int256 gamma, int256 vega, uint256 gasUsed) {
        uint256 before = gasleft();
        (liabilityWad, delta, gamma, vega) = engine.book(positions, spot, vol, full);
        gasUsed = before - gasleft();
    }
}
