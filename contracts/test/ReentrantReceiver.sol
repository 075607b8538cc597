// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";

/// @title ReentrantReceiver
/// @notice An ERC-1155 receiver that, when it receives option tokens, re-enters the vault that minted them
///         (local chains only). A revert of the re-entrant call propagates, so the outer call reverts with it.
contract ReentrantReceiver is IERC1155Receiver {
    enum Attack {
        None,
        Buy,
        Sell,
        Withdraw,
        Deposit,
        Redeem
    }

    IDeltaVault public immutable vault;
    Attack public attack;
    uint256 public seriesId;
    uint256 public amount;
    /// @notice Number of times the hook ran.
    uint256 public received;

    constructor(IDeltaVault vault_) {
        vault = vault_;
        IERC20(IERC4626(address(vault_)).asset()).approve(address(vault_), type(uint256).max);
    }

    function setAttack(Attack attack_, uint256 seriesId_, uint256 amount_) external {
        attack = attack_;
        seriesId = seriesId_;
        amount = amount_;
    }

    /// @notice Deposits the quote this contract holds (so that it has shares to withdraw).
    function deposit(uint256 assets) external {
        IERC4626(address(vault)).deposit(assets, address(this));
    }

    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4) {
        received += 1;
        Attack a = attack;
        if (a == Attack.Buy) {
            vault.buyOption(seriesId, amount, type(uint256).max, address(this));
        } else if (a == Attack.Sell) {
            vault.sellOption(seriesId, amount, 0, address(this));
        } else if (a == Attack.Withdraw) {
            IERC4626(address(vault)).withdraw(amount, address(this), address(this));
        } else if (a == Attack.Deposit) {
            IERC4626(address(vault)).deposit(amount, address(this));
        } else if (a == Attack.Redeem) {
            IERC4626(address(vault)).redeem(amount, address(this), address(this));
        }
        return this.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(
        address,
        address,
        uint256[] calldata,
        uint256[] calldata,
        bytes calldata
    ) external pure returns (bytes4) {
        return this.onERC1155BatchReceived.selector;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }
}
