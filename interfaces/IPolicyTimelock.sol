// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBorrowVenue} from "./IBorrowVenue.sol";
import {IDeltaHedger} from "./IDeltaHedger.sol";
import {IDeltaVault} from "./IDeltaVault.sol";

/// @title IPolicyTimelock
/// @notice Holds a vault's owner role (and with it the right to set its hedger's policy) and gives depositors
///         notice before the rules they joined under get looser. A change that loosens any protection is queued
///         with an event and can be applied only after `delay` (fixed at deployment, 1 to 7 days); a change that
///         only tightens applies at once; the guardian (or the admin) can cancel a queued change.
/// @dev What "loosens" means is decided field by field against the policy on chain when the change is proposed,
///      by one rule per field (`vaultPolicyRules`, `oracleConfigRules`, `hedgerPolicyRules`):
///      - `Higher`: a higher value loosens (fees, slippage, deviation, loss budget, bounty, hedge cap, limits,
///        oracle ages);
///      - `Lower`: a lower value loosens (spreads, minimum premium, price and jump bands, trading cut-off,
///        request delay, cooldown, loss window, grace period);
///      - `Any`: any change loosens (addresses of feeds, the hedging rules and bands, and every field whose
///        safe direction depends on the market).
///      The short leg's policy (`shortPolicyRules`): a higher target or maximum loan-to-value, or a higher cap on
///      base owed, loosens (the position sits closer to liquidation, or the vault can owe more); lowering any of
///      them tightens and applies at once (the hedger's own bounds still apply: target <= max < the venue's
///      liquidation LTV). Turning the short leg on (cap from 0) is therefore queued, turning it off is not.
///      A new hedger (and with it a new adapter and hedge policy), a new borrow venue (a new lending market,
///      its oracle and liquidation LTV) and every role change are always queued.
///      Deployment: the vault's owner grants `Roles.OWNER` to the timelock and renounces it.
interface IPolicyTimelock {
    // ---------------------------------------------------------------- types

    /// @notice What a change sets.
    enum ChangeKind {
        VaultPolicy,
        OracleConfig,
        HedgerPolicy,
        Hedger,
        Role,
        ShortPolicy,
        BorrowVenue
    }

    /// @notice Which move of a field loosens protection.
    enum Loosens {
        Higher,
        Lower,
        Any
    }

    /// @notice The rule of one field of a struct, in the struct's field order.
    struct FieldRule {
        bytes32 name;
        Loosens loosens;
    }

    /// @notice A queued change.
    /// @param kind What it sets.
    /// @param readyAt When it can be applied, seconds.
    /// @param data The ABI-encoded arguments: a `Policy`, an `OracleConfig`, (hedger, `IDeltaHedger.Policy`), a
    ///        hedger address, (role, account, grant), (hedger, `IDeltaHedger.ShortPolicy`) or a venue address.
    struct Change {
        ChangeKind kind;
        uint64 readyAt;
        bytes data;
    }

    // ---------------------------------------------------------------- errors

    /// @notice Only the admin may propose changes.
    error NotAdmin(address caller);
    /// @notice Only the guardian or the admin may cancel a queued change.
    error NotGuardian(address caller);
    /// @notice The delay must be within [min, max] seconds.
    error DelayOutOfBounds(uint256 delay, uint256 min, uint256 max);
    /// @notice The zero address was passed where an account or contract is required.
    error ZeroAddress();
    /// @notice No change with this id is queued (never queued, already applied or cancelled).
    error ChangeNotQueued(bytes32 id);
    /// @notice The change can be applied from `readyAt` on.
    error ChangeNotReady(bytes32 id, uint256 readyAt);
    /// @notice The change was not applied within the grace period after `readyAt` and can no longer be.
    error ChangeExpired(bytes32 id, uint256 expiredAt);
    /// @notice A struct has `fields` fields but its rule table `rules` entries (the table must follow the struct).
    error RuleTableMismatch(ChangeKind kind, uint256 fields, uint256 rules);

    // ---------------------------------------------------------------- events

    /// @notice A change that loosens `field` (the first field found) was queued; it applies from `readyAt` on.
    event ChangeQueued(bytes32 indexed id, ChangeKind kind, bytes data, uint256 readyAt, bytes32 field);
    /// @notice A change was applied: at once (`immediate`, it only tightens) or after its delay.
    event ChangeApplied(bytes32 indexed id, ChangeKind kind, bytes data, bool immediate);
    /// @notice A queued change was cancelled by `by`.
    event ChangeCancelled(bytes32 indexed id, address indexed by);

