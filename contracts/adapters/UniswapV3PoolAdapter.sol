// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3SwapCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3SwapCallback.sol";

import {ISwapAdapter, ISwapPayer} from "@deltavault/interfaces/ISwapAdapter.sol";

import {UniswapV3AdapterBase} from "./UniswapV3AdapterBase.sol";

/// @title UniswapV3PoolAdapter
/// @notice Swaps directly on one Uniswap V3 pool, with no router: the pool sends the output to the caller and,
///         in its swap callback, the adapter has the caller pay the pool (`ISwapPayer.swapPayment`).
/// @dev Holds no funds and no approvals: tokens move only from the caller to the pool and from the pool to the
///      caller. The caller is kept in transient storage for the duration of the swap.
contract UniswapV3PoolAdapter is UniswapV3AdapterBase, IUniswapV3SwapCallback {
    using SafeCast for uint256;

    // ---------------------------------------------------------------- constants

    /// @dev The pool's price bounds (TickMath.MIN_SQRT_RATIO, MAX_SQRT_RATIO); the swap's price limit is one
    ///      step inside them, i.e. no limit: the caller's minimum output bounds the price.
    uint160 internal constant MIN_SQRT_RATIO = 4295128739;
    uint160 internal constant MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342;

    // ---------------------------------------------------------------- storage

    /// @dev The caller of the swap in progress, who pays the pool; address(0) when no swap is in progress.
    address internal transient _payer;

    // ---------------------------------------------------------------- constructor

    constructor(IUniswapV3Pool pool_, address base_) UniswapV3AdapterBase(pool_, base_) {}

    // ---------------------------------------------------------------- external

    /// @inheritdoc ISwapAdapter
    function swapExactIn(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 minAmountOut
    ) external returns (uint256 amountOut) {
        bool zeroForOne = _zeroForOne(tokenIn, tokenOut);
        _payer = msg.sender;
        (int256 amount0, int256 amount1) = pool.swap(
            msg.sender,
            zeroForOne,
            amountIn.toInt256(),
            zeroForOne ? MIN_SQRT_RATIO + 1 : MAX_SQRT_RATIO - 1,
            ""
        );
        _payer = address(0);
        // The output is the pool's negative delta.
        amountOut = uint256(-(zeroForOne ? amount1 : amount0));
        if (amountOut < minAmountOut) revert AdapterSlippage(amountOut, minAmountOut);
    }

    /// @notice The pool's swap callback: has the payer of the swap in progress pay what the pool is owed.
    /// @dev Only the pool, only during `swapExactIn`. The pool asks for the input token alone (the positive
    ///      delta); the payer checks the token and bounds the total by the swap's `amountIn`.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        if (msg.sender != address(pool)) revert CallbackNotFromVenue(msg.sender, address(pool));
        address payer = _payer;
        if (payer == address(0)) revert CallbackOutsideSwap();
        if (amount0Delta > 0) {
            ISwapPayer(payer).swapPayment(_baseIsToken0 ? base : quote, msg.sender, uint256(amount0Delta));
        } else if (amount1Delta > 0) {
            ISwapPayer(payer).swapPayment(_baseIsToken0 ? quote : base, msg.sender, uint256(amount1Delta));
        }
    }
}
