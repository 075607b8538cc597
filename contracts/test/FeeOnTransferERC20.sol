// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferERC20
/// @notice An OpenZeppelin ERC-20 that burns `feeBps` of every transfer (mints and burns are not charged), for
///         local chains only: the vault must reject it as its quote asset.
contract FeeOnTransferERC20 is ERC20 {
    uint8 private immutable _decimals;
    /// @notice Fee burnt on every transfer, basis points.
    uint256 public immutable feeBps;

    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        uint256 feeBps_
    ) ERC20(name_, symbol_) {
        _decimals = decimals_;
        feeBps = feeBps_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mints `amount` to `to`. Local chains only.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Transfers between two accounts burn the fee out of the amount sent; the recipient gets the rest.
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = (value * feeBps) / 10_000;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}