    // ---------------------------------------------------------------- proposals (admin)

    /// @notice Proposes a vault policy: applied at once when no field loosens, queued otherwise.
    /// @return id The change's id; applied Whether it was applied at once.
    function proposeVaultPolicy(
        IDeltaVault.Policy calldata policy
    ) external returns (bytes32 id, bool applied);

    /// @notice Proposes an oracle set-up: applied at once when no field loosens, queued otherwise.
    function proposeOracleConfig(
        IDeltaVault.OracleConfig calldata config
    ) external returns (bytes32 id, bool applied);

    /// @notice Proposes the policy of `hedger` (the vault's hedger): applied at once when no field loosens,
    ///         queued otherwise.
    function proposeHedgerPolicy(
        address hedger,
        IDeltaHedger.Policy calldata policy
    ) external returns (bytes32 id, bool applied);

    /// @notice Proposes a new hedger (a new engine, adapter and hedge policy): always queued.
    function proposeHedger(address hedger) external returns (bytes32 id);

    /// @notice Proposes granting (`grant`) or revoking `role` of the vault for `account`: always queued.
    function proposeRole(bytes32 role, address account, bool grant) external returns (bytes32 id);

    /// @notice Proposes the short-leg policy of `hedger` (`IDeltaHedger.setShortPolicy`): applied at once when
    ///         no field rises (lower loan-to-values or a lower cap on base owed), queued otherwise.
    function proposeShortPolicy(
        address hedger,
        IDeltaHedger.ShortPolicy calldata policy
    ) external returns (bytes32 id, bool applied);

    /// @notice Proposes a new borrow venue for the vault's short leg (`IDeltaVault.setBorrowVenue`; address(0)
    ///         turns the short leg off): always queued.
    function proposeBorrowVenue(IBorrowVenue venue) external returns (bytes32 id);

    // ---------------------------------------------------------------- execution and cancellation

    /// @notice Applies a queued change once its delay has passed (anyone may call, within the grace period).
    function execute(bytes32 id) external;

    /// @notice Cancels a queued change (guardian or admin).
    function cancel(bytes32 id) external;

    // ---------------------------------------------------------------- views

    /// @notice The vault governed.
    function vault() external view returns (IDeltaVault);

    /// @notice Proposes changes.
    function admin() external view returns (address);

    /// @notice Cancels queued changes.
    function guardian() external view returns (address);

    /// @notice Notice given before a loosening change applies, seconds (fixed at deployment).
    function delay() external view returns (uint256);

    /// @notice A queued change (readyAt 0 when none has this id).
    function queued(bytes32 id) external view returns (Change memory);

    /// @notice Ids of the changes queued and not yet applied or cancelled (in no particular order).
    function pendingIds() external view returns (bytes32[] memory);

    /// @notice The first field of `next` that loosens protection against `current` (0 when none does).
    function vaultPolicyLoosens(
        IDeltaVault.Policy calldata current,
        IDeltaVault.Policy calldata next
    ) external pure returns (bytes32 field);

    /// @notice The first field of `next` that loosens protection against `current` (0 when none does).
    function oracleConfigLoosens(
        IDeltaVault.OracleConfig calldata current,
        IDeltaVault.OracleConfig calldata next
    ) external pure returns (bytes32 field);

    /// @notice The first field of `next` that loosens protection against `current` (0 when none does).
    function hedgerPolicyLoosens(
        IDeltaHedger.Policy calldata current,
        IDeltaHedger.Policy calldata next
    ) external pure returns (bytes32 field);

    /// @notice The first field of `next` that loosens protection against `current` (0 when none does).
    function shortPolicyLoosens(
        IDeltaHedger.ShortPolicy calldata current,
        IDeltaHedger.ShortPolicy calldata next
    ) external pure returns (bytes32 field);

    /// @notice The rule of each field of `IDeltaHedger.ShortPolicy`, in field order.
    function shortPolicyRules() external pure returns (FieldRule[] memory);

    /// @notice The rule of each field of `IDeltaVault.Policy`, in field order.
    function vaultPolicyRules() external pure returns (FieldRule[] memory);

    /// @notice The rule of each field of `IDeltaVault.OracleConfig`, in field order.
    function oracleConfigRules() external pure returns (FieldRule[] memory);

    /// @notice The rule of each field of `IDeltaHedger.Policy`, in field order.
    function hedgerPolicyRules() external pure returns (FieldRule[] memory);
}
