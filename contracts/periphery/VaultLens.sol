// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBorrowVenue} from "@deltavault/interfaces/IBorrowVenue.sol";
import {IDeltaHedger} from "@deltavault/interfaces/IDeltaHedger.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

/// @title VaultLens
/// @notice Read-only batch view for keepers: the rebalance status of many hedgers, with what a keeper needs to
///         price its bounty, in one `eth_call` per block. Holds no state and no funds; deploy it anywhere.
/// @dev A hedger whose status reverts (stale oracle, sequencer down) is reported with `ok = false` and the
///      revert data, so one broken vault does not hide the others. The short position is read from the vault's
///      borrow venue (`position`, `health`, `status`); a venue whose health cannot be priced (its oracle
///      reverts) is reported with `healthOk = false`, the position itself still filled in.
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

    /// @notice The short hedge on the vault's borrow venue (all zero without a venue).
    /// @param venue The vault's borrow venue (address(0): the hedge holds base only).
    /// @param venueStatus What the venue can do now (`IBorrowVenue.Status`).
    /// @param baseOwed Base owed with interest accrued to now (rounded up), WAD of base.
    /// @param collateral Quote posted as collateral, quote units.
    /// @param healthOk False when the venue's `health()` reverted (its price cannot be read): the four figures
    ///        below are then zero.
    /// @param ltv Loan-to-value at the venue's price, WAD (0 without debt).
    /// @param healthFactor Liquidation LTV x collateral value / debt value, WAD (`type(uint256).max` without debt).
    /// @param liquidationPrice Base price at which the position becomes liquidatable, WAD quote per base
    ///        (`type(uint256).max` without debt).
    /// @param lltv The venue's liquidation loan-to-value, WAD.
    struct ShortPosition {
        address venue;
        IBorrowVenue.Status venueStatus;
        uint256 baseOwed;
        uint256 collateral;
        bool healthOk;
        uint256 ltv;
        uint256 healthFactor;
        uint256 liquidationPrice;
        uint256 lltv;
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
    /// @param short The short hedge on the vault's borrow venue (read whether or not the status reverted).
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
        ShortPosition short;
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
        IDeltaVault vault = hedger.vault();
        e.quoteDecimals = IERC20Metadata(vault.asset()).decimals();
        try hedger.rebalanceStatus() returns (IDeltaHedger.Status memory s) {
            e.status = s;
            e.spot = vault.spotPrice();
            e.ok = true;
        } catch (bytes memory reason) {
            e.revertData = reason;
        }
        e.short = shortPosition(vault);
    }

    /// @notice The short hedge of `vault` on its borrow venue (all zero without one).
    function shortPosition(IDeltaVault vault) public view returns (ShortPosition memory p) {
        IBorrowVenue venue = vault.borrowVenue();
        if (address(venue) == address(0)) return p;
        p.venue = address(venue);
        p.venueStatus = venue.status();
        p.lltv = venue.lltv();
        (uint256 collateral, uint256 debt) = venue.position();
        p.collateral = collateral;
        // Debt in base units to WAD (base tokens have at most 18 decimals).
        p.baseOwed = debt * 10 ** (18 - IERC20Metadata(venue.debtToken()).decimals());
        try venue.health() returns (uint256 ltv, uint256 healthFactor, uint256 liquidationPrice) {
            (p.healthOk, p.ltv, p.healthFactor, p.liquidationPrice) = (
                true,
                ltv,
                healthFactor,
                liquidationPrice
            );
        } catch {}
    }
}
