// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Roles
/// @notice The vault's roles, defined once (mirrored by `deltavault.roles.Role` in the Python package).
/// @dev The owner is OpenZeppelin AccessControl's DEFAULT_ADMIN_ROLE (bytes32(0)): it sets policy within the
///      hard-coded bounds and grants the other roles.
library Roles {
    /// @notice Sets the policy and the oracle set-up; grants and revokes roles.
    bytes32 internal constant OWNER = 0x00;
    /// @notice Lists series and sets the manual implied volatility.
    bytes32 internal constant MANAGER = keccak256("deltavault.role.manager");
    /// @notice Pauses and unpauses new options and deposits.
    bytes32 internal constant GUARDIAN = keccak256("deltavault.role.guardian");
}
