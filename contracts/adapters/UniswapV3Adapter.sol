// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20, IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {ISwapRouter} from "@uniswap/v3-periphery/contracts/interfaces/ISwapRouter.sol";
import {IV3SwapRouter} from "@uniswap/swap-router-contracts/contracts/interfaces/IV3SwapRouter.sol";

import {ISwapAdapter} from "@deltavault/interfaces/ISwapAdapter.sol";

/// @title UniswapV3Adapter
/// @notice Swaps on one Uniswap V3 pool through the router deployed on the chain: SwapRouter02 (Sepolia, the
///         L2s; `exactInputSingle` without a deadline) or the original SwapRouter (mainnet; with a deadline).
/// @dev Stateless between transactions: the caller transfers the input first and receives the output.
contract UniswapV3Adapter is ISwapAdapter {
    using SafeERC20 for IERC20;

    uint256 internal constant WAD = 1e18;
    uint256 internal constant Q96 = 2 ** 96;

    IUniswapV3Pool public immutable pool;
    address public immutable router;
    /// @notice True for the original SwapRouter, whose `exactInputSingle` takes a deadline.
    bool public immutable routerHasDeadline;
    address public immutable base;
    address public immutable quote;
    uint24 public immutable fee;
    bool internal immutable _baseIsToken0;
    /// @dev 10**(18 + base decimals - quote decimals): raw token1/token0 price to WAD quote per whole base.
    uint256 internal immutable _priceScale;
    /// @dev 10**(18 - base decimals): WAD base to raw base units.
    uint256 internal immutable _baseScale;

    constructor(IUniswapV3Pool pool_, address router_, bool routerHasDeadline_, address base_) {
        address token0 = pool_.token0();
        address token1 = pool_.token1();
        if (base_ != token0 && base_ != token1) revert UnsupportedToken(base_);
        pool = pool_;
        router = router_;
        routerHasDeadline = routerHasDeadline_;
        base = base_;
        _baseIsToken0 = base_ == token0;
        quote = _baseIsToken0 ? token1 : token0;
        fee = pool_.fee();
        uint8 baseDecimals = IERC20Metadata(base_).decimals();
        _priceScale = 10 ** (18 + baseDecimals - IERC20Metadata(quote).decimals());
        _baseScale = 10 ** (18 - baseDecimals);
        // The router pulls only from its caller, and the adapter holds nothing between transactions, so a
        // standing approval is safe and saves a fresh allowance write on every swap.
        IERC20(base_).forceApprove(router_, type(uint256).max);
        IERC20(quote).forceApprove(router_, type(uint256).max);
    }

    /// @inheritdoc ISwapAdapter
    function swapExactIn(
        address tokenIn,
        address tokenOut,
        uint256 amountIn,
        uint256 minAmountOut
    ) external returns (uint256 amountOut) {
        if (tokenIn != base && tokenIn != quote) revert UnsupportedToken(tokenIn);
        if (tokenOut != base && tokenOut != quote) revert UnsupportedToken(tokenOut);
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

    /// @inheritdoc ISwapAdapter
    function venuePrice() external view returns (uint256) {
        (uint160 sqrtPriceX96, , , , , , ) = pool.slot0();
        // token1 per token0 (raw units) as a Q128 number; fits in 256 bits for every valid sqrt price.
        uint256 ratioX128 = Math.mulDiv(sqrtPriceX96, sqrtPriceX96, 2 ** 64);
        if (_baseIsToken0) return Math.mulDiv(ratioX128, _priceScale, 2 ** 128);
        return Math.mulDiv(2 ** 128, _priceScale, ratioX128);
    }

    /// @inheritdoc ISwapAdapter
    /// @dev Impact: with in-range liquidity L, selling dx of token0 moves 1/sqrtP by dx/L, so the average
    ///      execution price is off by about dx * sqrtP / L; for token1, dy / (L * sqrtP). Liquidity outside the
    ///      current range is ignored, which overstates the impact of large trades (a conservative estimate).
    function tradingCost(uint256 baseAmount) external view returns (uint256 feeWad, uint256 impactWad) {
        feeWad = uint256(fee) * 1e12; // fee in hundredths of a basis point (1e-6)
        uint128 liquidity = pool.liquidity();
        if (liquidity == 0) return (feeWad, WAD);
        (uint160 sqrtPriceX96, , , , , , ) = pool.slot0();
        uint256 raw = baseAmount / _baseScale;
        impactWad = _baseIsToken0
            ? Math.mulDiv(raw * WAD, sqrtPriceX96, uint256(liquidity) * Q96)
            : Math.mulDiv(raw * WAD, Q96, uint256(liquidity) * sqrtPriceX96);
        if (impactWad > WAD) impactWad = WAD;
    }
}
