// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {ISwapAdapter} from "@deltavault/interfaces/ISwapAdapter.sol";

/// @title SwapAccomplice
/// @notice Test helper: asks the vault for a swap payment from an address other than the adapter.
contract SwapAccomplice {
    function pay(IDeltaVault vault, address token, uint256 amount) external {
        vault.swapPayment(token, address(this), amount);
    }
}

/// @title MaliciousSwapAdapter
/// @notice Test helper: a swap adapter that, inside `swapExactIn`, tries to draw from the vault more or other
///         than the hedge allows, or to re-enter it. `Attack.None` is an honest venue: it draws `amountIn` and
///         pays `payout` of the output token from its own balance.
contract MaliciousSwapAdapter is ISwapAdapter {
    enum Attack {
        None,
        OverBudget,
        SecondPayment,
        WrongToken,
        FromAccomplice,
        ReenterHedge,
        ReenterWithdraw,
        PayToAttacker
    }

    IDeltaVault public immutable vault;
    address public immutable base;
    address public immutable quote;
    SwapAccomplice public immutable accomplice;
    Attack public attack;
    /// @notice Output paid by an honest swap, token units.
    uint256 public payout;
    /// @notice Where `PayToAttacker` has the input sent.
    address public attacker;

    constructor(IDeltaVault vault_, address base_, address quote_) {
        vault = vault_;
        base = base_;
        quote = quote_;
        accomplice = new SwapAccomplice();
    }

    function setAttack(Attack attack_, uint256 payout_, address attacker_) external {
        attack = attack_;
        payout = payout_;
        attacker = attacker_;
    }

    /// @inheritdoc ISwapAdapter
    function swapExactIn(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 minAmountOut
    ) external returns (uint256 amountOut) {
        Attack a = attack;
        if (a == Attack.None) {
            vault.swapPayment(tokenIn, address(this), amountIn);
        } else if (a == Attack.OverBudget) {
            vault.swapPayment(tokenIn, address(this), amountIn + 1);
        } else if (a == Attack.SecondPayment) {
            vault.swapPayment(tokenIn, address(this), amountIn);
            vault.swapPayment(tokenIn, address(this), 1);
        } else if (a == Attack.WrongToken) {
            vault.swapPayment(tokenOut, address(this), 1);
        } else if (a == Attack.FromAccomplice) {
            accomplice.pay(vault, tokenIn, amountIn);
        } else if (a == Attack.ReenterHedge) {
            vault.hedge(address(this), tokenIn == quote, amountIn, 0);
        } else if (a == Attack.ReenterWithdraw) {
            IERC4626(address(vault)).withdraw(1, address(this), address(this));
        } else if (a == Attack.PayToAttacker) {
            // The budget allows it, but the output check does not: nothing comes back.
            vault.swapPayment(tokenIn, attacker, amountIn);
            return 0;
        }
        amountOut = payout;
        IERC20(tokenOut).transfer(msg.sender, amountOut);
        if (amountOut < minAmountOut) revert AdapterSlippage(amountOut, minAmountOut);
    }

    /// @notice Hedges on this adapter (honestly) and then, in the same transaction, asks for a payment: the vault
    ///         must refuse it once the hedge has returned. This contract must be the vault's hedger.
    function hedgeThenPay(bool buyBase, uint256 amountIn) external {
        vault.hedge(address(this), buyBase, amountIn, 0);
        vault.swapPayment(buyBase ? quote : base, address(this), 1);
    }

    /// @inheritdoc ISwapAdapter
    function venuePrice() external pure returns (uint256) {
        return 0;
    }

    /// @inheritdoc ISwapAdapter
    function tradingCost(uint256) external pure returns (uint256, uint256) {
        return (0, 0);
    }
}
