// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestERC20
/// @notice A plain OpenZeppelin ERC-20 with configurable decimals and an open mint, for local chains only
///         (the USD-like quote token and 8-decimal base tokens of the test and demo stacks).
contract TestERC20 is ERC20 {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mints `amount` to `to`. Local chains only.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
