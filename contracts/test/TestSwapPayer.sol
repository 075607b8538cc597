// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ISwapAdapter, ISwapPayer} from "@deltavault/interfaces/ISwapAdapter.sol";

/// @title TestSwapPayer
/// @notice Test helper: a minimal caller of a swap adapter that pays from its own balance, with the same rules
///         as the vault (only the adapter it is calling, only that swap's input token, at most `amountIn`).
contract TestSwapPayer is ISwapPayer {
    using SafeERC20 for IERC20;

    /// @notice A payment the swap in progress does not allow.
    error UnexpectedPayment(address caller, address token, uint256 amount);

    address internal transient _adapter;
    address internal transient _tokenIn;
    uint256 internal transient _budget;
    /// @notice What the last swap paid, token units.
    uint256 public lastPaid;

    /// @notice Swaps through `adapter`, paying from this contract's balance; the output comes here.
    function swap(
        ISwapAdapter adapter,
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 minAmountOut
    ) external returns (uint256 amountOut) {
        _adapter = address(adapter);
        _tokenIn = tokenIn;
        _budget = amountIn;
        amountOut = adapter.swapExactIn(tokenIn, tokenOut, amountIn, minAmountOut);
        lastPaid = amountIn - _budget;
        _adapter = address(0);
        _tokenIn = address(0);
        _budget = 0;
    }

    /// @inheritdoc ISwapPayer
    function swapPayment(address token, address to, uint256 amount) external {
        if (msg.sender != _adapter || token != _tokenIn || amount > _budget) {
            revert UnexpectedPayment(msg.sender, token, amount);
        }
        _budget -= amount;
        IERC20(token).safeTransfer(to, amount);
    }
}
