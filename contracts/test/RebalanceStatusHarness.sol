// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {ISwapAdapter} from "@deltavault/interfaces/ISwapAdapter.sol";

import {DeltaHedger} from "../DeltaHedger.sol";

/// @title RebalanceStatusHarness
/// @notice The real `DeltaHedger` decision (`_status`, `_costBand`, `_tradeSize`, the real adapter's trading cost)
///         evaluated for many given states in one `eth_call`, for the differential test of the policy lab's
///         Python mirror (`deltavault.lab.rules`). Each case writes the hedger's storage the decision reads (time
///         of the last rebalance, realized variance) and passes the vault state and the policy the hedger would
///         otherwise read; nothing else differs from `DeltaHedger.rebalanceStatus()`.
contract RebalanceStatusHarness is DeltaHedger {
    // ---------------------------------------------------------------- types

    /// @param state What `vault.hedgeState()` would return.
    /// @param policy The policy (not bounds-checked here: cases are generated within the bounds).
    /// @param elapsed Seconds since the last rebalance (lastRebalance = block.timestamp - elapsed).
    /// @param variance Annualized realized variance, WAD.
    struct Case {
        IDeltaVault.HedgeState state;
        Policy policy;
        uint40 elapsed;
        uint128 variance;
    }

    // ---------------------------------------------------------------- constructor

    constructor(
        IDeltaVault vault_,
        ISwapAdapter adapter_,
        Policy memory policy_
    ) DeltaHedger(vault_, adapter_, policy_) {}

    // ---------------------------------------------------------------- external

    /// @notice The status of every case, with the block time and base fee they were computed at. Writes storage:
    ///         call it with `eth_call` only.
    function statusOf(
        Case[] calldata cases
    ) external returns (Status[] memory out, uint256 timestamp, uint256 basefee) {
        out = new Status[](cases.length);
        for (uint256 i; i < cases.length; ++i) {
            lastRebalance = uint40(block.timestamp - cases[i].elapsed);
            variance = cases[i].variance;
            out[i] = _status(cases[i].state, cases[i].policy);
        }
        return (out, block.timestamp, block.basefee);
    }
}
