// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeltaHedger} from "@deltavault/interfaces/IDeltaHedger.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title VaultLens
/// @notice Read-only batch view for keepers: the rebalance status of many hedgers, with what a keeper needs to
///         price its bounty, in one `eth_call` per block. Holds no state and no funds; deploy it anywhere.
/// @dev A hedger whose status reverts (stale oracle, sequencer down) is reported with `ok = false` and the
///      revert data, so one broken vault does not hide the others.
contract VaultLens {
    // ---------------------------------------------------------------- types

    /// @notice Chain context of the read.
    /// @param blockNumber The block the read executed on.
    /// @param timestamp Its timestamp, seconds.
    /// @param basefee Its base fee, wei.
    struct Context {
        uint256 blockNumber;
        uint256 timestamp;
        uint256 basefee;
    }

    /// @notice One hedger's status and bounty parameters.
    /// @param hedger The hedger read.
    /// @param ok False when `rebalanceStatus()` reverted (see `revertData`).
    /// @param status The status (zero when not ok).
    /// @param spot The vault's oracle price, WAD quote per base (0 when not ok).
    /// @param quoteDecimals Decimals of the vault's quote asset (bounties are paid in it).
    /// @param rebalanceGas The policy's gas estimate of one rebalance.
    /// @param bountyMultiplierBps Bounty as a multiple of the gas cost at the base fee (10_000 = 1x).
    /// @param bountyCap Largest bounty, quote units.
    /// @param revertData The revert data of `rebalanceStatus()` when not ok.
    struct Entry {
        address hedger;
        bool ok;
        IDeltaHedger.Status status;
        uint256 spot;
        uint8 quoteDecimals;
        uint32 rebalanceGas;
        uint16 bountyMultiplierBps;
        uint128 bountyCap;
        bytes revertData;
    }

    // ---------------------------------------------------------------- views

    /// @notice The status of every hedger in `hedgers`, read in the same block.
    function statuses(
        address[] calldata hedgers
    ) external view returns (Context memory context, Entry[] memory entries) {
        context = Context(block.number, block.timestamp, block.basefee);
        entries = new Entry[](hedgers.length);
        for (uint256 i; i < hedgers.length; ++i) {
            entries[i] = _entry(IDeltaHedger(hedgers[i]));
        }
    }

    function _entry(IDeltaHedger hedger) internal view returns (Entry memory e) {
        e.hedger = address(hedger);
        IDeltaHedger.Policy memory p = hedger.policy();
        e.rebalanceGas = p.rebalanceGas;
        e.bountyMultiplierBps = p.bountyMultiplierBps;
        e.bountyCap = p.bountyCap;
        IDeltaVault vault = IDeltaVault(IHedgerVault(address(hedger)).vault());
        e.quoteDecimals = IERC20Metadata(IVaultAsset(address(vault)).asset()).decimals();
        try hedger.rebalanceStatus() returns (IDeltaHedger.Status memory s) {
            e.status = s;
            e.spot = vault.spotPrice();
            e.ok = true;
        } catch (bytes memory reason) {
            e.revertData = reason;
        }
    }
}

/// @dev The hedger's public `vault` getter.
interface IHedgerVault {
    function vault() external view returns (address);
}

/// @dev The vault's ERC-4626 `asset` getter.
interface IVaultAsset {
    function asset() external view returns (address);
}
