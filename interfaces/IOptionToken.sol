// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";

/// @title IOptionToken
/// @notice ERC-1155 token of a DeltaVault's options: token id = series id, amount = options in WAD of base.
///         Only the vault that created it mints and burns.
interface IOptionToken is IERC1155 {
    /// @notice Called by someone other than the vault.
    error OnlyVault(address caller);

    /// @notice The vault that writes these options.
    function vault() external view returns (address);

    /// @notice Mints `amount` options of series `id` to `to` (vault only).
    function mint(address to, uint256 id, uint256 amount) external;

    /// @notice Burns `amount` options of series `id` held by `from` (vault only, on a sale back or a redemption
    ///         that `from` itself asked for).
    function burn(address from, uint256 id, uint256 amount) external;
}
