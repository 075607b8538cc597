// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {IV3SwapRouter} from "@uniswap/swap-router-contracts/contracts/interfaces/IV3SwapRouter.sol";

import {ISwapAdapter, ISwapPayer} from "@deltavault/interfaces/ISwapAdapter.sol";

import {UniswapV3AdapterBase} from "./UniswapV3AdapterBase.sol";

/// @title UniswapV3Adapter
/// @notice Swaps on one Uniswap V3 pool through the router deployed on the chain: SwapRouter02 (Sepolia, the
///         L2s; `exactInputSingle` without a deadline) or the original SwapRouter (mainnet; with a deadline).
///         `UniswapV3PoolAdapter` trades on the pool directly, with fewer hops; this one fits where a router
///         is the venue to use.
/// @dev Stateless between transactions: it draws the input from its caller (`ISwapPayer.swapPayment` to
///      itself), the router pulls it on, and the output goes to the caller.
contract UniswapV3Adapter is UniswapV3AdapterBase {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- immutables

    address public immutable router;
    /// @notice True for the original SwapRouter, whose `exactInputSingle` takes a deadline.
    bool public immutable routerHasDeadline;

    // ---------------------------------------------------------------- constructor

    constructor(
        IUniswapV3Pool pool_,
        address router_,
        bool routerHasDeadline_,
        address base_
    ) UniswapV3AdapterBase(pool_, base_) {
        router = router_;
        routerHasDeadline = routerHasDeadline_;
        // The router pulls only from its caller, and the adapter holds nothing between transactions, so a
        // standing approval is safe and saves a fresh allowance write on every swap.
        IERC20(base).forceApprove(router_, type(uint256).max);
        IERC20(quote).forceApprove(router_, type(uint256).max);
    }

    // ---------------------------------------------------------------- external

    /// @inheritdoc ISwapAdapter
    function swapExactIn(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 minAmountOut
    ) external returns (uint256 amountOut) {
        _zeroForOne(tokenIn, tokenOut);
        ISwapPayer(msg.sender).swapPayment(tokenIn, address(this), amountIn);
        if (routerHasDeadline) {
            amountOut = ISwapRouter(router).exactInputSingle(
                ISwapRouter.ExactInputSingleParams({
                    tokenIn: tokenIn,
                    tokenOut: tokenOut,
                    fee: fee,
                    recipient: msg.sender,
                    deadline: block.timestamp,
                    amountIn: amountIn,
                    amountOutMinimum: 0, // checked below, with a custom error
                    sqrtPriceLimitX96: 0
                })
            );
        } else {
            amountOut = IV3SwapRouter(router).exactInputSingle(
                IV3SwapRouter.ExactInputSingleParams({
                    tokenIn: tokenIn,
                    tokenOut: tokenOut,
                    fee: fee,
                    recipient: msg.sender,
                    amountIn: amountIn,
                    amountOutMinimum: 0, // checked below, with a custom error
                    sqrtPriceLimitX96: 0
                })
            );
        }
        if (amountOut < minAmountOut) revert AdapterSlippage(amountOut, minAmountOut);
    }
}
