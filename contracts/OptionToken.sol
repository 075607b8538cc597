// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IOptionToken} from "@deltavault/interfaces/IOptionToken.sol";

/// @title OptionToken
/// @notice One ERC-1155 id per option series of the vault that deploys it.
contract OptionToken is ERC1155, IOptionToken {
    /// @inheritdoc IOptionToken
    address public immutable vault;

    constructor(string memory uri_) ERC1155(uri_) {
        vault = msg.sender;
    }

    modifier onlyVault() {
        if (msg.sender != vault) revert OnlyVault(msg.sender);
        _;
    }

    /// @inheritdoc IOptionToken
    function mint(address to, uint256 id, uint256 amount) external onlyVault {
        _mint(to, id, amount, "");
    }

    /// @inheritdoc IOptionToken
    function burn(address from, uint256 id, uint256 amount) external onlyVault {
        _burn(from, id, amount);
    }
}
